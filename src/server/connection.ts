// One client-to-server connection (RFC 6120): stream header checks, features,
// STARTTLS, SASL, restarts, resource binding, then stanzas to the router and
// nonzas to their modules. A failure here never touches another connection.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { streamError } from "../xmpp/builders.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS, isSmNamespace, type StreamCondition } from "../xmpp/ns.js";
import type { ServerContext } from "./context.js";
import type { Slot } from "./limits.js";
import { errorFor } from "./replies.js";
import { routeFromClient } from "./router.js";
import { MECHANISMS, startSasl, type Mechanism, type SaslExchange } from "./sasl.js";
import type { Session } from "./session.js";
import type { SmState } from "./sm-state.js";
import { StreamParser, type StreamHeader } from "./stream-parser.js";
import { csiFeature, isCsiNonza } from "./modules/csi.js";
import { registerFeature, registerIq } from "./modules/register.js";
import { attach, countInbound, handleSm, isResumable, smFeatures, smOf, type SmHost } from "./modules/sm.js";

/** How long a closed stream's socket may linger before it is destroyed. */
const CLOSE_GRACE_MS = 250;

let nextConnectionId = 1;

export class Connection implements SmHost {
  readonly id = nextConnectionId++;
  username: string | undefined;
  session: Session | undefined;
  pendingSm: SmState | undefined;
  chunk = 0;
  private socket: Socket;
  private secure: boolean;
  private parser: StreamParser;
  private headerSent = false;
  private closing = false;
  private sasl: SaslExchange | undefined;

  constructor(
    private readonly ctx: ServerContext,
    socket: Socket,
    secure: boolean,
    /** Its place in the connection caps; told when the peer authenticates. */
    private readonly slot: Pick<Slot, "authenticated">,
    private readonly onGone: (c: Connection) => void,
  ) {
    this.socket = socket;
    this.secure = secure;
    socket.setNoDelay(true);
    this.parser = this.newParser();
    this.listen(socket);
  }

  /** Drops the socket at once (server shutdown). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** Ends the stream from outside its own events (a cap, a deadline), guarded like them. */
  end(condition: StreamCondition, text: string): void {
    this.guard(() => this.streamError(condition, text));
  }

  write(el: Element | string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const text = el.toString();
    if (this.ctx.logging) this.ctx.log(`c2s#${this.id} >> ${text}`);
    this.socket.write(text);
  }

  streamError(condition: StreamCondition, text?: string, ...extra: Element[]): void {
    if (this.closing) return;
    this.ctx.log(`c2s#${this.id} stream error ${condition}${text ? `: ${text}` : ""}`);
    if (!this.headerSent) this.sendHeader();
    this.write(`${streamError(condition, text, ...extra).toString()}</stream:stream>`);
    const session = this.session;
    this.session = undefined;
    if (session) this.ctx.sessions.end(session, "error");
    this.close();
  }

  release(conflict: boolean): void {
    this.session = undefined;
    this.pendingSm = undefined;
    if (conflict) this.streamError("conflict", "the session was resumed on another stream");
  }

  adopt(session: Session): void {
    if (this.session && this.session !== session) this.ctx.sessions.end(this.session, "closed");
    this.username ??= session.jid.local;
    this.slot.authenticated();
    this.session = session;
    this.ctx.sessions.wake(session, this);
  }

  private listen(socket: Socket): void {
    socket.on("data", (data: Buffer) => this.guard(() => this.parser.write(data)));
    socket.on("error", (err) => this.ctx.log(`c2s#${this.id} socket error: ${err.message}`));
    socket.on("close", () => this.guard(() => this.onClose(socket)));
  }

