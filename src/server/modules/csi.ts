// XEP-0352 Client State Indication: accepted and acknowledged by nothing; the
// server does not throttle delivery for inactive clients.
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";

export function csiFeature(): Element {
  return xml("csi", { xmlns: NS.csi });
}

export function isCsiNonza(el: Element): boolean {
  return el.getNS() === NS.csi && (el.name === "active" || el.name === "inactive");
}
