// A scenario script as read from a scansion (.scs) file: its header, its actors and
// the actions they take, each with the line it came from so that a failure can point
// at it. docs/scripts.md describes the format.
import type { Element } from "../xmpp/element.js";

/** `## word` or `## key: value`. */
export interface Tag {
  key: string;
  value?: string;
}

export interface ClientDecl {
  name: string;
  line: number;
  /** The bare JID the script names (a full JID in `jid` gives the resource). */
  jid: string;
  password: string;
  resource?: string;
  connectHost?: string;
  connectPort?: number;
}

interface ActionBase {
  actor: string;
  line: number;
}

export type Action =
  | (ActionBase & { kind: "connects" | "disconnects" | "receives-nothing" })
  | (ActionBase & {
      kind: "sends" | "receives";
      /** The block's top-level elements, in order, as written: variables and special values still in them. */
      elements: Element[];
    });

export interface Script {
  file: string;
  title: string;
  description: string[];
  tags: Tag[];
  actors: ClientDecl[];
  actions: Action[];
  /** Lines the runner accepted but ignored (an unknown declaration key), said once before the script runs. */
  warnings: string[];
}

export function tagText(t: Tag): string {
  return t.value === undefined ? t.key : `${t.key}: ${t.value}`;
}

/** The domain of a JID. */
export function domainOf(jid: string): string {
  return jid.slice(jid.indexOf("@") + 1);
}

/** The actors' accounts: distinct bare JIDs in the order the script declares them, with the first password given for each. */
export function scriptAccounts(script: Script): Array<{ jid: string; password: string }> {
  const seen = new Map<string, string>();
  for (const a of script.actors) if (!seen.has(a.jid)) seen.set(a.jid, a.password);
  return [...seen].map(([jid, password]) => ({ jid, password }));
}
