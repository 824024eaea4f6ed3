// A TCP proxy that delays every chunk, both ways, by a fixed time: a slow link between
// the harness and a server, on loopback. Chunks and the closing FIN keep their order
// (timers of equal duration fire in the order they were set).
import { createServer, connect, type Server, type Socket } from "node:net";

export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

export async function delayProxy(upstream: { host: string; port: number }, oneWayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const server = connect(upstream.port, upstream.host);
    for (const s of [client, server]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        server.destroy();
      });
    }
    relay(client, server, oneWayMs);
    relay(server, client, oneWayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function relay(from: Socket, to: Socket, ms: number): void {
  from.on("data", (chunk) => setTimeout(() => to.writable && to.write(chunk), ms));
  from.on("end", () => setTimeout(() => to.end(), ms));
  from.on("close", () => setTimeout(() => to.destroy(), ms));
}
