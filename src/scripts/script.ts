// A scenario script as read from a scansion (.scs) file: its header, its actors and
// the actions they take, each with the line it came from so that a failure can point
// at it. docs/scripts.md describes the format and the extensions to it.
import type { Element } from "../xmpp/element.js";

/** `## word` or `## key: value`. */
export interface Tag {
  key: string;
  value?: string;
}

interface DeclBase {
  name: string;
  line: number;
  connectHost?: string;
  connectPort?: number;
}

export interface ClientDecl extends DeclBase {
  kind: "client";
  /** The bare JID the script names (a full JID in `jid` gives the resource). */
  jid: string;
  password: string;
  resource?: string;
  /** Features the account's bare JID must advertise in disco#info, or the script is skipped (extension). */
  needs: string[];
}

/** An XEP-0114 component (extension): its JID is a domain the server routes to it. */
export interface ComponentDecl extends DeclBase {
  kind: "component";
  jid: string;
  secret: string;
}

export type ActorDecl = ClientDecl | ComponentDecl;

interface ActionBase {
  actor: string;
  line: number;
}

export type Action =
  | (ActionBase & { kind: "connects" | "disconnects" | "receives-nothing" | "killed" | "acks" | "waits-window" })
  /** `max`: the resumption window the script asks for, in seconds. */
  | (ActionBase & { kind: "enables-sm"; max?: number })
  /** `session`: the actor whose Stream Management session is resumed (the actor itself, or another resource of its account). */
  | (ActionBase & { kind: "resumes"; session: string })
  | (ActionBase & {
      /** receives-any-order: the block's stanzas are the actor's next ones, in any order (extension). */
      kind: "sends" | "receives" | "receives-any-order";
      /** The block's top-level elements, in order, as written: variables and special values still in them. */
      elements: Element[];
    });

export interface Script {
  file: string;
  title: string;
  description: string[];
  tags: Tag[];
  actors: ActorDecl[];
  actions: Action[];
  /** Lines the runner accepted but ignored (an unknown declaration key), said once before the script runs. */
  warnings: string[];
}

export function tagText(t: Tag): string {
  return t.value === undefined ? t.key : `${t.key}: ${t.value}`;
}

/** The action as the script words it, for failures: `Juliet receives:`. */
export function actionText(a: Action): string {
  switch (a.kind) {
    case "sends":
    case "receives":
      return `${a.actor} ${a.kind}:`;
    case "receives-nothing":
      return `${a.actor} receives: nothing`;
    case "receives-any-order":
      return `${a.actor} receives in any order:`;
    case "killed":
      return `${a.actor} is killed`;
    case "acks":
      return `${a.actor} acks`;
    case "waits-window":
      return `${a.actor} waits out the resumption window`;
    case "enables-sm":
      return `${a.actor} enables stream management${a.max === undefined ? "" : ` with max ${a.max}`}`;
    case "resumes":
      return a.session === a.actor ? `${a.actor} resumes` : `${a.actor} resumes ${a.session}'s session`;
    default:
      return `${a.actor} ${a.kind}`;
  }
}

/** The domain of a JID. */
export function domainOf(jid: string): string {
  return jid.slice(jid.indexOf("@") + 1);
}

export function clientsOf(script: Script): ClientDecl[] {
  return script.actors.filter((a): a is ClientDecl => a.kind === "client");
}

export function componentsOf(script: Script): ComponentDecl[] {
  return script.actors.filter((a): a is ComponentDecl => a.kind === "component");
}

/** The domain the script talks to: its clients' (the parser requires one, and one domain). */
export function scriptDomain(script: Script): string {
  return domainOf(clientsOf(script)[0]!.jid);
}

/** The actors' accounts: distinct bare JIDs in the order the script declares them, with the first password given for each. */
export function scriptAccounts(script: Script): Array<{ jid: string; password: string }> {
  const seen = new Map<string, string>();
  for (const a of clientsOf(script)) if (!seen.has(a.jid)) seen.set(a.jid, a.password);
  return [...seen].map(([jid, password]) => ({ jid, password }));
}