  /** Every handler runs through here: a bug becomes a stream error for this connection only. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`c2s#${this.id} internal error: ${(err as Error).stack ?? String(err)}`);
      try {
        this.streamError("internal-server-error");
      } catch {
        this.socket.destroy();
      }
    }
  }

  private newParser(): StreamParser {
    return new StreamParser(
      {
        header: (h) => this.guard(() => this.onHeader(h)),
        element: (el, chunk) =>
          this.guard(() => {
            this.chunk = chunk;
            if (this.ctx.logging) this.ctx.log(`c2s#${this.id} << ${el.toString()}`);
            this.onElement(el);
          }),
        end: () => this.guard(() => this.onStreamEnd()),
        error: (condition, text) => this.guard(() => this.streamError(condition, text)),
      },
      this.ctx.config,
    );
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return; // the raw socket under a STARTTLS upgrade
    this.closing = true;
    this.parser.stop();
    const session = this.session;
    this.session = undefined;
    if (session) this.ctx.sessions.linkLost(session);
    this.onGone(this);
  }

  private close(): void {
    this.closing = true;
    this.parser.stop();
    this.socket.end();
    const socket = this.socket;
    this.ctx.timers.after(CLOSE_GRACE_MS, () => socket.destroy());
  }

  private sendHeader(): void {
    this.headerSent = true;
    this.write(
      `<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' ` +
        `id='${randomBytes(12).toString("hex")}' from='${this.ctx.config.domain}' version='1.0' xml:lang='en'>`,
    );
  }

  private onHeader(h: StreamHeader): void {
    this.sendHeader();
    if (h.ns !== NS.stream || h.name !== "stream") return this.streamError("invalid-namespace", "not a stream element");
    if (h.defaultNs !== NS.client) return this.streamError("invalid-namespace", `content namespace must be ${NS.client}`);
    const to = h.attrs.to?.toLowerCase();
    if (to !== undefined && to !== this.ctx.config.domain) return this.streamError("host-unknown", `this server serves ${this.ctx.config.domain}`);
    if (!/^1\.\d+$/.test(h.attrs.version ?? "")) return this.streamError("unsupported-version", "version 1.0 is required");
    this.write(xml("stream:features", {}, ...this.features()));
  }

  private get tlsRequiredNow(): boolean {
    return this.ctx.config.tls === "required" && !this.secure;
  }

  private features(): Element[] {
    if (this.username !== undefined) {
      return [
        xml("bind", { xmlns: NS.bind }),
        xml("session", { xmlns: NS.session }, xml("optional")),
        ...smFeatures(this.ctx, true),
        csiFeature(),
      ];
    }
    const out: Element[] = [];
    if (this.ctx.config.tls !== "off" && !this.secure) {
      out.push(xml("starttls", { xmlns: NS.tls }, this.tlsRequiredNow ? xml("required") : null));
    }
    if (!this.tlsRequiredNow) {
      out.push(xml("mechanisms", { xmlns: NS.sasl }, ...MECHANISMS.map((m) => xml("mechanism", {}, m))));
      if (this.ctx.config.registration) out.push(registerFeature());
    }
    out.push(...smFeatures(this.ctx, false));
    return out;
  }

  private onStreamEnd(): void {
    this.write("</stream:stream>");
    const session = this.session;
    this.session = undefined;
    if (session) {
      const sm = session.sm;
      if (sm && isResumable(this.ctx, sm) && this.ctx.faults.has("sm.resume-after-close")) this.ctx.sessions.hibernate(session);
      else this.ctx.sessions.end(session, "closed");
    }
    this.close();
  }

  private onElement(el: Element): void {
    if (this.closing) return;
    const ns = el.getNS();
    if (isSmNamespace(ns)) return handleSm(this.ctx, this, el);
    if (ns === NS.client && (el.name === "iq" || el.name === "message" || el.name === "presence")) return this.onStanza(el);
    if (this.username === undefined) {
      if (ns === NS.tls && el.name === "starttls") return this.startTls();
      if (ns === NS.sasl) return this.onSasl(el);
    } else if (isCsiNonza(el)) {
      const sm = smOf(this);
      if (sm) countInbound(this.ctx, sm, this.chunk, "nonza");
      return;
    }
    this.streamError("unsupported-stanza-type", `<${el.name} xmlns='${ns}'/> is not expected here`);
  }

  private onStanza(el: Element): void {
    if (this.username === undefined) {
      const register = el.name === "iq" && el.getChild("query", NS.register);
      if (register && this.ctx.config.registration && !this.tlsRequiredNow && (el.attrs.type === "get" || el.attrs.type === "set")) {
        this.write(registerIq(this.ctx, el, undefined));
        return;
      }
      return this.streamError("not-authorized", "authenticate first");
    }
    const sm = smOf(this);
    let errored: boolean;
    if (!this.session) {
      const bind = el.name === "iq" && el.attrs.type === "set" ? el.getChild("bind", NS.bind) : undefined;
      if (!bind) return this.streamError("not-authorized", "bind a resource first");
      errored = this.bind(el, bind);
    } else {
      errored = routeFromClient(this.ctx, this.session, el);
    }
    if (sm && !this.closing) countInbound(this.ctx, sm, this.chunk, errored ? "errored" : "stanza");
  }

  private bind(iq: Element, bind: Element): boolean {
    const resource = bind.getChildText("resource")?.trim();
    if (resource !== undefined && (resource === "" || /[\x00-\x1f]/.test(resource) || Buffer.byteLength(resource) > 1023)) {
      this.write(errorFor(iq, "modify", "bad-request", "invalid resource"));
      return true;
    }
    const session = this.ctx.sessions.bind(this.username!, resource, this);
    this.session = session;
    if (this.pendingSm) attach(this.ctx, session, this.pendingSm);
    this.pendingSm = undefined;
    this.ctx.log(`c2s#${this.id} bound ${session.jid.full}`);
    this.ctx.sessions.deliver(session, xml("iq", { type: "result", id: iq.attrs.id }, xml("bind", { xmlns: NS.bind }, xml("jid", {}, session.jid.full))));
    return false;
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
    const secured = new TLSSocket(raw, { isServer: true, secureContext: this.ctx.secureContext });
    this.socket = secured;
    this.secure = true;
    this.headerSent = false;
    this.parser = this.newParser();
    this.listen(secured);
  }

  private onSasl(el: Element): void {
    const fail = (condition: string) => {
      this.sasl = undefined;
      this.write(xml("failure", { xmlns: NS.sasl }, xml(condition)));
    };
    if (el.name === "abort") return fail("aborted");
    if (this.tlsRequiredNow) return fail("encryption-required");
    let data: string;
    if (el.name === "auth") {
      const mechanism = el.attrs.mechanism as Mechanism;
      if (!MECHANISMS.includes(mechanism)) return fail("invalid-mechanism");
      this.sasl = startSasl(mechanism, this.ctx.store, this.ctx.config.domain);
      const text = el.getText();
      // No initial response: ask for it with an empty challenge (RFC 6120 6.4.2).
      if (text === "") return void this.write(xml("challenge", { xmlns: NS.sasl }));
      data = text;
    } else if (el.name === "response" && this.sasl) {
      data = el.getText();
    } else {
      return this.streamError("unsupported-stanza-type", `unexpected SASL <${el.name}/>`);
    }
    const decoded = data === "=" ? "" : Buffer.from(data, "base64").toString("utf8");
    const step = this.sasl.step(decoded);
    if (step.kind === "failure") return fail(step.condition);
    if (step.kind === "challenge") return void this.write(xml("challenge", { xmlns: NS.sasl }, Buffer.from(step.data).toString("base64")));
    this.sasl = undefined;
    this.username = step.username;
    this.slot.authenticated();
    this.ctx.log(`c2s#${this.id} authenticated as ${step.username}`);
    this.write(xml("success", { xmlns: NS.sasl }, step.data ? Buffer.from(step.data).toString("base64") : null));
    this.restartStream();
  }

  /** After SASL success the client opens a new stream; anything it pipelined belongs to it. */
  private restartStream(): void {
    const rest = this.parser.takeRest();
    this.headerSent = false;
    this.parser = this.newParser();
    if (rest) this.parser.write(rest);
  }
}
