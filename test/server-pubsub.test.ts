// The reference server's generic pubsub service, pubsub.localhost (XEP-0060), over the
// wire: nodes, items, subscriptions with their error tables, the access models,
// notifications of every kind, owner management and disco.
import { expect } from "chai";
import { discoInfo, iq } from "../src/xmpp/builders.js";
import { xml } from "../src/xmpp/element.js";
import { findForm, formValues } from "../src/xmpp/forms.js";
import { NS } from "../src/xmpp/ns.js";
import { pubsub } from "../src/xmpp/pubsub.js";
import { event, itemEvent, notificationsUpToBarrier, ok, PubsubWorld, refused, SERVICE, sharePresence } from "./pubsub-clients.js";

const entry = (text: string) => xml("entry", { xmlns: "urn:test:entry" }, text);

describe("server: pubsub service (XEP-0060)", function () {
  this.timeout(20000);
  let world: PubsubWorld;

  beforeEach(async () => {
    world = await PubsubWorld.start();
  });
  afterEach(() => world.stop());

  it("is listed by the domain and answers disco#info with pubsub/service and its features", async () => {
    const alice = await world.client("alice");
    const items = await ok(alice, iq("get", { to: "localhost" }, xml("query", { xmlns: NS.discoItems })));
    expect(items.getChild("query")!.getChildren("item").map((i) => i.attrs.jid)).to.include(SERVICE);
    const info = (await ok(alice, discoInfo(SERVICE))).getChild("query")!;
    expect(info.getChild("identity")!.attrs).to.include({ category: "pubsub", type: "service" });
    const features = info.getChildren("feature").map((f) => f.attrs.var);
    for (const f of ["subscribe", "publish", "retrieve-items", "last-published", "subscription-notifications", "access-authorize", "publish-options", "purge-nodes"]) {
      expect(features).to.include(`${NS.pubsub}#${f}`);
    }
  });

  it("creates a node with its configuration, shows the form to its owner only, and changes it", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "news", { "pubsub#title": "News", "pubsub#max_items": "5" }));
    expect(await refused(bob, pubsub.create(SERVICE, "news"))).to.equal("conflict");
    const form = findForm((await ok(alice, pubsub.getConfiguration(SERVICE, "news"))).getChild("pubsub")!.getChild("configure")!)!;
    expect(formValues(form)).to.include.keys("pubsub#access_model", "pubsub#notify_retract");
    expect(formValues(form)["pubsub#title"]).to.deep.equal(["News"]);
    expect(formValues(form)["pubsub#max_items"]).to.deep.equal(["5"]);
    expect(await refused(bob, pubsub.getConfiguration(SERVICE, "news"))).to.equal("forbidden");
    await ok(alice, pubsub.configure(SERVICE, "news", { "pubsub#title": "Old news" }));
    expect(await refused(alice, pubsub.configure(SERVICE, "news", { "pubsub#access_model": "everybody" }))).to.equal("not-acceptable");
    const again = findForm((await ok(alice, pubsub.getConfiguration(SERVICE, "news"))).getChild("pubsub")!.getChild("configure")!)!;
    expect(formValues(again)["pubsub#title"]).to.deep.equal(["Old news"]);
  });

  it("gives an instant node a name of its own and refuses publishing to a node that does not exist", async () => {
    const alice = await world.client("alice");
    const reply = await ok(alice, iq("set", { to: SERVICE }, xml("pubsub", { xmlns: NS.pubsub }, xml("create"))));
    expect(reply.getChild("pubsub")!.getChild("create")!.attrs.node).to.be.a("string").and.not.equal("");
    expect(await refused(alice, pubsub.publish(SERVICE, "missing", entry("x")))).to.equal("item-not-found");
  });

  it("returns all items, the ones asked for by id, or the most recent max_items", async () => {
    const alice = await world.client("alice");
    await ok(alice, pubsub.create(SERVICE, "log"));
    for (const id of ["i1", "i2", "i3"]) await ok(alice, pubsub.publish(SERVICE, "log", entry(id), id));
    const ids = async (opts: { max?: number; ids?: string[] }) =>
      (await ok(alice, pubsub.items(SERVICE, "log", opts))).getChild("pubsub")!.getChild("items")!.getChildren("item").map((i) => i.attrs.id);
    expect(await ids({})).to.deep.equal(["i1", "i2", "i3"]);
    expect(await ids({ ids: ["i2"] })).to.deep.equal(["i2"]);
    expect(await ids({ max: 2 })).to.deep.equal(["i2", "i3"]);
    expect(await refused(alice, pubsub.items(SERVICE, "log", { ids: ["nope"] }))).to.equal("item-not-found");
  });

  it("publishes with publish-options only when the preconditions hold (precondition-not-met)", async () => {
    const alice = await world.client("alice");
    await ok(alice, pubsub.create(SERVICE, "opts"));
    await ok(alice, pubsub.publish(SERVICE, "opts", entry("a"), "a", { "pubsub#access_model": "open" }));
    expect(await refused(alice, pubsub.publish(SERVICE, "opts", entry("b"), "b", { "pubsub#access_model": "whitelist" }))).to.equal("conflict/precondition-not-met");
    expect(await refused(alice, pubsub.publish(SERVICE, "opts", entry("c"), "c", { "pubsub#no_such_option": "1" }))).to.equal("conflict/precondition-not-met");
  });

  it("notifies subscribers of items, each notification with an id of its own, and sends the last item on subscribe with a delay stamp", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    const carol = await world.client("carol");
    await ok(alice, pubsub.create(SERVICE, "feed"));
    await ok(alice, pubsub.publish(SERVICE, "feed", entry("first"), "first"));
    const sub = await ok(bob, pubsub.subscribe(SERVICE, "feed", bob.bareJid!));
    expect(sub.getChild("pubsub")!.getChild("subscription")!.attrs).to.include({ node: "feed", jid: "bob@localhost", subscription: "subscribed" });
    const last = await bob.expect(itemEvent("feed", "first"));
    expect(last.getChild("delay", NS.delay)?.attrs.stamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await ok(carol, pubsub.subscribe(SERVICE, "feed", carol.jid!));
    await carol.expect(itemEvent("feed", "first"));
    await ok(alice, pubsub.publish(SERVICE, "feed", entry("second"), "second"));
    const toBob = await bob.expect(itemEvent("feed", "second"));
    const toCarol = await carol.expect(itemEvent("feed", "second"));
    expect(toBob.attrs).to.include({ from: SERVICE, to: "bob@localhost" });
    expect(toCarol.attrs.to).to.equal(carol.jid);
    expect(toBob.getChild("event", NS.pubsubEvent)!.getChild("items")!.getChild("item")!.getChild("entry", "urn:test:entry")!.getText()).to.equal("second");
    expect(new Set([last.attrs.id, toBob.attrs.id, toCarol.attrs.id]).size).to.equal(3);
  });

  it("notifies a retraction asked for with notify='true', purges with one <purge/>, and deletes for good, telling subscribers", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "temp", { "pubsub#notify_retract": "0" }));
    await ok(bob, pubsub.subscribe(SERVICE, "temp", bob.bareJid!));
    for (const id of ["a", "b", "c"]) await ok(alice, pubsub.publish(SERVICE, "temp", entry(id), id));
    await ok(alice, pubsub.retract(SERVICE, "temp", "a"));
    await ok(alice, pubsub.retract(SERVICE, "temp", "b", true));
    const seen = await notificationsUpToBarrier(bob);
    const retracted = seen.flatMap((m) => m.getChild("event", NS.pubsubEvent)!.getChild("items")?.getChildren("retract") ?? []).map((r) => r.attrs.id);
    expect(retracted).to.deep.equal(["b"]);
    await ok(alice, pubsub.configure(SERVICE, "temp", { "pubsub#notify_retract": "1" }));
    for (const id of ["d", "e"]) await ok(alice, pubsub.publish(SERVICE, "temp", entry(id), id));
    await notificationsUpToBarrier(bob);
    await ok(alice, pubsub.purge(SERVICE, "temp"));
    const purged = await notificationsUpToBarrier(bob);
    expect(purged.map((m) => m.getChild("event", NS.pubsubEvent)!.getChildElements()[0]!.name)).to.deep.equal(["purge"]);
    expect((await ok(alice, pubsub.items(SERVICE, "temp"))).getChild("pubsub")!.getChild("items")!.getChildren("item")).to.have.length(0);
    await ok(alice, pubsub.delete(SERVICE, "temp"));
    await bob.expect(event("delete", "temp"));
    expect(await refused(alice, pubsub.items(SERVICE, "temp"))).to.equal("item-not-found");
    await ok(alice, pubsub.create(SERVICE, "temp"));
    expect((await ok(alice, pubsub.ownerSubscriptions(SERVICE, "temp"))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription")).to.have.length(0);
  });

  it("refuses subscriptions as the access model says, with the error table of XEP-0060 6.1.3", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "open"));
    await ok(alice, pubsub.create(SERVICE, "pres", { "pubsub#access_model": "presence" }));
    await ok(alice, pubsub.create(SERVICE, "ros", { "pubsub#access_model": "roster", "pubsub#roster_groups_allowed": "friends" }));
    await ok(alice, pubsub.create(SERVICE, "white", { "pubsub#access_model": "whitelist" }));
    expect(await refused(bob, pubsub.subscribe(SERVICE, "open", "carol@localhost"))).to.equal("bad-request/invalid-jid");
    expect(await refused(bob, pubsub.subscribe(SERVICE, "pres", bob.bareJid!))).to.equal("not-authorized/presence-subscription-required");
    expect(await refused(bob, pubsub.subscribe(SERVICE, "ros", bob.bareJid!))).to.equal("not-authorized/not-in-roster-group");
    expect(await refused(bob, pubsub.subscribe(SERVICE, "white", bob.bareJid!))).to.equal("not-allowed/closed-node");
    expect(await refused(bob, pubsub.subscribe(SERVICE, "nowhere", bob.bareJid!))).to.equal("item-not-found");
    // A presence subscription opens the presence node; a roster group the roster node; membership the whitelist.
    await sharePresence(alice, bob);
    await ok(bob, pubsub.subscribe(SERVICE, "pres", bob.bareJid!));
    await ok(alice, iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid: "bob@localhost" }, xml("group", {}, "friends")))));
    await ok(bob, pubsub.subscribe(SERVICE, "ros", bob.bareJid!));
    await ok(alice, pubsub.setAffiliations(SERVICE, "white", [{ jid: "bob@localhost", affiliation: "member" }]));
    await ok(bob, pubsub.subscribe(SERVICE, "white", bob.bareJid!));
  });

  it("answers a repeated subscribe with the same subscription", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "twice"));
    const first = (await ok(bob, pubsub.subscribe(SERVICE, "twice", bob.bareJid!))).getChild("pubsub")!.getChild("subscription")!;
    const second = (await ok(bob, pubsub.subscribe(SERVICE, "twice", bob.bareJid!))).getChild("pubsub")!.getChild("subscription")!;
    expect(second.attrs).to.deep.equal(first.attrs);
  });

  it("refuses unsubscriptions as XEP-0060 6.2.3 says, and tells the subscriber when it goes", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    const carol = await world.client("carol");
    await ok(alice, pubsub.create(SERVICE, "u"));
    expect(await refused(bob, pubsub.unsubscribe(SERVICE, "u", bob.bareJid!))).to.equal("unexpected-request/not-subscribed");
    const subid = (await ok(bob, pubsub.subscribe(SERVICE, "u", bob.bareJid!))).getChild("pubsub")!.getChild("subscription")!.attrs.subid!;
    expect(await refused(bob, pubsub.unsubscribe(SERVICE, "u", bob.bareJid!, "wrong"))).to.equal("not-acceptable/invalid-subid");
    expect(await refused(carol, pubsub.unsubscribe(SERVICE, "u", bob.bareJid!))).to.equal("forbidden");
    expect(await refused(bob, pubsub.unsubscribe(SERVICE, "nowhere", bob.bareJid!))).to.equal("item-not-found");
    await ok(bob, pubsub.unsubscribe(SERVICE, "u", bob.bareJid!, subid));
    await bob.expect(event("subscription", "u", (s) => s.attrs.subscription === "none" && s.attrs.jid === "bob@localhost"));
  });

  it("lists an entity's subscriptions and affiliations, and lets the owner manage both", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "n1"));
    await ok(alice, pubsub.create(SERVICE, "n2"));
    await ok(bob, pubsub.subscribe(SERVICE, "n1", bob.bareJid!));
    await ok(bob, pubsub.subscribe(SERVICE, "n2", bob.jid!));
    const mine = (await ok(bob, pubsub.subscriptions(SERVICE))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription");
    expect(mine.map((s) => [s.attrs.node, s.attrs.jid, s.attrs.subscription])).to.have.deep.members([["n1", "bob@localhost", "subscribed"], ["n2", bob.jid, "subscribed"]]);
    expect((await ok(bob, pubsub.subscriptions(SERVICE, "n1"))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription")).to.have.length(1);
    const affiliations = (await ok(alice, pubsub.affiliations(SERVICE))).getChild("pubsub")!.getChild("affiliations")!.getChildren("affiliation");
    expect(affiliations.map((a) => [a.attrs.node, a.attrs.affiliation])).to.have.deep.members([["n1", "owner"], ["n2", "owner"]]);
    const owned = (await ok(alice, pubsub.ownerSubscriptions(SERVICE, "n1"))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription");
    expect(owned.map((s) => s.attrs.jid)).to.deep.equal(["bob@localhost"]);
    expect(await refused(bob, pubsub.ownerSubscriptions(SERVICE, "n1"))).to.equal("forbidden");
    await ok(alice, pubsub.setSubscriptions(SERVICE, "n1", [{ jid: "bob@localhost", subscription: "none" }]));
    await bob.expect(event("subscription", "n1", (s) => s.attrs.subscription === "none"));
    await ok(alice, pubsub.setAffiliations(SERVICE, "n1", [{ jid: "bob@localhost", affiliation: "publisher" }]));
    await ok(bob, pubsub.publish(SERVICE, "n1", entry("by bob"), "b"));
    const affs = (await ok(alice, pubsub.ownerAffiliations(SERVICE, "n1"))).getChild("pubsub")!.getChild("affiliations")!.getChildren("affiliation");
    expect(affs.map((a) => [a.attrs.jid, a.attrs.affiliation])).to.have.deep.members([["alice@localhost", "owner"], ["bob@localhost", "publisher"]]);
    expect(await refused(alice, pubsub.setAffiliations(SERVICE, "n1", [{ jid: "alice@localhost", affiliation: "none" }]))).to.equal("not-acceptable");
  });

  it("holds a subscription to an authorize node pending until the owner submits the authorization form (XEP-0207 Ex. 9-11)", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    const carol = await world.client("carol");
    await ok(alice, pubsub.create(SERVICE, "presence", { "pubsub#access_model": "authorize" }));
    const pending = (await ok(bob, pubsub.subscribe(SERVICE, "presence", bob.bareJid!))).getChild("pubsub")!.getChild("subscription")!;
    expect(pending.attrs.subscription).to.equal("pending");
    expect(await refused(bob, pubsub.subscribe(SERVICE, "presence", bob.bareJid!))).to.equal("not-authorized/pending-subscription");
    expect(await refused(bob, pubsub.items(SERVICE, "presence"))).to.equal("not-authorized/not-subscribed");
    const request = await alice.expect((el) => el.name === "message" && findForm(el, NS.pubsubSubscribeAuthorization) !== undefined);
    const asked = formValues(findForm(request, NS.pubsubSubscribeAuthorization)!);
    expect(asked["pubsub#node"]).to.deep.equal(["presence"]);
    expect(asked["pubsub#subscriber_jid"]).to.deep.equal(["bob@localhost"]);
    expect(asked["pubsub#allow"]).to.deep.equal(["false"]);
    const answer = (allow: string, jid: string) =>
      xml(
        "message",
        { to: SERVICE, id: request.attrs.id },
        xml(
          "x",
          { xmlns: NS.dataForms, type: "submit" },
          xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.pubsubSubscribeAuthorization)),
          xml("field", { var: "pubsub#node" }, xml("value", {}, "presence")),
          xml("field", { var: "pubsub#subscriber_jid" }, xml("value", {}, jid)),
          xml("field", { var: "pubsub#allow" }, xml("value", {}, allow)),
        ),
      );
    await alice.send(answer("true", "bob@localhost"));
    await bob.expect(event("subscription", "presence", (s) => s.attrs.subscription === "subscribed" && s.attrs.jid === "bob@localhost"));
    await ok(bob, pubsub.items(SERVICE, "presence"));
    await ok(carol, pubsub.subscribe(SERVICE, "presence", carol.bareJid!));
    await alice.expect((el) => el.name === "message" && formValues(findForm(el, NS.pubsubSubscribeAuthorization) ?? xml("x"))["pubsub#subscriber_jid"]?.[0] === "carol@localhost");
    await alice.send(answer("false", "carol@localhost"));
    await carol.expect(event("subscription", "presence", (s) => s.attrs.subscription === "none"));
    expect(await refused(carol, pubsub.items(SERVICE, "presence"))).to.equal("not-authorized/not-subscribed");
  });

  it("answers disco#info on a node with its metadata, and disco#items with its items named by ItemID and no node", async () => {
    const alice = await world.client("alice");
    await ok(alice, pubsub.create(SERVICE, "meta", { "pubsub#title": "Meta" }));
    await ok(alice, pubsub.publish(SERVICE, "meta", entry("x"), "item-1"));
    const info = (await ok(alice, discoInfo(SERVICE, "meta"))).getChild("query")!;
    expect(info.getChild("identity")!.attrs).to.include({ category: "pubsub", type: "leaf" });
    const meta = formValues(findForm(info, NS.pubsubMetaData)!);
    expect(meta["pubsub#title"]).to.deep.equal(["Meta"]);
    expect(meta["pubsub#owner"]).to.deep.equal(["alice@localhost"]);
    const items = (await ok(alice, iq("get", { to: SERVICE }, xml("query", { xmlns: NS.discoItems, node: "meta" })))).getChild("query")!.getChildren("item");
    expect(items.map((i) => i.attrs)).to.deep.equal([{ jid: SERVICE, name: "item-1" }]);
    const nodes = (await ok(alice, iq("get", { to: SERVICE }, xml("query", { xmlns: NS.discoItems })))).getChild("query")!.getChildren("item");
    expect(nodes.map((i) => i.attrs.node)).to.deep.equal(["meta"]);
  });

  it("sends a <configuration/> notification with the form when notify_config is set", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "conf", { "pubsub#notify_config": "1" }));
    await ok(bob, pubsub.subscribe(SERVICE, "conf", bob.bareJid!));
    await ok(alice, pubsub.configure(SERVICE, "conf", { "pubsub#title": "Changed" }));
    const note = await bob.expect(event("configuration", "conf"));
    expect(formValues(findForm(note.getChild("event", NS.pubsubEvent)!.getChild("configuration")!)!)["pubsub#title"]).to.deep.equal(["Changed"]);
  });

  it("cancels a presence node's subscription, telling the subscriber, when the presence subscription goes", async () => {
    const alice = await world.client("alice");
    const bob = await world.client("bob");
    await ok(alice, pubsub.create(SERVICE, "p", { "pubsub#access_model": "presence" }));
    await sharePresence(alice, bob);
    await ok(bob, pubsub.subscribe(SERVICE, "p", bob.bareJid!));
    await alice.send(xml("presence", { type: "unsubscribed", to: "bob@localhost" }));
    await bob.expect(event("subscription", "p", (s) => s.attrs.subscription === "none"));
    expect((await ok(alice, pubsub.ownerSubscriptions(SERVICE, "p"))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription")).to.have.length(0);
  });
});
