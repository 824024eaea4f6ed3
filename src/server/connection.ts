// One client-to-server connection (RFC 6120): stream header checks, STARTTLS, SASL,
// restarts and resource binding are the core's; stream features, nonzas, iq before
// authentication and per-element accounting are events modules hook; stanzas go to
// the router. A failure here never touches another connection.
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { streamError } from "../xmpp/builders.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS, type StreamCondition } from "../xmpp/ns.js";
import { TLS_EXPORTER, scramVariant, tlsExporter } from "../xmpp/sasl.js";
import type { ServerContext } from "./context.js";
import type { StreamHost } from "./hooks.js";
import type { Slot } from "./limits.js";
import { errorFor } from "./replies.js";
import { routeFromClient } from "./router.js";
import { startSasl, type Mechanism, type SaslExchange } from "./sasl.js";
import type { Session } from "./session.js";
import { endSocket } from "./socket-end.js";
import { StreamParser, type StreamHeader } from "./stream-parser.js";


let nextConnectionId = 1;

/** A second bind on a bound stream is refused (RFC 6120 7.7.2.3: one resource per stream). */
export function hookCoreIq(ctx: ServerContext): void {
  ctx.hooks.on("iq-set/host/urn:ietf:params:xml:ns:xmpp-bind:bind", ({ iq }) => errorFor(iq, "cancel", "not-allowed", "a resource is already bound"));
}

