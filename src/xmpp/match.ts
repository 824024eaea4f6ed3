// Element patterns: required attributes and children must be present, extras are
// ignored unless `strict` (then the element must be exactly the pattern: the same
// attributes, the same text, the same children in the same order); captures return
// attribute or text values. Suites, scenario scripts and the reference server's own
// checks share these.
import { Element, childElements, parseXml } from "./element.js";

export const ANY = Symbol("any value");
export const ABSENT = Symbol("absent");

export interface Capture {
  capture: string;
  test?: RegExp;
}
export type ValuePattern = string | RegExp | Capture | ((value: string) => boolean);
export type AttrPattern = ValuePattern | typeof ANY | typeof ABSENT;

export interface Pattern {
  name: string;
  xmlns?: string;
  attrs?: Record<string, AttrPattern>;
  children?: Pattern[];
  /** Compared with the element's text, trimmed. */
  text?: ValuePattern;
  /** No other attributes (namespace declarations aside), text only as `text` says, exactly `children` in order. */
  strict?: boolean;
}

/** A predicate, optionally saying in words what it accepts (verdicts quote it). */
export type Predicate = ((el: Element) => boolean) & { description?: string };

/** A pattern, an XML template such as `<a xmlns='urn:xmpp:sm:3' h='{$h}'/>`, or a predicate. */
export type Matcher = Pattern | string | Predicate;

/** A predicate with the words a verdict uses for what it expected. */
export function predicate(description: string, test: (el: Element) => boolean): Predicate {
  return Object.assign(test, { description });
}

export type MatchResult =
  | { ok: true; captures: Record<string, string> }
  | { ok: false; reason: string };

export function capture(name: string, test?: RegExp): Capture {
  return test ? { capture: name, test } : { capture: name };
}

/** Converts an XML template into a pattern: `{*}` means any value, `{$name}` captures. */
export function patternFromXml(template: string): Pattern {
  return fromElement(parseXml(template), undefined);
}

function fromElement(el: Element, parentNs: string | undefined): Pattern {
  const ns = el.getNS();
  const p: Pattern = { name: el.name };
  // A template child with no xmlns of its own inherits its parent's, as in XML.
  if (ns !== undefined || parentNs !== undefined) p.xmlns = ns ?? parentNs;
  const attrs: Record<string, AttrPattern> = {};
  for (const [k, v] of Object.entries(el.attrs)) {
    if (k === "xmlns" || v === undefined) continue;
    attrs[k] = templateValue(v) as AttrPattern;
  }
  if (Object.keys(attrs).length) p.attrs = attrs;
  const kids = childElements(el);
  if (kids.length) p.children = kids.map((k) => fromElement(k, ns));
  const text = el.children.filter((c): c is string => typeof c === "string").join("").trim();
  if (text) p.text = templateValue(text) as ValuePattern;
  return p;
}

function templateValue(v: string): AttrPattern {
  if (v === "{*}") return ANY;
  const m = /^\{\$([A-Za-z_][\w-]*)\}$/.exec(v);
  return m ? capture(m[1]!) : v;
}

export function toPattern(m: Matcher): Pattern | Predicate {
  return typeof m === "string" ? patternFromXml(m) : m;
}

export function match(el: Element, m: Matcher): MatchResult {
  const p = toPattern(m);
  if (typeof p === "function") return p(el) ? { ok: true, captures: {} } : { ok: false, reason: "predicate rejected the element" };
  const captures: Record<string, string> = {};
  const reason = matchPattern(el, p, captures, p.name);
  return reason === undefined ? { ok: true, captures } : { ok: false, reason };
}

export function matches(el: Element, m: Matcher): boolean {
  return match(el, m).ok;
}

