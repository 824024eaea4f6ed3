// @xmpp/client in a process of its own, as an application uses it: client() with its
// default modules, among them stream management (which enables resumption and resumes
// on reconnect) and reconnect. The harness drives it over JSON lines (protocol.ts);
// certificate trust comes from the environment the harness starts it with
// (NODE_EXTRA_CA_CERTS, NODE_TLS_REJECT_UNAUTHORIZED), as a Node application's would.
import { client, xml } from "@xmpp/client";
import type Element from "ltx/lib/Element.js";
import { createInterface } from "node:readline";
import type { DriverCommand, DriverConfig, DriverEvent } from "./protocol.js";

const SM = "urn:xmpp:sm:3";

const emit = (e: DriverEvent): void => void process.stdout.write(`${JSON.stringify(e)}\n`);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function main(): Promise<void> {
  const first = await lines.next();
  if (first.done) return;
  const config = JSON.parse(first.value) as DriverConfig;
  const scheme = config.tls === "direct" ? "xmpps" : "xmpp";
  const xmpp = client({
    service: `${scheme}://${config.host}:${config.port}`,
    domain: config.domain,
    username: config.username,
    password: config.password,
    resource: config.resource,
    timeout: config.timeoutMs,
  });

  // Observation only: what the library writes and reads goes to the harness's transcript.
  const write = xmpp.write.bind(xmpp);
  xmpp.write = (data: string) => (emit({ event: "wire", dir: "out", data }), write(data));
  const onData = xmpp._onData.bind(xmpp);
  xmpp._onData = (data: Buffer) => (emit({ event: "wire", dir: "in", data: data.toString("utf8") }), onData(data));

  let dropping = false;
  xmpp.on("error", (err: Error) => emit({ event: "log", text: `error: ${err.message}` }));
  xmpp.on("online", async (jid: { toString(): string }) => {
    await xmpp.send(xml("presence"));
    emit({ event: "online", jid: jid.toString() });
  });
  xmpp.on("nonza", (el: Element) => {
    if (el.is("enabled", SM)) emit({ event: "sm-enabled", id: el.attrs.id ?? "", resume: ["true", "1"].includes(el.attrs.resume ?? "") });
    if (el.is("failed", SM)) emit({ event: "sm-failed", condition: el.getChildElements()[0]?.name ?? "none" });
  });
  xmpp.on("stanza", (el: Element) => {
    const body = el.getChildText("body");
    if (el.is("message") && body !== null) emit({ event: "message", from: el.attrs.from ?? "", id: el.attrs.id ?? "", body });
  });
  xmpp.on("disconnect", () => {
    if (!dropping) return;
    dropping = false;
    emit({ event: "dropped", handled: xmpp.streamManagement.inbound });
  });
  xmpp.streamManagement.on("resumed", () => emit({ event: "resumed" }));

  xmpp.start().catch((err: Error) => {
    if (/no compatible mechanism/i.test(err.message)) emit({ event: "unsupported", reason: `${err.message} (it knows SCRAM-SHA-1 and PLAIN)` });
    else emit({ event: "error", message: `login failed: ${err.message}` });
  });

  // Commands run as they come: a reconnect or a ping still waiting must not hold up a stop.
  const run = async (cmd: DriverCommand): Promise<void> => {
    switch (cmd.op) {
      case "send":
        return xmpp.send(xml("message", { to: cmd.to, id: cmd.id, type: "chat" }, xml("body", {}, cmd.body)));
      case "ping":
        await xmpp.iqCaller.request(xml("iq", { type: "get", to: config.domain }, xml("ping", { xmlns: "urn:xmpp:ping" })));
        return emit({ event: "pong" });
      case "drop": {
        // The harness, not the reconnect module's timer, decides when the library comes back:
        // what the test sends while it is away must be sent while it is away.
        xmpp.reconnect.stop();
        dropping = true;
        const socket = xmpp.socket as unknown as { destroy?: () => void; socket?: { destroy(): void } };
        return (socket.socket ?? socket).destroy?.();
      }
      case "reconnect":
        xmpp.reconnect.start();
        return xmpp.reconnect.reconnect();
      case "stop":
        xmpp.reconnect.stop();
        // Sends <a/> with what it received, then </stream:stream>, and waits for the server's.
        await xmpp.stop().catch((err: Error) => emit({ event: "log", text: `stop: ${err.message}` }));
        emit({ event: "stopped" });
        process.exit(0);
    }
  };
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const cmd = JSON.parse(next.value) as DriverCommand;
    run(cmd).catch((err: Error) => emit({ event: "error", message: `${cmd.op}: ${err.message}` }));
  }
  // The harness went away: so does the library, without a word.
  process.exit(0);
}

main().catch((err: unknown) => {
  emit({ event: "error", message: (err as Error).message });
  process.exit(1);
});
