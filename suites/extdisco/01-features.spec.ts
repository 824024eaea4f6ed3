// XEP-0496 §7 and XEP-0499 §5: a service that implements node relationships or extended
// discovery advertises its feature, on the pubsub service and on PEP. A service that
// advertises neither is probed: when it keeps relationships or answers the extended
// form all the same, the missing feature fails; otherwise the test skips, naming it.
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { EXT_DISCO_BARE_FEATURE, extDiscoItems, REL_PARENT } from "../../src/xmpp/extdisco.js";
import { NS } from "../../src/xmpp/ns.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { deleteOnCleanup, isResult } from "../pubsub/pubsub-helpers.js";
import { SUITE, features, listing, needsService, nodeName, onPep, onService, relOf, type Place } from "./extdisco-helpers.js";
import { needsPep } from "../pubsub/pubsub-helpers.js";
import { restsOn } from "../common/addendum.js";

/** A parent and a child made with the relationship field, without requiring that the service keeps it; undefined when it refuses. */
async function probeTree(p: Place): Promise<{ parent: string; child: string } | undefined> {
  const parent = nodeName(p, "probe-parent");
  const child = nodeName(p, "probe-child");
  deleteOnCleanup(p.t, p.account, p.to, parent);
  deleteOnCleanup(p.t, p.account, p.to, child);
  if (!isResult(await p.owner.iq(pubsub.create(p.to, parent)))) return undefined;
  if (!isResult(await p.owner.iq(pubsub.create(p.to, child)))) return undefined;
  await p.owner.iq(pubsub.configure(p.to, child, { [REL_PARENT]: parent }));
  return { parent, child };
}

async function relationshipsFeature(t: TestContext, place: (t: TestContext) => Promise<Place>, where: string): Promise<void> {
  const p = await place(t);
  const list = await features(p);
  if (list.includes(NS.pubsubRelationships)) return;
  const probe = await probeTree(p);
  const kept = probe && (await relOf(p, probe.child))?.parent === probe.parent;
  check(!kept, "REL-01", `${where} keeps a ${REL_PARENT}, so it advertises ${NS.pubsubRelationships}`, `the child's parent kept, and no such feature among: ${list.join(" ")}`);
  t.skip(`${where} does not implement XEP-0496: no ${NS.pubsubRelationships} feature, and a parent configured on a node is not kept`);
}

async function extDiscoFeature(t: TestContext, place: (t: TestContext) => Promise<Place>, where: string): Promise<void> {
  const p = await place(t);
  const list = await features(p);
  if (list.includes(NS.pubsubExtDisco)) {
    if (list.includes(EXT_DISCO_BARE_FEATURE)) t.note("owner", `warning: ${where} also advertises ${EXT_DISCO_BARE_FEATURE}, the form of XEP-0499's example`);
    return;
  }
  check(
    !list.includes(EXT_DISCO_BARE_FEATURE),
    "EXTDISCO-01",
    `${NS.pubsubExtDisco}, as XEP-0499's text says, not only ${EXT_DISCO_BARE_FEATURE} of its example ${restsOn("The extended discovery feature")}`,
    list.join(" "),
  );
  const probe = await probeTree(p);
  const reply = probe && (await p.owner.iq(extDiscoItems(p.jid, probe.parent, { type: ["nodes"], depth: 1 })));
  const answered = reply !== undefined && isResult(reply) && listing(reply).nodes.length > 0;
  check(!answered, "EXTDISCO-01", `${where} answers the extended discovery form, so it advertises ${NS.pubsubExtDisco}`, `nodes with metadata forms returned (${reply?.toString()}), and no such feature among: ${list.join(" ")}`);
  t.skip(`${where} does not implement XEP-0499: no ${NS.pubsubExtDisco} feature, and a disco#items with the form returns no nodes with metadata`);
}

describe(SUITE, () => {
  conformance({ id: "extdisco.features.relationships", rules: ["REL-01"], title: "the pubsub service advertises urn:xmpp:pubsub-relationships:0", needs: [needsService, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    await relationshipsFeature(t, (t) => onService(t, alice!), "the pubsub service");
  });

  conformance({ id: "extdisco.features.ext-disco", rules: ["EXTDISCO-01"], title: "the pubsub service advertises urn:xmpp:pubsub-ext-disco:0 (with the :0 of the text)", needs: [needsService, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    await extDiscoFeature(t, (t) => onService(t, alice!), "the pubsub service");
  });

  conformance({ id: "extdisco.features.pep-relationships", rules: ["REL-01"], title: "the account's PEP service advertises urn:xmpp:pubsub-relationships:0", needs: [needsPep, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    await relationshipsFeature(t, (t) => onPep(t, alice!), "the PEP service");
  });

  conformance({ id: "extdisco.features.pep-ext-disco", rules: ["EXTDISCO-01"], title: "the account's PEP service advertises urn:xmpp:pubsub-ext-disco:0", needs: [needsPep, { accounts: 1 }] }, async (t) => {
    const [alice] = await t.accounts(1);
    await extDiscoFeature(t, (t) => onPep(t, alice!), "the PEP service");
  });
});
