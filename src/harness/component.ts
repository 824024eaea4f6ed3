// The harness as an XEP-0114 external component: it connects to the target's component
// port, opens a jabber:component:accept stream to its own domain and authenticates with
// the handshake; then it sends and expects stanzas like a test client. It is built on
// @xmpp/connection-tcp as the client is: @xmpp/component-core would do the handshake
// itself, but it pins @xmpp/connection-tcp 0.13 (a second copy beside the client's
// 0.14) and reconnects on its own, where a test must see every step.
import ConnectionTCP from "@xmpp/connection-tcp";
import { createHash } from "node:crypto";
import { Element, xml } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { predicate } from "../xmpp/match.js";
import { Actor, shown } from "./actor.js";
import { ConnectError, describeSocketError } from "./errors.js";
import type { Transcript } from "./transcript.js";

/** Where and as what the harness attaches to a target as a component (`run --component`). */
export interface ComponentProfile {
  host: string;
  port: number;
  /** The component's JID, a domain the target routes to it. */
  domain: string;
  secret: string;
  /** The target's own domain, which answers the component's barrier pings. */
  serverDomain: string;
}

class ComponentConnection extends ConnectionTCP {}
ComponentConnection.prototype.NS = NS.component;

/** XEP-0114 section 3: the handshake is the hex SHA-1 of the stream id followed by the secret. */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash("sha1").update(streamId + secret, "utf8").digest("hex");
}

export class TestComponent extends Actor {
  private constructor(
    readonly profile: ComponentProfile,
    opts: { label?: string; transcript?: Transcript; timeoutMs?: number },
  ) {
    super(new ComponentConnection({ domain: profile.domain, service: `xmpp://${profile.host}:${profile.port}`, timeout: opts.timeoutMs ?? 5000 }), opts);
  }

  /** The component's JID. */
  get jid(): string {
    return this.profile.domain;
  }

  static async connect(profile: ComponentProfile, opts: { label?: string; transcript?: Transcript; timeoutMs?: number } = {}): Promise<TestComponent> {
    const component = new TestComponent(profile, { label: "component", ...opts });
    try {
      await component.open();
      return component;
    } catch (err) {
      component.kill();
      throw err;
    }
  }

  protected barrierJid(): string {
    return this.profile.serverDomain;
  }

  /** Stanzas from a component carry `from` (XEP-0114: the server does not stamp it). */
  protected override barrierPing(): Element {
    const ping = super.barrierPing();
    ping.attrs.from = this.jid;
    return ping;
  }

  private async open(): Promise<void> {
    const { host, port, domain } = this.profile;
    try {
      await this.conn.connect(`xmpp://${host}:${port}`);
    } catch (err) {
      throw new ConnectError("connect", `cannot connect to the component port ${host}:${port}: ${describeSocketError(err)}`);
    }
    this.raw = this.rawSocket();
    this.raw?.setNoDelay(true);
    this.transcript.add("event", this.label, `connected to ${host}:${port} as component ${domain}`);
    const conn = this.conn;
    const header = new Promise<Element | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.timeoutMs);
      const done = (el: Element | undefined) => {
        clearTimeout(timer);
        resolve(el);
      };
      conn.once("open", done);
      conn.once("disconnect", () => done(undefined));
    });
    conn._attachParser(new (conn.Parser as new () => unknown)());
    const el = xml("stream:stream", { xmlns: NS.component, "xmlns:stream": NS.stream, to: domain });
    conn.root = el;
    await conn.write(conn.header(el));
    const opened = await header;
    if (!opened) throw new ConnectError("protocol", `${host}:${port} did not open a component stream`);
    const id = opened.attrs.id;
    if (!id) throw new ConnectError("protocol", `${host}:${port} opened the component stream without an id`);
    await this.send(xml("handshake", {}, handshakeDigest(id, this.profile.secret)));
    const answer = await this.expect(predicate("<handshake/> or a stream error", (e) => e.name === "handshake" || e.is("error", NS.stream))).catch(() => undefined);
    if (answer?.name !== "handshake") {
      throw new ConnectError("auth", `${host}:${port} did not accept the handshake of ${domain}${answer ? `: ${shown(answer)}` : ""}`);
    }
  }
}
