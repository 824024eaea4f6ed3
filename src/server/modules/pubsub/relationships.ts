// XEP-0496 Pubsub Node Relationships on the node engine: the `parent` and `link` of a
// node are configuration fields (config.ts); this file checks a new configuration
// against the graph (one service's nodes), says which linking nodes follow a parent
// change, which nodes a deletion takes with it and whose rights a node inherits. Each
// rule's fault (`extdisco.rel-*`) is tested here, at the one place the rule is kept.
import { REL_LINK, REL_PARENT } from "../../../xmpp/extdisco.js";
import type { Element } from "../../../xmpp/element.js";
import { submits, type NodeConfig } from "./config.js";
import { PubsubError, type PubsubNode } from "./node.js";

export type Faults = (fault: string) => boolean;

/** XEP-0496 §4.2's answer to a relationship it refuses: not-allowed + invalid-option, with a text. */
const refused = (text: string) => new PubsubError("cancel", "not-allowed", "invalid-option", undefined, text);

/** XEP-0277 comments nodes get their blog node as parent when created without relationships (REL-13, a MAY). */
const BLOG = "urn:xmpp:microblog:0";
const COMMENTS = `${BLOG}:comments/`;

/** The nodes whose `link` names `node` (its linking nodes). */
export function linkingNodes(nodes: Map<string, PubsubNode>, name: string): PubsubNode[] {
  return [...nodes.values()].filter((n) => n.config.link === name);
}

/** The nodes whose `parent` names `node` (its children). */
export function childNodes(nodes: Map<string, PubsubNode>, name: string): PubsubNode[] {
  return [...nodes.values()].filter((n) => n.config.parent === name);
}

/**
 * REL-13: a node created with no relationship may get one the service knows (a comments
 * node's blog as parent); one the creator set is never changed.
 */
export function automatic(nodes: Map<string, PubsubNode>, has: Faults, name: string, config: NodeConfig, form: Element | undefined): NodeConfig {
  const explicit = form !== undefined && (submits(form, REL_PARENT) || submits(form, REL_LINK)) && (config.parent !== "" || config.link !== "");
  if (explicit && !has("extdisco.rel-auto-overrides")) return config;
  if (!name.startsWith(COMMENTS) || !nodes.has(BLOG) || config.link !== "") return config;
  return { ...config, parent: BLOG };
}

/**
 * Checks the relationships of `name` going from `prev` to `next` (a creation: `prev` has
 * none) and completes `next` with the parent a link copies (REL-04). Returns the linking
 * nodes whose parent follows (REL-05), with their new parent; throws what §4.2 says.
 * `parentGiven`: the submitted form names the parent field.
 */
export function settle(nodes: Map<string, PubsubNode>, has: Faults, name: string, prev: NodeConfig, next: NodeConfig, parentGiven: boolean): Map<PubsubNode, string> {
  // REL-14: clearing the parent makes a root node, which a deletion of the old parent leaves alone.
  if (has("extdisco.rel-unparent-ignored") && next.parent === "" && prev.parent !== "") next.parent = prev.parent;
  for (const [field, target] of [["parent", next.parent], ["link", next.link]] as const) {
    if (target === "") continue;
    if (target === name) throw refused(`a node cannot be its own ${field}`);
    if (!nodes.has(target)) throw refused(`${field}: there is no node '${target}' on this service`);
  }
  const parentChanged = parentGiven && next.parent !== prev.parent;
  if (next.link !== "") {
    const targetParent = nodes.get(next.link)!.config.parent;
    if (parentChanged && prev.link !== "") {
      // REL-06: the service keeps a linking node's parent; a client may not set it.
      if (!has("extdisco.rel-parent-on-linking")) throw refused(`'${name}' links to '${prev.link}': the service sets its parent, a client may not`);
    } else if (!has("extdisco.rel-link-no-parent-copy")) {
      // REL-04: the linking node takes the parent of the node it links to, and may not have another.
      if (parentChanged) {
        if (targetParent !== "" && next.parent !== targetParent) throw refused(`'${next.link}' has the parent '${targetParent}', so a node linking to it cannot have the parent '${next.parent}'`);
      } else if (next.link !== prev.link && targetParent !== "") {
        if (next.parent !== "" && next.parent !== targetParent) throw refused(`'${name}' has the parent '${next.parent}' and '${next.link}' has the parent '${targetParent}'`);
        next.parent = targetParent;
      }
    }
  }
  // REL-05: the linking nodes (and theirs, in turn) follow a parent change.
  const follow = new Map<PubsubNode, string>();
  if (next.parent !== prev.parent && !has("extdisco.rel-link-parent-not-followed")) {
    const queue = [name];
    while (queue.length > 0) {
      for (const l of linkingNodes(nodes, queue.shift()!)) {
        if (l.name === name || follow.has(l)) continue;
        follow.set(l, next.parent);
        queue.push(l.name);
      }
    }
  }
  // REL-03: following parent and link edges must never come back to where it started.
  if (!has("extdisco.rel-cycles-allowed")) {
    const parentOf = (n: string) => (n === name ? next.parent : [...follow].find(([l]) => l.name === n)?.[1] ?? nodes.get(n)?.config.parent ?? "");
    const linkOf = (n: string) => (n === name ? next.link : nodes.get(n)?.config.link ?? "");
    for (const start of [name, ...[...follow.keys()].map((l) => l.name)]) {
      const seen = new Set<string>();
      const stack = [parentOf(start), linkOf(start)];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (n === "" || seen.has(n)) continue;
        if (n === start) throw refused(`the relationships of '${start}' would make a cycle`);
        seen.add(n);
        stack.push(parentOf(n), linkOf(n));
      }
    }
  }
  return follow;
}

/** What deleting `node` takes with it: its linking nodes (REL-07) and its children (REL-09), each in turn with theirs. */
export function dependents(nodes: Map<string, PubsubNode>, has: Faults, node: PubsubNode): PubsubNode[] {
  return [
    ...(has("extdisco.rel-no-link-cascade") ? [] : linkingNodes(nodes, node.name)),
    ...(has("extdisco.rel-no-subtree-cascade") ? [] : childNodes(nodes, node.name)),
  ];
}

/**
 * The nodes whose access and publish models also govern `node` (REL-10): its parent and
 * theirs up to the root. A link gives none (REL-08).
 */
export function ancestors(nodes: Map<string, PubsubNode>, has: Faults, node: PubsubNode): PubsubNode[] {
  const out: PubsubNode[] = [];
  const queue = [node];
  while (queue.length > 0) {
    const n = queue.shift()!;
    const up = [n.config.parent, ...(has("extdisco.rel-link-inherits-access") ? [n.config.link] : [])];
    for (const name of up) {
      const a = name ? nodes.get(name) : undefined;
      if (a && a !== node && !out.includes(a)) {
        out.push(a);
        queue.push(a);
      }
    }
  }
  return out;
}
