// XEP-0207 §5, groupchat as pubsub: one node on the pubsub service, several subscribers,
// one of them with two resources each subscribed by full JID; every publish reaches each
// subscribed JID exactly once, with its own notification id, and nobody else. Purge,
// deletion, retraction and configuration changes are events every subscriber gets
// (XEP-0060 §4.3, §7, §8).
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import type { TestClient } from "../../src/harness/client.js";
import { presence } from "../../src/xmpp/builders.js";
import type { Element } from "../../src/xmpp/element.js";
import { findForm, formBoolean } from "../../src/xmpp/forms.js";
import { NS } from "../../src/xmpp/ns.js";
import { eventOf, pubsub } from "../../src/xmpp/pubsub.js";
import {
  SUITE, anyEvent, anyItemEvent, anyRetractEvent, configureNode, createServiceNode, event, itemEvent, itemId, messagePayload, onService, publish,
  recreateForCleanup, requireResult, retractEvent, subscribe, type ServiceNode,
} from "./pubsub-helpers.js";
import { restsOn } from "../common/addendum.js";

const needsRoom = [onService("create-nodes"), onService("subscribe"), onService("publish")];

interface Room {
  n: ServiceNode;
  /** Subscribed by full JID: two resources of one account, one of another. */
  members: TestClient[];
  /** Online, never subscribed. */
  bystander: TestClient;
  /** The node's configuration after `configure`, when asked for. */
  config?: Record<string, string[]>;
}

/**
 * An open node with three subscribed resources (two of them one account's) and an
 * available resource that never subscribed; `configure` is applied before anyone
 * subscribes, so that its own notifications reach no one. Without `configRequired`, a
 * node whose configuration the owner cannot read is used as it is.
 */
async function room(
  t: TestContext,
  kind: string,
  rule: string,
  configure?: { required: Record<string, string>; optional?: Record<string, string> },
  create: Record<string, string> = {},
  configRequired = true,
): Promise<Room> {
  const [alice, bob, carol] = await t.accounts(3);
  const n = await createServiceNode(t, alice!, kind, { access_model: "open", ...create });
  const config = configure ? await configureNode(t, n, configure.required, rule, configure.optional, configRequired) : undefined;
  const members = [await t.connect(bob!), await t.connect(bob!), await t.connect(carol!)];
  const bystander = await t.connect(bob!, { label: "bystander" });
  for (const c of [...members, bystander]) await c.send(presence());
  for (const m of members) await subscribe(t, m, n.service, n.node, rule);
  return { n, members, bystander, ...(config ? { config } : {}) };
}

/** Every notification about `node` that reached `c` up to a barrier, in order. */
async function notificationsOf(c: TestClient, node: string): Promise<Element[]> {
  return (await c.drainUntilBarrier()).filter((el) => anyEvent(node)(el));
}

