// One incoming server-to-server stream (RFC 6120, XEP-0220 as the Receiving and the
// Authoritative Server): a remote server opens a jabber:server stream to one of the
// server's domains, may upgrade it with STARTTLS, and proves each domain it sends from
// with a dialback key, which the server checks with that domain's authoritative server
// (DB-12) before taking a stanza from it (DB-15). The server answers db:verify for keys
// it issued itself. With <enable/> the stream counts the stanzas it received (SM-30).
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { streamError } from "../../xmpp/builders.js";
import { dialbackElement, dialbackError, dialbackFeature, dialbackKey, s2sHeader, type DialbackVerdict } from "../../xmpp/dialback.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS, type StreamCondition } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import type { Slot } from "../limits.js";
import { route, wellFormedIq } from "../router.js";
import { endSocket } from "../socket-end.js";
import { StreamParser, type StreamHeader } from "../stream-parser.js";
import { domainOf } from "./outgoing.js";
import type { RemoteServers } from "./remotes.js";

let nextId = 1;

export class IncomingStream {
  readonly id = nextId++;
  private socket: Socket;
  private parser: StreamParser;
  /** Unpredictable, and new after STARTTLS: a dialback key is bound to it (DB-03). */
  private streamId = "";
  private secure = false;
  private headerSent = false;
  private closing = false;
  /** "remote local" pairs proven on this stream, and those being checked. */
  private readonly verified = new Set<string>();
  private readonly pending = new Set<string>();
  /** XEP-0198 on this stream: stanzas received since <enable/>, or undefined when off. */
  private h: number | undefined;

  constructor(
    private readonly ctx: ServerContext,
    socket: Socket,
    private readonly remotes: RemoteServers,
    private readonly slot: Pick<Slot, "authenticated">,
    private readonly onGone: (s: IncomingStream) => void,
  ) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.parser = this.newParser();
    this.listen(socket);
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** A stanza for the remote, in jabber:server (only the fault s2s.reply-on-incoming-stream sends one this way). */
  writeStanza(el: Element): void {
    const ns = el.attrs.xmlns;
    el.attrs.xmlns = NS.server;
    this.write(el);
    el.attrs.xmlns = ns;
  }

  /** Ends the stream from outside its own events (a cap, a deadline), guarded like them. */
  end(condition: StreamCondition, text: string): void {
    this.guard(() => this.streamError(condition, text));
  }

  private newParser(): StreamParser {
    return new StreamParser(
      {
        header: (h) => this.guard(() => this.onHeader(h)),
        element: (el) =>
          this.guard(() => {
            if (this.ctx.logging) this.ctx.log(`s2sin#${this.id} << ${el.toString()}`);
            this.onElement(el);
          }),
        end: () =>
          this.guard(() => {
            this.write("</stream:stream>");
            this.close();
          }),
        error: (condition, text) => this.guard(() => this.streamError(condition, text)),
      },
      this.ctx.config,
    );
  }

  private listen(socket: Socket): void {
    socket.on("data", (data: Buffer) => this.guard(() => this.parser.write(data)));
    socket.on("error", (err) => this.ctx.log(`s2sin#${this.id} socket error: ${err.message}`));
    socket.on("close", () => {
      if (socket !== this.socket) return;
      this.closing = true;
      this.parser.stop();
      this.onGone(this);
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`s2sin#${this.id} internal error: ${(err as Error).stack ?? String(err)}`);
      this.streamError("internal-server-error");
    }
  }

  private write(el: Element | string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const text = el.toString();
    if (this.ctx.logging) this.ctx.log(`s2sin#${this.id} >> ${text}`);
    this.socket.write(text);
  }

  private streamError(condition: StreamCondition, text?: string): void {
    if (this.closing) return;
    this.ctx.log(`s2sin#${this.id} stream error ${condition}${text ? `: ${text}` : ""}`);
    if (!this.headerSent) this.sendHeader(this.ctx.config.domain, undefined, true);
    this.write(`${streamError(condition, text).toString()}</stream:stream>`);
    this.close();
  }

  private close(): void {
    this.closing = true;
    this.parser.stop();
    endSocket(this.socket, this.ctx.timers);
  }

  /** Domains a remote may address here: the server's own and the components it serves. */
  private hosted(domain: string): boolean {
    return domain === this.ctx.config.domain || this.ctx.components.configured(domain);
  }

