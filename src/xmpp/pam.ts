// XEP-0376 Pubsub Account Management requests and the elements a server answers with,
// in the shapes of the spec's examples with its errata corrected (`xmlns`, not `xmln`
// or `xml`; the <subscribe/> directly inside <pam/>, in the pubsub namespace).
import { iq } from "./builders.js";
import { xml, type Element } from "./element.js";
import { NS } from "./ns.js";

export interface PamOptions {
  /** 'jid' as the spec's examples write it (default), or 'service' as its prose says. */
  attribute?: "jid" | "service";
  /** Without it the request goes to the sender's own account; with it, to this JID (the bare JID). */
  to?: string;
}

/** A PAM subscription as a <notify/> or a listing reports it. */
export interface PamSubscription {
  service: string | undefined;
  node: string | undefined;
  jid: string | undefined;
  subscription: string | undefined;
  subid: string | undefined;
}

const wrap = (service: string, operation: Element, opts: PamOptions) =>
  iq("set", { to: opts.to }, xml("pam", { xmlns: NS.pam, [opts.attribute ?? "jid"]: service }, operation));

export const pam = {
  subscribe: (service: string, node: string, jid: string, opts: PamOptions = {}) => wrap(service, xml("subscribe", { xmlns: NS.pubsub, node, jid }), opts),
  unsubscribe: (service: string, node: string, jid: string, subid?: string, opts: PamOptions = {}) => wrap(service, xml("unsubscribe", { xmlns: NS.pubsub, node, jid, subid }), opts),
  /** Any XEP-0060 element inside <pam/>, for operations the spec does not define. */
  other: (service: string, operation: Element, opts: PamOptions = {}) => wrap(service, operation, opts),
  list: (ver?: string, to?: string) => iq("get", { to }, xml("subscriptions", { xmlns: NS.pam, ver })),
};

/** The <notify/> of a PAM notification message, if it is one. */
export function notifyOf(el: Element): Element | undefined {
  return el.name === "message" ? el.getChild("notify", NS.pam) : undefined;
}

/** What a <notify/> says: its service, and its <subscription/> (pubsub namespace). */
export function notifiedSubscription(notify: Element): PamSubscription {
  const sub = notify.getChild("subscription", NS.pubsub);
  return { service: notify.attrs.service, node: sub?.attrs.node, jid: sub?.attrs.jid, subscription: sub?.attrs.subscription, subid: sub?.attrs.subid };
}

/** The entries of a listing result (<subscriptions xmlns='urn:xmpp:pam:0'/>), each child inheriting the pam namespace. */
export function listedSubscriptions(list: Element): PamSubscription[] {
  return list.getChildren("subscription", NS.pam).map((s) => ({ service: s.attrs.service, node: s.attrs.node, jid: s.attrs.jid, subscription: s.attrs.subscription, subid: s.attrs.subid }));
}
