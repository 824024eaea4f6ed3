// What `record` makes of live c2s traffic: a scansion script. Each bound session is an
// actor (a new account Romeo, Juliet, Mercutio…, another resource of one `Romeo's
// phone`, laptop…, as Prosody's mod_scansion_record names them); the stanzas it sends
// become `sends:` without `from`, the stanzas it gets `receives:` without a `to` that is
// its own full JID; JIDs of actors become `${Name's full JID}` and `${Name's JID}`, and
// values the server made up (ids nobody sent, stamps) `{scansion:any}`. Nonzas (Stream
// Management, CSI) and what passes before binding are left out.
import clone from "ltx/lib/clone.js";
import { isStanza, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";

const NAMES = ["Romeo", "Juliet", "Mercutio", "Tybalt", "Benvolio", "Nurse", "Paris", "Capulet", "Montague", "Escalus", "Balthasar", "Sampson", "Gregory", "Abram", "Peter"];
const DEVICES = ["phone", "laptop", "tablet", "toaster", "fridge", "shoe"];
/** Attributes whose values the server chooses afresh each run, unless a client sent the same value. */
const VOLATILE = new Set(["id", "stamp", "subid", "ver"]);
const ANY = "{scansion:any}";

interface Actor {
  name: string;
  full: string;
  bare: string;
}

type Event =
  | { kind: "connects" | "disconnects" | "killed"; actor: Actor }
  | { kind: "sends" | "receives"; actor: Actor; el: Element };

/** One proxied connection as the recording sees it. */
export interface RecordedStream {
  /** The client sent an element (after the proxy's own handling of STARTTLS). */
  fromClient(el: Element): void;
  /** The server sent an element. */
  fromServer(el: Element): void;
  /** The connection ended: the client closed its stream, its socket dropped, or the server ended it. */
  ended(how: "client-closed" | "client-dropped" | "server-closed"): void;
}

export class Recording {
  private readonly events: Event[] = [];
  private readonly actors: Actor[] = [];
  /** Every id-like value a client sent: the server echoes these, so they are not volatile. */
  private readonly sentValues = new Set<string>();

  constructor(private readonly started = new Date()) {}

  /** A new connection to record. */
  stream(): RecordedStream {
    let actor: Actor | undefined;
    let bindId: string | undefined;
    let ended = false;
    return {
      fromClient: (el) => {
        if (!isStanza(el) || el.getNS() !== NS.client) return;
        if (!actor) {
          if (el.name === "iq" && el.getChild("bind", NS.bind)) bindId = el.attrs.id;
          return;
        }
        this.noteSent(el);
        this.events.push({ kind: "sends", actor, el });
      },
      fromServer: (el) => {
        if (!isStanza(el) || el.getNS() !== NS.client) return;
        if (!actor) {
          const jid = el.attrs.id === bindId && el.attrs.type === "result" ? el.getChild("bind", NS.bind)?.getChildText("jid") : undefined;
          if (jid) {
            actor = this.actorFor(jid);
            this.events.push({ kind: "connects", actor });
          }
          return;
        }
        this.events.push({ kind: "receives", actor, el });
      },
      ended: (how) => {
        if (!actor || ended) return;
        ended = true;
        // A stream the server ended has no action of its own: the replay's stream ends the same way.
        if (how !== "server-closed") this.events.push({ kind: how === "client-closed" ? "disconnects" : "killed", actor });
      },
    };
  }

  private noteSent(el: Element): void {
    for (const [name, value] of Object.entries(el.attrs)) if (VOLATILE.has(name) && typeof value === "string") this.sentValues.add(value);
    for (const child of el.getChildElements()) this.noteSent(child);
  }

  /** The actor of a newly bound full JID: the next name for a new account, `Name's device` for another resource of one. */
  private actorFor(full: string): Actor {
    const bare = full.replace(/\/.*$/, "");
    const same = this.actors.filter((a) => a.bare === bare);
    const owner = same[0]?.name;
    const name =
      owner === undefined
        ? (NAMES[new Set(this.actors.map((a) => a.bare)).size] ?? `Citizen ${new Set(this.actors.map((a) => a.bare)).size - NAMES.length + 1}`)
        : `${owner}'s ${DEVICES[same.length - 1] ?? `device ${same.length}`}`;
    const actor = { name, full, bare };
    this.actors.push(actor);
    return actor;
  }

  /** The script so far. */
  script(source: string): string {
    const lines = [`# Recorded session`, `# Recorded by xmpp-conformance record from ${source}, ${this.started.toISOString()}.`, ""];
    for (const a of this.actors) lines.push(`[Client] ${a.name}`, `\tjid: ${a.full}`, `\tpassword: password`, "");
    lines.push("-----", "");
    for (let i = 0; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.kind !== "sends" && e.kind !== "receives") {
        lines.push(`${e.actor.name} ${e.kind === "killed" ? "is killed" : e.kind}`, "");
        continue;
      }
      // Consecutive stanzas of one actor in one direction make one block.
      lines.push(`${e.actor.name} ${e.kind}:`);
      for (let j = i; j < this.events.length; j++) {
        const next = this.events[j]!;
        if (next.kind !== e.kind || next.actor !== e.actor || !("el" in next)) break;
        lines.push(...pretty(e.kind === "sends" ? this.sent(next.el) : this.received(next.el, e.actor), 1));
        i = j;
      }
      lines.push("");
    }
    return lines.join("\n");
  }

  private sent(el: Element): Element {
    const copy = this.withVariables(el, false);
    delete copy.attrs.from;
    return copy;
  }

  private received(el: Element, actor: Actor): Element {
    const copy = this.withVariables(el, true);
    if (el.attrs.to === actor.full) delete copy.attrs.to;
    return copy;
  }

  /** A copy with the actors' JIDs as variables and, in what is received, volatile values as {scansion:any}. */
  private withVariables(el: Element, received: boolean): Element {
    const value = (v: string) => {
      for (const a of this.actors) {
        if (v === a.full) return `\${${a.name}'s full JID}`;
        if (v === a.bare) return `\${${a.name}'s JID}`;
      }
      return v;
    };
    const copy = clone(el);
    // The stream's default namespace, which a script leaves unwritten.
    if (copy.attrs.xmlns === NS.client) delete copy.attrs.xmlns;
    const walk = (e: Element) => {
      for (const [name, v] of Object.entries(e.attrs)) {
        if (typeof v !== "string" || name === "xmlns" || name.startsWith("xmlns:")) continue;
        e.attrs[name] = received && VOLATILE.has(name) && !this.sentValues.has(v) ? ANY : value(v);
      }
      e.children = e.children.map((c) => {
        if (typeof c !== "string") return walk(c), c;
        const replaced = value(c.trim());
        return replaced === c.trim() ? c : replaced;
      });
    };
    walk(copy);
    return copy;
  }
}

/**
 * An element as tab-indented lines: an element holding only text on one line, others
 * opened and closed around their children (text beside child elements, which stanzas
 * do not have, is dropped).
 */
export function pretty(el: Element, depth: number): string[] {
  const indent = "\t".repeat(depth);
  const attrs = Object.entries(el.attrs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escape(String(v)).replace(/"/g, "&quot;")}"`)
    .join("");
  const elements = el.children.filter((c): c is Element => typeof c !== "string");
  const text = el.children.filter((c): c is string => typeof c === "string").join("");
  if (elements.length === 0) return [text.trim() === "" ? `${indent}<${el.name}${attrs}/>` : `${indent}<${el.name}${attrs}>${escape(text)}</${el.name}>`];
  return [`${indent}<${el.name}${attrs}>`, ...elements.flatMap((c) => pretty(c, depth + 1)), `${indent}</${el.name}>`];
}

/** Markup escaped, apostrophes left as they are: `${Juliet's JID}` stays readable. */
function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
