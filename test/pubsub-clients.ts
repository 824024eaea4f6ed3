// Test clients for the pubsub, PEP and caps tests of the reference server: a server
// with three accounts (and any faults), clients that answer the server's caps query,
// presence subscriptions, and readers of replies and notifications.
import { TestClient } from "../src/harness/client.js";
import type { TargetProfile } from "../src/harness/target.js";
import { capsElement, discoInfoQuery, type DiscoInfoData } from "../src/xmpp/caps.js";
import { xml, type Element } from "../src/xmpp/element.js";
import { predicate, type Predicate } from "../src/xmpp/match.js";
import { NS } from "../src/xmpp/ns.js";
import { pubsubErrorOf } from "../src/xmpp/pubsub.js";
import { startServer, type RunningServer } from "../src/server/index.js";

export const SERVICE = "pubsub.localhost";
export const CAPS_NODE = "https://conformance.example/test-client";

export class PubsubWorld {
  private readonly clients: TestClient[] = [];

  private constructor(
    readonly server: RunningServer,
    readonly target: TargetProfile,
  ) {}

  static async start(faults: string[] = []): Promise<PubsubWorld> {
    const server = await startServer({ domain: "localhost", faults, users: ["alice", "bob", "carol"].map((u) => ({ username: u, password: "pw" })) });
    return new PubsubWorld(server, { host: server.host, port: server.port, domain: server.domain, tls: "plain", insecure: false });
  }

  /** A bound client of `user`, available unless `available` is false (it then sends no presence). */
  async client(user: string, resource = "r1", available = true): Promise<TestClient> {
    const c = await TestClient.connect(this.target, { username: user, password: "pw" }, { resource, label: `${user}/${resource}`, timeoutMs: 3000 });
    this.clients.push(c);
    if (available) {
      await c.send(xml("presence"));
      await c.drainUntilBarrier();
    }
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.kill();
    await this.server.stop();
  }
}

let uniqueFeature = 0;

/** Disco#info of a test client wanting notifications of `nodes` (plus a feature of its own, so its ver is new). */
export function clientInfo(nodes: string[], extra: string[] = [`urn:test:client:${++uniqueFeature}`]): DiscoInfoData {
  return {
    identities: [{ category: "client", type: "pc", name: "conformance test" }],
    features: [NS.discoInfo, NS.caps, ...nodes.map((n) => `${n}+notify`), ...extra],
    forms: [],
  };
}

/**
 * Sends available presence with the caps of `info` and answers the server's disco#info
 * query with `answer` (default: `info` itself), unless `query` is false (a ver the
 * server has cached); returns once the server has taken the answer in.
 */
export async function online(c: TestClient, info: DiscoInfoData, opts: { answer?: DiscoInfoData; query?: boolean; hash?: string; ver?: string; extra?: Element[] } = {}): Promise<void> {
  const caps = capsElement(CAPS_NODE, info, opts.hash ?? "sha-1");
  if (opts.ver) caps.attrs.ver = opts.ver;
  await c.send(xml("presence", {}, caps, ...(opts.extra ?? [])));
  if (opts.query === false) return barrier(c);
  const q = await c.expect(predicate("the server's caps query", (el) => el.name === "iq" && el.attrs.type === "get" && el.getChild("query", NS.discoInfo)?.attrs.node === `${CAPS_NODE}#${caps.attrs.ver}`));
  await c.send(xml("iq", { type: "result", id: q.attrs.id, to: q.attrs.from }, discoInfoQuery(opts.answer ?? info, `${CAPS_NODE}#${caps.attrs.ver}`)));
  await barrier(c);
}

/** Waits until the server has handled everything `c` sent, leaving what arrived unread. */
export function barrier(c: TestClient): Promise<void> {
  return c.expectNothing(predicate("nothing", () => false), "barrier");
}

/** `subscriber` subscribes to `owner`'s presence and `owner` approves: the owner's roster says 'from'. */
export async function sharePresence(owner: TestClient, subscriber: TestClient): Promise<void> {
  await subscriber.send(xml("presence", { type: "subscribe", to: owner.bareJid! }));
  await barrier(subscriber);
  await owner.send(xml("presence", { type: "subscribed", to: subscriber.bareJid! }));
  await barrier(owner);
}

/** Sends an iq and returns its result; throws with the error when it fails. */
export async function ok(c: TestClient, request: Element): Promise<Element> {
  const reply = await c.iq(request);
  if (reply.attrs.type !== "result") throw new Error(`expected a result, got ${reply.toString()}`);
  return reply;
}

/** Sends an iq that must fail; returns "condition" or "condition/pubsub-condition". */
export async function refused(c: TestClient, request: Element): Promise<string> {
  const reply = await c.iq(request);
  if (reply.attrs.type !== "error") throw new Error(`expected an error, got ${reply.toString()}`);
  const condition = reply.getChild("error")!.getChildElements().find((e) => e.getNS() === NS.stanzas)?.name;
  const app = pubsubErrorOf(reply);
  return app ? `${condition}/${app}` : `${condition}`;
}

/** A pubsub notification whose <event/> has a child named `kind` (items, purge, delete, configuration, subscription) for `node`. */
export function event(kind: string, node: string, test: (child: Element, message: Element) => boolean = () => true): Predicate {
  return predicate(`a pubsub <${kind} node='${node}'/> notification`, (el) => {
    const child = el.name === "message" ? el.getChild("event", NS.pubsubEvent)?.getChildElements()[0] : undefined;
    return child?.name === kind && child.attrs.node === node && test(child, el);
  });
}

/** An items notification carrying the item `id` (published, not retracted). */
export const itemEvent = (node: string, id: string) => event("items", node, (c) => c.getChildren("item").some((i) => i.attrs.id === id));

/** Every notification among what arrived up to a barrier. */
export async function notificationsUpToBarrier(c: TestClient): Promise<Element[]> {
  return (await c.drainUntilBarrier()).filter((el) => el.name === "message" && el.getChild("event", NS.pubsubEvent));
}
