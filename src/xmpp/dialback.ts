// XEP-0220 server dialback vocabulary both sides use: the S2S stream header, the XEP-0185
// key and the dialback elements, always with the `db:` prefix the header declares (DB-07).
import { createHash, createHmac } from "node:crypto";
import { xml, type Element } from "./element.js";
import { NS } from "./ns.js";

/**
 * XEP-0185's recommended key: HMAC-SHA256 keyed with the lowercase hex SHA-256 of the
 * secret (the 64-character string, not the raw digest) over "Receiving Originating StreamID".
 */
export function dialbackKey(secret: string, receiving: string, originating: string, streamId: string): string {
  const hmacKey = createHash("sha256").update(secret, "utf8").digest("hex");
  return createHmac("sha256", hmacKey).update(`${receiving} ${originating} ${streamId}`, "utf8").digest("hex");
}

export type DialbackVerdict = "valid" | "invalid" | "error";

/** `<db:result>` or `<db:verify>`: a request carries the key as text, an answer a type. */
export function dialbackElement(name: "result" | "verify", attrs: { from: string; to: string; id?: string; type?: DialbackVerdict }, key?: string, error?: Element): Element {
  return xml(`db:${name}`, { ...attrs }, key ?? null, error ?? null);
}

/** A dialback error's payload: <error> (jabber:server, unprefixed) around one stanza condition. */
export function dialbackError(condition: string, type = "cancel"): Element {
  return xml("error", { type }, xml(condition, { xmlns: NS.stanzas }));
}

/** The stream feature of a server that handles dialback errors (DB-24). */
export function dialbackFeature(): Element {
  return xml("dialback", { xmlns: NS.dialbackFeature }, xml("errors"));
}

/** A `<db:result>` or `<db:verify>` (any prefix the stream header declared for the dialback namespace). */
export function isDialback(el: Element, name: "result" | "verify"): boolean {
  return el.is(name, NS.dialback);
}

/** True when stream features announce dialback errors (DB-24). */
export function offersDialbackErrors(features: Element | undefined): boolean {
  return !!features?.getChild("dialback", NS.dialbackFeature)?.getChild("errors");
}

/** The opening tag of an S2S stream with the dialback prefix declared (XEP-0220 section 2.1); an attribute given as undefined is left out, version too. */
export function s2sHeader(attrs: Record<string, string | undefined>): string {
  const el = xml("stream:stream", { xmlns: NS.server, "xmlns:stream": NS.stream, "xmlns:db": NS.dialback, version: "1.0", ...attrs });
  return `<?xml version='1.0'?>${el.toString().replace(/\/>$/, ">")}`;
}