function matchPattern(el: Element, p: Pattern, captures: Record<string, string>, path: string): string | undefined {
  // Local names: a prefixed `stream:error` matches a pattern named `error` in the streams namespace.
  if (el.getName() !== localName(p.name)) return `${path}: expected <${p.name}>, got <${el.name}>`;
  if (p.xmlns !== undefined && el.getNS() !== p.xmlns) {
    return `${path}: expected namespace '${p.xmlns}', got '${el.getNS() ?? "(none)"}'`;
  }
  for (const [name, ap] of Object.entries(p.attrs ?? {})) {
    const value = el.attrs[name];
    if (ap === ABSENT) {
      if (value !== undefined) return `${path}/@${name}: expected absent, got '${value}'`;
      continue;
    }
    if (value === undefined) return `${path}/@${name}: missing`;
    if (ap === ANY) continue;
    const r = matchValue(value, ap, captures);
    if (r) return `${path}/@${name}: ${r}`;
  }
  if (p.strict) {
    const extra = Object.keys(el.attrs).filter((k) => k !== "xmlns" && !k.startsWith("xmlns:") && !(k in (p.attrs ?? {})));
    if (extra.length) return `${path}: unexpected attributes ${extra.join(", ")}`;
  }
  const text = el.getText().trim();
  if (p.text !== undefined) {
    const r = matchValue(text, p.text, captures);
    if (r) return `${path}/text(): ${r}`;
  } else if (p.strict && text !== "") {
    return `${path}/text(): expected none, got '${text}'`;
  }
  return p.strict ? matchChildrenInOrder(el, p, captures, path) : matchChildrenAnyOrder(el, p, captures, path);
}

/** Each pattern child matches a distinct child of `el`, in any order; other children are ignored. */
function matchChildrenAnyOrder(el: Element, p: Pattern, captures: Record<string, string>, path: string): string | undefined {
  const available = childElements(el);
  for (const cp of p.children ?? []) {
    let firstReason: string | undefined;
    const idx = available.findIndex((child) => {
      const sub = { ...captures };
      const r = matchPattern(child, cp, sub, `${path}/${cp.name}`);
      if (r === undefined) {
        Object.assign(captures, sub);
        return true;
      }
      if (child.getName() === localName(cp.name)) firstReason ??= r;
      return false;
    });
    if (idx < 0) return firstReason ?? `${path}: missing child <${cp.name}${cp.xmlns ? ` xmlns='${cp.xmlns}'` : ""}>`;
    available.splice(idx, 1);
  }
  return undefined;
}

/** The children of `el` are exactly the pattern's, one for one and in order. */
function matchChildrenInOrder(el: Element, p: Pattern, captures: Record<string, string>, path: string): string | undefined {
  const kids = childElements(el);
  const wanted = p.children ?? [];
  for (const [i, cp] of wanted.entries()) {
    const child = kids[i];
    if (!child) return `${path}: missing child <${cp.name}${cp.xmlns ? ` xmlns='${cp.xmlns}'` : ""}> (position ${i + 1})`;
    const r = matchPattern(child, cp, captures, `${path}/${cp.name}`);
    if (r) return r;
  }
  if (kids.length > wanted.length) return `${path}: unexpected children ${kids.slice(wanted.length).map((c) => `<${c.name}>`).join(", ")}`;
  return undefined;
}

function matchValue(value: string, vp: ValuePattern, captures: Record<string, string>): string | undefined {
  if (typeof vp === "string") return value === vp ? undefined : `expected '${vp}', got '${value}'`;
  if (vp instanceof RegExp) return vp.test(value) ? undefined : `expected ${vp}, got '${value}'`;
  if (typeof vp === "function") return vp(value) ? undefined : `value '${value}' rejected`;
  if (vp.test && !vp.test.test(value)) return `expected ${vp.test} for $${vp.capture}, got '${value}'`;
  // A name captured twice must capture the same value both times.
  const earlier = captures[vp.capture];
  if (earlier !== undefined && earlier !== value) return `expected '${earlier}' (captured as $${vp.capture}), got '${value}'`;
  captures[vp.capture] = value;
  return undefined;
}

/** A short human description of a matcher, for verdicts. */
export function describe(m: Matcher): string {
  const p = toPattern(m);
  if (typeof p === "function") return p.description ?? (p.name ? `element accepted by ${p.name}` : "element accepted by predicate");
  const attrs = Object.entries(p.attrs ?? {})
    .map(([k, v]) => `${k}='${v === ANY ? "*" : v === ABSENT ? "(absent)" : typeof v === "string" ? v : v instanceof RegExp ? String(v) : typeof v === "function" ? "?" : `{$${v.capture}}`}'`)
    .join(" ");
  const kids = (p.children ?? []).map((c) => describe(c)).join("");
  const ns = p.xmlns ? ` xmlns='${p.xmlns}'` : "";
  return `<${p.name}${ns}${attrs ? " " + attrs : ""}${kids ? `>${kids}</${p.name}>` : "/>"}`;
}

function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(colon + 1);
}