export class Connection implements StreamHost {
  readonly id = nextConnectionId++;
  username: string | undefined;
  session: Session | undefined;
  chunk = 0;
  readonly state = new Map<string, unknown>();
  secure: boolean;
  private socket: Socket;
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
    const closing = this.ctx.faults.has("robustness.no-closing-tag") ? "" : "</stream:stream>";
    this.write(`${streamError(condition, text, ...extra).toString()}${closing}`);
    const session = this.session;
    this.session = undefined;
    if (session) this.ctx.sessions.end(session, "error");
    this.close();
  }

  /** Input the parser refused (RFC 6120 4.9.3, 11.1): the stream error it calls for. */
  private refuseInput(condition: StreamCondition, text: string | undefined): void {
    this.ctx.hooks.fireAll("input-refused", { condition });
    if (condition === "restricted-xml" && this.ctx.faults.has("robustness.restricted-xml-as-not-well-formed")) condition = "not-well-formed";
    if (condition === "not-well-formed" && this.ctx.faults.has("robustness.malformed-as-internal-error")) condition = "internal-server-error";
    this.streamError(condition, text);
  }

  release(conflict: boolean): void {
    this.session = undefined;
    this.state.clear();
    if (conflict) this.streamError("conflict", "the session was resumed on another stream");
  }

  adopt(session: Session): void {
    if (this.session && this.session !== session) this.ctx.sessions.end(this.session, "closed");
    this.username ??= session.jid.local;
    this.slot.authenticated();
    this.session = session;
    session.link = this;
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
        error: (condition, text) => this.guard(() => this.refuseInput(condition, text)),
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
    endSocket(this.socket, this.ctx.timers);
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
    const out: Element[] = [];
    if (this.username !== undefined) {
      out.push(xml("bind", { xmlns: NS.bind }));
    } else {
      if (this.ctx.config.tls !== "off" && !this.secure) {
        out.push(xml("starttls", { xmlns: NS.tls }, this.tlsRequiredNow ? xml("required") : null));
      }
      if (!this.tlsRequiredNow) out.push(...this.saslFeatures());
    }
    // Modules add theirs (registration only where the stream may use it, SM only after auth).
    if (!this.tlsRequiredNow || this.username !== undefined) this.ctx.hooks.fireAll("stream-features", { host: this, features: out });
    return out;
  }

  private onStreamEnd(): void {
    this.write("</stream:stream>");
    const session = this.session;
    this.session = undefined;
    if (session) this.ctx.sessions.closedByClient(session);
    this.close();
  }

  private onElement(el: Element): void {
    if (this.closing) return;
    const ns = el.getNS();
    if (ns === NS.client && (el.name === "iq" || el.name === "message" || el.name === "presence")) return this.onStanza(el);
    if (this.username === undefined) {
      if (ns === NS.tls && el.name === "starttls") return this.startTls();
      if (ns === NS.sasl) return this.onSasl(el);
    }
    if (this.ctx.hooks.fire(`nonza/${ns}`, { host: this, el })) {
      if (!this.closing) this.ctx.hooks.fireAll("element-handled", { host: this, el, kind: "nonza" });
      return;
    }
    this.streamError("unsupported-stanza-type", `<${el.name} xmlns='${ns}'/> is not expected here`);
  }

  private onStanza(el: Element): void {
    if (this.username === undefined) {
      const reply = el.name === "iq" && !this.tlsRequiredNow ? this.ctx.hooks.fire("unauthenticated-iq", { host: this, iq: el }) : undefined;
      if (reply) return this.write(reply as Element);
      return this.streamError("not-authorized", "authenticate first");
    }
    let errored: boolean;
    if (!this.session) {
      const bind = el.name === "iq" && el.attrs.type === "set" ? el.getChild("bind", NS.bind) : undefined;
      if (!bind) return this.streamError("not-authorized", "bind a resource first");
      errored = this.bind(el, bind);
    } else {
      errored = routeFromClient(this.ctx, this.session, el);
    }
    if (!this.closing) this.ctx.hooks.fireAll("element-handled", { host: this, el, kind: errored ? "errored" : "stanza" });
  }

  private bind(iq: Element, bind: Element): boolean {
    const resource = bind.getChildText("resource")?.trim();
    if (resource !== undefined && (resource === "" || /[\x00-\x1f]/.test(resource) || Buffer.byteLength(resource) > 1023)) {
      this.write(errorFor(iq, "modify", "bad-request", "invalid resource"));
      return true;
    }
    // The account may have been removed (XEP-0077, XEP-0133) since this stream authenticated.
    if (!this.ctx.store.hasUser(this.username!)) {
      this.streamError("not-authorized", "account removed");
      return true;
    }
    const session = this.ctx.sessions.bind(this.username!, resource, this);
    this.session = session;
    this.ctx.hooks.fireAll("session-bound", { host: this, session });
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
      const offered = this.mechanisms();
      if (!offered.includes(mechanism)) return fail("invalid-mechanism");
      const channelBinding = this.channelBinding();
      this.sasl = startSasl(mechanism, this.ctx.store, this.ctx.config.domain, {
        ...(channelBinding ? { channelBinding } : {}),
        offeredPlus: offered.some((m) => scramVariant(m)?.plus),
      });
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

  /** tls-exporter data of this connection (RFC 9266), when it can bind: TLS 1.3 only. */
  private channelBinding(): Buffer | undefined {
    return this.secure && this.socket instanceof TLSSocket ? tlsExporter(this.socket) : undefined;
  }

  /** The configured mechanisms this stream can offer: -PLUS ones only when the connection can bind. */
  private mechanisms(): Mechanism[] {
    const canBind = this.channelBinding() !== undefined;
    return this.ctx.config.sasl.filter((m) => canBind || !scramVariant(m)?.plus);
  }

  /**
   * <mechanisms/> (left out when none can be offered on this stream: RFC 6120 6.4.1 wants
   * at least one), and the XEP-0440 list of channel-binding types when a -PLUS mechanism
   * is among them.
   */
  private saslFeatures(): Element[] {
    const mechanisms = this.mechanisms();
    if (mechanisms.length === 0) return [];
    const out = [xml("mechanisms", { xmlns: NS.sasl }, ...mechanisms.map((m) => xml("mechanism", {}, m)))];
    if (mechanisms.some((m) => scramVariant(m)?.plus)) {
      out.push(xml("sasl-channel-binding", { xmlns: NS.saslChannelBinding }, xml("channel-binding", { type: TLS_EXPORTER })));
    }
    return out;
  }

  /** After SASL success the client opens a new stream; anything it pipelined belongs to it. */
  private restartStream(): void {
    const rest = this.parser.takeRest();
    this.headerSent = false;
    this.parser = this.newParser();
    if (rest) this.parser.write(rest);
  }
}
