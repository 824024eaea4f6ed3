// XEP-0115 on the reference server, seen through PEP's filtered notifications: the
// server asks a client for disco#info on node#ver, uses the answer only when it hashes
// to the ver (then for every client with that ver, unasked), keeps an answer under an
// unknown hash to that client alone, and never uses an ill-formed or mismatching one.
import { expect } from "chai";
import type { TestClient } from "../src/harness/client.js";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { pubsub } from "../src/xmpp/pubsub.js";
import { capsElement, capsVer, discoInfoQuery } from "../src/xmpp/caps.js";
import { clientInfo, itemEvent, notificationsUpToBarrier, ok, online, PubsubWorld, sharePresence } from "./pubsub-clients.js";

const TUNE = "urn:test:tune";

describe("server: entity capabilities (XEP-0115) for PEP", function () {
  this.timeout(20000);
  let world: PubsubWorld;
  let alice: TestClient;

  beforeEach(async () => {
    world = await PubsubWorld.start();
    alice = await world.client("alice");
  });
  afterEach(() => world.stop());

  /** A resource of bob, subscribed to alice's presence, not yet available. */
  async function bob(resource: string): Promise<TestClient> {
    const c = await world.client("bob", resource, false);
    await sharePresence(alice, c);
    return c;
  }

  /** Whether `c` gets alice's next TUNE item. */
  async function notified(c: TestClient, id: string): Promise<boolean> {
    await ok(alice, pubsub.publish(undefined, TUNE, xml("tune", { xmlns: TUNE }), id));
    return (await notificationsUpToBarrier(c)).some((m) => itemEvent(TUNE, id)(m));
  }

  it("asks the client, from the domain, for disco#info on node#ver, and notifies it once the answer matches", async () => {
    const c = await bob("one");
    const info = clientInfo([TUNE]);
    await c.send(xml("presence", {}, xml("c", { xmlns: NS.caps, hash: "sha-1", node: "urn:test:client", ver: capsVer(info) })));
    const query = await c.expect((el) => el.name === "iq" && el.attrs.type === "get");
    expect(query.attrs).to.include({ from: "localhost", to: c.jid });
    expect(query.getChild("query", NS.discoInfo)!.attrs.node).to.equal(`urn:test:client#${capsVer(info)}`);
    expect(await notified(c, "before-answer")).to.equal(false);
    await c.send(xml("iq", { type: "result", id: query.attrs.id, to: "localhost" }, discoInfoQuery(info, `urn:test:client#${capsVer(info)}`)));
    expect(await notified(c, "after-answer")).to.equal(true);
  });

  it("reuses a verified ver for another client without asking it", async () => {
    const info = clientInfo([TUNE]);
    await online(await bob("one"), info);
    const two = await bob("two");
    await online(two, info, { query: false });
    expect(await notified(two, "1")).to.equal(true);
  });

  it("never uses an answer that does not hash to the ver, and does not cache it", async () => {
    const bogus = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const one = await bob("one");
    await online(one, clientInfo([TUNE]), { ver: bogus });
    expect(await notified(one, "1")).to.equal(false);
    // Not cached: the next client with that ver is asked again.
    const two = await bob("two");
    await online(two, clientInfo([TUNE]), { ver: bogus });
    expect(await notified(two, "2")).to.equal(false);
  });

  it("uses an answer under an unknown hash for the client that gave it, and asks every other client", async () => {
    const info = clientInfo([TUNE]);
    const caps = capsElement("urn:test:client", info);
    caps.attrs.hash = "x-unknown";
    const odd = await bob("odd");
    await odd.send(xml("presence", {}, caps));
    const q = await odd.expect((el) => el.name === "iq" && el.attrs.type === "get");
    await odd.send(xml("iq", { type: "result", id: q.attrs.id, to: "localhost" }, discoInfoQuery(info, q.getChild("query")!.attrs.node)));
    expect(await notified(odd, "1")).to.equal(true);
    const other = await bob("other");
    await other.send(xml("presence", {}, caps));
    await other.expect((el) => el.name === "iq" && el.attrs.type === "get");
  });

  it("does not use an ill-formed answer (a duplicate feature)", async () => {
    const info = clientInfo([TUNE]);
    const c = await bob("one");
    await online(c, info, { answer: { ...info, features: [...info.features, info.features[0]!] } });
    expect(await notified(c, "1")).to.equal(false);
  });
});
