// XEP-0496 Pubsub Node Relationships and XEP-0499 Pubsub Extended Discovery as both
// sides write and read them: the relationship fields of a node configuration, the
// disco#items request carrying the urn:xmpp:pubsub-ext-disco:0 form with its XEP-0059
// <set/>, and the entries and result set of the answer.
import { iq } from "./builders.js";
import { childElements, xml, type Element } from "./element.js";
import { dataForm, findForm, formValues } from "./forms.js";
import { NS } from "./ns.js";

/** The configuration field naming a node's parent (XEP-0496 §4.2). */
export const REL_PARENT = `{${NS.pubsubRelationships}}parent`;
/** The configuration field naming the node a node links to (XEP-0496 §4.2). */
export const REL_LINK = `{${NS.pubsubRelationships}}link`;
/** The bare feature XEP-0499's disco example shows, without the `:0` its text gives. */
export const EXT_DISCO_BARE_FEATURE = "urn:xmpp:pubsub-ext-disco";

export interface ExtDiscoOptions {
  /** `type`: "items" and/or "nodes" (raw strings, so that a test can send a wrong one). */
  type?: string[];
  linkedNodes?: boolean | string;
  fullMetadata?: boolean | string;
  depth?: number | string;
}

export interface RsmRequest {
  max?: number;
  after?: string;
  before?: string;
}

/** An XEP-0059 <set/> of a request. */
export function rsmSet(r: RsmRequest): Element {
  return xml(
    "set",
    { xmlns: NS.rsm },
    ...(r.max !== undefined ? [xml("max", {}, String(r.max))] : []),
    ...(r.after !== undefined ? [xml("after", {}, r.after)] : []),
    ...(r.before !== undefined ? [xml("before", {}, r.before)] : []),
  );
}

/** The request form's fields, in the spec's names. */
export function extDiscoForm(opts: ExtDiscoOptions): Element {
  const values: Record<string, string | string[]> = {};
  if (opts.type !== undefined) values.type = opts.type;
  if (opts.linkedNodes !== undefined) values.linked_nodes = String(opts.linkedNodes);
  if (opts.fullMetadata !== undefined) values.full_metadata = String(opts.fullMetadata);
  if (opts.depth !== undefined) values.depth = String(opts.depth);
  return dataForm("submit", NS.pubsubExtDisco, values);
}

/** disco#items of `node` (or of the service) with the extended discovery form, then the <set/> if paging (addendum: the form first). */
export function extDiscoItems(to: string | undefined, node: string | undefined, opts: ExtDiscoOptions = {}, rsm?: RsmRequest): Element {
  return iq("get", { to }, xml("query", { xmlns: NS.discoItems, node }, extDiscoForm(opts), ...(rsm ? [rsmSet(rsm)] : [])));
}

/** A plain XEP-0060 disco#items, with no form. */
export function plainDiscoItems(to: string | undefined, node: string | undefined): Element {
  return iq("get", { to }, xml("query", { xmlns: NS.discoItems, node }));
}

/** One <item/> of a disco#items answer, with its metadata form's values when it carries one. */
export interface DiscoEntry {
  jid: string | undefined;
  node: string | undefined;
  name: string | undefined;
  /** The values of the pubsub#meta-data form inside the item (any form when its FORM_TYPE is another). */
  form: Record<string, string[]> | undefined;
  /** The element itself. */
  el: Element;
}

export function discoEntries(reply: Element): DiscoEntry[] {
  const query = reply.getChild("query", NS.discoItems);
  if (!query) return [];
  return query.getChildren("item").map((el) => {
    const form = findForm(el);
    return { jid: el.attrs.jid, node: el.attrs.node, name: el.attrs.name, form: form && formValues(form), el };
  });
}

/** The XEP-0059 result set of an answer. */
export interface RsmResult {
  first: string | undefined;
  firstIndex: string | undefined;
  last: string | undefined;
  count: string | undefined;
}

export function rsmResult(parent: Element | undefined): RsmResult | undefined {
  const set = parent && childElements(parent).find((c) => c.name === "set" && c.getNS() === NS.rsm);
  if (!set) return undefined;
  const text = (name: string) => set.getChild(name)?.getText();
  return { first: text("first"), firstIndex: set.getChild("first")?.attrs.index, last: text("last"), count: text("count") };
}
