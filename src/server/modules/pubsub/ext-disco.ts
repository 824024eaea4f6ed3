// XEP-0499 Pubsub Extended Discovery: a disco#items request carrying the
// urn:xmpp:pubsub-ext-disco:0 form lists, from the queried node (or from the root
// nodes), the node's items, its linking nodes and its descendants to `depth` layers,
// each node with a pubsub#meta-data form, every entry with its 'node'. The readings of
// what the spec leaves open are in docs/rules-addendum.md ("Pubsub relationships and
// extended discovery"). Paged with XEP-0059 when the request holds a <set/>. Each rule's
// fault (`extdisco.*`) is tested here, at the one place the rule is kept.
import { xml, type Element } from "../../../xmpp/element.js";
import { REL_LINK, REL_PARENT } from "../../../xmpp/extdisco.js";
import { formBoolean, formValues } from "../../../xmpp/forms.js";
import { NS } from "../../../xmpp/ns.js";
import type { Jid } from "../../jid.js";
import { PubsubError, type PubsubNode } from "./node.js";
import { childNodes, linkingNodes } from "./relationships.js";
import type { PubsubService } from "./service.js";

const badRequest = (text: string) => new PubsubError("modify", "bad-request", undefined, undefined, text);

/** The fields of XEP-0060 5.4's metadata form for `node`, FORM_TYPE left out. */
function metaDataFields(node: PubsubNode): Element[] {
  const c = node.config;
  const field = (name: string, ...values: string[]) => xml("field", { var: `pubsub#${name}` }, ...values.map((v) => xml("value", {}, v)));
  return [
    field("title", c.title),
    field("type", c.type),
    field("access_model", c.accessModel),
    field("publish_model", c.publishModel),
    field("max_items", String(c.maxItems)),
    field("owner", ...node.owners()),
    field("creator", node.creator),
    field("creation_date", node.created.toISOString()),
    field("num_subscribers", String([...node.subscriptions.values()].filter((s) => s.state === "subscribed").length)),
  ];
}

/** The XEP-0496 relationship fields a node has (EXTDISCO-08). */
function relationshipFields(service: PubsubService, node: PubsubNode): Element[] {
  const fields: Element[] = [];
  if (node.config.parent && !service.host.has("extdisco.no-relationship-fields")) fields.push(xml("field", { var: REL_PARENT }, xml("value", {}, node.config.parent)));
  if (node.config.link) fields.push(xml("field", { var: REL_LINK }, xml("value", {}, node.config.link)));
  return fields;
}

/** The node's pubsub#meta-data form: every field when `full`, else the relationships only. */
export function metaDataForm(service: PubsubService, node: PubsubNode, full: boolean): Element {
  return xml(
    "x",
    { xmlns: NS.dataForms, type: "result" },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.pubsubMetaData)),
    ...(full ? metaDataFields(node) : []),
    ...relationshipFields(service, node),
  );
}

interface Request {
  items: boolean;
  nodes: boolean;
  linked: boolean;
  full: boolean;
  depth: number;
}

function readForm(service: PubsubService, form: Element): Request {
  const values = formValues(form);
  const has = (f: string) => service.host.has(f);
  const lenient = has("extdisco.invalid-fields-ignored");
  const type = values.type ?? (has("extdisco.type-default-nodes") ? ["nodes"] : ["items", "nodes"]);
  const wrong = type.find((t) => t !== "items" && t !== "nodes");
  if (wrong !== undefined && !lenient) throw badRequest(`type: '${wrong}' is neither 'items' nor 'nodes'`);
  const bool = (name: string, fallback: boolean) => {
    const v = values[name];
    if (v === undefined || v.length === 0) return fallback;
    const b = v.length === 1 ? formBoolean(v[0]) : undefined;
    if (b === undefined) throw badRequest(`${name}: ${JSON.stringify(v)} is not a boolean`);
    return b;
  };
  const given = values.depth?.[0];
  const valid = given === undefined || /^\d+$/.test(given.trim());
  if (!valid && !lenient) throw badRequest(`depth: '${given}' is not a non-negative integer`);
  const depth = valid ? given : undefined;
  return {
    items: has("extdisco.type-ignored") || type.includes("items"),
    nodes: has("extdisco.type-ignored") || type.includes("nodes"),
    linked: bool("linked_nodes", has("extdisco.linked-by-default")),
    full: bool("full_metadata", has("extdisco.full-metadata-always")),
    depth: has("extdisco.depth-unbounded") ? Infinity : depth === undefined ? 0 : Number(depth.trim()),
  };
}

