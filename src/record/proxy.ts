// The recording proxy: accepts client connections on a loopback port and relays each to
// the target element by element, showing the recording every element either side sends.
// It terminates STARTTLS itself with a self-signed test certificate: the client's TLS
// ends here and the target is reached in the clear, so the target must let a loopback
// client log in without TLS. Channel binding is taken out of the target's offer, since a
// binding to the proxy's TLS could not be verified by the target. Each leg is the
// harness's XML stream (XmlStream: a socket, @xmpp/xml's streaming parser,
// restarts and STARTTLS on either side).
import clone from "ltx/lib/clone.js";
import { createServer, connect, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { describeSocketError } from "../harness/errors.js";
import { XmlStream } from "../harness/xml-stream.js";
import { makeCertificate } from "../xmpp/certificate.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import type { Recording, RecordedStream } from "./recording.js";

export interface ProxyOptions {
  /** The loopback port to listen on (0: any free one). */
  port: number;
  target: { host: string; port: number };
  recording: Recording;
  /** One line per connection event, for the user. */
  log(line: string): void;
}

export interface RunningProxy {
  port: number;
  /** Stops listening and ends every relayed connection. */
  stop(): Promise<void>;
}

/** A stream header as the other leg sent it. */
function headerOf(el: Element): string {
  return `<?xml version='1.0'?>${xml("stream:stream", el.attrs).toString().replace(/\/>$/, ">")}`;
}

/** The target's features as the client may use them through the proxy: no channel binding, STARTTLS the proxy's. */
export function relayedFeatures(features: Element, clientSecure: boolean): Element {
  const copy = clone(features);
  const mechanisms = copy.getChild("mechanisms", NS.sasl);
  if (mechanisms) mechanisms.children = mechanisms.children.filter((m) => typeof m === "string" || !/-PLUS$/.test(m.getText().trim()));
  copy.children = copy.children.filter((c) => typeof c === "string" || (c.getNS() !== NS.saslChannelBinding && c.getNS() !== NS.tls));
  // Offered before authentication (where the mechanisms are), and only on a stream not yet encrypted.
  if (mechanisms && !clientSecure) copy.append(xml("starttls", { xmlns: NS.tls }));
  return copy;
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const certificates = new Map<string, Promise<SecureContext>>();
  const contextFor = (domain: string) => {
    let ctx = certificates.get(domain);
    if (!ctx) certificates.set(domain, (ctx = makeCertificate(domain).then(({ cert, key }) => createSecureContext({ cert, key }))));
    return ctx;
  };
  const relays = new Set<Relay>();
  let count = 0;
  const server: Server = createServer((socket) => {
    const relay = new Relay(socket, ++count, opts, contextFor, () => relays.delete(relay));
    relays.add(relay);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    stop: async () => {
      for (const r of relays) r.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One client connection and its connection to the target. */
class Relay {
  private readonly client: XmlStream;
  private readonly record: RecordedStream;
  private upstream?: XmlStream;
  private clientSecure = false;
  private domain = "";
  /** Handlers run one at a time, in the order elements arrived. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    socket: Socket,
    private readonly n: number,
    private readonly opts: ProxyOptions,
    private readonly contextFor: (domain: string) => Promise<SecureContext>,
    private readonly gone: () => void,
  ) {
    this.record = opts.recording.stream();
    opts.log(`connection ${n} from ${socket.remoteAddress}:${socket.remotePort}`);
    this.client = new XmlStream(socket, `client ${n}`, {
      header: (el) => this.then(() => this.clientHeader(el)),
      element: (el) => this.then(() => this.clientElement(el)),
      closed: (how) => this.then(() => this.clientClosed(how)),
    });
  }

  private then(step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.opts.log(`connection ${this.n}: ${(err as Error).message}`);
      this.destroy();
    });
  }

  private async clientHeader(el: Element): Promise<void> {
    this.domain = el.attrs.to ?? this.domain;
    this.upstream ??= await this.connectUpstream();
    await this.upstream.write(headerOf(el));
  }

  private connectUpstream(): Promise<XmlStream> {
    const { host, port } = this.opts.target;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once("error", (err) => reject(new Error(`cannot reach the target ${host}:${port}: ${describeSocketError(err)}`)));
      socket.once("connect", () => {
        const stream: XmlStream = new XmlStream(socket, `target ${this.n}`, {
          header: (h) => this.then(() => this.client.write(headerOf(h))),
          element: (e) => this.then(() => this.serverElement(e)),
          closed: (how) => this.then(() => this.serverClosed(stream, how)),
        });
        resolve(stream);
      });
    });
  }

  private async clientElement(el: Element): Promise<void> {
    if (el.name === "starttls" && el.getNS() === NS.tls && !this.clientSecure) {
      // The proxy's own STARTTLS: the target's stream so far is dropped, a fresh one follows the client's restart.
      const context = await this.contextFor(this.domain || "localhost");
      await this.client.write(xml("proceed", { xmlns: NS.tls }));
      this.upstream?.destroy();
      this.upstream = undefined;
      await this.client.startTlsServer(context);
      this.clientSecure = true;
      return;
    }
    this.record.fromClient(el);
    await this.upstream?.write(el);
  }

  private async serverElement(el: Element): Promise<void> {
    const features = el.name === "stream:features" ? relayedFeatures(el, this.clientSecure) : el;
    this.record.fromServer(el);
    await this.client.write(features);
    // Both sides start new streams after SASL success.
    if (el.name === "success" && el.getNS() === NS.sasl) {
      this.client.restart();
      this.upstream?.restart();
    }
  }

  private async clientClosed(how: "stream" | "socket"): Promise<void> {
    if (how === "stream") {
      this.record.ended("client-closed");
      await this.upstream?.write("</stream:stream>").catch(() => undefined);
      return;
    }
    this.record.ended("client-dropped");
    this.upstream?.destroy();
    this.opts.log(`connection ${this.n} closed`);
    this.gone();
  }

  private async serverClosed(stream: XmlStream, how: "stream" | "socket"): Promise<void> {
    if (stream !== this.upstream) return; // the stream dropped for the proxy's STARTTLS
    this.record.ended("server-closed");
    if (how === "stream") await this.client.write("</stream:stream>").catch(() => undefined);
    this.client.finish();
  }

  destroy(): void {
    this.upstream?.destroy();
    this.client.destroy();
  }
}
