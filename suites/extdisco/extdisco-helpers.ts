// Steps the extended discovery and node relationship tests share: where the nodes live
// (the pubsub service, or the account's own PEP service), nodes created with their
// relationships and deleted when the test ends, relationships read back from the node
// configuration, and extended disco#items requests with their entries split into nodes
// and items.
import type { TestClient } from "../../src/harness/client.js";
import type { Account } from "../../src/harness/target.js";
import type { Need } from "../../src/runner/needs.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { discoInfo } from "../../src/xmpp/builders.js";
import type { Element } from "../../src/xmpp/element.js";
import { discoEntries, extDiscoItems, REL_LINK, REL_PARENT, type DiscoEntry, type ExtDiscoOptions, type RsmRequest } from "../../src/xmpp/extdisco.js";
import type { FormValues } from "../../src/xmpp/forms.js";
import { NS } from "../../src/xmpp/ns.js";
import { pubsub } from "../../src/xmpp/pubsub.js";
import { errorText } from "../common/errors.js";
import { deleteOnCleanup, isResult, itemId, messagePayload, nodeConfiguration, pepNode, requireResult, serviceJid, serviceNodeName } from "../pubsub/pubsub-helpers.js";

export const SUITE = "extdisco";

export const needsRel: Need = { discoFeature: NS.pubsubRelationships, on: "pubsub", label: "urn:xmpp:pubsub-relationships:0 (XEP-0496, on the pubsub service)" };
export const needsExt: Need = { discoFeature: NS.pubsubExtDisco, on: "pubsub", label: "urn:xmpp:pubsub-ext-disco:0 (XEP-0499, on the pubsub service)" };
export const needsPepRel: Need = { discoFeature: NS.pubsubRelationships, on: "account", label: "urn:xmpp:pubsub-relationships:0 (XEP-0496, on the account's PEP service)" };
export const needsPepExt: Need = { discoFeature: NS.pubsubExtDisco, on: "account", label: "urn:xmpp:pubsub-ext-disco:0 (XEP-0499, on the account's PEP service)" };
/** A pubsub service at all (the feature tests probe the rest themselves). */
export const needsService: Need = { discoFeature: NS.pubsub, on: "pubsub", label: "a pubsub service (http://jabber.org/protocol/pubsub)" };


/** Where a test makes its nodes: the pubsub service, or (to undefined) the owner's own PEP service. */
export interface Place {
  t: TestContext;
  owner: TestClient;
  account: Account;
  /** The pubsub service's JID; undefined for PEP. */
  to: string | undefined;
  /** The JID disco requests go to: the service, or the owner's bare JID. */
  jid: string;
}

export async function onService(t: TestContext, account: Account): Promise<Place> {
  const to = serviceJid(t);
  const owner = await t.connect(account, { label: "owner" });
  return { t, owner, account, to, jid: to };
}

export async function onPep(t: TestContext, account: Account): Promise<Place> {
  const owner = await t.connect(account, { label: "owner" });
  return { t, owner, account, to: undefined, jid: owner.bareJid! };
}

export interface Rel {
  parent?: string;
  link?: string;
}

const relValues = (rel: Rel): FormValues => ({ ...(rel.parent !== undefined ? { [REL_PARENT]: rel.parent } : {}), ...(rel.link !== undefined ? { [REL_LINK]: rel.link } : {}) });

/** A fresh NodeID for this place. */
export function nodeName(p: Place, kind: string): string {
  return p.to ? serviceNodeName(`ed-${kind}`) : pepNode(`ed-${kind}`);
}

/**
 * Creates a node with the relationships `rel` (and other configuration) in the
 * create-and-configure form; it is deleted when the test ends. A refusal fails `rule`.
 */
export async function make(p: Place, kind: string, rel: Rel = {}, config: FormValues = {}, rule = "REL-02"): Promise<string> {
  const node = nodeName(p, kind);
  const values = { ...relValues(rel), ...config };
  const reply = await p.owner.iq(pubsub.create(p.to, node, Object.keys(values).length > 0 ? values : undefined));
  deleteOnCleanup(p.t, p.account, p.to, node);
  const what = Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(", ");
  requireResult(reply, rule, `creating node '${node}'${what ? ` with ${what}` : ""}`);
  return node;
}

/** Configures the relationships of `node`; returns the answer (a result, or the error a test may expect). */
export function setRel(p: Place, node: string, rel: Rel): Promise<Element> {
  return p.owner.iq(pubsub.configure(p.to, node, relValues(rel)));
}

/** Configures the relationships of `node` and requires success. */
export async function requireRel(p: Place, node: string, rel: Rel, rule: string): Promise<void> {
  const reply = await setRel(p, node, rel);
  requireResult(reply, rule, `configuring ${Object.entries(relValues(rel)).map(([k, v]) => `${k}=${String(v)}`).join(", ")} on node '${node}'`);
}

