// PEP (XEP-0163) on the reference server, over the wire: every account a pubsub
// service with auto-create, auto-subscription through presence, notifications
// filtered by caps and sent from the owner's bare JID, the last item on initial
// presence, the defaults, and access recalculated when presence subscriptions change.
import { expect } from "chai";
import type { TestClient } from "../src/harness/client.js";
import { discoInfo, iq } from "../src/xmpp/builders.js";
import { xml } from "../src/xmpp/element.js";
import { findForm, formValues } from "../src/xmpp/forms.js";
import { NS } from "../src/xmpp/ns.js";
import { pubsub } from "../src/xmpp/pubsub.js";
import { barrier, clientInfo, event, itemEvent, notificationsUpToBarrier, ok, online, PubsubWorld, refused, sharePresence } from "./pubsub-clients.js";

const MOOD = "urn:test:mood";
const mood = (text: string) => xml("mood", { xmlns: MOOD }, text);

describe("server: PEP (XEP-0163)", function () {
  this.timeout(20000);
  let world: PubsubWorld;

  beforeEach(async () => {
    world = await PubsubWorld.start();
  });
  afterEach(() => world.stop());

  /** alice, and bob subscribed to her presence, both online wanting MOOD notifications. */
  async function aliceAndBob(): Promise<{ alice: TestClient; bob: TestClient }> {
    const alice = await world.client("alice", "home", false);
    const bob = await world.client("bob", "phone", false);
    await sharePresence(alice, bob);
    await online(alice, clientInfo([MOOD]));
    await online(bob, clientInfo([MOOD]));
    return { alice, bob };
  }

  it("answers disco#info on an account with the pubsub/pep identity and the PEP features", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    for (const [client, to] of [[alice, "alice@localhost"], [bob, "alice@localhost"]] as const) {
      const query = (await ok(client, discoInfo(to))).getChild("query")!;
      expect(query.getChildren("identity").map((i) => `${i.attrs.category}/${i.attrs.type}`)).to.include.members(["account/registered", "pubsub/pep"]);
      const features = query.getChildren("feature").map((f) => f.attrs.var);
      for (const f of ["auto-create", "auto-subscribe", "filtered-notifications", "publish", "subscribe", "retrieve-items", "access-presence", "publish-options", "last-published"]) {
        expect(features).to.include(`${NS.pubsub}#${f}`);
      }
    }
  });

  it("creates a node on first publish, with the presence access model and on_sub_and_presence, and lists it for its owner", async () => {
    const alice = await world.client("alice");
    await ok(alice, pubsub.publish(undefined, MOOD, mood("happy"), "current"));
    const config = formValues(findForm((await ok(alice, pubsub.getConfiguration("alice@localhost", MOOD))).getChild("pubsub")!.getChild("configure")!)!);
    expect(config["pubsub#access_model"]).to.deep.equal(["presence"]);
    expect(config["pubsub#send_last_published_item"]).to.deep.equal(["on_sub_and_presence"]);
    expect(config["pubsub#deliver_payloads"]).to.deep.equal(["1"]);
    const items = (await ok(alice, iq("get", { to: "alice@localhost" }, xml("query", { xmlns: NS.discoItems })))).getChild("query")!.getChildren("item");
    expect(items.map((i) => i.attrs)).to.deep.equal([{ jid: "alice@localhost", node: MOOD }]);
    await ok(alice, pubsub.publish("alice@localhost", "urn:test:open", mood("x"), "1", { "pubsub#access_model": "open" }));
    const open = formValues(findForm((await ok(alice, pubsub.getConfiguration("alice@localhost", "urn:test:open"))).getChild("pubsub")!.getChild("configure")!)!);
    expect(open["pubsub#access_model"]).to.deep.equal(["open"]);
  });

  it("notifies the owner's and its presence subscribers' interested resources, from the owner's bare JID, with the publisher as replyto", async () => {
    const { alice, bob } = await aliceAndBob();
    const bobTablet = await world.client("bob", "tablet", false);
    await online(bobTablet, clientInfo([]));
    const carol = await world.client("carol", "laptop", false);
    await online(carol, clientInfo([MOOD]));
    await ok(alice, pubsub.publish(undefined, MOOD, mood("happy"), "m1"));
    for (const c of [alice, bob]) {
      const got = await notificationsUpToBarrier(c);
      expect(got, c.label).to.have.length(1);
      expect(got[0]!.attrs).to.include({ from: "alice@localhost", to: c.jid });
      expect(got[0]!.getChild("addresses", NS.addresses)!.getChild("address")!.attrs).to.include({ type: "replyto", jid: "alice@localhost/home" });
      expect(got[0]!.getChild("event", NS.pubsubEvent)!.getChild("items")!.getChild("item")!.getChildText("mood")).to.equal("happy");
    }
    expect(await notificationsUpToBarrier(bobTablet)).to.deep.equal([]);
    expect(await notificationsUpToBarrier(carol)).to.deep.equal([]);
  });

  it("sends the last item, with a delay stamp, to an interested resource's initial presence, and not again on a presence update", async () => {
    const { alice } = await aliceAndBob();
    await ok(alice, pubsub.publish(undefined, MOOD, mood("calm"), "m1"));
    const laptop = await world.client("bob", "laptop", false);
    const info = clientInfo([MOOD]);
    await online(laptop, info);
    const last = await laptop.expect(itemEvent(MOOD, "m1"));
    expect(last.attrs.from).to.equal("alice@localhost");
    expect(last.getChild("delay", NS.delay)).to.not.equal(undefined);
    await laptop.send(xml("presence", {}, xml("show", {}, "away")));
    expect(await notificationsUpToBarrier(laptop)).to.deep.equal([]);
    await laptop.send(xml("presence", { type: "unavailable" }));
    await barrier(laptop);
    // The same caps again: known by now, so no query, and the last item comes again.
    await online(laptop, info, { query: false });
    await laptop.expect(itemEvent(MOOD, "m1"));
  });

  it("sends the last item to a contact that newly subscribes to the owner's presence, and never an item twice", async () => {
    const alice = await world.client("alice", "home", false);
    const bob = await world.client("bob", "phone", false);
    await online(alice, clientInfo([MOOD]));
    await online(bob, clientInfo([MOOD]));
    await ok(alice, pubsub.publish(undefined, MOOD, mood("before"), "m1"));
    expect(await notificationsUpToBarrier(bob)).to.deep.equal([]);
    await sharePresence(alice, bob);
    await bob.expect(itemEvent(MOOD, "m1"));
    await ok(alice, pubsub.publish(undefined, MOOD, mood("after"), "m2"));
    await bob.expect(itemEvent(MOOD, "m2"));
    // Another roster change of a subscribed contact is no new subscription.
    await ok(alice, iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid: "bob@localhost", name: "Bob" }))));
    expect(await notificationsUpToBarrier(bob)).to.deep.equal([]);
  });

  it("lets only presence subscribers read a presence node, and lists it only to them", async () => {
    const { alice, bob } = await aliceAndBob();
    const carol = await world.client("carol");
    await ok(alice, pubsub.publish(undefined, MOOD, mood("sad"), "m1"));
    await ok(bob, pubsub.items("alice@localhost", MOOD));
    expect(await refused(carol, pubsub.items("alice@localhost", MOOD))).to.equal("not-authorized/presence-subscription-required");
    const list = async (c: TestClient) => (await ok(c, iq("get", { to: "alice@localhost" }, xml("query", { xmlns: NS.discoItems })))).getChild("query")!.getChildren("item").map((i) => i.attrs.node);
    expect(await list(bob)).to.deep.equal([MOOD]);
    expect(await list(carol)).to.deep.equal([]);
    expect(await refused(bob, pubsub.publish("alice@localhost", MOOD, mood("hijack"), "x"))).to.equal("forbidden");
  });

  it("gives a subscription made with a full JID exactly one notification, to that JID", async () => {
    const alice = await world.client("alice");
    const carol = await world.client("carol", "desk", false);
    await online(carol, clientInfo([]));
    await ok(alice, pubsub.publish(undefined, "urn:test:open", mood("x"), "1", { "pubsub#access_model": "open" }));
    await ok(carol, pubsub.subscribe("alice@localhost", "urn:test:open", carol.jid!));
    await carol.expect(itemEvent("urn:test:open", "1"));
    await ok(alice, pubsub.publish(undefined, "urn:test:open", mood("y"), "2"));
    const got = await notificationsUpToBarrier(carol);
    expect(got.map((m) => m.attrs.to)).to.deep.equal([carol.jid]);
    expect(got[0]!.getChild("addresses", NS.addresses)).to.equal(undefined);
  });

  it("carries XEP-0207's presence node: presence published as an item reaches the subscribers (Ex. 3-4)", async () => {
    const { alice, bob } = await aliceAndBob();
    const juliet = xml("presence", { xmlns: NS.client, from: "alice@localhost/home" }, xml("status", {}, "Moping"));
    await online(bob, clientInfo([MOOD, "presence"]));
    await ok(alice, pubsub.publish(undefined, "presence", juliet));
    const note = await bob.expect(event("items", "presence"));
    expect(note.attrs.from).to.equal("alice@localhost");
    const payload = note.getChild("event", NS.pubsubEvent)!.getChild("items")!.getChild("item")!.getChild("presence", NS.client)!;
    expect(payload.getChildText("status")).to.equal("Moping");
  });

  it("asks the owner to authorize a subscription to an authorize node, at its own bare JID, and tells the subscriber", async () => {
    const alice = await world.client("alice");
    const carol = await world.client("carol");
    await ok(alice, pubsub.publish(undefined, "urn:test:private", mood("x"), "1", { "pubsub#access_model": "authorize" }));
    const pending = (await ok(carol, pubsub.subscribe("alice@localhost", "urn:test:private", carol.bareJid!))).getChild("pubsub")!.getChild("subscription")!;
    expect(pending.attrs.subscription).to.equal("pending");
    const request = await alice.expect((el) => el.name === "message" && findForm(el, NS.pubsubSubscribeAuthorization) !== undefined);
    expect(request.attrs.from).to.equal("alice@localhost");
    const form = findForm(request, NS.pubsubSubscribeAuthorization)!;
    form.attrs.type = "submit";
    for (const field of form.getChildren("field")) if (field.attrs.var === "pubsub#allow") field.getChild("value")!.children = ["1"];
    await alice.send(xml("message", { to: "alice@localhost", id: request.attrs.id }, form));
    await carol.expect(event("subscription", "urn:test:private", (s) => s.attrs.subscription === "subscribed"));
    await carol.expect(itemEvent("urn:test:private", "1"));
    expect(await notificationsUpToBarrier(alice)).to.deep.equal([]);
  });

  it("stops notifying a contact that lost its presence subscription, and cancels its explicit subscription", async () => {
    const { alice, bob } = await aliceAndBob();
    await ok(alice, pubsub.publish(undefined, MOOD, mood("a"), "1"));
    await ok(bob, pubsub.subscribe("alice@localhost", MOOD, bob.bareJid!));
    await notificationsUpToBarrier(bob);
    await alice.send(xml("presence", { type: "unsubscribed", to: "bob@localhost" }));
    await bob.expect(event("subscription", MOOD, (s) => s.attrs.subscription === "none"));
    await ok(alice, pubsub.publish(undefined, MOOD, mood("b"), "2"));
    expect(await notificationsUpToBarrier(bob)).to.deep.equal([]);
  });
});
