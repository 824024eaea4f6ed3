// Turns the XML a script wrote into what goes on the wire (sends) and into a pattern
// for src/xmpp/match.ts (receives), with variables filled in, the script's own JIDs
// moved to the accounts it runs as, and scansion's matching rules: elements in
// jabber:client are matched loosely (extra attributes and children allowed, children
// in any order), elements in any other namespace exactly, unless `scansion:strict`
// says otherwise.
import { Element } from "../xmpp/element.js";
import { ANY, capture, type AttrPattern, type Pattern, type ValuePattern } from "../xmpp/match.js";
import { NS } from "../xmpp/ns.js";
import { specialValue, substitute, type Variable } from "./values.js";

export interface Bindings {
  /** The value of `${Name's JID}` or `${Name's full JID}` now. */
  variable(v: Variable): string;
  /** A value of the script that is a JID of its domain, as the target knows it (anything else unchanged). */
  jid(value: string): string;
  /** Values captured so far with `{scansion:capture:NAME}`; the scope is the script. */
  captures: Map<string, string>;
}

const STRICT = "scansion:strict";
const isScansionAttr = (name: string) => name.startsWith("scansion:");
const isNamespaceDecl = (name: string) => name === "xmlns" || name.startsWith("xmlns:");

/** A plain value: variables filled in, or, when it has none, a JID of the script moved to the target. */
function plain(value: string, b: Bindings): string {
  return value.includes("${") ? substitute(value, (v) => b.variable(v)) : b.jid(value);
}

/**
 * The element to send: scansion attributes dropped, a captured value in place of its
 * `{scansion:capture:NAME}`. `{scansion:any}` means nothing in what is sent, so it goes
 * out as written (Prosody's scripts send it as an id).
 */
export function toSend(template: Element, b: Bindings): Element {
  const sendValue = (value: string) => {
    const special = specialValue(value);
    if (special?.kind === "capture") {
      const captured = b.captures.get(special.name);
      if (captured === undefined) throw new Error(`{scansion:capture:${special.name}} has captured nothing yet`);
      return captured;
    }
    return special ? value : plain(value, b);
  };
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(template.attrs)) {
    if (value === undefined || isScansionAttr(name)) continue;
    attrs[name] = isNamespaceDecl(name) ? value : sendValue(value);
  }
  const el = new Element(template.name, attrs);
  for (const child of template.children) el.append(typeof child === "string" ? sendValue(child) : toSend(child, b));
  return el;
}

/**
 * The pattern a received element must match. `stanzaNs` is the namespace the actor's
 * stream gives what the script writes in jabber:client (a component's stanzas are in
 * jabber:component:accept); either way such elements are matched loosely.
 */
export function toPattern(template: Element, b: Bindings, stanzaNs: string = NS.client): Pattern {
  const written = template.getNS();
  const ns = written === NS.client ? stanzaNs : written;
  const declared = template.attrs[STRICT];
  const strict = declared === undefined ? written !== NS.client : declared === "true";
  const expectValue = (value: string): ValuePattern | typeof ANY => {
    const special = specialValue(value);
    if (!special) return plain(value, b);
    if (special.kind === "any") return ANY;
    return b.captures.get(special.name) ?? capture(special.name);
  };
  const attrs: Record<string, AttrPattern> = {};
  for (const [name, value] of Object.entries(template.attrs)) {
    if (value === undefined || isScansionAttr(name) || isNamespaceDecl(name)) continue;
    attrs[name] = expectValue(value);
  }
  const text = template.children.filter((c): c is string => typeof c === "string").join("").trim();
  const children = template.children.filter((c): c is Element => typeof c !== "string").map((c) => toPattern(c, b, stanzaNs));
  const textPattern = text === "" ? undefined : expectValue(text);
  return {
    name: template.getName(),
    ...(ns !== undefined ? { xmlns: ns } : {}),
    ...(Object.keys(attrs).length > 0 ? { attrs } : {}),
    ...(children.length > 0 ? { children } : {}),
    // Any text at all: for a pattern's text, present is the closest to "any value".
    ...(textPattern === ANY ? { text: /^[\s\S]*$/ } : textPattern !== undefined ? { text: textPattern } : {}),
    strict,
  };
}

/** The template with what is known filled in, special values as written: what a failure quotes as expected. */
export function shownTemplate(template: Element, b: Bindings): string {
  const value = (v: string) => {
    if (specialValue(v)) return v;
    try {
      return plain(v, b);
    } catch {
      return v; // a variable with no value yet stays as written
    }
  };
  const show = (el: Element): Element => {
    const attrs: Record<string, string> = {};
    for (const [name, v] of Object.entries(el.attrs)) if (v !== undefined) attrs[name] = isNamespaceDecl(name) || isScansionAttr(name) ? v : value(v);
    const out = new Element(el.name, attrs);
    for (const c of el.children) out.append(typeof c === "string" ? value(c) : show(c));
    return out;
  };
  return show(template).toString();
}
