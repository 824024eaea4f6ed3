// What the harness's S2S peer says about itself, as a server of its domain would: a
// server/im identity, its features (urn:xmpp:rsf:0 when a test asks for it), the caps
// <c/> of those in the features of the streams the target opens to it, and the answers
// to disco#info (plain or on node#ver) and to ping.
import { capsElement, capsVer, discoInfoQuery, type DiscoInfoData } from "../xmpp/caps.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";

/** The caps node of the peer (its "software URI"). */
export const PEER_CAPS_NODE = "https://xmpp-conformance.invalid/peer";

export function peerInfo(opts: { rsf?: boolean }): DiscoInfoData {
  return {
    identities: [{ category: "server", type: "im", name: "xmpp-conformance peer" }],
    features: [NS.discoInfo, NS.caps, NS.ping, ...(opts.rsf ? [NS.rsf] : [])],
    forms: [],
  };
}

export function peerCaps(info: DiscoInfoData): Element {
  return capsElement(PEER_CAPS_NODE, info);
}

/** The peer's answer to a ping or a disco#info query addressed to its domain; undefined for anything else. */
export function answerPeerQuery(el: Element, domain: string, info: DiscoInfoData): Element | undefined {
  if (el.name !== "iq" || el.attrs.type !== "get" || el.attrs.to !== domain) return undefined;
  const reply = (...children: Element[]) => xml("iq", { type: "result", id: el.attrs.id, from: domain, to: el.attrs.from }, ...children);
  if (el.getChild("ping", NS.ping)) return reply();
  const query = el.getChild("query", NS.discoInfo);
  const node = query?.attrs.node;
  if (!query || (node !== undefined && node !== `${PEER_CAPS_NODE}#${capsVer(info)}`)) return undefined;
  return reply(discoInfoQuery(info, node));
}