  private sendHeader(from: string, to: string | undefined, version: boolean): void {
    this.headerSent = true;
    this.streamId = randomBytes(12).toString("hex");
    this.write(
      s2sHeader({ id: this.streamId, from: this.ctx.faults.has("s2s.header-without-from") ? undefined : from, to, version: version ? "1.0" : undefined }),
    );
  }

  private onHeader(h: StreamHeader): void {
    const to = h.attrs.to?.toLowerCase() ?? this.ctx.config.domain;
    const from = h.attrs.from?.toLowerCase();
    const version = /^1\.\d+$/.test(h.attrs.version ?? "");
    if (h.ns !== NS.stream || h.name !== "stream") return this.streamError("invalid-namespace", "not a stream element");
    if (h.defaultNs !== NS.server) return this.streamError("invalid-namespace", `content namespace must be ${NS.server}`);
    if (!this.hosted(to) && !this.ctx.faults.has("s2s.unknown-host-accepted")) return this.streamError("host-unknown", `this server does not host ${to}`);
    this.sendHeader(to, from, version);
    // A pre-1.0 remote gets no features and starts dialback at once.
    if (version) this.write(xml("stream:features", {}, ...this.features()));
  }

  private features(): Element[] {
    const out: Element[] = [];
    if (this.ctx.config.tls !== "off" && !this.secure) out.push(xml("starttls", { xmlns: NS.tls }));
    if (!this.ctx.faults.has("s2s.no-dialback-errors-feature")) out.push(dialbackFeature());
    this.ctx.hooks.fireAll("s2s-stream-features", { features: out });
    out.push(xml("sm", { xmlns: NS.sm3 }));
    return out;
  }

  private onElement(el: Element): void {
    if (this.closing) return;
    const ns = el.getNS();
    if (ns === NS.server && (el.name === "message" || el.name === "presence" || el.name === "iq")) return this.onStanza(el);
    if (ns === NS.tls && el.name === "starttls") return this.startTls();
    if (ns === NS.dialback && el.name === "result") return el.attrs.type ? this.onUnsolicited(el) : this.onResult(el);
    if (ns === NS.dialback && el.name === "verify" && !el.attrs.type) return this.onVerify(el);
    if (ns === NS.sm3) return this.onSm(el);
    this.streamError("unsupported-stanza-type", `<${el.name} xmlns='${ns}'/> is not expected here`);
  }

  private startTls(): void {
    if (this.ctx.config.tls === "off" || this.secure) {
      this.write(xml("failure", { xmlns: NS.tls }));
      this.write("</stream:stream>");
      return this.close();
    }
    this.write(xml("proceed", { xmlns: NS.tls }));
    this.parser.stop();
    const raw = this.socket;
    raw.removeAllListeners("data");
    this.socket = new TLSSocket(raw, { isServer: true, secureContext: this.ctx.secureContext });
    this.secure = true;
    this.headerSent = false;
    // Pairs proven before the upgrade belong to the old stream id (DB-03).
    this.verified.clear();
    this.parser = this.newParser();
    this.listen(this.socket);
  }

  /** Step 1 → 2 → 4 of XEP-0220 as the Receiving Server. */
  private onResult(el: Element): void {
    const remote = el.attrs.from?.toLowerCase() ?? "";
    const local = el.attrs.to?.toLowerCase() ?? "";
    const key = el.getText();
    const answer = (type: DialbackVerdict, error?: Element) => this.write(dialbackElement("result", { from: local, to: remote, type }, undefined, error));
    if (!this.hosted(local)) {
      // DB-14: a dialback error, not a stream error; the stream goes on.
      if (this.ctx.faults.has("s2s.db-error-closes-stream")) return this.streamError("host-unknown", `this server does not host ${local}`);
      return answer("error", dialbackError("item-not-found"));
    }
    if (!remote || !key) return this.streamError("improper-addressing", "a db:result names its domains and carries a key");
    const pair = `${remote} ${local}`;
    if (this.verified.has(pair) || this.pending.has(pair)) return;
    if (!this.remotes.routed(remote)) return answer("error", dialbackError("remote-server-not-found"));
    this.pending.add(pair);
    const streamId = this.streamId;
    void this.remotes.verify(remote, local, streamId, key).then((verdict) =>
      this.guard(() => {
        this.pending.delete(pair);
        if (this.closing || streamId !== this.streamId) return;
        if (verdict === "valid") {
          this.verified.add(pair);
          this.slot.authenticated();
          this.remotes.proven(remote, this);
          return answer("valid");
        }
        if (verdict === "error" && !this.ctx.faults.has("s2s.verify-error-as-invalid")) return answer("error", dialbackError("remote-server-not-found"));
        // DB-17: invalid on a stream with nothing proven ends it; otherwise the stream stays for the proven pairs.
        answer("invalid");
        if (this.verified.size === 0 && !this.ctx.faults.has("s2s.invalid-keeps-stream")) {
          this.write("</stream:stream>");
          this.close();
        }
      }),
    );
  }

