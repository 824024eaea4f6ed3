// Node configuration (XEP-0060 8.2 and 16.4.4): the options this service implements,
// their pubsub#node_config form fields, reading a submitted form, and the
// publish-options preconditions (7.1.5), which name the same fields.
import { childElements, xml, type Element } from "../../../xmpp/element.js";
import { REL_LINK, REL_PARENT } from "../../../xmpp/extdisco.js";
import { formBoolean } from "../../../xmpp/forms.js";
import { NS } from "../../../xmpp/ns.js";

export type AccessModel = "open" | "presence" | "roster" | "whitelist" | "authorize";
export type PublishModel = "publishers" | "subscribers" | "open";
export type SendLast = "never" | "on_sub" | "on_sub_and_presence";

export interface NodeConfig {
  title: string;
  /** The payload namespace, informational. */
  type: string;
  accessModel: AccessModel;
  rosterGroupsAllowed: string[];
  publishModel: PublishModel;
  maxItems: number;
  persistItems: boolean;
  deliverNotifications: boolean;
  deliverPayloads: boolean;
  notifyRetract: boolean;
  notifyDelete: boolean;
  notifyConfig: boolean;
  notifySub: boolean;
  sendLastPublishedItem: SendLast;
  /** XEP-0496: the NodeID of the node's parent on the same service, "" for a root node. */
  parent: string;
  /** XEP-0496: the NodeID of the node this one links to, "" for none. */
  link: string;
}

/** What max_items 'max' means here, and the most a node keeps. */
const MAX_ITEMS = 1000;

/**
 * Defaults for both services. XEP-0163 5 fixes PEP's access model (presence) and
 * last-item sending (on_sub_and_presence); advertising pubsub#last-published makes
 * on_sub_and_presence the generic service's default too (XEP-0060 4.4).
 */
export function defaultConfig(accessModel: AccessModel): NodeConfig {
  return {
    title: "",
    type: "",
    accessModel,
    rosterGroupsAllowed: [],
    publishModel: "publishers",
    maxItems: 10,
    persistItems: true,
    deliverNotifications: true,
    deliverPayloads: true,
    notifyRetract: true,
    notifyDelete: true,
    notifyConfig: false,
    notifySub: false,
    sendLastPublishedItem: "on_sub_and_presence",
    parent: "",
    link: "",
  };
}

interface Field {
  var: string;
  label: string;
  type: "boolean" | "text-single" | "list-single" | "list-multi";
  options?: readonly string[];
  get(c: NodeConfig): string[];
  /** Sets the option from the submitted values; false when they are not valid for it. */
  set(c: NodeConfig, values: string[]): boolean;
}

type BooleanKey = { [K in keyof NodeConfig]: NodeConfig[K] extends boolean ? K : never }[keyof NodeConfig];

const bool = (name: string, key: BooleanKey, label: string): Field => ({
  var: `pubsub#${name}`,
  label,
  type: "boolean",
  get: (c) => [c[key] ? "1" : "0"],
  set: (c, v) => {
    const b = v.length === 1 ? formBoolean(v[0]) : undefined;
    if (b === undefined) return false;
    c[key] = b;
    return true;
  },
});

const text = (name: string, key: "title" | "type", label: string): Field => ({
  var: `pubsub#${name}`,
  label,
  type: "text-single",
  get: (c) => [c[key]],
  set: (c, v) => {
    if (v.length > 1) return false;
    c[key] = v[0] ?? "";
    return true;
  },
});

function list<K extends "accessModel" | "publishModel" | "sendLastPublishedItem">(name: string, key: K, label: string, options: ReadonlyArray<NodeConfig[K]>): Field {
  return {
    var: `pubsub#${name}`,
    label,
    type: "list-single",
    options,
    get: (c) => [c[key]],
    set: (c, v) => {
      if (v.length !== 1 || !options.includes(v[0] as NodeConfig[K])) return false;
      c[key] = v[0] as NodeConfig[K];
      return true;
    },
  };
}

/** A XEP-0496 relationship field: one NodeID, or none (no value, or an empty one). */
const relationship = (name: string, key: "parent" | "link", label: string): Field => ({
  var: name,
  label,
  type: "text-single",
  get: (c) => (c[key] ? [c[key]] : []),
  set: (c, v) => {
    if (v.length > 1) return false;
    c[key] = v[0]?.trim() ?? "";
    return true;
  },
});

