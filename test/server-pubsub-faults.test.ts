// Each pubsub, PEP and caps fault of the reference server, over the wire: the behaviour
// its rule forbids shows with the fault switched on and not without it. The pubsub
// suite's fault matrix covers the same faults once the suite is in the build.
import { expect } from "chai";
import type { TestClient } from "../src/harness/client.js";
import { FAULTS } from "../src/server/faults.js";
import { discoInfo, iq } from "../src/xmpp/builders.js";
import type { DiscoInfoData } from "../src/xmpp/caps.js";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { pubsub } from "../src/xmpp/pubsub.js";
import { clientInfo, notificationsUpToBarrier, ok, online, PubsubWorld, SERVICE, sharePresence } from "./pubsub-clients.js";

const NODE = "urn:test:node";
const payload = (text = "x") => xml("entry", { xmlns: "urn:test:entry" }, text);
const kinds = (messages: Awaited<ReturnType<typeof notificationsUpToBarrier>>) => messages.map((m) => m.getChild("event", NS.pubsubEvent)!.getChildElements()[0]!.name);

/** Alice owns a node at pubsub.localhost that bob, available, is subscribed to. */
async function subscribedNode(w: PubsubWorld, config: Record<string, string> = {}): Promise<{ alice: TestClient; bob: TestClient }> {
  const alice = await w.client("alice");
  const bob = await w.client("bob");
  await ok(alice, pubsub.create(SERVICE, NODE, config));
  await ok(bob, pubsub.subscribe(SERVICE, NODE, bob.bareJid!));
  await notificationsUpToBarrier(bob);
  return { alice, bob };
}

/** Alice, and bob subscribed to her presence, online with caps wanting NODE (bob's as `bobInfo`). */
async function pepPair(w: PubsubWorld, bobInfo: DiscoInfoData = clientInfo([NODE])): Promise<{ alice: TestClient; bob: TestClient }> {
  const alice = await w.client("alice", "home", false);
  const bob = await w.client("bob", "phone", false);
  await sharePresence(alice, bob);
  await online(alice, clientInfo([NODE]));
  await online(bob, bobInfo);
  return { alice, bob };
}

