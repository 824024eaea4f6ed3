// XML namespaces shared by the harness and the reference server.
export const NS = {
  client: "jabber:client",
  server: "jabber:server",
  dialback: "jabber:server:dialback",
  dialbackFeature: "urn:xmpp:features:dialback",
  component: "jabber:component:accept",
  stream: "http://etherx.jabber.org/streams",
  streams: "urn:ietf:params:xml:ns:xmpp-streams",
  stanzas: "urn:ietf:params:xml:ns:xmpp-stanzas",
  tls: "urn:ietf:params:xml:ns:xmpp-tls",
  sasl: "urn:ietf:params:xml:ns:xmpp-sasl",
  /** XEP-0440: the channel-binding types a server supports. */
  saslChannelBinding: "urn:xmpp:sasl-cb:0",
  bind: "urn:ietf:params:xml:ns:xmpp-bind",
  session: "urn:ietf:params:xml:ns:xmpp-session",
  roster: "jabber:iq:roster",
  register: "jabber:iq:register",
  registerFeature: "http://jabber.org/features/iq-register",
  discoInfo: "http://jabber.org/protocol/disco#info",
  discoItems: "http://jabber.org/protocol/disco#items",
  ping: "urn:xmpp:ping",
  commands: "http://jabber.org/protocol/commands",
  admin: "http://jabber.org/protocol/admin",
  dataForms: "jabber:x:data",
  delay: "urn:xmpp:delay",
  csi: "urn:xmpp:csi:0",
  carbons: "urn:xmpp:carbons:2",
  forward: "urn:xmpp:forward:0",
  hints: "urn:xmpp:hints",
  sm1: "urn:xmpp:sm:1",
  sm2: "urn:xmpp:sm:2",
  sm3: "urn:xmpp:sm:3",
  caps: "http://jabber.org/protocol/caps",
  pubsub: "http://jabber.org/protocol/pubsub",
  pubsubEvent: "http://jabber.org/protocol/pubsub#event",
  pubsubOwner: "http://jabber.org/protocol/pubsub#owner",
  pubsubErrors: "http://jabber.org/protocol/pubsub#errors",
  pubsubNodeConfig: "http://jabber.org/protocol/pubsub#node_config",
  pubsubPublishOptions: "http://jabber.org/protocol/pubsub#publish-options",
  pubsubSubscribeAuthorization: "http://jabber.org/protocol/pubsub#subscribe_authorization",
  pubsubMetaData: "http://jabber.org/protocol/pubsub#meta-data",
  addresses: "http://jabber.org/protocol/address",
  /** XEP-0376 Pubsub Account Management. */
  pam: "urn:xmpp:pam:0",
  /** XEP-0496 Pubsub Node Relationships: the feature and the namespace of its configuration fields. */
  pubsubRelationships: "urn:xmpp:pubsub-relationships:0",
  /** XEP-0499 Pubsub Extended Discovery: the feature and the FORM_TYPE of the request form. */
  pubsubExtDisco: "urn:xmpp:pubsub-ext-disco:0",
  /** XEP-0059 Result Set Management. */
  rsm: "http://jabber.org/protocol/rsm",
  /** XEP-0351 Recipient Server-Side Notification Filtering: the feature a server's caps carry. */
  rsf: "urn:xmpp:rsf:0",
} as const;

export const SM_NAMESPACES = [NS.sm3, NS.sm2, NS.sm1] as const;
export type SmNamespace = (typeof SM_NAMESPACES)[number];

export function isSmNamespace(ns: string | undefined): ns is SmNamespace {
  return (SM_NAMESPACES as readonly string[]).includes(ns ?? "");
}

/** RFC 6120 section 8.3.3 stanza error conditions. */
export const STANZA_CONDITIONS = [
  "bad-request", "conflict", "feature-not-implemented", "forbidden", "gone",
  "internal-server-error", "item-not-found", "jid-malformed", "not-acceptable",
  "not-allowed", "not-authorized", "policy-violation", "recipient-unavailable",
  "redirect", "registration-required", "remote-server-not-found",
  "remote-server-timeout", "resource-constraint", "service-unavailable",
  "subscription-required", "undefined-condition", "unexpected-request",
] as const;

/** RFC 6120 section 4.9.3 stream error conditions. */
export const STREAM_CONDITIONS = [
  "bad-format", "bad-namespace-prefix", "conflict", "connection-timeout",
  "host-gone", "host-unknown", "improper-addressing", "internal-server-error",
  "invalid-from", "invalid-namespace", "invalid-xml", "not-authorized",
  "not-well-formed", "policy-violation", "remote-connection-failed", "reset",
  "resource-constraint", "restricted-xml", "see-other-host", "system-shutdown",
  "undefined-condition", "unsupported-encoding", "unsupported-feature",
  "unsupported-stanza-type", "unsupported-version",
] as const;
export type StreamCondition = (typeof STREAM_CONDITIONS)[number];
export type StanzaCondition = (typeof STANZA_CONDITIONS)[number];
