// XEP-0499 §3.1 and §4 on the pubsub service: a plain disco#items stays XEP-0060's; with
// the urn:xmpp:pubsub-ext-disco:0 form, the type filter, linked nodes, minimal and full
// metadata, depth 0, 1 and 2 on a tree three levels deep, 'node' on every entry, the
// relationship fields, the spec's own combined request, and XEP-0059 paging. Each test
// builds its own tree (extdisco-helpers.ts `tree`): A → B → C → D, L linking to A, LB
// linking to B (so a child of A).
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { plainDiscoItems, REL_LINK, REL_PARENT, rsmResult } from "../../src/xmpp/extdisco.js";
import { NS } from "../../src/xmpp/ns.js";
import { checkError, isResult } from "../pubsub/pubsub-helpers.js";
import { errorText } from "../common/errors.js";
import { extDiscoItems } from "../../src/xmpp/extdisco.js";
import { SUITE, addItems, exactNodes, extDisco, itemNames, listing, make, needsExt, needsRel, nodeNames, onService, show, tree } from "./extdisco-helpers.js";
import { restsOn } from "../common/addendum.js";

const needs = [needsRel, needsExt, { accounts: 1 }];
const MINIMAL = new Set(["FORM_TYPE", REL_PARENT, REL_LINK]);