/** For each fault: whether what its rule forbids happened. */
const CASES: Record<string, (w: PubsubWorld) => Promise<boolean>> = {
  "pubsub.bare-subscribe-result": async (w) => {
    const alice = await w.client("alice");
    await ok(alice, pubsub.create(SERVICE, NODE));
    return (await ok(alice, pubsub.subscribe(SERVICE, NODE, alice.bareJid!))).getChild("pubsub") === undefined;
  },
  "pubsub.subscribe-ignores-access": async (w) => {
    const alice = await w.client("alice");
    const bob = await w.client("bob");
    await ok(alice, pubsub.create(SERVICE, NODE, { "pubsub#access_model": "whitelist" }));
    return (await bob.iq(pubsub.subscribe(SERVICE, NODE, bob.bareJid!))).attrs.type === "result";
  },
  "pubsub.resubscribe-error": async (w) => {
    const { bob } = await subscribedNode(w);
    return (await bob.iq(pubsub.subscribe(SERVICE, NODE, bob.bareJid!))).attrs.type === "error";
  },
  "pubsub.no-last-item-on-subscribe": async (w) => {
    const alice = await w.client("alice");
    const bob = await w.client("bob");
    await ok(alice, pubsub.create(SERVICE, NODE));
    await ok(alice, pubsub.publish(SERVICE, NODE, payload(), "1"));
    await ok(bob, pubsub.subscribe(SERVICE, NODE, bob.bareJid!));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
  "pubsub.unsubscribe-not-subscribed-ok": async (w) => {
    const alice = await w.client("alice");
    await ok(alice, pubsub.create(SERVICE, NODE));
    return (await alice.iq(pubsub.unsubscribe(SERVICE, NODE, alice.bareJid!))).attrs.type === "result";
  },
  "pubsub.subscriptions-list-empty": async (w) => {
    const { bob } = await subscribedNode(w);
    return (await ok(bob, pubsub.subscriptions(SERVICE))).getChild("pubsub")!.getChild("subscriptions")!.getChildren("subscription").length === 0;
  },
  "pubsub.no-subscription-notification": async (w) => {
    const { bob } = await subscribedNode(w);
    await ok(bob, pubsub.unsubscribe(SERVICE, NODE, bob.bareJid!));
    return !kinds(await notificationsUpToBarrier(bob)).includes("subscription");
  },
  "pubsub.purge-as-retracts": async (w) => {
    const { alice, bob } = await subscribedNode(w);
    for (const id of ["1", "2"]) await ok(alice, pubsub.publish(SERVICE, NODE, payload(), id));
    await notificationsUpToBarrier(bob);
    await ok(alice, pubsub.purge(SERVICE, NODE));
    return kinds(await notificationsUpToBarrier(bob)).join() === "items,items";
  },
  "pubsub.no-delete-notify": async (w) => {
    const { alice, bob } = await subscribedNode(w);
    await ok(alice, pubsub.delete(SERVICE, NODE));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
  "pubsub.no-config-notify": async (w) => {
    const { alice, bob } = await subscribedNode(w, { "pubsub#notify_config": "1" });
    await ok(alice, pubsub.configure(SERVICE, NODE, { "pubsub#title": "new" }));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
  "pubsub.reused-notification-id": async (w) => {
    const { alice, bob } = await subscribedNode(w);
    for (const id of ["1", "2"]) await ok(alice, pubsub.publish(SERVICE, NODE, payload(), id));
    const ids = (await notificationsUpToBarrier(bob)).map((m) => m.attrs.id);
    return new Set(ids).size < ids.length;
  },
  "pubsub.node-items-with-node": async (w) => {
    const alice = await w.client("alice");
    await ok(alice, pubsub.create(SERVICE, NODE));
    await ok(alice, pubsub.publish(SERVICE, NODE, payload(), "1"));
    const items = (await ok(alice, iq("get", { to: SERVICE }, xml("query", { xmlns: NS.discoItems, node: NODE })))).getChild("query")!.getChildren("item");
    return items.some((i) => i.attrs.node !== undefined);
  },
  "pubsub.pep-no-identity": async (w) => {
    const alice = await w.client("alice");
    return !(await ok(alice, discoInfo("alice@localhost"))).getChild("query")!.getChildren("identity").some((i) => i.attrs.type === "pep");
  },
  "pubsub.pep-no-auto-create": async (w) => {
    const alice = await w.client("alice");
    return (await alice.iq(pubsub.publish(undefined, NODE, payload()))).attrs.type === "error";
  },
  "pubsub.pep-no-auto-subscribe": async (w) => {
    const { alice, bob } = await pepPair(w);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
  "pubsub.pep-notify-without-subscription": async (w) => {
    const alice = await w.client("alice");
    const carol = await w.client("carol", "r1", false);
    await online(carol, clientInfo([NODE]));
    await ok(alice, iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid: "carol@localhost" }))));
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1", { "pubsub#access_model": "open" }));
    return (await notificationsUpToBarrier(carol)).length > 0;
  },
  "pubsub.pep-ignore-notify-filter": async (w) => {
    const { alice, bob } = await pepPair(w, clientInfo([]));
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await notificationsUpToBarrier(bob)).length > 0;
  },
  "pubsub.pep-full-jid-from": async (w) => {
    const { alice, bob } = await pepPair(w);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await notificationsUpToBarrier(bob))[0]?.attrs.from === "alice@localhost/home";
  },
  "pubsub.duplicate-notify": async (w) => {
    const { alice, bob } = await pepPair(w);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await notificationsUpToBarrier(bob)).length > 1;
  },
  "pubsub.pep-no-last-item-on-presence": async (w) => {
    const alice = await w.client("alice", "home");
    const bob = await w.client("bob", "phone", false);
    await sharePresence(alice, bob);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    await online(bob, clientInfo([NODE]));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
  "pubsub.pep-last-item-on-every-presence": async (w) => {
    const { alice, bob } = await pepPair(w);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    await notificationsUpToBarrier(bob);
    await bob.send(xml("presence", {}, xml("show", {}, "away")));
    return (await notificationsUpToBarrier(bob)).length > 0;
  },
  "pubsub.pep-open-by-default": async (w) => {
    const alice = await w.client("alice");
    const carol = await w.client("carol");
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await carol.iq(pubsub.items("alice@localhost", NODE))).attrs.type === "result";
  },
  "pubsub.keep-subscription-without-access": async (w) => {
    const { alice, bob } = await pepPair(w);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    await ok(bob, pubsub.subscribe("alice@localhost", NODE, bob.bareJid!));
    await alice.send(xml("presence", { type: "unsubscribed", to: "bob@localhost" }));
    const owned = (await ok(alice, pubsub.ownerSubscriptions("alice@localhost", NODE))).getChild("pubsub")!.getChild("subscriptions")!;
    return owned.getChildren("subscription").length > 0;
  },
  "pubsub.caps-trust-unverified": async (w) => {
    const { alice, bob } = await pepPair(w, clientInfo([]));
    const laptop = await w.client("bob", "laptop", false);
    await online(laptop, clientInfo([NODE]), { ver: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" });
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    await notificationsUpToBarrier(bob);
    return (await notificationsUpToBarrier(laptop)).length > 0;
  },
  "pubsub.caps-ignore-forms": async (w) => {
    const withForm: DiscoInfoData = { ...clientInfo([NODE]), forms: [{ formType: "urn:xmpp:dataforms:softwareinfo", fields: [{ var: "software", values: ["conformance"] }] }] };
    const { alice, bob } = await pepPair(w, withForm);
    await ok(alice, pubsub.publish(undefined, NODE, payload(), "1"));
    return (await notificationsUpToBarrier(bob)).length === 0;
  },
};

describe("server: pubsub, PEP and caps faults", function () {
  this.timeout(30000);

  for (const [fault, broken] of Object.entries(CASES)) {
    it(`"${fault}" shows only when switched on`, async () => {
      for (const on of [true, false]) {
        const world = await PubsubWorld.start(on ? [fault] : []);
        try {
          expect(await broken(world), on ? "with the fault" : "without it").to.equal(on);
        } finally {
          await world.stop();
        }
      }
    });
  }

  it("covers every fault the caps and pubsub modules declare", () => {
    expect(Object.keys(CASES).sort()).to.deep.equal(Object.keys(FAULTS).filter((f) => f.startsWith("pubsub.")).sort());
  });
});
