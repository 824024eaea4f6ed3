// XEP-0351 on the reference server, at the hook bus: the modules run on the core's real
// services, with the remote server played by a stand-in for S2S that takes every stanza
// for its domain and hands stanzas from it to the router as S2S does (`route(ctx, el, true)`).
// What a real S2S stream adds is checked by the rsf suite against the harness's peer.
import { expect } from "chai";
import { createServer } from "node:net";
import type { SecureContext } from "node:tls";
import { TestClient } from "../src/harness/client.js";
import { predicate } from "../src/xmpp/match.js";
import { startServer, type RunningServer } from "../src/server/index.js";
import { clientInfo, online } from "./pubsub-clients.js";
import { capsElement, discoInfoQuery, type DiscoInfoData } from "../src/xmpp/caps.js";
import { xml, type Element } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { notifyFeature, pubsub } from "../src/xmpp/pubsub.js";
import { eventsFeature, notificationOf } from "../src/xmpp/rsf.js";
import { Components } from "../src/server/components.js";
import { Timers, type ServerContext } from "../src/server/context.js";
import { Faults } from "../src/server/faults.js";
import { HookBus } from "../src/server/hooks.js";
import caps from "../src/server/modules/caps.js";
import pubsubModule from "../src/server/modules/pubsub/index.js";
import rsf from "../src/server/modules/rsf.js";
import { Rosters } from "../src/server/rosters.js";
import { route, routeFromClient } from "../src/server/router.js";
import type { Session } from "../src/server/session.js";
import { Sessions } from "../src/server/sessions.js";
import { Store } from "../src/server/store.js";

const PEER = "peer.example";
const NODE = "urn:test:mood";
const PEER_CAPS_NODE = "https://peer.example/caps";

/** A server of the modules `rsf` works with, and the remote domain's side of S2S. */
class World {
  readonly ctx: ServerContext;
  /** What the server sent to the remote domain. */
  readonly toPeer: Element[] = [];
  private readonly caps = new Map<Session, ReadonlySet<string>>();
  private readonly inboxes = new Map<Session, Element[]>();

  constructor(faults: string[] = []) {
    const hooks = new HookBus();
    const store = new Store();
    const sessions = new Sessions(hooks, "localhost", () => undefined);
    this.ctx = {
      config: { domain: "localhost", smMax: 300, smQueueLimit: 500, tls: "off", maxStanzaBytes: 262144, maxDepth: 64, registration: true, admins: [], sasl: [], components: new Map(), upstreamTimeoutMs: 5000 },
      faults: new Faults(faults),
      store,
      sessions,
      rosters: new Rosters(store, sessions, "localhost", hooks),
      components: new Components(new Map()),
      remotes: { send: (el, domain) => (expect(domain).to.equal(PEER), this.toPeer.push(el), false) },
      hooks,
      features: { host: new Set(), account: new Set() },
      accountIdentities: [],
      identity: { category: "server", type: "im", name: "test" },
      timers: new Timers(),
      secureContext: {} as SecureContext,
      logging: false,
      log: () => undefined,
    };
    for (const user of ["alice", "bob"]) store.addUser(user, "pw");
    // Above the caps module: sessions made here say their features directly.
    hooks.on("caps-features", ({ session }) => this.caps.get(session), 10);
    for (const module of [caps, pubsubModule, rsf]) module.load(this.ctx);
  }

  /** An available resource of `user` whose caps carry `features`. */
  resource(user: string, resource: string, features: string[]): Session {
    const inbox: Element[] = [];
    const session = this.ctx.sessions.bind(user, resource, { write: (el) => inbox.push(el), streamError: () => undefined, release: () => undefined });
    session.presence = xml("presence");
    this.caps.set(session, new Set(features));
    this.inboxes.set(session, inbox);
    return session;
  }

  inbox(session: Session): Element[] {
    return this.inboxes.get(session)!;
  }

  /** A stanza from the remote server, routed as S2S routes it. */
  fromPeer(el: Element): void {
    route(this.ctx, el, true);
  }