describe(SUITE, () => {
  conformance({ id: "extdisco.disco.plain-unchanged", rules: ["EXTDISCO-02", "REL-11", "PS-11"], title: "a disco#items without the form lists a node's items as XEP-0060 does: no child nodes, no node attribute, no forms", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-02");
    const reply = await p.owner.iq(plainDiscoItems(p.jid, tr.a));
    check(isResult(reply), "EXTDISCO-02", `a result to the plain disco#items of '${tr.a}'`, () => `${errorText(reply)}: ${reply.toString()}`);
    const l = listing(reply);
    const names = l.entries.map((e) => e.name ?? "");
    const want = tr.items[tr.a]!;
    check(l.entries.length === want.length && want.every((id) => names.includes(id)), "REL-11", `exactly the items ${want.join(", ")} of '${tr.a}', none of its child or linking nodes`, show(l));
    check(l.nodes.length === 0, "EXTDISCO-02", "no metadata form in a plain listing", reply.toString());
    check(l.entries.every((e) => e.node === undefined), "PS-11", "the items named by their ItemID with no node attribute (XEP-0060 §5.5)", reply.toString());
  });

  conformance({ id: "extdisco.disco.type-nodes", rules: ["EXTDISCO-03", "EXTDISCO-08"], title: "type=nodes returns nodes only, each with its metadata form", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-03");
    const l = await extDisco(p, tr.a, { type: ["nodes"], depth: 1 }, "EXTDISCO-03");
    check(l.items.length === 0, "EXTDISCO-03", "with type=nodes, no pubsub item (every entry a node with a metadata form)", show(l));
    exactNodes(l, [tr.b], "EXTDISCO-03", `type=nodes, depth=1 on '${tr.a}'`);
    check(l.nodes.every((e) => e.form?.FORM_TYPE?.[0] === NS.pubsubMetaData), "EXTDISCO-08", `each node's form of FORM_TYPE ${NS.pubsubMetaData}`, l.reply.toString());
  });

  conformance({ id: "extdisco.disco.type-items", rules: ["EXTDISCO-03"], title: "type=items returns pubsub items only, those of the listed nodes included", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-03");
    const l = await extDisco(p, tr.a, { type: ["items"], depth: 1 }, "EXTDISCO-03");
    check(l.nodes.length === 0, "EXTDISCO-03", "with type=items, no node (no entry with a metadata form)", show(l));
    const names = itemNames(l);
    const want = [...tr.items[tr.a]!, ...tr.items[tr.b]!];
    check(want.every((id) => names.includes(id)) && names.length === want.length, "EXTDISCO-03", `exactly the items ${want.join(", ")} of '${tr.a}' and its child '${tr.b}'`, show(l));
  });

  conformance({ id: "extdisco.disco.type-default", rules: ["EXTDISCO-03"], title: "without a type field, both items and nodes are returned", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-03");
    const l = await extDisco(p, tr.a, { depth: 1 }, "EXTDISCO-03");
    check(nodeNames(l).includes(tr.b), "EXTDISCO-03", `the child node '${tr.b}' listed (type defaults to items and nodes)`, show(l));
    check(tr.items[tr.a]!.every((id) => itemNames(l).includes(id)), "EXTDISCO-03", `the items of '${tr.a}' listed (type defaults to items and nodes)`, show(l));
  });

  conformance({ id: "extdisco.disco.type-invalid", rules: ["EXTDISCO-03"], title: "a type other than items and nodes is a bad-request", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a", {}, {}, "EXTDISCO-03");
    const reply = await p.owner.iq(extDiscoItems(p.jid, a, { type: ["folders"] }));
    checkError(reply, "EXTDISCO-03", { condition: "bad-request" }, `type=folders ${restsOn("Invalid field values")}`);
  });

  conformance({ id: "extdisco.disco.linked-default-false", rules: ["EXTDISCO-04"], title: "without linked_nodes, no linking node is returned", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-04");
    const l = await extDisco(p, tr.a, { type: ["nodes"], depth: 2 }, "EXTDISCO-04");
    check(l.nodes.every((e) => !e.form?.[REL_LINK]?.length), "EXTDISCO-04", "no node with a link (linked_nodes defaults to false)", show(l));
    check(!nodeNames(l).includes(tr.l) && !nodeNames(l).includes(tr.lb), "EXTDISCO-04", `neither '${tr.l}' (linking to '${tr.a}') nor '${tr.lb}' (linking to '${tr.b}')`, show(l));
  });

  conformance({ id: "extdisco.disco.linked-true", rules: ["EXTDISCO-04"], title: "linked_nodes=true returns the queried node's linking nodes, and their items", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-04");
    const l = await extDisco(p, tr.a, { linkedNodes: true }, "EXTDISCO-04");
    const entry = l.nodes.find((e) => e.node === tr.l);
    check(entry !== undefined, "EXTDISCO-04", `'${tr.l}', which links to '${tr.a}', listed with linked_nodes=true`, show(l));
    check(entry.form?.[REL_LINK]?.[0] === tr.a, "EXTDISCO-04", `${REL_LINK} of '${tr.l}' is '${tr.a}'`, entry.el.toString());
    check(tr.items[tr.l]!.every((id) => l.items.some((e) => e.name === id && e.node === tr.l)), "EXTDISCO-04", `the items of '${tr.l}' listed with it`, show(l));
  });

  conformance({ id: "extdisco.disco.minimal-metadata", rules: ["EXTDISCO-05"], title: "without full_metadata, a node's form holds only FORM_TYPE and its relationship fields", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-05");
    const l = await extDisco(p, tr.a, { type: ["nodes"], depth: 1, linkedNodes: true }, "EXTDISCO-05");
    check(l.nodes.length > 0, "EXTDISCO-05", "some nodes listed", show(l));
    for (const e of l.nodes) {
      const extra = Object.keys(e.form!).filter((f) => !MINIMAL.has(f));
      check(extra.length === 0, "EXTDISCO-05", `the form of '${e.node}' limited to FORM_TYPE, ${REL_PARENT} and ${REL_LINK}`, `also ${extra.join(", ")}`);
    }
  });

  conformance({ id: "extdisco.disco.full-metadata", rules: ["EXTDISCO-05"], title: "full_metadata=true gives each node the full XEP-0060 metadata form", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-05");
    const l = await extDisco(p, tr.a, { type: ["nodes"], depth: 1, fullMetadata: true }, "EXTDISCO-05");
    const b = l.nodes.find((e) => e.node === tr.b);
    check(b !== undefined, "EXTDISCO-05", `'${tr.b}' listed`, show(l));
    check(b.form?.["pubsub#access_model"]?.length === 1 && b.form?.[REL_PARENT]?.[0] === tr.a, "EXTDISCO-05", `the full metadata of '${tr.b}' (pubsub#access_model among them) with its ${REL_PARENT}`, b.el.toString());
  });

  conformance({ id: "extdisco.disco.depth", rules: ["EXTDISCO-06"], title: "depth 0, 1 and 2 on a tree three levels deep return no, one and two layers of descendants", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-06");
    exactNodes(await extDisco(p, tr.a, { type: ["nodes"], depth: 0 }, "EXTDISCO-06"), [], "EXTDISCO-06", `depth=0 on '${tr.a}' ${restsOn("Depth 0")}`);
    exactNodes(await extDisco(p, tr.a, { type: ["nodes"] }, "EXTDISCO-06"), [], "EXTDISCO-06", `no depth (0 by default) on '${tr.a}' ${restsOn("Depth 0")}`);
    exactNodes(await extDisco(p, tr.a, { type: ["nodes"], depth: 1 }, "EXTDISCO-06"), [tr.b], "EXTDISCO-06", `depth=1 on '${tr.a}'`);
    exactNodes(await extDisco(p, tr.a, { type: ["nodes"], depth: 2 }, "EXTDISCO-06"), [tr.b, tr.c], "EXTDISCO-06", `depth=2 on '${tr.a}'`);
  });

  conformance({ id: "extdisco.disco.depth-invalid", rules: ["EXTDISCO-06"], title: "a depth that is not an integer is a bad-request", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const a = await make(p, "a", {}, {}, "EXTDISCO-06");
    checkError(await p.owner.iq(extDiscoItems(p.jid, a, { depth: "two" })), "EXTDISCO-06", { condition: "bad-request" }, `depth=two ${restsOn("Invalid field values")}`);
  });

  conformance({ id: "extdisco.disco.depth-linking-descendants", rules: ["EXTDISCO-06", "EXTDISCO-04"], title: "a descendant with a link is left out unless linked_nodes is true", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-06");
    const without = await extDisco(p, tr.a, { type: ["nodes"], depth: 1, linkedNodes: false }, "EXTDISCO-06");
    check(!nodeNames(without).includes(tr.lb), "EXTDISCO-06", `'${tr.lb}' (a child of '${tr.a}' linking to '${tr.b}') left out with linked_nodes=false`, show(without));
    const withLinked = await extDisco(p, tr.a, { type: ["nodes"], depth: 1, linkedNodes: true }, "EXTDISCO-06");
    exactNodes(withLinked, [tr.l, tr.b, tr.lb], "EXTDISCO-04", `depth=1, linked_nodes=true on '${tr.a}'`);
  });

  conformance({ id: "extdisco.disco.items-carry-node", rules: ["EXTDISCO-07"], title: "with the form, every entry carries node: each pubsub item its node's NodeID", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-07");
    const l = await extDisco(p, tr.a, { depth: 2 }, "EXTDISCO-07");
    check(l.entries.length > 0 && l.entries.every((e) => !!e.node), "EXTDISCO-07", "a non-empty node attribute on every <item/>", l.reply.toString());
    for (const node of [tr.a, tr.b, tr.c]) {
      for (const id of tr.items[node]!) {
        check(l.items.some((e) => e.node === node && e.name === id), "EXTDISCO-07", `item '${id}' listed with node='${node}' and its ItemID as name ${restsOn("Where an item's ItemID goes")}`, show(l));
      }
    }
  });

  conformance({ id: "extdisco.disco.relationship-fields", rules: ["EXTDISCO-08"], title: "each node's form names its parent and its link as the harness set them", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-08");
    const l = await extDisco(p, tr.a, { type: ["nodes"], depth: 2, linkedNodes: true }, "EXTDISCO-08");
    const want: Array<[string, string, string]> = [[tr.b, tr.a, ""], [tr.c, tr.b, ""], [tr.l, "", tr.a], [tr.lb, tr.a, tr.b]];
    for (const [node, parent, link] of want) {
      const e = l.nodes.find((x) => x.node === node);
      check(e !== undefined, "EXTDISCO-08", `'${node}' listed`, show(l));
      const got = `${REL_PARENT}=${e.form?.[REL_PARENT]?.[0] ?? "(none)"}, ${REL_LINK}=${e.form?.[REL_LINK]?.[0] ?? "(none)"}`;
      check((e.form?.[REL_PARENT]?.[0] ?? "") === parent && (e.form?.[REL_LINK]?.[0] ?? "") === link, "EXTDISCO-08", `'${node}': ${REL_PARENT}=${parent || "(none)"}, ${REL_LINK}=${link || "(none)"}`, got);
    }
  });

  conformance({ id: "extdisco.disco.combined", rules: ["EXTDISCO-03", "EXTDISCO-04", "EXTDISCO-05", "EXTDISCO-06"], title: "the spec's example, with full metadata: type=nodes, linked_nodes=true, depth=1, full_metadata=true", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const tr = await tree(p, "EXTDISCO-03");
    const l = await extDisco(p, tr.a, { type: ["nodes"], linkedNodes: true, depth: 1, fullMetadata: true }, "EXTDISCO-03");
    check(l.items.length === 0, "EXTDISCO-03", "no pubsub item with type=nodes", show(l));
    exactNodes(l, [tr.l, tr.b, tr.lb], "EXTDISCO-06", `linking nodes and the first layer of descendants of '${tr.a}'`);
    check(l.nodes.every((e) => e.form?.["pubsub#access_model"] !== undefined), "EXTDISCO-05", "full metadata on every node", l.reply.toString());
  });

  conformance({ id: "extdisco.disco.paging", rules: ["EXTDISCO-10"], title: "a listing larger than a page, paged with RSM: every entry exactly once, the union the unpaged result", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const p = await onService(t, alice!);
    const top = await make(p, "p", {}, {}, "EXTDISCO-10");
    await addItems(p, top, 4, "EXTDISCO-10");
    for (let i = 0; i < 4; i++) await addItems(p, await make(p, `c${i}`, { parent: top }, {}, "EXTDISCO-10"), 1, "EXTDISCO-10");
    const key = (e: { node?: string; name?: string; form?: unknown }) => `${e.form ? "node" : "item"} ${e.node ?? ""} ${e.form ? "" : (e.name ?? "")}`;
    const all = (await extDisco(p, top, { depth: 1 }, "EXTDISCO-10")).entries.map(key);
    check(all.length === 12, "EXTDISCO-10", "the unpaged listing: 4 items, 4 children and their 4 items", all.join("; "));
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const l = await extDisco(p, top, { depth: 1 }, "EXTDISCO-10", p.owner, { max: 5, ...(after !== undefined ? { after } : {}) });
      const set = rsmResult(l.reply.getChild("query", NS.discoItems));
      check(set !== undefined, "EXTDISCO-10", `a <set xmlns='${NS.rsm}'/> in the answer to a paged request ${restsOn("Paging")}`, l.reply.toString());
      check(l.entries.length <= 5, "EXTDISCO-10", "at most <max/> (5) entries on a page", show(l));
      if (set.count !== undefined) check(Number(set.count) === all.length, "EXTDISCO-10", `<count/> ${all.length}, the size of the unpaged listing`, set.count);
      if (l.entries.length === 0) break;
      check(set.first !== undefined && set.last !== undefined, "EXTDISCO-10", "<first/> and <last/> on a page with entries", l.reply.toString());
      seen.push(...l.entries.map(key));
      after = set.last;
      if (seen.length >= all.length) break;
    }
    const dupes = seen.filter((k, i) => seen.indexOf(k) !== i);
    check(dupes.length === 0, "EXTDISCO-10", "no entry on two pages", `repeated: ${dupes.join("; ")}`);
    check(seen.length === all.length && all.every((k) => seen.includes(k)), "EXTDISCO-10", `the pages together equal the unpaged listing (${all.length} entries)`, `${seen.length} entries: ${seen.join("; ")}`);
  });
});
