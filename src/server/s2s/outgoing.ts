// One outgoing server-to-server stream (RFC 6120, XEP-0220 as the Initiating Server):
// the server dials a remote domain's route, opens a jabber:server stream, upgrades it
// with STARTTLS when offered, and proves each of its sending domains with a dialback
// key before it sends any stanza from that domain (DB-10). The same stream carries the
// server's db:verify requests when it checks a key for an incoming stream (DB-12). With
// the remote's <sm/> feature it enables XEP-0198 (SM-30) and keeps what was not acked.
import { connect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { dialbackElement, dialbackKey, s2sHeader, type DialbackVerdict } from "../../xmpp/dialback.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS, type StanzaCondition } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import { endSocket } from "../socket-end.js";
import { StreamParser, type StreamHeader } from "../stream-parser.js";

let nextId = 1;

export interface Route {
  host: string;
  port: number;
}

/** What the link tells the server about its stanzas once they leave its hands. */
export interface LinkOwner {
  /** Stanzas that could not be sent (dialback failed, the stream broke before they went): bounce them. */
  failed(stanzas: Element[], condition: StanzaCondition): void;
  /** Stanzas sent but never acknowledged on a stream that broke: send them again. */
  unacked(stanzas: Element[]): void;
  gone(link: OutgoingLink): void;
}

type Phase = "connecting" | "opening" | "ready" | "closed";

export class OutgoingLink {
  readonly id = nextId++;
  private phase: Phase = "connecting";
  private socket: Socket;
  private parser: StreamParser;
  private streamId: string | undefined;
  private features: Element | undefined;
  private secure = false;
  /** Per sending domain: waiting for the remote's verdict, or proven. */
  private readonly pairs = new Map<string, "pending" | "valid">();
  private readonly queues = new Map<string, Element[]>();
  /** db:verify requests written or waiting for the stream, by "from to id". */
  private readonly verifies = new Map<string, { el: Element; resolve: (v: DialbackVerdict) => void; sent: boolean }>();
  /** XEP-0198 on this stream: off, asked for, or on with what was sent and not yet acked. */
  private sm: "off" | "enabling" | "on" = "off";
  private unacked: Element[] = [];
  private acked = 0;
  private ackRequested = false;
  private readonly deadline: NodeJS.Timeout;

  constructor(
    private readonly ctx: ServerContext,
    readonly domain: string,
    route: Route,
    private readonly secret: string,
    private readonly timeoutMs: number,
    private readonly owner: LinkOwner,
  ) {
    this.socket = connect(route.port, route.host);
    this.socket.setNoDelay(true);
    this.parser = this.newParser();
    this.listen(this.socket);
    this.socket.once("connect", () => this.guard(() => this.openStream()));
    // A remote that never opens its stream is a timeout (DB-22); so is one that never answers a dialback request.
    this.deadline = ctx.timers.after(timeoutMs, () => this.guard(() => this.fail("remote-server-timeout", "no stream in time")));
  }

  /** Sends a stanza from one of the server's domains, once that domain is proven on this stream. */
  send(el: Element): void {
    const from = domainOf(el.attrs.from);
    if (this.pairs.get(from) === "valid" && this.sm !== "enabling") return this.write(el);
    const queue = this.queues.get(from) ?? [];
    queue.push(el);
    this.queues.set(from, queue);
    if (!this.pairs.has(from) && this.phase === "ready") this.askDialback(from);
  }

  /** Asks the remote, as the authoritative server of `remote`, whether `key` is right (DB-12). */
  verify(local: string, streamId: string, key: string): Promise<DialbackVerdict> {
    return new Promise((resolve) => {
      if (this.phase === "closed") return resolve("error");
      const el = dialbackElement("verify", { from: local, to: this.domain, id: streamId }, key);
      const entry = { el, resolve, sent: false };
      this.verifies.set(`${local} ${this.domain} ${streamId}`, entry);
      if (this.phase === "ready") this.sendVerify(entry);
    });
  }

  get closed(): boolean {
    return this.phase === "closed";
  }

  destroy(): void {
    this.phase = "closed";
    this.parser.stop();
    this.socket.destroy();
  }

  private newParser(): StreamParser {
    return new StreamParser(
      {
        header: (h) => this.guard(() => this.onHeader(h)),
        element: (el) =>
          this.guard(() => {
            if (this.ctx.logging) this.ctx.log(`s2sout#${this.id} << ${el.toString()}`);
            this.onElement(el);
          }),
        end: () =>
          this.guard(() => {
            this.raw("</stream:stream>");
            this.lost("remote-server-timeout", "the remote closed the stream");
          }),
        error: (_condition, text) => this.guard(() => this.fail("remote-server-timeout", `unreadable stream: ${text}`)),
      },
      this.ctx.config,
    );
  }

  private listen(socket: Socket): void {
    socket.on("data", (data: Buffer) => this.guard(() => this.parser.write(data)));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.ctx.log(`s2sout#${this.id} ${this.domain}: ${err.message}`);
      // Nobody listens at the route: the remote server is not there (RFC 6120 4.9.3.16 vs .17).
      const refused = err.code === "ECONNREFUSED" || err.code === "EHOSTUNREACH";
      this.guard(() => this.fail(refused ? "remote-server-not-found" : "remote-server-timeout", err.message));
    });
    socket.on("close", () => {
      if (socket === this.socket) this.guard(() => this.lost("remote-server-timeout", "connection closed"));
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`s2sout#${this.id} internal error: ${(err as Error).stack ?? String(err)}`);
      this.fail("internal-server-error", "internal error");
    }
  }

  private raw(text: string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (this.ctx.logging) this.ctx.log(`s2sout#${this.id} >> ${text}`);
    this.socket.write(text);
  }

  /** A stanza leaves in jabber:server, counted for XEP-0198 when it is on. */
  private write(el: Element): void {
    const ns = el.attrs.xmlns;
    el.attrs.xmlns = NS.server;
    this.raw(el.toString());
    el.attrs.xmlns = ns;
    if (this.sm !== "on") return;
    this.unacked.push(el);
    if (this.ackRequested) return;
    // One <r/> per burst of stanzas, not one per stanza.
    this.ackRequested = true;
    queueMicrotask(() => {
      this.ackRequested = false;
      if (this.phase === "ready") this.raw(xml("r", { xmlns: NS.sm3 }).toString());
    });
  }

  private openStream(): void {
    this.phase = "opening";
    this.features = undefined;
    this.streamId = undefined;
    // The first domain waiting to send names itself; a verify-only stream names the server.
    const from = this.queues.keys().next().value ?? this.ctx.config.domain;
    this.raw(s2sHeader({ from, to: this.domain, id: this.ctx.faults.has("s2s.outgoing-header-with-id") ? String(this.id) : undefined }));
  }

  private onHeader(h: StreamHeader): void {
    if (h.ns !== NS.stream || h.defaultNs !== NS.server) return this.fail("remote-server-not-found", "not a jabber:server stream");
    this.streamId = h.attrs.id;
    if (!this.streamId) return this.fail("remote-server-not-found", "the remote's header has no id");
    // A pre-1.0 remote sends no features: dialback right away.
    if (!/^1\.\d+$/.test(h.attrs.version ?? "")) this.onFeatures(xml("stream:features"));
  }

  private onElement(el: Element): void {
    const ns = el.getNS();
    if (el.name === "features" && ns === NS.stream) return this.onFeatures(el);
    if (ns === NS.tls && el.name === "proceed") return this.startTls();
    if (ns === NS.tls && el.name === "failure") return this.fail("remote-server-timeout", "STARTTLS failed");
    if (ns === NS.dialback && el.name === "result") return this.onResult(el);
    if (ns === NS.dialback && el.name === "verify") return this.onVerifyAnswer(el);
    if (ns === NS.sm3) return this.onSm(el);
    if (el.name === "error" && ns === NS.stream) return this.fail("remote-server-timeout", `stream error ${el.getChildElements()[0]?.name ?? ""}`);
    // Streams are one-way (DB-06): the remote has no business sending stanzas here.
    this.ctx.log(`s2sout#${this.id} ignored <${el.name} xmlns='${ns}'/>`);
  }

  private onFeatures(features: Element): void {
    if (features.getChild("starttls", NS.tls) && !this.secure && this.ctx.config.tls !== "off") {
      this.raw(xml("starttls", { xmlns: NS.tls }).toString());
      return;
    }
    this.features = features;
    this.phase = "ready";
    this.ctx.timers.cancel(this.deadline);
    if (features.getChild("c", NS.caps)) this.ctx.hooks.fireAll("remote-features", { domain: this.domain, features });
    for (const v of this.verifies.values()) if (!v.sent) this.sendVerify(v);
    for (const from of this.queues.keys()) if (!this.pairs.has(from)) this.askDialback(from);
  }

  /** The remote checks the server's identity on an encrypted stream; the server does not check the remote's certificate (dialback does that). */
  private startTls(): void {
    this.parser.stop();
    const raw = this.socket;
    raw.removeAllListeners("data");
    const secured = tlsConnect({ socket: raw, servername: this.domain, rejectUnauthorized: false });
    this.socket = secured;
    this.secure = true;
    this.parser = this.newParser();
    this.listen(secured);
    secured.once("secureConnect", () => this.guard(() => this.openStream()));
  }

  private askDialback(from: string): void {
    this.pairs.set(from, "pending");
    const key = this.ctx.faults.has("s2s.empty-key") ? undefined : dialbackKey(this.secret, this.domain, from, this.streamId!);
    this.raw(dialbackElement("result", { from, to: this.domain }, key).toString());
    if (this.ctx.faults.has("s2s.send-before-valid")) return this.flush(from);
    this.ctx.timers.after(this.timeoutMs, () =>
      this.guard(() => {
        if (this.pairs.get(from) !== "pending" || this.phase === "closed") return;
        this.pairs.delete(from);
        const queued = this.queues.get(from) ?? [];
        this.queues.delete(from);
        this.ctx.log(`s2sout#${this.id} ${from} → ${this.domain}: no dialback verdict in time`);
        this.owner.failed(queued, "remote-server-timeout");
      }),
    );
  }

  private sendVerify(v: { el: Element; sent: boolean }): void {
    v.sent = true;
    this.raw(v.el.toString());
  }

  private onResult(el: Element): void {
    const from = el.attrs.to ?? "";
    if (this.pairs.get(from) !== "pending" || el.attrs.from !== this.domain) return;
    const queued = this.queues.get(from) ?? [];
    if (el.attrs.type === "valid") {
      this.pairs.set(from, "valid");
      if (this.sm === "off" && this.features?.getChild("sm", NS.sm3)) {
        this.sm = "enabling";
        this.raw(xml("enable", { xmlns: NS.sm3 }).toString());
        return;
      }
      return this.flush(from);
    }
    // DB-22: invalid bounces with internal-server-error and ends the stream; an error keeps it.
    this.pairs.delete(from);
    this.queues.delete(from);
    if (el.attrs.type === "invalid") {
      this.owner.failed(queued, this.ctx.faults.has("s2s.invalid-bounce-as-timeout") ? "remote-server-timeout" : "internal-server-error");
      return this.close();
    }
    this.owner.failed(queued, "remote-server-timeout");
  }

  private flush(from?: string): void {
    for (const domain of from ? [from] : [...this.queues.keys()]) {
      if (this.pairs.get(domain) !== "valid" && !this.ctx.faults.has("s2s.send-before-valid")) continue;
      const queue = this.queues.get(domain) ?? [];
      this.queues.delete(domain);
      for (const el of queue) this.write(el);
    }
  }

  private onVerifyAnswer(el: Element): void {
    const key = `${el.attrs.to} ${el.attrs.from} ${el.attrs.id}`;
    const entry = this.verifies.get(key);
    if (!entry) return;
    this.verifies.delete(key);
    const type = el.attrs.type;
    entry.resolve(type === "valid" ? "valid" : type === "invalid" ? "invalid" : "error");
  }

  private onSm(el: Element): void {
    if (el.name === "enabled" || el.name === "failed") {
      if (this.sm !== "enabling") return;
      this.sm = el.name === "enabled" ? "on" : "off";
      return this.flush();
    }
    if (el.name === "r") return this.raw(xml("a", { xmlns: NS.sm3, h: "0" }).toString());
    if (el.name === "a" && this.sm === "on") {
      const h = Number(el.attrs.h);
      const newlyAcked = (h - this.acked) >>> 0;
      if (!Number.isSafeInteger(h) || newlyAcked > this.unacked.length) return this.fail("remote-server-timeout", "the remote acknowledged more than was sent");
      this.unacked.splice(0, newlyAcked);
      this.acked = h;
    }
  }

  private close(): void {
    if (this.phase === "closed") return;
    this.raw("</stream:stream>");
    this.lost("remote-server-timeout", "closed");
    endSocket(this.socket, this.ctx.timers);
  }

  /** Connection-level failure: nothing on this link can be delivered. */
  private fail(condition: StanzaCondition, why: string): void {
    if (this.phase === "closed") return;
    this.ctx.log(`s2sout#${this.id} ${this.domain}: ${why}`);
    this.lost(condition, why);
    this.socket.destroy();
  }

  /** The stream is gone: waiting stanzas bounce, unacknowledged ones go again, verifications fail (DB-23). */
  private lost(condition: StanzaCondition, why: string): void {
    if (this.phase === "closed") return;
    this.phase = "closed";
    this.parser.stop();
    this.ctx.timers.cancel(this.deadline);
    this.ctx.log(`s2sout#${this.id} ${this.domain} gone: ${why}`);
    for (const v of this.verifies.values()) v.resolve("error");
    this.verifies.clear();
    const waiting = [...this.queues.values()].flat();
    this.queues.clear();
    const unacked = this.unacked;
    this.unacked = [];
    this.owner.gone(this);
    this.ctx.hooks.fireAll("remote-gone", { domain: this.domain });
    if (waiting.length) this.owner.failed(waiting, condition);
    if (unacked.length && !this.ctx.faults.has("sm.s2s-lose-unacked")) this.owner.unacked(unacked);
  }
}

export function domainOf(jid: string | undefined): string {
  const s = (jid ?? "").split("/")[0]!;
  return s.slice(s.indexOf("@") + 1);
}