  /** DB-19: a typed db:result answers nothing this server asked; it proves nothing. */
  private onUnsolicited(el: Element): void {
    if (this.ctx.faults.has("s2s.accept-unverified") && el.attrs.type === "valid") this.verified.add(`${el.attrs.to?.toLowerCase()} ${el.attrs.from?.toLowerCase()}`);
  }

  /** Step 3 as the Authoritative Server: the key is recomputed, never remembered (DB-13). */
  private onVerify(el: Element): void {
    const receiving = el.attrs.from?.toLowerCase() ?? "";
    const originating = el.attrs.to?.toLowerCase() ?? "";
    const id = el.attrs.id ?? "";
    const reply = (type: DialbackVerdict, error?: Element) => this.write(dialbackElement("verify", { from: originating, to: receiving, id, type }, undefined, error));
    if (!this.remotes.ours(originating)) return reply("error", dialbackError("item-not-found"));
    const right = dialbackKey(this.remotes.secret, receiving, originating, id) === el.getText();
    reply(right || this.ctx.faults.has("s2s.verify-always-valid") ? "valid" : "invalid");
  }

  /** RFC 6120 8.1.1.1, DB-05: both addresses, a verified 'from' domain, and a 'to' the pair covers. */
  private onStanza(el: Element): void {
    if (el.attrs.from === undefined || el.attrs.to === undefined) return this.streamError("improper-addressing", "S2S stanzas carry 'from' and 'to'");
    const from = domainOf(el.attrs.from).toLowerCase();
    const to = domainOf(el.attrs.to).toLowerCase();
    if (!this.ctx.faults.has("s2s.accept-unverified")) {
      const locals = [...this.verified].filter((p) => p.startsWith(`${from} `)).map((p) => p.slice(from.length + 1));
      if (this.verified.size === 0) return this.streamError("not-authorized", "no domain is verified on this stream");
      if (locals.length === 0) return this.streamError("invalid-from", `${from} is not verified on this stream`);
      // A subdomain of a proven domain (pubsub.<domain>) rides on its pair: the router decides what serves it.
      if (!locals.some((l) => to === l || to.endsWith(`.${l}`))) return this.streamError("host-unknown", `${to} is not proven for ${from} on this stream`);
    }
    if (this.h !== undefined) this.h = (this.h + 1) >>> 0;
    el.attrs.xmlns = NS.client;
    if (el.name === "iq" && !wellFormedIq(el)) return;
    if (el.name === "message" && this.ctx.faults.has("s2s.drop-remote-messages")) return;
    route(this.ctx, el, true);
  }

  /** XEP-0198 on S2S (SM-30): counting and acks, no resumption. */
  private onSm(el: Element): void {
    if (el.name === "enable") {
      if (this.verified.size === 0 || this.h !== undefined) return this.write(xml("failed", { xmlns: NS.sm3 }, xml("unexpected-request", { xmlns: NS.stanzas })));
      this.h = 0;
      return this.write(xml("enabled", { xmlns: NS.sm3 }));
    }
    if (el.name === "r" && this.h !== undefined) {
      if (this.ctx.faults.has("sm.s2s-wrong-h")) this.h = (this.h + 1) >>> 0;
      return this.write(xml("a", { xmlns: NS.sm3, h: String(this.h) }));
    }
    // The server sends no stanzas on a stream it did not open, so an <a/> acknowledges nothing.
    if (el.name === "a") return;
    this.streamError("unsupported-stanza-type", `<${el.name} xmlns='${NS.sm3}'/> is not expected here`);
  }
}
