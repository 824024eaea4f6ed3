// Entity capabilities for test clients (XEP-0115): a test says which features its client
// has (`urn:xmpp:tune+notify`, say), the client answers the server's disco#info query on
// node#ver with exactly those, and the presence it sends carries the matching <c/>.
import { capsElement, capsVer, discoInfoQuery, type DiscoForm, type DiscoInfoData } from "../xmpp/caps.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import type { TestClient } from "./client.js";

/** The caps node of the harness's clients (its "software URI"). */
export const CAPS_NODE = "https://xmpp-conformance.invalid/harness";

export interface CapsOptions {
  /** XEP-0128 extended information (a software-version form, say), part of the ver. */
  forms?: DiscoForm[];
  /** Answer disco#info with other features than advertised in `ver` (a client lying about its caps). */
  answerWith?: string[];
}

/** What a harness client is: a pc client with disco, caps and the given features. */
export function harnessInfo(features: string[], forms: DiscoForm[] = []): DiscoInfoData {
  return {
    identities: [{ category: "client", type: "pc", name: "xmpp-conformance" }],
    features: [...new Set([NS.discoInfo, NS.caps, ...features])],
    forms,
  };
}

/**
 * Makes `c` answer disco#info about itself (on no node, or on CAPS_NODE#ver) and returns
 * the presence to send, carrying the <c/> of `features`.
 */
export function capsPresence(c: TestClient, features: string[], opts: CapsOptions = {}, attrs: Record<string, string> = {}, ...children: Element[]): Element {
  const advertised = harnessInfo(features, opts.forms);
  const ver = capsVer(advertised);
  const answered = opts.answerWith ? harnessInfo(opts.answerWith, opts.forms) : advertised;
  c.respond((el) => {
    if (el.name !== "iq" || el.attrs.type !== "get" || (el.attrs.to && el.attrs.to !== c.jid)) return undefined;
    const query = el.getChild("query", NS.discoInfo);
    const node = query?.attrs.node;
    if (!query || (node !== undefined && node !== `${CAPS_NODE}#${ver}`)) return undefined;
    return xml("iq", { type: "result", id: el.attrs.id, to: el.attrs.from }, discoInfoQuery(answered, node));
  });
  return xml("presence", attrs, ...children, capsElement(CAPS_NODE, advertised));
}
