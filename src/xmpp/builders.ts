// Element builders for the stanzas and nonzas both sides send.
import { randomBytes } from "node:crypto";
import { xml, Element, Attrs } from "./element.js";
import { NS, SmNamespace } from "./ns.js";

export function newId(prefix = "x"): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

export function iq(type: "get" | "set" | "result" | "error", attrs: Attrs, ...children: Element[]): Element {
  return xml("iq", { type, id: newId("iq"), ...attrs }, ...children);
}

export function ping(to?: string): Element {
  return iq("get", { to }, xml("ping", { xmlns: NS.ping }));
}

export function message(to: string, body: string, attrs: Attrs = {}): Element {
  return xml("message", { to, type: "chat", id: newId("msg"), ...attrs }, xml("body", {}, body));
}

export function presence(attrs: Attrs = {}, ...children: Element[]): Element {
  return xml("presence", attrs, ...children);
}

export function bindRequest(resource?: string): Element {
  return iq("set", {}, xml("bind", { xmlns: NS.bind }, resource ? xml("resource", {}, resource) : null));
}

export function discoInfo(to?: string, node?: string): Element {
  return iq("get", { to }, xml("query", { xmlns: NS.discoInfo, node }));
}

export function stanzaError(type: string, condition: string, text?: string): Element {
  return xml(
    "error",
    { type },
    xml(condition, { xmlns: NS.stanzas }),
    text ? xml("text", { xmlns: NS.stanzas }, text) : null,
  );
}

export function streamError(condition: string, text?: string, ...extra: Element[]): Element {
  return xml(
    "stream:error",
    {},
    xml(condition, { xmlns: NS.streams }),
    text ? xml("text", { xmlns: NS.streams }, text) : null,
    ...extra,
  );
}

/** XEP-0198 elements, in whichever SM namespace the session negotiated. */
export const sm = {
  enable: (ns: SmNamespace = NS.sm3, attrs: Attrs = {}) => xml("enable", { xmlns: ns, ...attrs }),
  r: (ns: SmNamespace = NS.sm3, attrs: Attrs = {}) => xml("r", { xmlns: ns, ...attrs }),
  a: (h: number | string, ns: SmNamespace = NS.sm3, attrs: Attrs = {}) => xml("a", { xmlns: ns, h: String(h), ...attrs }),
  resume: (previd: string, h: number | string, ns: SmNamespace = NS.sm3) =>
    xml("resume", { xmlns: ns, previd, h: String(h) }),
};
