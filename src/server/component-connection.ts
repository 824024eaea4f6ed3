// One XEP-0114 component connection (jabber:component:accept), a core piece beside the
// client connection: the component names its domain in the stream header and proves
// the shared secret with <handshake/>; then the router hands it every stanza for that
// domain (any JID at it), and routes the stanzas it sends from that domain like any
// other. Errors as XEP-0114 and RFC 6120 4.9 give them: host-unknown, invalid-namespace,
// not-authorized, conflict, and invalid-from for a stanza from another domain.
import { createHash, randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { streamError } from "../xmpp/builders.js";
import { childElements, isStanza, xml, type Element } from "../xmpp/element.js";
import { NS, type StreamCondition } from "../xmpp/ns.js";
import type { ComponentLink } from "./components.js";
import type { ServerContext } from "./context.js";
import { parseJid } from "./jid.js";
import { bounce, route, wellFormedIq } from "./router.js";
import { endSocket } from "./socket-end.js";
import { StreamParser, type StreamHeader } from "./stream-parser.js";


let nextId = 1;

/** The handshake a component sends: lowercase hex SHA-1 of the stream id followed by the secret (XEP-0114 3). */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash("sha1").update(streamId + secret, "utf8").digest("hex");
}

/** The domain's disco#items list the components connected now. */
export function hookComponents(ctx: ServerContext): void {
  ctx.hooks.on("disco-items", ({ node, items }) => {
    if (node === undefined) items.push(...ctx.components.connected().map((jid) => xml("item", { jid })));
  });
}

export class ComponentConnection implements ComponentLink {
  readonly id = nextId++;
  /** Unpredictable and never reused, or the handshake would prove nothing. */
  private readonly streamId = randomBytes(12).toString("hex");
  private readonly parser: StreamParser;
  private domain: string | undefined;
  private attached = false;
  private headerSent = false;
  private closing = false;

  constructor(
    private readonly ctx: ServerContext,
    private readonly socket: Socket,
    private readonly onGone: (c: ComponentConnection) => void,
  ) {
    socket.setNoDelay(true);
    this.parser = new StreamParser(
      {
        header: (h) => this.guard(() => this.onHeader(h)),
        element: (el) =>
          this.guard(() => {
            if (ctx.logging) ctx.log(`comp#${this.id} << ${el.toString()}`);
            this.onElement(el);
          }),
        end: () => this.guard(() => this.onStreamEnd()),
        error: (condition, text) => this.guard(() => this.streamError(condition, text)),
      },
      ctx.config,
    );
    socket.on("data", (data: Buffer) => this.guard(() => this.parser.write(data)));
    socket.on("error", (err) => ctx.log(`comp#${this.id} socket error: ${err.message}`));
    socket.on("close", () => this.gone());
  }

  /** Sends a stanza to the component, in the component namespace whatever stream it came from. */
  write(el: Element | string): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    let text: string;
    if (typeof el === "string" || !isStanza(el)) {
      text = el.toString();
    } else {
      const ns = el.attrs.xmlns;
      el.attrs.xmlns = NS.component;
      text = el.toString();
      el.attrs.xmlns = ns;
    }
    if (this.ctx.logging) this.ctx.log(`comp#${this.id} >> ${text}`);
    this.socket.write(text);
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log(`comp#${this.id} internal error: ${(err as Error).stack ?? String(err)}`);
      this.streamError("internal-server-error");
    }
  }

  private sendHeader(from: string): void {
    this.headerSent = true;
    this.write(`<?xml version='1.0'?><stream:stream xmlns='${NS.component}' xmlns:stream='${NS.stream}' id='${this.streamId}' from='${from}'>`);
  }

  private streamError(condition: StreamCondition, text?: string): void {
    if (this.closing) return;
    this.ctx.log(`comp#${this.id} stream error ${condition}${text ? `: ${text}` : ""}`);
    if (!this.headerSent) this.sendHeader(this.ctx.config.domain);
    this.write(`${streamError(condition, text).toString()}</stream:stream>`);
    this.close();
  }

  private close(): void {
    this.closing = true;
    this.parser.stop();
    endSocket(this.socket, this.ctx.timers);
    this.gone();
  }

  private gone(): void {
    this.closing = true;
    this.parser.stop();
    if (this.attached && this.domain) {
      this.attached = false;
      this.ctx.components.detach(this.domain, this);
      this.ctx.log(`comp#${this.id} ${this.domain} disconnected`);
    }
    this.onGone(this);
  }

  private onHeader(h: StreamHeader): void {
    if (h.ns !== NS.stream || h.name !== "stream") return this.streamError("invalid-namespace", "not a stream element");
    if (h.defaultNs !== NS.component) return this.streamError("invalid-namespace", `content namespace must be ${NS.component}`);
    const to = h.attrs.to?.toLowerCase();
    if (!to || !this.ctx.components.configured(to)) return this.streamError("host-unknown", `no component ${to ?? "(no 'to')"} is configured`);
    this.domain = to;
    this.sendHeader(to);
  }

  private onStreamEnd(): void {
    this.write("</stream:stream>");
    this.close();
  }

  private onElement(el: Element): void {
    if (this.closing) return;
    if (!this.attached) return this.onHandshake(el);
    if (el.getNS() === NS.component && (el.name === "message" || el.name === "presence" || el.name === "iq")) return this.onStanza(el);
    this.streamError("unsupported-stanza-type", `<${el.name} xmlns='${el.getNS()}'/> is not expected here`);
  }

  private onHandshake(el: Element): void {
    const domain = this.domain!;
    if (el.name !== "handshake" || el.getNS() !== NS.component) return this.streamError("not-authorized", "send <handshake/> first");
    // XEP-0114 says lowercase hex; like Prosody, the case of the hex digits is not held against the component.
    const expected = handshakeDigest(this.streamId, this.ctx.components.secret(domain)!);
    if (childElements(el).length > 0 || el.getText().toLowerCase() !== expected) return this.streamError("not-authorized", "wrong handshake");
    // Checked after a correct handshake, as Prosody does: the connection already serving the domain stays.
    if (!this.ctx.components.attach(domain, this)) return this.streamError("conflict", `${domain} is already connected`);
    this.attached = true;
    this.ctx.log(`comp#${this.id} ${domain} connected`);
    this.write(xml("handshake"));
  }

  /** XEP-0114 leaves the reactions open; these are Prosody's: invalid-from ends the stream, a missing 'to' bounces. */
  private onStanza(el: Element): void {
    const from = parseJid(el.attrs.from ?? "");
    if (!from || from.domain !== this.domain) return this.streamError("invalid-from", `stanzas must come from ${this.domain}`);
    // From here on the stanza is the server's, in the namespace of its client streams.
    el.attrs.xmlns = NS.client;
    if (el.name === "iq" && !wellFormedIq(el)) return void bounce(this.ctx, el, "modify", "bad-request");
    if (el.attrs.to === undefined) return void bounce(this.ctx, el, "modify", "bad-request", "a component's stanza needs a 'to'");
    if (!parseJid(el.attrs.to)) return void bounce(this.ctx, el, "modify", "jid-malformed");
    route(this.ctx, el);
  }
}