interface Entry {
  key: string;
  el: Element;
}

/**
 * The children of the answer's <query/>: its entries (a page of them with a <set/> when
 * the request pages). `nodeName` undefined: from the service's root nodes. Throws
 * item-not-found for a node missing or hidden, bad-request for a form it cannot read.
 */
export function extendedItems(service: PubsubService, nodeName: string | undefined, requester: Jid, form: Element, set: Element | undefined): Element[] {
  const req = readForm(service, form);
  const jid = service.host.jid;
  const visible = (n: PubsubNode) => service.host.has("extdisco.hidden-nodes-listed") || service.visible(n, requester.bare);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  const key = (node: string, item?: string) => Buffer.from(JSON.stringify(item === undefined ? [node] : [node, item])).toString("base64url");
  const withNode = !service.host.has("extdisco.items-without-node");

  const nodeEntry = (n: PubsubNode) => {
    seen.add(n.name);
    if (req.nodes) entries.push({ key: key(n.name), el: xml("item", { jid, node: n.name, name: n.config.title || undefined }, metaDataForm(service, n, req.full)) });
  };
  // Depth first: a node's items, then each linking node and each child (a layer down) with what follows it.
  const visit = (n: PubsubNode, remaining: number) => {
    seen.add(n.name);
    if (req.items && n.config.persistItems) {
      for (const id of n.items.keys()) entries.push({ key: key(n.name, id), el: xml("item", { jid, node: withNode ? n.name : undefined, name: id }) });
    }
    const next: Array<[PubsubNode, number]> = [];
    if (req.linked) for (const l of linkingNodes(service.nodes, n.name)) next.push([l, remaining]);
    if (remaining > 0) for (const c of childNodes(service.nodes, n.name)) if (req.linked || c.config.link === "") next.push([c, remaining - 1]);
    for (const [r, rest] of next) {
      if (seen.has(r.name) || !visible(r)) continue;
      nodeEntry(r);
      visit(r, rest);
    }
  };

  if (nodeName === undefined) {
    for (const root of [...service.nodes.values()].filter((n) => n.config.parent === "" && n.config.link === "")) {
      if (!visible(root)) continue;
      nodeEntry(root);
      visit(root, req.depth);
    }
  } else {
    const node = service.nodes.get(nodeName);
    if (!node || !service.visible(node, requester.bare)) throw new PubsubError("cancel", "item-not-found");
    visit(node, req.depth);
  }
  return set ? page(service, entries, set) : entries.map((e) => e.el);
}

/** XEP-0059: the entries of the page `set` asks for, and the answer's <set/>. */
function page(service: PubsubService, entries: Entry[], set: Element): Element[] {
  const text = (name: string) => set.getChild(name)?.getText();
  const maxText = text("max");
  if (maxText !== undefined && !/^\d+$/.test(maxText.trim())) throw badRequest(`<max/>: '${maxText}' is not a non-negative integer`);
  const max = maxText === undefined ? Infinity : Number(maxText.trim());
  const find = (id: string) => {
    const i = entries.findIndex((e) => e.key === id);
    if (i < 0) throw new PubsubError("cancel", "item-not-found", undefined, undefined, `no entry '${id}' in this result set`);
    return i;
  };
  const after = text("after");
  const before = set.getChild("before");
  let start = 0;
  let end = entries.length;
  if (after !== undefined) start = find(after) + (service.host.has("extdisco.rsm-overlap") ? 0 : 1);
  if (before !== undefined) {
    end = before.getText() === "" ? entries.length : find(before.getText());
    start = Math.max(start, end - max);
  }
  const shown = entries.slice(start, Math.min(end, start + max));
  const result = xml(
    "set",
    { xmlns: NS.rsm },
    ...(shown.length > 0 ? [xml("first", { index: String(start) }, shown[0]!.key), xml("last", {}, shown[shown.length - 1]!.key)] : []),
    xml("count", {}, String(entries.length)),
  );
  return [...shown.map((e) => e.el), result];
}