const FIELDS: readonly Field[] = [
  text("title", "title", "A friendly name for the node"),
  text("type", "type", "The type of node data, usually the namespace of the payload"),
  list("access_model", "accessModel", "Who may subscribe and retrieve items", ["open", "presence", "roster", "whitelist", "authorize"]),
  {
    var: "pubsub#roster_groups_allowed",
    label: "Roster groups allowed to subscribe",
    type: "list-multi",
    get: (c) => c.rosterGroupsAllowed,
    set: (c, v) => ((c.rosterGroupsAllowed = [...new Set(v)]), true),
  },
  list("publish_model", "publishModel", "Who may publish", ["publishers", "subscribers", "open"]),
  {
    var: "pubsub#max_items",
    label: "Max number of items to persist",
    type: "text-single",
    get: (c) => [String(c.maxItems)],
    set: (c, v) => {
      const n = v.length !== 1 ? NaN : v[0] === "max" ? MAX_ITEMS : /^\d+$/.test(v[0]!) ? Number(v[0]) : NaN;
      if (!(n >= 1 && n <= MAX_ITEMS)) return false;
      c.maxItems = n;
      return true;
    },
  },
  bool("persist_items", "persistItems", "Persist items to storage"),
  bool("deliver_notifications", "deliverNotifications", "Deliver event notifications"),
  bool("deliver_payloads", "deliverPayloads", "Deliver payloads with event notifications"),
  bool("notify_retract", "notifyRetract", "Notify subscribers when items are removed from the node"),
  bool("notify_delete", "notifyDelete", "Notify subscribers when the node is deleted"),
  bool("notify_config", "notifyConfig", "Notify subscribers when the node configuration changes"),
  bool("notify_sub", "notifySub", "Notify owners about new subscribers and unsubscribes"),
  list("send_last_published_item", "sendLastPublishedItem", "When to send the last published item", ["never", "on_sub", "on_sub_and_presence"]),
  relationship(REL_PARENT, "parent", "The parent node (XEP-0496)"),
  relationship(REL_LINK, "link", "The node this node links to (XEP-0496)"),
];

/** Whether a submitted form names the relationship field `name` (REL_PARENT or REL_LINK), with or without a value. */
export function submits(form: Element, name: string): boolean {
  return submitted(form).some(([n]) => n === name);
}

/** The node_config form: `form` for an owner to fill in, `result` inside a configuration notification. */
export function configForm(config: NodeConfig, type: "form" | "result"): Element {
  return xml(
    "x",
    { xmlns: NS.dataForms, type },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, NS.pubsubNodeConfig)),
    ...FIELDS.map((f) =>
      xml(
        "field",
        { var: f.var, type: f.type, label: type === "form" ? f.label : undefined },
        ...(type === "form" ? (f.options ?? []).map((o) => xml("option", {}, xml("value", {}, o))) : []),
        ...f.get(config).map((v) => xml("value", {}, v)),
      ),
    ),
  );
}

/** Submitted fields by var (FORM_TYPE left out), in order. */
function submitted(form: Element): Array<[string, string[]]> {
  return childElements(form)
    .filter((f) => f.name === "field" && f.attrs.var !== undefined && f.attrs.var !== "FORM_TYPE")
    .map((f) => [f.attrs.var!, f.getChildren("value").map((v) => v.getText())]);
}

/**
 * A copy of `config` with a submitted node_config form applied, or why it cannot be.
 * Fields this service does not know are ignored when configuring: XEP-0060 rejects a
 * configuration only when it cannot be processed (8.2.5.2), and clients send extra
 * fields (XEP-0207 Ex. 18 sends pubsub#publisher, a metadata field). Preconditions
 * (`strict`) are refused for them: the service "MUST reject the publication upon
 * encountering unknown fields" (7.1.5).
 */
export function applyConfig(config: NodeConfig, form: Element, strict = false): NodeConfig | { invalid: string } {
  const next: NodeConfig = { ...config, rosterGroupsAllowed: [...config.rosterGroupsAllowed] };
  for (const [name, values] of submitted(form)) {
    const field = FIELDS.find((f) => f.var === name);
    if (!field && strict) return { invalid: `${name} is not an option of this service` };
    if (field && !field.set(next, values)) return { invalid: `${name}: ${JSON.stringify(values)} is not a valid value` };
  }
  return next;
}

/** The first publish-options precondition the node's configuration does not meet (7.1.5), if any. */
export function unmetPrecondition(config: NodeConfig, form: Element): string | undefined {
  const wanted = applyConfig(config, form, true);
  if ("invalid" in wanted) return wanted.invalid;
  const differs = FIELDS.find((f) => JSON.stringify(f.get(wanted)) !== JSON.stringify(f.get(config)));
  return differs && `${differs.var} is ${JSON.stringify(differs.get(config))}, not ${JSON.stringify(differs.get(wanted))}`;
}