/** The relationships the owner reads in the node's configuration ("" for none); undefined when it cannot read it (the node is gone). */
export async function relOf(p: Place, node: string): Promise<{ parent: string; link: string; form: Record<string, string[]> } | undefined> {
  const form = await nodeConfiguration(p.owner, p.to, node);
  if (!form) return undefined;
  return { parent: form[REL_PARENT]?.[0] ?? "", link: form[REL_LINK]?.[0] ?? "", form };
}

/** Requires the node's configuration to show this parent (and link, if given). */
export async function requireRelOf(p: Place, node: string, want: Rel, rule: string, context: string): Promise<void> {
  const got = await relOf(p, node);
  check(got !== undefined, rule, `${context}: node '${node}' exists and its owner reads its configuration`, "the configuration could not be read (the node is gone?)");
  if (want.parent !== undefined) check(got.parent === want.parent, rule, `${context}: ${REL_PARENT} of '${node}' is '${want.parent}'`, `'${got.parent}' (${JSON.stringify(got.form)})`);
  if (want.link !== undefined) check(got.link === want.link, rule, `${context}: ${REL_LINK} of '${node}' is '${want.link}'`, `'${got.link}' (${JSON.stringify(got.form)})`);
}

/** Whether the node still exists, as its owner sees it: configuration retrievable, or item-not-found. */
export async function exists(p: Place, node: string): Promise<boolean> {
  const reply = await p.owner.iq(pubsub.getConfiguration(p.to, node));
  return isResult(reply);
}

/** Publishes `n` items to `node`; returns their ItemIDs in order. */
export async function addItems(p: Place, node: string, n: number, rule: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = itemId(`i${i}`);
    requireResult(await p.owner.iq(pubsub.publish(p.to, node, messagePayload(`item ${i}`), id)), rule, `publishing item '${id}' to '${node}'`);
    ids.push(id);
  }
  return ids;
}

export interface Listing {
  reply: Element;
  entries: DiscoEntry[];
  /** Entries that carry a form: nodes. */
  nodes: DiscoEntry[];
  /** Entries without a form: pubsub items. */
  items: DiscoEntry[];
}

/** An extended disco#items of `node` at the place's JID (or `to`), as `c` (the owner by default); requires a result. */
export async function extDisco(p: Place, node: string | undefined, opts: ExtDiscoOptions, rule: string, c: TestClient = p.owner, rsm?: RsmRequest): Promise<Listing> {
  const reply = await c.iq(extDiscoItems(p.jid, node, opts, rsm));
  check(isResult(reply), rule, `a result to the extended disco#items of '${node ?? "(the service)"}' at ${p.jid} with ${JSON.stringify(opts)}`, () => `${errorText(reply)}: ${reply.toString()}`);
  return listing(reply);
}

export function listing(reply: Element): Listing {
  const entries = discoEntries(reply);
  return { reply, entries, nodes: entries.filter((e) => e.form !== undefined), items: entries.filter((e) => e.form === undefined) };
}

export const nodeNames = (l: Listing) => l.nodes.map((e) => e.node ?? "");
export const itemNames = (l: Listing) => l.items.map((e) => e.name ?? "");

/** A short picture of a listing for verdicts. */
export function show(l: Listing): string {
  return l.entries.map((e) => (e.form ? `node ${e.node}` : `item ${e.name}@${e.node ?? "?"}`)).join("; ") || "no entries";
}

/** The features of the service (or PEP account) at the place. */
export async function features(p: Place): Promise<string[]> {
  const reply = await p.owner.iq(discoInfo(p.jid));
  return reply.getChild("query", NS.discoInfo)?.getChildren("feature").map((f) => f.attrs.var ?? "") ?? [];
}

/**
 * A tree for discovery: A (two items) → B (one item) → C (one item) → D; L links to A
 * (a sibling of A), and LB links to B (so its parent is A, copied from B).
 */
export interface Tree {
  a: string;
  b: string;
  c: string;
  d: string;
  l: string;
  lb: string;
  items: Record<string, string[]>;
}

export async function tree(p: Place, rule: string): Promise<Tree> {
  const a = await make(p, "a", {}, {}, rule);
  const b = await make(p, "b", { parent: a }, {}, rule);
  const c = await make(p, "c", { parent: b }, {}, rule);
  const d = await make(p, "d", { parent: c }, {}, rule);
  const l = await make(p, "l", { link: a }, {}, rule);
  const lb = await make(p, "lb", { link: b }, {}, rule);
  const items = {
    [a]: await addItems(p, a, 2, rule),
    [b]: await addItems(p, b, 1, rule),
    [c]: await addItems(p, c, 1, rule),
    [l]: await addItems(p, l, 1, rule),
  };
  return { a, b, c, d, l, lb, items };
}

/** Requires the listing's nodes to be exactly `want` (any order). */
export function exactNodes(l: Listing, want: string[], rule: string, context: string): void {
  const got = nodeNames(l);
  const same = got.length === want.length && want.every((n) => got.includes(n));
  check(same, rule, `${context}: exactly the nodes ${want.length ? want.join(", ") : "(none)"}`, show(l));
}