describe(SUITE, () => {
  conformance({ id: "pubsub.groupchat.each-subscriber-once", rules: ["PS-10"], title: "each publish reaches every subscribed JID exactly once, addressed to it, and no one else (XEP-0207 examples 16 and 17)", needs: needsRoom }, async (t) => {
    const { n, members, bystander } = await room(t, "room", "PS-10");
    const ids: string[] = [];
    for (const body of ["hi", "wherefore"]) ids.push(await publish(n.owner, n.service, n.node, messagePayload(body), itemId(), "PS-10"));
    for (const m of members) {
      for (const id of ids) {
        const got = await m.expect(itemEvent(n.node, id), { rule: "PS-10" });
        check(got.attrs.to === m.jid, "PS-10", `the notification of '${id}' addressed to the subscribed JID ${m.jid}`, got.toString());
      }
      const extra = (await notificationsOf(m, n.node)).filter((el) => ids.some((id) => itemEvent(n.node, id)(el)));
      if (extra.length > 0) throw new Violation("PS-10", `exactly one notification per item for ${m.jid}`, `more: ${extra.map(String).join(" ")}`);
    }
    await bystander.expectNothing(anyItemEvent(n.node), "PS-10");
  });

  conformance({ id: "pubsub.groupchat.unique-ids", rules: ["PS-10"], title: "every notification message has an id, unique across subscribers and publishes", needs: needsRoom }, async (t) => {
    const { n, members } = await room(t, "room", "PS-10");
    const ids: string[] = [];
    for (const body of ["hi", "wherefore"]) ids.push(await publish(n.owner, n.service, n.node, messagePayload(body), itemId(), "PS-10"));
    const seen: Element[] = [];
    for (const m of members) for (const id of ids) seen.push(await m.expect(itemEvent(n.node, id), { rule: "PS-10" }));
    const missing = seen.filter((el) => !el.attrs.id);
    check(missing.length === 0, "PS-10", `an id on every notification message ${restsOn("Notification ids")}`, missing.map(String).join(" "));
    const count = new Map<string, number>();
    for (const el of seen) count.set(el.attrs.id!, (count.get(el.attrs.id!) ?? 0) + 1);
    const reused = [...count].filter(([, k]) => k > 1).map(([id, k]) => `'${id}' on ${k} messages`);
    check(reused.length === 0, "PS-10", `${seen.length} notification ids, all different (unique within the service, XEP-0060 §13.4) ${restsOn("Notification ids")}`, `reused: ${reused.join(", ")}`);
  });

  conformance({ id: "pubsub.groupchat.member-publishes", rules: ["PS-10"], title: "on a node where subscribers publish, a member's message reaches every subscriber once, the publisher's own JID included", needs: needsRoom }, async (t) => {
    const { n, members } = await room(t, "room", "PS-10", undefined, { publish_model: "subscribers" });
    const [juliet] = members;
    const id = await publish(juliet!, n.service, n.node, messagePayload("hi"), itemId(), "PS-10");
    for (const m of members) {
      await m.expect(itemEvent(n.node, id), { rule: "PS-10" });
      await m.expectNothing(itemEvent(n.node, id), "PS-10");
    }
  });

  conformance({ id: "pubsub.groupchat.component-subscriber", rules: ["PS-10"], title: "a component subscribed by its domain JID gets exactly one notification, addressed to that JID", needs: [...needsRoom, { component: true }] }, async (t) => {
    const [alice] = await t.accounts(1);
    const n = await createServiceNode(t, alice!, "room", { access_model: "open" });
    const comp = await t.component();
    const request = pubsub.subscribe(n.service, n.node, comp.jid);
    request.attrs.from = comp.jid;
    requireResult(await comp.iq(request), "PS-10", `${comp.jid} subscribing to ${n.node}`);
    const id = await publish(n.owner, n.service, n.node, messagePayload("hi"), itemId(), "PS-10");
    const got = await comp.expect(itemEvent(n.node, id), { rule: "PS-10" });
    check(got.attrs.to === comp.jid, "PS-10", `the notification addressed to ${comp.jid}`, got.toString());
    await comp.expectNothing(itemEvent(n.node, id), "PS-10");
    // The component's stream closes before the cleanups run: it withdraws its subscription now.
    const unsubscribe = pubsub.unsubscribe(n.service, n.node, comp.jid);
    unsubscribe.attrs.from = comp.jid;
    await comp.iq(unsubscribe);
  });

  conformance({ id: "pubsub.groupchat.purge", rules: ["PS-09"], title: "purging a node that notifies retractions sends each subscriber one <purge/> and no retracts", needs: [...needsRoom, onService("purge-nodes")] }, async (t) => {
    const { n, members } = await room(t, "purge", "PS-09", { required: { notify_retract: "1" }, optional: { persist_items: "1", max_items: "10" } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await publish(n.owner, n.service, n.node, messagePayload(`line ${i}`), itemId(), "PS-09"));
    for (const m of members) for (const id of ids) await m.expect(itemEvent(n.node, id), { rule: "PS-10" });
    requireResult(await n.owner.iq(pubsub.purge(n.service, n.node)), "PS-09", `purging ${n.node}`);
    for (const m of members) {
      const got = await notificationsOf(m, n.node);
      const purges = got.filter((el) => event(n.node, "purge", "")(el));
      const retracts = got.filter((el) => anyRetractEvent(n.node)(el));
      check(purges.length === 1 && retracts.length === 0, "PS-09", `one <purge node='${n.node}'/> and no <retract/> for ${m.jid}`, got.map(String).join(" ") || "nothing");
    }
  });

  conformance({ id: "pubsub.groupchat.delete", rules: ["PS-09"], title: "deleting the node notifies every subscriber with <delete/>", needs: [...needsRoom, onService("delete-nodes")] }, async (t) => {
    // notify_delete on, where the service has it: XEP-0060 §8.4.2 asks for the notification regardless.
    const { n, members } = await room(t, "delete", "PS-09", { required: {}, optional: { notify_delete: "1" } }, {}, false);
    requireResult(await n.owner.iq(pubsub.delete(n.service, n.node)), "PS-09", `deleting ${n.node}`);
    recreateForCleanup(t, n);
    for (const m of members) await m.expect(event(n.node, "delete", "node deleted"), { rule: "PS-09" });
  });

  conformance({ id: "pubsub.groupchat.retract-notify", rules: ["PS-09"], title: "a retract with notify='true' sends every subscriber <retract id/>", needs: [...needsRoom, onService("retract-items")] }, async (t) => {
    const { n, members } = await room(t, "retract", "PS-09");
    const id = await publish(n.owner, n.service, n.node, messagePayload("oops"), itemId(), "PS-09");
    for (const m of members) await m.expect(itemEvent(n.node, id), { rule: "PS-10" });
    requireResult(await n.owner.iq(pubsub.retract(n.service, n.node, id, true)), "PS-09", `retracting '${id}' from ${n.node} with notify='true'`);
    for (const m of members) await m.expect(retractEvent(n.node, id), { rule: "PS-09" });
  });

  conformance({ id: "pubsub.groupchat.notify-config", rules: ["PS-09"], title: "with notify_config, a configuration change sends every subscriber <configuration/>, with the form when payloads are delivered", needs: [...needsRoom, onService("config-node")] }, async (t) => {
    const { n, members, config } = await room(t, "config", "PS-09", { required: { notify_config: "1" } });
    const payloads = formBoolean(config?.["pubsub#deliver_payloads"]?.[0]);
    requireResult(await n.owner.iq(pubsub.configure(n.service, n.node, { "pubsub#title": "renamed by the harness" })), "PS-09", `changing the title of ${n.node}`);
    for (const m of members) {
      const got = await m.expect(event(n.node, "configuration", "configuration changed"), { rule: "PS-09" });
      if (payloads === true) {
        const form = findForm(eventOf(got)?.getChild("configuration"), NS.pubsubNodeConfig);
        check(form !== undefined, "PS-09", `the node_config form inside <configuration/> (pubsub#deliver_payloads is true)`, got.toString());
      }
    }
  });
});
