// A bare socket speaking XMPP by string, for server tests that must control every byte.
import { connect, type Socket } from "node:net";

export const STREAM_HEADER = (domain = "localhost") =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;

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
