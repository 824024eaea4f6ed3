// Sends one fuzz input to a server as one connection: everything in one write, then
// (unless the caller waits for the server to act first) a half-close, and reads what the
// server answers until it closes its side too. Some servers drop a connection as soon as
// the peer's FIN arrives, unread data and all (Prosody 0.12), so an input whose answer
// matters is sent without one.
import { connect } from "node:net";

export interface FeedResult {
  /** Everything the server sent, as UTF-8 (lossy where it was not). */
  received: string;
  /** Stream error conditions, in order. */
  streamErrors: string[];
  /** Whether each stream error was followed by the closing stream tag (RFC 6120 4.9.1.1). */
  closedAfterError: boolean;
  /** The server did not close within the time allowed. */
  timedOut: boolean;
  wallMs: number;
}

const STREAM_ERROR = /<stream:error><([a-z-]+)[\s/>]/g;

export function feed(host: string, port: number, bytes: Buffer, timeoutMs: number, halfClose = true): Promise<FeedResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    const socket = connect(port, host, () => (halfClose ? socket.end(bytes) : socket.write(bytes)));
    socket.on("data", (d: Buffer) => chunks.push(d));
    // A server that closes early resets what it did not read: not a failure of the server.
    socket.on("error", () => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on("close", () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks).toString("utf8");
      const streamErrors = [...received.matchAll(STREAM_ERROR)].map((m) => m[1]!);
      const lastError = received.lastIndexOf("<stream:error>");
      resolve({
        received,
        streamErrors,
        closedAfterError: lastError < 0 || received.indexOf("</stream:stream>", lastError) >= 0,
        timedOut,
        wallMs: performance.now() - started,
      });
    });
  });
}
