// A bare socket speaking XMPP by string, for server tests that must control every byte.
import { connect, type Socket } from "node:net";
import { parseXml, type Element } from "../src/xmpp/element.js";

export const STREAM_HEADER = (domain = "localhost") =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;

let askCounter = 0;

/** The stanza error condition of an error reply; for anything else, what it is instead. */
export function errorCondition(reply: Element): string {
  if (reply.attrs.type !== "error") return `type ${reply.attrs.type}: ${reply.toString()}`;
  return reply.getChild("error")?.getChildElements()[0]?.name ?? "no condition";
}

/** Resolves once a PLAIN login as `username` is refused with not-authorized. */
export async function expectLoginRefused(port: number, username: string, password: string): Promise<void> {
  const c = await RawClient.open(port);
  try {
    c.send(STREAM_HEADER());
    await c.expect(/<\/stream:features>/);
    c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${username}\0${password}`).toString("base64")}</auth>`);
    await c.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/><\/failure>/);
  } finally {
    c.kill();
  }
}

export class RawClient {
  buffer = "";
  closed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buffer += d;
      this.notify();
    });
    socket.on("close", () => {
      this.closed = true;
      this.notify();
    });
    socket.on("error", () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => resolve(new RawClient(s)));
      s.once("error", reject);
    });
  }

  /** A client over a socket the caller connected (a TLS socket, say). */
  static over(socket: Socket): RawClient {
    return new RawClient(socket);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until the buffer matches; returns the match and consumes the buffer up to its end. */
  async expect(re: RegExp, timeout = 2000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return m;
      }
      if (this.closed || Date.now() > deadline) throw new Error(`no ${re} in ${JSON.stringify(this.buffer)}${this.closed ? " (closed)" : ""}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends the iq `build` makes with the id it is given; returns the answer, parsed (consuming the buffer up to it, like expect). */
  async ask(build: (id: string) => string): Promise<Element> {
    const id = `ask${++askCounter}`;
    this.send(build(id));
    const m = await this.expect(new RegExp(`<iq [^>]*\\bid="${id}"(?:[^>]*/>|[^>]*>[\\s\\S]*?</iq>)`));
    return parseXml(m[0]);
  }

  waitClosed(timeout = 2000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("socket still open")), timeout);
      this.socket.once("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Opens a stream, authenticates with PLAIN and restarts; optionally binds. */
  async login(username: string, password: string, resource?: string | false): Promise<void> {
    this.send(STREAM_HEADER());
    await this.expect(/<\/stream:features>/);
    const plain = Buffer.from(`\0${username}\0${password}`).toString("base64");
    this.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
    await this.expect(/<success[^>]*\/>/);
    this.send(STREAM_HEADER());
    await this.expect(/<\/stream:features>/);
    if (resource === false) return;
    const res = resource ? `<resource>${resource}</resource>` : "";
    this.send(`<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>${res}</bind></iq>`);
    await this.expect(/<jid>[^<]+<\/jid>/);
  }

  kill(): void {
    this.socket.destroy();
  }
}
