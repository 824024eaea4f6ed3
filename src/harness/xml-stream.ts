// One XML stream on a socket the harness opened or accepted: the S2S peer's streams and
// both legs of the recorder. Written here because xmpp.js has none: its ConnectionTCP
// opens client-style streams only (it writes its own header, cannot serve an accepted
// socket, and has no server-side STARTTLS). Elements are parsed with @xmpp/xml's
// streaming parser, as the client's are; every write and every chunk read goes into the
// transcript of the test using it.
import type { Socket } from "node:net";
import { connect as tlsConnect, TLSSocket, type SecureContext } from "node:tls";
import { Parser } from "@xmpp/xml";
import type { Element } from "../xmpp/element.js";
import { describeSocketError } from "./errors.js";
import type { Transcript } from "./transcript.js";

export interface StreamEvents {
  header(el: Element): void;
  element(el: Element): void;
  /** The other side sent `</stream:stream>` ("stream") or the socket closed ("socket"). */
  closed(how: "stream" | "socket"): void;
}

export class XmlStream {
  /** Where writes and reads are recorded: the transcript of the test the stream serves now. */
  transcript: Transcript | undefined;
  secure = false;
  socketClosed = false;
  private socket: Socket;
  private parser!: Parser;
  private closeWaiters: Array<() => void> = [];

  constructor(
    socket: Socket,
    readonly label: string,
    private readonly events: StreamEvents,
    transcript?: Transcript,
  ) {
    this.transcript = transcript;
    this.socket = socket;
    socket.setNoDelay(true);
    this.restart();
    this.listen(socket);
    socket.on("close", () => this.onSocketClosed());
    socket.on("error", (err) => this.note(`socket error: ${describeSocketError(err)}`));
  }

  note(text: string): void {
    this.transcript?.add("event", this.label, text);
  }

  /** Starts a new stream on the same connection (after TLS): a fresh parser expects a new header. */
  restart(): void {
    const parser = new Parser();
    parser.on("start", (el) => this.parser === parser && this.events.header(el));
    parser.on("element", (el) => this.parser === parser && this.events.element(el));
    parser.on("end", () => this.parser === parser && this.events.closed("stream"));
    parser.on("error", (err) => {
      if (this.parser !== parser) return;
      this.note(`not well-formed input: ${err.message}`);
      this.destroy();
    });
    this.parser = parser;
  }

  private listen(socket: Socket): void {
    socket.on("data", (data: Buffer) => {
      if (socket !== this.socket) return;
      const text = data.toString("utf8");
      this.transcript?.add("in", this.label, text);
      try {
        this.parser.write(text);
      } catch (err) {
        // ltx throws (an undefined entity) where it does not emit an error.
        this.note(`not well-formed input: ${(err as Error).message}`);
        this.destroy();
      }
    });
  }

  write(data: Element | string): Promise<void> {
    const text = String(data);
    if (this.socketClosed || this.socket.destroyed) return Promise.reject(new Error(`${this.label}: the connection is closed`));
    this.transcript?.add("out", this.label, text);
    return new Promise((resolve, reject) => this.socket.write(text, (err) => (err ? reject(err) : resolve())));
  }

  /** STARTTLS as the initiating side, after `<proceed/>`; the certificate is not checked (dialback authenticates). */
  async startTlsClient(servername: string): Promise<void> {
    const plain = this.socket;
    const secure = tlsConnect({ socket: plain, servername, rejectUnauthorized: false });
    await this.upgraded(secure, "secureConnect");
  }

  /** STARTTLS as the receiving side, after sending `<proceed/>`. */
  async startTlsServer(context: SecureContext): Promise<void> {
    const secure = new TLSSocket(this.socket, { isServer: true, secureContext: context });
    await this.upgraded(secure, "secure");
  }

  private upgraded(secure: TLSSocket, event: "secure" | "secureConnect"): Promise<void> {
    this.socket = secure;
    this.restart();
    this.listen(secure);
    secure.on("error", (err) => this.note(`TLS error: ${describeSocketError(err)}`));
    return new Promise((resolve, reject) => {
      secure.once(event, () => {
        this.secure = true;
        this.note(`TLS established (${secure.getProtocol() ?? "unknown protocol"})`);
        resolve();
      });
      secure.once("error", reject);
      secure.once("close", () => reject(new Error("the connection closed during the TLS handshake")));
    });
  }

  /** Ends the TCP connection (FIN) without a closing tag. */
  finish(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onSocketClosed(): void {
    if (this.socketClosed) return;
    this.socketClosed = true;
    this.note("socket closed");
    this.events.closed("socket");
    for (const f of this.closeWaiters.splice(0)) f();
  }

  /** Waits until the socket has closed; false on timeout. */
  waitSocketClosed(timeout: number): Promise<boolean> {
    if (this.socketClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout);
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
