// One XML element type for both sides: ltx's Element, as xmpp.js uses it.
import xml, { Element } from "@xmpp/xml";
import { parse as ltxParse } from "./parse.js";

export { xml, Element };
export type Attrs = Record<string, string | number | undefined>;

/** Parses one XML fragment (a stanza in a scenario or a test) into an element. */
export function parseXml(text: string): Element {
  return ltxParse(text);
}

/** Child elements only (no text nodes). */
export function childElements(el: Element): Element[] {
  return el.children.filter((c): c is Element => typeof c !== "string");
}

export function isStanza(el: Element): boolean {
  return el.name === "iq" || el.name === "message" || el.name === "presence";
}