  /** The outgoing stream to the peer got these features (its caps), and the peer answers the caps query with `answer`. */
  peerFeatures(info: DiscoInfoData, answer: DiscoInfoData = info): void {
    this.toPeer.length = 0;
    const c = capsElement(PEER_CAPS_NODE, info);
    this.ctx.hooks.fireAll("remote-features", { domain: PEER, features: xml("features", { xmlns: NS.stream }, c) });
    const query = this.toPeer.find((el) => el.name === "iq" && el.getChild("query", NS.discoInfo));
    expect(query?.attrs).to.include({ type: "get", from: "localhost", to: PEER });
    expect(query!.getChild("query")!.attrs.node).to.equal(`${PEER_CAPS_NODE}#${c.attrs.ver}`);
    this.fromPeer(xml("iq", { type: "result", id: query!.attrs.id, from: PEER, to: "localhost" }, discoInfoQuery(answer, query!.getChild("query")!.attrs.node)));
    this.toPeer.length = 0;
  }

  peerFilters(): boolean {
    return this.ctx.hooks.fire("remote-rsf", { domain: PEER }) === true;
  }

  /** A client request, routed as the connection routes it; returns the reply. */
  request(session: Session, iq: Element): Element {
    routeFromClient(this.ctx, session, iq);
    const reply = this.inbox(session).find((el) => el.name === "iq" && el.attrs.id === iq.attrs.id);
    expect(reply?.attrs.type, reply?.toString()).to.equal("result");
    return reply!;
  }

  stop(): void {
    this.ctx.timers.clear();
  }
}

const serverInfo = (features: string[]): DiscoInfoData => ({ identities: [{ category: "server", type: "im" }], features: [NS.discoInfo, NS.caps, ...features], forms: [] });

const eventMessage = (child: Element) => xml("message", { from: `pubsub.${PEER}`, to: "alice@localhost", type: "headline" }, xml("event", { xmlns: NS.pubsubEvent }, child));
const EVENTS: Record<string, Element> = {
  items: xml("items", { node: NODE }, xml("item", { id: "i1" })),
  retract: xml("items", { node: NODE }, xml("retract", { id: "i1" })),
  purge: xml("purge", { node: NODE }),
  config: xml("configuration", { node: NODE }),
  delete: xml("delete", { node: NODE }),
  sub: xml("subscription", { node: NODE, jid: "alice@localhost", subscription: "none" }),
};

/** The event types a resource got, in order. */
const kinds = (inbox: Element[]) => inbox.map((m) => Object.keys(EVENTS).find((k) => m.toString() === eventMessage(EVENTS[k]!).toString()) ?? m.toString());

