// XEP-0220 Server Dialback vocabulary both sides share: the key an Initiating Server
// sends and its Authoritative Server recomputes, and the db:result / db:verify elements.
import { createHash, createHmac } from "node:crypto";
import { xml, type Element } from "./element.js";
import { NS } from "./ns.js";

/**
 * XEP-0185 section 3: HMAC-SHA256 over "Receiving Originating StreamID", keyed with the
 * lowercase hex SHA-256 of the secret (the 64-character string, not the raw digest), as
 * lowercase hex. The stream id is the one the Receiving Server put in its header.
 */
export function dialbackKey(secret: string, receiving: string, originating: string, streamId: string): string {
  const hmacKey = createHash("sha256").update(secret, "utf8").digest("hex");
  return createHmac("sha256", hmacKey).update(`${receiving} ${originating} ${streamId}`, "utf8").digest("hex");
}

export type DialbackType = "valid" | "invalid" | "error";

/** `<db:result/>`: a request with the key as text, or a verdict with a type (XEP-0220 steps 1 and 4). */
export function dbResult(attrs: { from: string; to: string; type?: DialbackType }, key?: string): Element {
  return xml("db:result", attrs, key);
}

/** `<db:verify/>`: a request with the key as text, or a verdict with a type (XEP-0220 steps 2 and 3). */
export function dbVerify(attrs: { from: string; to: string; id: string; type?: DialbackType }, key?: string): Element {
  return xml("db:verify", attrs, key);
}

/** A dialback element of either kind, declared with the `db` prefix on the stream header. */
export function isDialback(el: Element, name: "result" | "verify"): boolean {
  return el.is(name, NS.dialback);
}

/** The stream feature by which a server says it handles dialback errors (XEP-0220 section 2.4). */
export function dialbackErrorsFeature(): Element {
  return xml("dialback", { xmlns: NS.dialbackFeature }, xml("errors"));
}

/** True when `features` announce dialback errors. */
export function offersDialbackErrors(features: Element | undefined): boolean {
  return !!features?.getChild("dialback", NS.dialbackFeature)?.getChild("errors");
}