describe("server: XEP-0351 (rsf module, at the hook bus)", () => {
  let world: World;
  afterEach(() => world?.stop());

  function deliverAll(faults: string[], features: string[]): string[] {
    world = new World(faults);
    const r = world.resource("alice", "r", features);
    for (const child of Object.values(EVENTS)) world.fromPeer(eventMessage(child));
    return kinds(world.inbox(r));
  }

  describe("recipient side", () => {
    it("gives items to +notify and other event types by the resource's +events- list, purge with retract", () => {
      expect(deliverAll([], [notifyFeature(NODE), eventsFeature(NODE, ["retract"])])).to.deep.equal(["items", "retract", "purge"]);
      expect(deliverAll([], [eventsFeature(NODE, ["config", "delete", "sub"])])).to.deep.equal(["config", "delete", "sub"]);
    });

    it("reads a list without +events- as no filtering (RSF-08), and gives a resource without +notify or a list nothing", () => {
      expect(deliverAll([], [notifyFeature(NODE)])).to.deep.equal(Object.keys(EVENTS));
      expect(deliverAll([], [notifyFeature("urn:test:other")])).to.deep.equal([]);
    });

    it("ignores unknown tokens, accepts unsorted lists and splits on the last marker", () => {
      expect(deliverAll([], [notifyFeature(NODE), eventsFeature(NODE, ["retract", "zzz"])])).to.deep.equal(["items", "retract", "purge"]);
      expect(deliverAll([], [notifyFeature(NODE), eventsFeature(NODE, ["sub", "config"])])).to.deep.equal(["items", "config", "sub"]);
    });

    it("fans out to each resource, and keeps nothing for a user with none available", () => {
      world = new World();
      const one = world.resource("alice", "one", [notifyFeature(NODE)]);
      const two = world.resource("alice", "two", [notifyFeature(NODE), eventsFeature(NODE, ["config"])]);
      world.resource("alice", "off", [notifyFeature(NODE)]).presence = null;
      world.fromPeer(eventMessage(EVENTS.items!));
      world.fromPeer(eventMessage(EVENTS.delete!));
      expect(kinds(world.inbox(one))).to.deep.equal(["items", "delete"]);
      expect(kinds(world.inbox(two))).to.deep.equal(["items"]);
      const bob = world.resource("bob", "r", [notifyFeature(NODE)]);
      bob.presence = null;
      world.fromPeer(xml("message", { from: PEER, to: "bob@localhost" }, xml("event", { xmlns: NS.pubsubEvent }, EVENTS.items!)));
      expect(world.inbox(bob)).to.deep.equal([]);
    });

    it("leaves notifications from local services and other messages alone", () => {
      world = new World();
      const r = world.resource("alice", "r", []);
      route(world.ctx, eventMessage(EVENTS.items!), false);
      world.fromPeer(xml("message", { from: `bob@${PEER}`, to: "alice@localhost", type: "chat" }, xml("body", {}, "hi")));
      expect(world.inbox(r)).to.have.length(2);
    });

    const faults: Array<[string, string[], string[]]> = [
      ["rsf.strict-token-parse", [notifyFeature(NODE), eventsFeature(NODE, ["retract", "zzz"])], Object.keys(EVENTS)],
      ["rsf.require-sorted", [notifyFeature(NODE), eventsFeature(NODE, ["sub", "config"])], Object.keys(EVENTS)],
      ["rsf.no-event-filter", [notifyFeature(NODE), eventsFeature(NODE, ["retract"])], Object.keys(EVENTS)],
      ["rsf.items-ignore-notify", [eventsFeature(NODE, ["config"])], ["items", "config"]],
      ["rsf.retract-as-items", [notifyFeature(NODE), eventsFeature(NODE, ["config"])], ["items", "retract", "config"]],
      ["rsf.no-events-means-nothing", [notifyFeature(NODE)], ["items"]],
    ];
    for (const [fault, features, got] of faults) {
      it(`with ${fault} delivers ${got.join(", ")} to ${features.join(" ")}`, () => {
        expect(deliverAll([fault], features)).to.deep.equal(got);
      });
    }

    it("with rsf.split-on-first-marker misreads a NodeID that contains the marker", () => {
      const node = "urn:x:a+events-b";
      const features = [notifyFeature(node), eventsFeature(node, ["retract"])];
      for (const [faults, got] of [[[], 0], [["rsf.split-on-first-marker"], 1]] as const) {
        world = new World([...faults]);
        const r = world.resource("alice", "r", features);
        world.fromPeer(eventMessage(xml("configuration", { node })));
        expect(world.inbox(r), faults.join()).to.have.length(got);
        world.stop();
      }
    });
  });

  describe("learning a remote server's features", () => {
    it("advertises urn:xmpp:rsf:0 and puts the same caps in server-to-server stream features", () => {
      world = new World();
      expect(world.ctx.features.host.has(NS.rsf)).to.equal(true);
      const c2s: Element[] = [];
      const s2s: Element[] = [];
      world.ctx.hooks.fireAll("stream-features", { host: undefined as never, features: c2s });
      world.ctx.hooks.fireAll("s2s-stream-features", { features: s2s });
      expect(s2s.map(String)).to.deep.equal(c2s.map(String));
      expect(s2s[0]!.attrs.ver).to.equal(capsElement("x", { identities: [world.ctx.identity], features: [...world.ctx.features.host], forms: [] }).attrs.ver);
    });

    it("takes a remote server for a filtering one once its verified caps carry the feature, until its stream ends", () => {
      world = new World();
      expect(world.peerFilters()).to.equal(false);
      world.peerFeatures(serverInfo([NS.rsf]));
      expect(world.peerFilters()).to.equal(true);
      world.ctx.hooks.fireAll("remote-gone", { domain: PEER });
      expect(world.peerFilters()).to.equal(false);
      world.peerFeatures(serverInfo([]));
      expect(world.peerFilters()).to.equal(false);
    });

    it("never uses an answer that does not hash to the ver (CAPS-03)", () => {
      world = new World();
      world.peerFeatures(serverInfo([]), serverInfo([NS.rsf]));
      expect(world.peerFilters()).to.equal(false);
    });

    it("without caps in the features, never takes the server for a filtering one", () => {
      world = new World();
      world.ctx.hooks.fireAll("remote-features", { domain: PEER, features: xml("features", { xmlns: NS.stream }) });
      expect(world.toPeer).to.deep.equal([]);
      expect(world.peerFilters()).to.equal(false);
    });
  });

  describe("sender side (pubsub module)", () => {
    const withFrom = (el: Element, from: string) => ((el.attrs.from = from), el);
    const CAROL = `carol@${PEER}/phone`;

    /** alice's open PEP node NODE with `config`, bob@peer (presence subscription 'from') and carol@peer (explicit, at a full JID) subscribed. */
    function pepWithRemoteSubscribers(faults: string[], rsfPeer: boolean, config: Record<string, string> = {}): Session {
      world = new World(faults);
      const alice = world.resource("alice", "home", []);
      world.ctx.rosters.update("alice", `bob@${PEER}`, (i) => void (i.subscription = "from"));
      world.request(alice, pubsub.create(undefined, NODE, { "pubsub#access_model": "open", ...config }));
      world.peerFeatures(serverInfo(rsfPeer ? [NS.rsf] : []));
      world.fromPeer(withFrom(pubsub.subscribe("alice@localhost", NODE, CAROL), CAROL));
      world.toPeer.length = 0;
      return alice;
    }

    const sent = () => world.toPeer.filter((el) => el.name === "message").map((m) => `${m.attrs.to} ${m.getChild("event", NS.pubsubEvent)?.getChildElements()[0]?.name}`);

    it("sends every event type to each subscribed user of a filtering server, at its bare JID, whatever notify_* say", () => {
      const alice = pepWithRemoteSubscribers([], true, { "pubsub#notify_retract": "0", "pubsub#notify_config": "0" });
      world.request(alice, pubsub.publish(undefined, NODE, xml("mood", { xmlns: NODE }), "m1"));
      world.request(alice, pubsub.retract(undefined, NODE, "m1"));
      world.request(alice, pubsub.configure(undefined, NODE, { "pubsub#title": "moods" }));
      expect(sent()).to.deep.equal([`bob@${PEER} items`, `carol@${PEER} items`, `bob@${PEER} items`, `carol@${PEER} items`, `bob@${PEER} configuration`, `carol@${PEER} configuration`]);
      for (const m of world.toPeer) expect(m.attrs.from).to.equal("alice@localhost");
    });

    it("toward a server without the feature, delivers the classic way: explicit subscribers at their JID, notify_* respected", () => {
      const alice = pepWithRemoteSubscribers([], false, { "pubsub#notify_retract": "0" });
      world.request(alice, pubsub.publish(undefined, NODE, xml("mood", { xmlns: NODE }), "m1"));
      world.request(alice, pubsub.retract(undefined, NODE, "m1"));
      expect(sent()).to.deep.equal([`${CAROL} items`]);
    });

    it("sends subscription events only to the owner and the affected subscriber", () => {
      for (const [faults, leaked] of [[[], false], [["rsf.sub-event-to-all"], true]] as const) {
        pepWithRemoteSubscribers([...faults], true);
        world.fromPeer(withFrom(pubsub.unsubscribe("alice@localhost", NODE, CAROL), CAROL));
        expect(sent().includes(`${CAROL} subscription`), faults.join()).to.equal(true);
        expect(sent().includes(`bob@${PEER} subscription`), faults.join()).to.equal(leaked);
        world.stop();
      }
    });
  });

  describe("over S2S, between two reference servers", function () {
    this.timeout(20000);
    const running: RunningServer[] = [];
    const clients: TestClient[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) c.kill();
      await Promise.all(running.splice(0).map((r) => r.stop()));
    });

    const freePort = (): Promise<number> =>
      new Promise((resolve) => {
        const probe = createServer();
        probe.listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });

    async function client(server: RunningServer, user: string, resource: string): Promise<TestClient> {
      const c = await TestClient.connect({ host: "127.0.0.1", port: server.port, domain: server.domain, tls: "plain", insecure: true }, { username: user, password: "pw" }, { resource, label: `${user}/${resource}` });
      clients.push(c);
      return c;
    }

    it("a.example's PEP sends every event to bob@b.example's bare JID, and b.example gives each resource what its caps ask for", async () => {
      const [pa, pb] = [await freePort(), await freePort()];
      const log: string[] = [];
      const a = await startServer({ domain: "a.example", tls: "off", s2sPort: pa, s2sRoutes: [{ domain: "b.example", host: "127.0.0.1", port: pb }], users: [{ username: "alice", password: "pw" }], log: (l) => log.push(l) });
      const b = await startServer({ domain: "b.example", tls: "off", s2sPort: pb, s2sRoutes: [{ domain: "a.example", host: "127.0.0.1", port: pa }], users: [{ username: "bob", password: "pw" }] });
      running.push(a, b);
      const alice = await client(a, "alice", "home");
      await alice.send(xml("presence"));
      const phone = await client(b, "bob", "phone");
      const tablet = await client(b, "bob", "tablet");
      await online(phone, clientInfo([NODE], [eventsFeature(NODE, ["retract"])]));
      await online(tablet, clientInfo([NODE]));
      await phone.send(xml("presence", { type: "subscribe", to: "alice@a.example" }));
      await alice.expect(predicate("bob's subscription request", (el) => el.name === "presence" && el.attrs.type === "subscribe"));
      await alice.send(xml("presence", { type: "subscribed", to: "bob@b.example" }));
      // Each server keeps its own user's side of the subscription (RFC 6121 3).
      const push = (state: string) => predicate(`a roster push with subscription '${state}'`, (el) => el.getChild("query", NS.roster)?.getChild("item")?.attrs.subscription === state);
      await alice.expect(push("from"));
      await phone.expect(push("to"));
      // a.example learns b.example's caps once its stream there is up: wait for its answer to be read.
      const learned = () => log.some((l) => /s2sin#\d+ << <iq [^>]*type="result" id="rsf-caps-/.test(l));
      for (let i = 0; i < 100 && !learned(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(learned()).to.equal(true);

      const ok = async (request: Element) => expect((await alice.iq(request)).attrs.type).to.equal("result");
      await ok(pubsub.create(undefined, NODE, { "pubsub#notify_retract": "0", "pubsub#notify_config": "0" }));
      await ok(pubsub.publish(undefined, NODE, xml("mood", { xmlns: NODE }, "calm"), "m1"));
      await ok(pubsub.retract(undefined, NODE, "m1"));
      await ok(pubsub.configure(undefined, NODE, { "pubsub#title": "moods" }));
      for (const [c, want] of [[phone, ["items", "retract"]], [tablet, ["items", "retract", "config"]]] as const) {
        await alice.send(xml("message", { to: c.jid, type: "chat" }, xml("body", {}, "sentinel")));
        const sentinel = await c.expect(predicate("the sentinel", (el) => el.getChildText("body") === "sentinel"));
        const got = c.unreadBefore(sentinel).filter((el) => el.getChild("event", NS.pubsubEvent));
        expect(got.map((m) => m.attrs.to)).to.deep.equal(want.map(() => "bob@b.example"));
        expect(got.map((m) => notificationOf(m)?.type), c.label).to.deep.equal(want);
      }
    });
  });
});
