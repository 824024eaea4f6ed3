// The rule catalogue: every rule ID a test, a fault or a verdict names, with the
// specification, version and section it comes from, its conformance level and one line
// in this project's own words. The linked section is the authority; the statement is a
// reminder of what the harness checks. docs/rules.md is rendered from this table
// (npm run docs:rules), `xmpp-conformance list --rules` prints it, and every failure
// quotes its rule's line. `npm test` fails when a test or fault names an ID missing here.
//
// Adding a suite: add its specification to SPECS and its rules to RULES, each with the
// section it comes from. Imports nothing, so any layer may import it.

/** RFC 2119 keywords, plus the two kinds of rule that carry none. */
export type Keyword =
  | "MUST"
  | "MUST NOT"
  | "SHALL"
  | "SHOULD"
  | "SHOULD NOT"
  | "MAY"
  /** The specification defines a behaviour (a counter, an order) without a keyword. */
  | "definition"
  /** The specification is silent or ambiguous; the rule is this project's reading. */
  | "interpretation";

/** A rule's level: one keyword, or the keywords of its parts in the order the statement gives them. */
export type Level = Keyword | `${Keyword} / ${Keyword}` | `${Keyword} / ${Keyword} / ${Keyword}`;

export interface Rule {
  /** The ID tests, faults and verdicts use, e.g. "SM-22". */
  id: string;
  /** The specification, e.g. "XEP-0198" or "RFC 6120". */
  spec: string;
  /** The version the rule was read from, e.g. "1.6.3"; absent for an RFC, whose number fixes its text. */
  version?: string;
  /** Section number, e.g. "5" or "9.2". */
  section: string;
  sectionTitle: string;
  /** The section on xmpp.org (XEPs) or rfc-editor.org (RFCs). */
  url: string;
  level: Level;
  /** One line, in this project's words. */
  statement: string;
}

export interface Spec {
  spec: string;
  version?: string;
  title: string;
  /** The document the rules' links point into. */
  url: string;
  /** What a reader should know about this document and its IDs. */
  note: string;
}

interface Document {
  spec: string;
  version?: string;
  url: string;
  sections: Record<string, readonly [number: string, title: string]>;
}

// Section numbers and anchors as the rendered documents have them.
const XEP0198 = {
  spec: "XEP-0198",
  version: "1.6.3",
  url: "https://xmpp.org/extensions/xep-0198.html",
  sections: {
    intro: ["1", "Introduction"],
    feature: ["2", "Stream Feature"],
    enable: ["3", "Enabling Stream Management"],
    acking: ["4", "Acks"],
    resumption: ["5", "Resumption"],
    errors: ["6", "Error Handling"],
    closure: ["7", "Stream Closure"],
    inline: ["9", "SASL2 And BIND2 Interaction"],
    "inline-resume": ["9.2", "Inline Stream Resumption"],
    security: ["10", "Security Considerations"],
  },
} satisfies Document;

const XEP0198_DRAFT = {
  spec: "XEP-0198",
  version: "0.7",
  url: "https://xmpp.org/extensions/attic/xep-0198-0.7.html",
  sections: {
    feature: ["2", "Stream Feature"],
    enable: ["3", "Enabling Stream Management"],
    acking: ["4", "Acks"],
    resumption: ["5", "Resumption"],
  },
} satisfies Document;

const XEP0114 = {
  spec: "XEP-0114",
  version: "1.6",
  url: "https://xmpp.org/extensions/xep-0114.html",
  sections: {
    concepts: ["2", "Concepts"],
    proto: ["3", "Protocol Flow"],
  },
} satisfies Document;

const XEP0376 = {
  spec: "XEP-0376",
  version: "0.2",
  url: "https://xmpp.org/extensions/xep-0376.html",
  sections: {
    disco: ["3.1", "Advertising Support"],
    subs: ["3.2", "Subscribing"],
    unsub: ["3.3", "Unsubscribing"],
    sublist: ["3.4", "Listing Subscriptions"],
  },
} satisfies Document;
const XEP0496 = {
  spec: "XEP-0496",
  version: "0.1.0",
  url: "https://xmpp.org/extensions/xep-0496.html",
  sections: {
    "rel-setting": ["4.2", "Settings a Relationship"],
    "link-rules": ["4.3", "Link Relationship Rules"],
    "parent-rules": ["4.4", "Parent Relationship Rules"],
    rules: ["6", "Business Rules"],
    disco: ["7", "Discovering Support"],
  },
} satisfies Document;

const XEP0499 = {
  spec: "XEP-0499",
  version: "0.1.0",
  url: "https://xmpp.org/extensions/xep-0499.html",
  sections: {
    discover: ["3.1", "Discovering Linked Nodes and Descendants"],
    rules: ["4", "Business Rules"],
    disco: ["5", "Discovering Support"],
  },
} satisfies Document;

const RFC6120 = {
  spec: "RFC 6120",
  url: "https://www.rfc-editor.org/rfc/rfc6120",
  sections: {
    "section-4.3.2": ["4.3.2", "Stream Features Format"],
    "section-4.4": ["4.4", "Closing a Stream"],
    "section-4.7": ["4.7", "Stream Attributes"],
    "section-4.9.3": ["4.9.3", "Defined Stream Error Conditions"],
    "section-4.9.1.1": ["4.9.1.1", "Stream Errors Are Unrecoverable"],
    "section-4.9.3.13": ["4.9.3.13", "not-well-formed"],
    "section-11.1": ["11.1", "XML Restrictions"],
    "section-13.12": ["13.12", "Denial of Service"],
    "section-8.2.3": ["8.2.3", "IQ Semantics"],
    "section-10.5.4": ["10.5.4", "localpart@domainpart/resourcepart"],
  },
} satisfies Document;

const RFC6121 = {
  spec: "RFC 6121",
  url: "https://www.rfc-editor.org/rfc/rfc6121",
  sections: {
    "section-2.1.3": ["2.1.3", "Roster Get"],
    "section-3.1.3": ["3.1.3", "Server Processing of Inbound Subscription Request"],
    "section-3.1.5": ["3.1.5", "Server Processing of Outbound Subscription Approval"],
  },
} satisfies Document;

const XEP0060 = {
  spec: "XEP-0060",
  version: "1.30.0",
  url: "https://xmpp.org/extensions/xep-0060.html",
  sections: {
    events: ["4.3", "Event Types"],
    "entity-discoveritems": ["5.5", "Discover Items for a Node"],
    "entity-subscriptions": ["5.6", "Retrieve Subscriptions"],
    "subscriber-subscribe": ["6.1", "Subscribe to a Node"],
    "subscriber-subscribe-request": ["6.1.1", "Request"],
    "subscriber-subscribe-error": ["6.1.3", "Error Cases"],
    "subscriber-subscribe-multi": ["6.1.6", "Multiple Subscriptions"],
    "subscriber-subscribe-last": ["6.1.7", "Receiving the Last Published Item"],
    "subscriber-unsubscribe": ["6.2", "Unsubscribe from a Node"],
    "publisher-publish-success": ["7.1.2", "Success Case"],
    "impl-subchange": ["13.14", "Notification of Subscription State Changes"],
  },
} satisfies Document;

const XEP0163 = {
  spec: "XEP-0163",
  version: "1.2.2",
  url: "https://xmpp.org/extensions/xep-0163.html",
  sections: {
    publish: ["3", "Publishing Events"],
    "notify-autosubscribe": ["4.1", "Automatic Subscriptions"],
    "notify-filterednotifications": ["4.2", "Notification Filtering"],
    "notify-addressing": ["4.3.1", "Addressing"],
    "notify-when": ["4.3.3", "When to Generate Notifications"],
    defaults: ["5", "Recommended Defaults"],
    "support-owner": ["6.1", "Account Owner Service Discovery"],
  },
} satisfies Document;

const XEP0115 = {
  spec: "XEP-0115",
  version: "1.6.0",
  url: "https://xmpp.org/extensions/xep-0115.html",
  sections: {
    protocol: ["4", "Protocol"],
    "ver-gen": ["5.1", "Generation Method"],
    "ver-proc": ["5.4", "Processing Method"],
  },
} satisfies Document;

// Its subsections carry no anchor of their own: every rule links to section 3, and its
// statement ends with the subsection (3.1 switching, 3.2 sending and receiving, 3.3
// clients' preferences).
const XEP0351 = {
  spec: "XEP-0351",
  version: "0.2",
  url: "https://xmpp.org/extensions/xep-0351.html",
  sections: {
    usecases: ["3", "Use Cases"],
  },
} satisfies Document;

const XEP0220 = {
  spec: "XEP-0220",
  version: "1.1.1",
  url: "https://xmpp.org/extensions/xep-0220.html",
  sections: {
    // Sections 2.1 and 2.2 and their subsections have no anchors of their own.
    protocol: ["2", "Protocol"],
    directionality: ["2.3", "Directionality"],
    "advertisement-traditional": ["2.4.1", "Traditional Dialback"],
    "advertisement-errors": ["2.4.2", "Dialback with Error Handling"],
    errors: ["2.5", "Dialback Error Conditions"],
    "security-unsolicited": ["3.1", "Unsolicited Dialback"],
  },
} satisfies Document;

/** The part of a rule that names where it comes from, checked against the document's sections. */
function from<D extends Document>(doc: D, anchor: keyof D["sections"] & string): Pick<Rule, "spec" | "version" | "section" | "sectionTitle" | "url"> {
  const [section, sectionTitle] = doc.sections[anchor]!;
  return { spec: doc.spec, ...(doc.version ? { version: doc.version } : {}), section, sectionTitle, url: `${doc.url}#${anchor}` };
}

const sm3 = (anchor: keyof typeof XEP0198.sections) => from(XEP0198, anchor);
const sm1 = (anchor: keyof typeof XEP0198_DRAFT.sections) => from(XEP0198_DRAFT, anchor);
const ps = (anchor: keyof typeof XEP0060.sections) => from(XEP0060, anchor);
const pep = (anchor: keyof typeof XEP0163.sections) => from(XEP0163, anchor);
const caps = (anchor: keyof typeof XEP0115.sections) => from(XEP0115, anchor);
const comp = (anchor: keyof typeof XEP0114.sections) => from(XEP0114, anchor);
const pam = (anchor: keyof typeof XEP0376.sections) => from(XEP0376, anchor);
const rel = (anchor: keyof typeof XEP0496.sections) => from(XEP0496, anchor);
const extdisco = (anchor: keyof typeof XEP0499.sections) => from(XEP0499, anchor);
const rsf = (anchor: keyof typeof XEP0351.sections) => from(XEP0351, anchor);
const db = (anchor: keyof typeof XEP0220.sections) => from(XEP0220, anchor);

export const SPECS: readonly Spec[] = [
  {
    spec: "XEP-0198",
    version: "1.6.3",
    title: "Stream Management",
    url: XEP0198.url,
    note: "The current specification (`urn:xmpp:sm:3`). The SM suite checks `urn:xmpp:sm:2` against the same rules where the two agree.",
  },
  {
    spec: "XEP-0198",
    version: "0.7",
    title: "Stream Management, 2009 draft",
    url: XEP0198_DRAFT.url,
    note: "The draft of 2009-03-30 (`urn:xmpp:sm:1`), with `u`/`h` sequence numbers instead of stanza counts. Its rules have no IDs of their own; this project numbers them SM1-01 to SM1-08 (see [rules-addendum.md](rules-addendum.md)).",
  },
  {
    spec: "XEP-0060",
    version: "1.30.0",
    title: "Publish-Subscribe",
    url: XEP0060.url,
    note: "The pubsub suite's rules for a pubsub service and for PEP, which is XEP-0060 on every account. The suite follows the scenarios of XEP-0207 (XMPP Eventing via Pubsub, a humorous XEP with no requirements of its own): presence, subscriptions, groupchat and one-to-one messaging as pubsub. Interpretations in [rules-addendum.md](rules-addendum.md).",
  },
  {
    spec: "XEP-0163",
    version: "1.2.2",
    title: "Personal Eventing Protocol",
    url: XEP0163.url,
    note: "PEP: every account a virtual pubsub service, subscriptions and notification filtering derived from presence and entity capabilities.",
  },
  {
    spec: "XEP-0115",
    version: "1.6.0",
    title: "Entity Capabilities",
    url: XEP0115.url,
    note: "What a server does with the caps of a contact's presence (the `+notify` features of PEP), and the caps it advertises itself.",
  },
  {
    spec: "XEP-0114",
    version: "1.6",
    title: "Jabber Component Protocol",
    url: XEP0114.url,
    note: "Components connecting to a server (jabber:component:accept). The XEP gives no reaction to some violations; COMP-12 is this project's reading, as Prosody behaves. COMP-xx are this project's IDs.",
  },
  {
    spec: "XEP-0376",
    version: "0.2",
    title: "Pubsub Account Management",
    url: XEP0376.url,
    note: "Deferred, and rough: its examples carry typos (`xmln=`, `xml=`, an unclosed element) and it names the service attribute `service` in its prose and `jid` in its examples. The PAM suite reads the protocol with those errata corrected; its readings of what the text leaves open are in [rules-addendum.md](rules-addendum.md). PAM-02, PAM-05, PAM-14 and PAM-15 (client caps, verbatim forwarding, +notify from PAM clients, filtering and MAM) are not tested: they have no behaviour a test could observe, or no protocol yet.",
  },
  {
    spec: "XEP-0496",
    version: "0.1.0",
    title: "Pubsub Node Relationships",
    url: XEP0496.url,
    note: "Experimental (protoXEP 0.0.1 `pubsub-relationships`): `parent` and `link` configuration fields, an acyclic graph, cascade deletion and access inherited from every ancestor. The extdisco suite tests it on the pubsub service and on PEP; REL-xx are this project's IDs, and its readings of what the text leaves open are in [rules-addendum.md](rules-addendum.md).",
  },
  {
    spec: "XEP-0499",
    version: "0.1.0",
    title: "Pubsub Extended Discovery",
    url: XEP0499.url,
    note: "Experimental (protoXEP 0.0.1 `pubsub-ext-disco`): a data form in disco#items asks for linking nodes, descendants and metadata. Its text advertises `urn:xmpp:pubsub-ext-disco:0` and its example `urn:xmpp:pubsub-ext-disco`; the suite requires the first. EXTDISCO-xx are this project's IDs; depth 0, where an item's ItemID goes and the paging order are readings in [rules-addendum.md](rules-addendum.md).",
  },
  {
    spec: "XEP-0351",
    version: "0.2",
    title: "Recipient Server Side Notifications Filtering",
    url: XEP0351.url,
    note: "Deferred; the text of 0.2 is that of 0.1 and defines no XML. A server advertising `urn:xmpp:rsf:0` in its caps gets every pubsub notification at its users' bare JIDs and filters them for each resource by its caps: items by NodeID+notify, other event types by a NodeID+events- list (tokens config, delete, retract and sub). The 0.0.1 draft's one message per server with XEP-0033 bcc addresses was withdrawn before publication. RSF-xx are this project's IDs; its readings (unknown and unsorted tokens, no list, purge, which has no token, and the privacy of subscription events) are in [rules-addendum.md](rules-addendum.md). The rsf suite plays the remote server with the harness's S2S peer.",
  },
  {
    spec: "XEP-0220",
    version: "1.1.1",
    title: "Server Dialback",
    url: XEP0220.url,
    note: "Federation (S2S): the s2s suite plays a remote server against the target, as Initiating, Receiving and Authoritative Server of its own domain, with keys made as XEP-0185 says. DB-xx are this project's IDs; DB-02 and DB-05 are the RFC 6120 stream rules dialback rests on. Readings of what the text leaves open are in [rules-addendum.md](rules-addendum.md).",
  },
  {
    spec: "RFC 6120",
    title: "XMPP Core",
    url: RFC6120.url,
    note: "Preconditions the SM tests rely on along the way, which no test declares (a test fails with one of these IDs when the server breaks the precondition before the rule under test could be observed), and the server-to-server stream rules of the s2s suite (DB-02, DB-05).",
  },
  {
    spec: "RFC 6121",
    title: "XMPP Instant Messaging and Presence",
    url: RFC6121.url,
    note: "Preconditions of the tests in which a contact watches presence (SM-23, SM-25) or gets PEP notifications, which first subscribe two accounts to each other; no test declares them.",
  },
];

export const RULES: readonly Rule[] = [
  // XEP-0198 1.6.3: feature and enabling
  { id: "SM-01", ...sm3("feature"), level: "SHOULD", statement: "The server advertises the sm:3 stream feature only after the client has authenticated, never before, and the feature element is empty." },
  { id: "SM-02", ...sm3("security"), level: "MUST NOT", statement: "Until the client has authenticated, the server neither enables Stream Management nor resumes a session." },
  { id: "SM-03", ...sm3("enable"), level: "SHALL", statement: "On a client stream, <enable/> before a resource is bound is refused with <failed/> (unexpected-request), and the stream stays open." },
  { id: "SM-04", ...sm3("enable"), level: "MUST", statement: "Each <enable/> gets exactly one answer: <enabled/> or <failed/>, in the namespace of the request." },
  { id: "SM-05", ...sm3("resumption"), level: "MUST", statement: "An <enabled/> that grants resumption has resume='true' (or '1') and a non-empty id." },
  { id: "SM-06", ...sm3("resumption"), level: "MAY", statement: "The server may enable Stream Management yet decline the resumption the client asked for; its <enabled/> then has no resume attribute." },
  { id: "SM-07", ...sm3("resumption"), level: "MUST / SHOULD", statement: "The server makes up each SM-ID, never gives the same one to two sessions (at once or later) while it runs, and keeps it to 4000 bytes at most." },
  { id: "SM-08", ...sm3("enable"), level: "MAY", statement: "A max on <enabled/> is the server's preferred resumption window, a positive number of seconds; a location is host:port, an IPv6 host in brackets." },
  { id: "SM-09", ...sm3("enable"), level: "SHOULD", statement: "A client enables at most once: a second <enable/> gets a stream error (or <failed/> with unexpected-request, as the example shows), never a second <enabled/>." },
  // acks
  { id: "SM-10", ...sm3("acking"), level: "MUST", statement: "Every <r/> is answered, promptly and held back by nothing but a timeout, with an <a/> whose h is the number of stanzas handled so far in the session." },
  { id: "SM-11", ...sm3("acking"), level: "definition", statement: "h counts stanzas (message, presence, iq), including those answered with an error; nonzas such as <r/>, <a/>, CSI and whitespace are not counted." },
  { id: "SM-12", ...sm3("acking"), level: "definition", statement: "The server's count of received stanzas starts at zero when <enable/> arrives, so a stanza pipelined right behind <enable/> counts." },
  { id: "SM-13", ...sm3("acking"), level: "SHALL", statement: "h is an xs:unsignedInt that wraps from 4294967295 to 0, so counters are compared modulo 2^32." },
  { id: "SM-14", ...sm3("acking"), level: "MAY / SHOULD", statement: "Either side may send <a/> unasked, and each keeps only the latest h it received: the h values a server sends in one session never go down." },
  { id: "SM-15", ...sm3("errors"), level: "SHOULD", statement: "An h acknowledging more stanzas than were sent ends the stream with undefined-condition and <handled-count-too-high/>; this project reads it to cover the h of <resume/> too." },
  // resumption
  { id: "SM-16", ...sm3("resumption"), level: "MUST", statement: "<resume/> carries previd and h; a successful resume answers <resumed/> with the same previd and an h counting the stanzas the server handled on the old stream (0 if none)." },
  { id: "SM-17", ...sm3("resumption"), level: "MUST", statement: "After <resumed/> the server takes the client's h as an ack and re-sends, in order, every stanza still unacknowledged, and none that was acknowledged." },
  { id: "SM-18", ...sm3("resumption"), level: "definition", statement: "Both counters carry over a resumption: the new stream continues them rather than starting from zero." },
  { id: "SM-19", ...sm3("resumption"), level: "MUST / SHOULD", statement: "A <resume/> of a session that was not made resumable gets <failed/>, preferably with feature-not-implemented." },
  { id: "SM-20", ...sm3("resumption"), level: "MUST / SHOULD / MAY", statement: "A <resume/> naming an unknown or expired previd gets <failed/>, preferably with item-not-found; only a remembered session may add h, the count it had handled." },
  { id: "SM-21", ...sm3("resumption"), level: "SHOULD", statement: "After a failed resume the stream stays authenticated: the client may bind a resource without a new stream or a new login." },
  { id: "SM-22", ...sm3("resumption"), level: "SHOULD", statement: "When a session is resumed while its old connection is still open, the server sends a conflict stream error on the old stream and closes it." },
  { id: "SM-23", ...sm3("resumption"), level: "definition / SHOULD", statement: "The server keeps the session's state across a resumption: contacts see no unavailable presence for a drop and resume within the window, and what the session had set up (directed presence, enabled carbons) still holds." },
  // errors, closure, expiry
  { id: "SM-24", ...sm3("errors"), level: "MUST / SHOULD", statement: "Any problem with <enable/> or <resume/> yields <failed/>; the condition it should carry is one of RFC 6120's stanza error conditions, in the stanzas namespace." },
  { id: "SM-25", ...sm3("closure"), level: "MUST / SHOULD", statement: "A clean </stream:stream> ends the session (contacts get unavailable presence, no resumption); a dropped TCP connection leaves it unfinished and resumable for a while." },
  { id: "SM-26", ...sm3("acking"), level: "MAY / SHOULD", statement: "Stanzas still unacknowledged when a session's window ends are treated as for a resource that went away (error to the sender, other resource or offline storage, with a delay stamp), never silently dropped." },
  { id: "SM-27", ...sm3("acking"), level: "interpretation", statement: "A dropped session stays resumable for the max the server announced; this project expects a resume at 80% of that window to succeed." },
  { id: "SM-28", ...sm3("security"), level: "interpretation", statement: "Only the account that owns a session may resume it: another account's <resume/> fails (item-not-found or not-authorized) and the session is left as it was." },
  { id: "SM-29", ...sm3("resumption"), level: "interpretation", statement: "A <resume/> on a stream that has already bound a resource is refused with <failed/>, never answered with <resumed/>." },
  { id: "SM-30", ...sm3("intro"), level: "definition", statement: "The same rules hold on server-to-server streams, counting jabber:server stanzas, once the stream is authenticated (SASL EXTERNAL or dialback)." },
  // SASL2 and BIND2
  { id: "SM-31", ...sm3("inline"), level: "definition", statement: "Inline resumption is advertised by <sm xmlns='urn:xmpp:sm:3'/> in SASL2's <inline/>, inline enabling by <feature var='urn:xmpp:sm:3'/> in BIND2's." },
  { id: "SM-32", ...sm3("inline-resume"), level: "MUST", statement: "An inline <resume/> in SASL2 <authenticate/> is processed first; when it succeeds, no resource is bound and no stream features follow <success/>." },
  { id: "SM-33", ...sm3("inline-resume"), level: "MUST", statement: "When an inline resume fails, <success/> carries <failed/> and the inline bind still runs; a failed inline enable puts <failed/> inside <bound/>." },
  { id: "SM-34", ...sm3("security"), level: "MUST NOT", statement: "Inline resumption is not processed when it rests on TLS 0-RTT early data alone, unless mitigations are in place." },

  // XEP-0198 0.7 (urn:xmpp:sm:1)
  { id: "SM1-01", ...sm1("feature"), level: "MUST NOT / MUST", statement: "The sm:1 feature is not offered before authentication; when it offers resumption it carries max in seconds (stanzas, if present, is the preferred number of stanzas between acks)." },
  { id: "SM1-02", ...sm1("enable"), level: "MUST", statement: "An sm:1 <enable/> is answered with <enabled/> or <failed/> in urn:xmpp:sm:1." },
  { id: "SM1-03", ...sm1("acking"), level: "MUST", statement: "An <r/> carries u, and its answer (<a/> or <r/>) carries an h at least equal to that u." },
  { id: "SM1-04", ...sm1("resumption"), level: "MUST", statement: "A server granting resumption sets resume on <enabled/> and gives an id." },
  { id: "SM1-05", ...sm1("resumption"), level: "MUST / SHOULD", statement: "A <resume/> of a resumable session gets <resumed/> with the same previd; an unknown previd gets <failed/>, preferably with item-not-found." },
  { id: "SM1-06", ...sm1("resumption"), level: "MAY / MUST NOT", statement: "An h on <resumed/> is the last sequence number the client sent on the old stream, and is left out when there is none." },
  { id: "SM1-07", ...sm1("acking"), level: "MUST", statement: "The u values a sender puts on its successive <r/> elements strictly increase." },
  { id: "SM1-08", ...sm1("resumption"), level: "SHOULD", statement: "After a resumption each side re-sends the stanzas its peer had not acknowledged, going by the peer's last acknowledged number." },

  // XEP-0060 1.30.0: subscriptions
  { id: "PS-01", ...ps("subscriber-subscribe-request"), level: "MUST / SHOULD", statement: "A subscribe request is an iq set with one <subscribe/> naming the jid to subscribe (required) and the node; the service checks at least that the jid's bare JID is the requester's." },
  { id: "PS-02", ...ps("subscriber-subscribe"), level: "MUST", statement: "A successful subscribe gets <subscription/> (subscribed, pending or unconfigured); on an authorize node it is pending, the owner gets a subscribe_authorization form (pubsub#allow); a cancelled form keeps it pending." },
  { id: "PS-03", ...ps("subscriber-subscribe-error"), level: "MUST / SHOULD", statement: "A refused subscribe has its case's error: bad-request (+invalid-jid), not-authorized (+presence-subscription-required, not-in-roster-group, pending-subscription), not-allowed + closed-node, forbidden, item-not-found." },
  { id: "PS-04", ...ps("subscriber-subscribe-multi"), level: "MUST", statement: "Where one JID has one subscription per node, subscribing again is no error and returns the current subscription state; where it may have several, each has its own SubID, unique for the node and JID." },
  { id: "PS-05", ...ps("subscriber-subscribe-last"), level: "MAY / SHOULD / MUST", statement: "A new subscriber may be sent the last published item, stamped with urn:xmpp:delay; a service that does so by default advertises pubsub#last-published, so where it is advertised the item is expected." },
  { id: "PS-06", ...ps("subscriber-unsubscribe"), level: "MUST / SHOULD", statement: "Unsubscribing succeeds with an iq result (subscription='none' allowed) and ends the notifications; a JID not subscribed gets an error, preferably unexpected-request + not-subscribed; a missing node item-not-found." },
  { id: "PS-07", ...ps("entity-subscriptions"), level: "MUST / SHOULD", statement: "<subscriptions/> (for the service or one node) lists each subscription of the requester's bare JID as <subscription node jid subscription/>, or is empty; a service without it answers feature-not-implemented." },
  { id: "PS-08", ...ps("impl-subchange"), level: "SHOULD / MUST", statement: "On approval, denial or cancellation of a subscription the service should send the subscribed JID <event><subscription node jid subscription/></event>, and then advertises subscription-notifications." },
  // events and notifications
  { id: "PS-09", ...ps("events"), level: "definition / MUST", statement: "<event/> carries items (item or retract), purge, delete, configuration or subscription; a purge sends one <purge/> and no retracts, deletion and retract notify='true' notify all, notify_config sends <configuration/>." },
  { id: "PS-10", ...ps("publisher-publish-success"), level: "MUST / SHOULD / MUST", statement: "A publish sends each entity entitled to it exactly one notification, addressed to the subscribed JID; every notification message should have an id, and that id is unique within the service." },
  { id: "PS-11", ...ps("entity-discoveritems"), level: "MAY / MUST / MUST NOT", statement: "disco#items on a node may list its items: each with its ItemID as name, and none with a node attribute." },

  // XEP-0163 1.2.2: PEP
  { id: "PEP-01", ...pep("support-owner"), level: "MUST", statement: "disco#info on an account's bare JID has the identity pubsub/pep and every pubsub feature supported, among them auto-create, auto-subscribe, filtered-notifications, publish, subscribe, retrieve-items, access-presence." },
  { id: "PEP-02", ...pep("publish"), level: "MUST / SHOULD", statement: "Publishing to a node that does not exist creates it (auto-create); publish-options should be supported." },
  { id: "PEP-03", ...pep("notify-autosubscribe"), level: "MUST", statement: "A contact with a presence subscription is subscribed automatically to the owner's nodes it may access; without one it gets nothing from a presence-model node; inaccessible nodes give no notification and no error." },
  { id: "PEP-04", ...pep("notify-filterednotifications"), level: "MUST / MUST NOT", statement: "The server reads each contact resource's entity capabilities and sends it notifications only for the nodes whose NodeID+notify it advertises, never for others." },
  { id: "PEP-05", ...pep("notify-addressing"), level: "MUST / SHOULD / MUST NOT", statement: "Notifications come from the owner's bare JID, one per interested full JID whose presence is known; an XEP-0033 replyto naming the publishing resource should go to presence subscribers, never to others." },
  { id: "PEP-06", ...pep("notify-when"), level: "MUST / SHOULD / MUST NOT", statement: "Each publish notifies, the owner's interested resources too; initial presence showing interest brings at least the last item (delay-stamped, as the example shows); a later presence update does not." },
  { id: "PEP-07", ...pep("defaults"), level: "MUST", statement: "A node defaults to the presence access model, delivers payloads and sends the last published item on_sub_and_presence; the open, roster and whitelist models are supported." },

  // XEP-0115 1.6.0: entity capabilities
  { id: "CAPS-01", ...caps("protocol"), level: "MUST / MAY", statement: "Capabilities are advertised as <c xmlns='http://jabber.org/protocol/caps' hash node ver/>; a server may advertise its own in stream features." },
  { id: "CAPS-02", ...caps("ver-gen"), level: "MUST", statement: "ver is the base64 of the hash (sha-1 at least) of the sorted identities, features and extended forms, each followed by '<', as the generation method builds them." },
  { id: "CAPS-03", ...caps("ver-proc"), level: "MUST / MUST NOT", statement: "A receiver checks ver against the disco#info answer: an ill-formed or mismatching answer is invalid and never cached for that ver, so no other entity advertising it is credited with it." },

  // XEP-0376 0.2
  { id: "PAM-01", ...pam("disco"), level: "definition", statement: "The server advertises urn:xmpp:pam:0 in the disco#info of every account's bare JID." },
  { id: "PAM-03", ...pam("subs"), level: "definition", statement: "A client subscribes by an iq set to its own account (no 'to', or its bare JID) holding <pam/> with the service's JID ('jid' in the examples, 'service' in the prose) around a XEP-0060 <subscribe/>." },
  { id: "PAM-04", ...pam("subs"), level: "SHALL / MUST", statement: "The 'jid' of the inner <subscribe/> is the requester's own bare JID, and the server checks it." },
  { id: "PAM-06", ...pam("subs"), level: "SHALL", statement: "The server sends an ordinary XEP-0060 subscribe to the service, from the account's bare JID, for the same node and jid." },
  { id: "PAM-07", ...pam("subs"), level: "SHALL / MUST", statement: "When the service answers, the server first sends a <notify/> with the subscription and the list's ver to the account's PAM-capable clients, then an empty result to the request." },
  { id: "PAM-08", ...pam("subs"), level: "MUST NOT / MUST / MAY", statement: "An error the server finds itself is not sent on: the request gets an iq error, whose generator ('by') may only name the local side." },
  { id: "PAM-09", ...pam("subs"), level: "MUST", statement: "A service's error is relayed with its type and conditions copied through; 'by' is set to the service when the error carries none, and kept when it does." },
  { id: "PAM-10", ...pam("subs"), level: "definition", statement: "A client may take an error without 'by' for a local one, so a relayed remote error always carries 'by'." },
  { id: "PAM-11", ...pam("unsub"), level: "definition", statement: "Unsubscribing goes the same way: an unsubscribe from the bare JID to the service, a <notify/> with subscription 'none', then an empty result." },
  { id: "PAM-12", ...pam("sublist"), level: "definition / MAY", statement: "A <subscriptions/> get to the account lists every subscription (on local and remote services) with a ver; a client that sent a ver may instead get the <notify/>s since then followed by an empty result." },
  { id: "PAM-13", ...pam("sublist"), level: "interpretation", statement: "The ver is opaque, changes whenever the list changes, and the ver of the latest <notify/> is the one a listing then returns." },
  // XEP-0499 0.1.0
  { id: "EXTDISCO-01", ...extdisco("disco"), level: "MUST", statement: "A pubsub or PEP service that supports extended discovery advertises urn:xmpp:pubsub-ext-disco:0 in its disco#info." },
  { id: "EXTDISCO-02", ...extdisco("rules"), level: "MUST NOT", statement: "Without the urn:xmpp:pubsub-ext-disco:0 form, disco#items stays XEP-0060's: a node's items named by ItemID with no 'node', no metadata forms, no child nodes." },
  { id: "EXTDISCO-03", ...extdisco("discover"), level: "MUST / MUST NOT", statement: "The 'type' field (items and/or nodes, both by default) filters: items only if 'items' is selected, nodes only if 'nodes' is." },
  { id: "EXTDISCO-04", ...extdisco("discover"), level: "MUST", statement: "'linked_nodes' defaults to false; when true, the nodes linking to the listed nodes (and their items) are included." },
  { id: "EXTDISCO-05", ...extdisco("discover"), level: "MUST", statement: "'full_metadata' defaults to false, and then a node's form carries only FORM_TYPE and its relationship fields; when true, the full XEP-0060 §5.4 metadata form." },
  { id: "EXTDISCO-06", ...extdisco("discover"), level: "definition / MUST NOT", statement: "'depth' (an integer, default 0) is the number of layers of descendants included; descendants with a link are left out unless linked_nodes is true." },
  { id: "EXTDISCO-07", ...extdisco("discover"), level: "MUST", statement: "With the form, every returned <item/> carries 'node', a pubsub item the NodeID of its node." },
  { id: "EXTDISCO-08", ...extdisco("discover"), level: "MUST", statement: "Each returned node carries a pubsub#meta-data form with {urn:xmpp:pubsub-relationships:0}parent for a child and …link for a linking node." },
  { id: "EXTDISCO-09", ...extdisco("rules"), level: "MUST / MUST NOT", statement: "Nodes the requester may not access (under their own access model or an ancestor's) are left out, and so is everything under them." },
  { id: "EXTDISCO-10", ...extdisco("rules"), level: "SHOULD", statement: "Large results are paged with XEP-0059 RSM; following the pages returns every entry exactly once." },
  // XEP-0496 0.1.0
  { id: "REL-01", ...rel("disco"), level: "MUST", statement: "A pubsub service supporting node relationships advertises urn:xmpp:pubsub-relationships:0 in its disco#info." },
  { id: "REL-02", ...rel("rel-setting"), level: "definition", statement: "A relationship is set through node configuration (at creation or by configure): {urn:xmpp:pubsub-relationships:0}parent or …link holding a NodeID of the same service, kept and shown in the configuration." },
  { id: "REL-03", ...rel("rel-setting"), level: "MUST", statement: "Parent and link edges together stay acyclic; a configuration making a cycle gets not-allowed + invalid-option." },
  { id: "REL-04", ...rel("rel-setting"), level: "MUST", statement: "A node linking to a node that has a parent gets that parent; a linking node with a different parent is refused with not-allowed + invalid-option." },
  { id: "REL-05", ...rel("link-rules"), level: "MUST", statement: "When a linked node's parent is set or changed, the service sets the same parent on all its linking nodes." },
  { id: "REL-06", ...rel("rel-setting"), level: "MUST NOT", statement: "A client may not set the parent of a node that has a link: not-allowed + invalid-option." },
  { id: "REL-07", ...rel("link-rules"), level: "MUST", statement: "Deleting a linked node deletes all its linking nodes; deleting a linking node deletes nothing else." },
  { id: "REL-08", ...rel("link-rules"), level: "definition", statement: "The access and publish models of nodes joined by a link are independent." },
  { id: "REL-09", ...rel("parent-rules"), level: "MUST", statement: "Deleting a parent deletes its whole subtree, recursively (and, the project reads, tells each deleted node's subscribers)." },
  { id: "REL-10", ...rel("parent-rules"), level: "MUST NOT", statement: "Reading a node needs access under its own access model and every ancestor's; publishing needs publish rights on it and every ancestor." },
  { id: "REL-11", ...rel("rules"), level: "definition", statement: "XEP-0060 node discovery is unaffected: children are not listed under their parent in a plain disco#items." },
  { id: "REL-12", ...rel("rules"), level: "definition", statement: "NodeIDs are unique on the whole service, wherever a node sits in the hierarchy: a second node of the same name gets conflict." },
  { id: "REL-13", ...rel("rules"), level: "MAY / MUST NOT", statement: "A service may add relationships to well-known nodes created without any, but never changes or adds to those the creator set." },
  { id: "REL-14", ...rel("rules"), level: "definition", statement: "Unparenting a child (clearing or changing its parent) takes it out of its old parent's subtree, so deleting that parent leaves it." },
  // XEP-0351 0.2
  { id: "RSF-01", ...rsf("usecases"), level: "definition", statement: "A server that filters notifications for its users advertises urn:xmpp:rsf:0 in its disco#info, and so in the caps <c/> of its stream features (3.1)." },
  { id: "RSF-02", ...rsf("usecases"), level: "SHOULD / MUST NOT", statement: "A sender delivers the XEP-0351 way to a remote server whose stream-feature caps carry urn:xmpp:rsf:0, and never to one without the feature or without caps: that one gets XEP-0060/XEP-0163 delivery (3.1)." },
  { id: "RSF-03", ...rsf("usecases"), level: "MUST", statement: "Toward a filtering server the sender sends every event the node produces, whatever its notify_* options say; access control holds, and subscription events go to owners and the subscriber only (3.2)." },
  { id: "RSF-04", ...rsf("usecases"), level: "definition", statement: "Each subscribed user of a filtering server gets one message at its bare JID (PEP: from the owner's bare JID), with no presence or caps of the user known to the sender (3.2)." },
  { id: "RSF-05", ...rsf("usecases"), level: "definition", statement: "The recipient's server gives each notification to each of the user's resources that asked for its kind, as its caps say (3.2)." },
  { id: "RSF-06", ...rsf("usecases"), level: "MUST", statement: "A client lists event types as NodeID+events- and tokens (config, delete, retract, sub) joined by '-'; a server reads after the last '+events-', ignores unknown tokens, accepts any order (3.3)." },
  { id: "RSF-07", ...rsf("usecases"), level: "MUST", statement: "A resource with an +events- list for a node gets only the event types it lists; new items go to resources with NodeID+notify (3.3)." },
  { id: "RSF-08", ...rsf("usecases"), level: "SHOULD", statement: "A resource with no +events- list for a node is not filtered by event type: it gets every event of the node, when it has NodeID+notify (3.3)." },
  { id: "RSF-09", ...rsf("usecases"), level: "interpretation", statement: "Tokens name XEP-0060 events: config <configuration/>, delete <delete/>, retract <items><retract/>, sub <subscription/>; a purge has no token, and what a server does with it is recorded, not judged (3.3)." },
  // XEP-0114 1.6
  { id: "COMP-01", ...comp("concepts"), level: "definition", statement: "A component connects to the server (jabber:component:accept) and authenticates with <handshake/>, not SASL." },
  { id: "COMP-02", ...comp("proto"), level: "definition", statement: "The 'to' of the component's stream header is the component's own domain, which the server must serve." },
  { id: "COMP-03", ...comp("proto"), level: "MUST", statement: "For a domain it serves, the server answers with a stream header in the same namespace, from that domain, with a stream id." },
  { id: "COMP-04", ...comp("proto"), level: "MUST", statement: "A domain the server does not serve is refused with a stream error such as host-unknown, after the server's own header." },
  { id: "COMP-05", ...comp("proto"), level: "MUST", statement: "A stream in a namespace the server does not support is refused with invalid-namespace." },
  { id: "COMP-06", ...comp("proto"), level: "MUST", statement: "The handshake is the lowercase hex SHA-1 of the stream id followed by the shared secret." },
  { id: "COMP-07", ...comp("proto"), level: "MUST / SHOULD", statement: "A wrong handshake closes the stream and the connection, preferably after a not-authorized stream error." },
  { id: "COMP-08", ...comp("proto"), level: "MUST", statement: "A correct handshake is answered with an empty <handshake/>." },
  { id: "COMP-09", ...comp("proto"), level: "MUST", statement: "Every stanza a component sends carries both from and to." },
  { id: "COMP-10", ...comp("proto"), level: "MUST", statement: "A component's stanzas come from its own domain; any local part or resource at it is allowed." },
  { id: "COMP-11", ...comp("proto"), level: "definition", statement: "The server routes stanzas for the component's domain, and any JID at it, down the component's stream, from and to unchanged." },
  { id: "COMP-12", ...comp("proto"), level: "interpretation", statement: "A foreign or missing from ends the stream with invalid-from, a missing to bounces with bad-request, data before the handshake gets not-authorized." },

  // Preconditions from the core RFCs
  { id: "RFC6120-features", ...from(RFC6120, "section-4.3.2"), level: "MUST", statement: "After its response stream header the server sends <stream:features/>, empty if it has nothing to offer." },
  { id: "RFC6120-iq", ...from(RFC6120, "section-8.2.3"), level: "MUST", statement: "An iq of type get or set gets one reply, of type result or error; a request the server does not understand gets an error." },
  { id: "RFC6120-close", ...from(RFC6120, "section-4.4"), level: "MUST", statement: "When the peer has closed its side of the stream (or of the connection), the entity ends the connection too, without waiting for more." },
  { id: "RFC6120-stream-error", ...from(RFC6120, "section-4.9.1.1"), level: "MUST", statement: "A stream error is followed at once by the closing stream tag, and the stream is over." },
  { id: "RFC6120-not-well-formed", ...from(RFC6120, "section-4.9.3.13"), level: "definition", statement: "Input that is not well-formed XML (bad UTF-8, an undefined entity, a character XML forbids) is answered with the not-well-formed stream error (bad-format also covers it)." },
  { id: "RFC6120-restricted-xml", ...from(RFC6120, "section-11.1"), level: "MUST", statement: "A document type declaration, a comment or a processing instruction in a stream is answered with the restricted-xml stream error." },
  { id: "RFC6120-dos", ...from(RFC6120, "section-13.12"), level: "interpretation", statement: "Whatever one connection sends, the service stays available to others: after hostile input elsewhere an account still logs in." },
  { id: "DB-01", ...db("advertisement-traditional"), level: "MUST", statement: "A server opening an S2S stream declares jabber:server with the dialback prefix (xmlns:db), names its own domain in 'from' and the target domain in 'to', and sends no 'id' (RFC 6120 4.7.3)." },
  { id: "DB-02", ...from(RFC6120, "section-4.7"), level: "MUST", statement: "The receiving server answers an S2S stream header with its own: 'from' its domain, 'to' the initiator's domain and a fresh 'id'; a 'to' it does not host gets the host-unknown stream error." },
  { id: "DB-05", ...from(RFC6120, "section-4.9.3"), level: "MUST", statement: "A stanza on an S2S stream before any domain was verified ends the stream with not-authorized; one whose 'from' is at a domain not verified on that stream, with invalid-from. Neither is delivered." },
  { id: "DB-06", ...db("directionality"), level: "definition", statement: "S2S streams carry stanzas one way: the server answers a remote domain over a stream it opens itself and verifies with its own dialback." },
  { id: "DB-08", ...db("protocol"), level: "MUST / definition", statement: "The Initiating Server's <db:result/> carries from (its domain), to (the target domain) and the key as text, and it sends one only when the pair is neither verified nor being verified." },
  { id: "DB-10", ...db("protocol"), level: "MUST", statement: "The Initiating Server queues the stanzas of a domain pair and sends none before the receiving server said <db:result type='valid'/>; it may send db:verify on the stream meanwhile." },
  { id: "DB-13", ...db("protocol"), level: "MUST", statement: "The Authoritative Server recomputes the key of a <db:verify/> from its from, to and id and its own secret, and answers on the same stream with from and to swapped, the same id and type valid or invalid." },
  { id: "DB-14", ...db("protocol"), level: "MUST", statement: "A <db:result/> whose 'to' the receiving server does not host gets a dialback error (type='error', item-not-found, 'from' the unknown domain), not a stream error: the stream stays open." },
  { id: "DB-15", ...db("protocol"), level: "MUST", statement: "The receiving server accepts no stanza of a domain pair before it is verified, and keeps processing <db:result/> and <db:verify/> meanwhile." },
  { id: "DB-16", ...db("protocol"), level: "MUST", statement: "Once the key is verified, the receiving server sends <db:result type='valid'/> (from the target domain to the sender domain) and accepts the pair's stanzas on that stream." },
  { id: "DB-17", ...db("protocol"), level: "MUST / SHOULD", statement: "A key the Authoritative Server calls invalid gets none of its pair's stanzas accepted; on a stream with no other pair verified the receiving server should answer type='invalid' and must close the stream." },
  { id: "DB-18", ...db("protocol"), level: "MUST", statement: "When the Authoritative Server answers <db:verify/> with an error, the receiving server answers the key with a dialback error holding <remote-server-not-found/>." },
  { id: "DB-19", ...db("security-unsolicited"), level: "MUST", statement: "A <db:result/> or <db:verify/> carrying a type that answers no request sent on that stream is rejected: it verifies nothing, and stanzas of the pair it names stay refused." },
  { id: "DB-20", ...db("errors"), level: "MUST", statement: "A dialback error has type='error' and an <error/> child holding one stanza error condition (urn:ietf:params:xml:ns:xmpp-stanzas)." },
  { id: "DB-22", ...db("protocol"), level: "MUST", statement: "The Initiating Server bounces what it queued for a refused key to the senders: internal-server-error when the key was found invalid (it should stop using the stream), remote-server-timeout on an error." },
  { id: "DB-24", ...db("advertisement-errors"), level: "MUST", statement: "A server that handles dialback errors advertises <dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback> in its stream features." },
  { id: "RFC6120-routing", ...from(RFC6120, "section-10.5.4"), level: "MUST", statement: "A stanza addressed to the full JID of a connected resource of a local account is delivered to that resource." },
  { id: "RFC6121-roster", ...from(RFC6121, "section-2.1.3"), level: "MUST", statement: "A roster get from a client is answered with the account's roster: every item with its subscription state." },
  { id: "RFC6121-subscribe", ...from(RFC6121, "section-3.1.3"), level: "MUST", statement: "A subscription request to a local account is delivered to that account's available resources." },
  { id: "RFC6121-presence", ...from(RFC6121, "section-3.1.5"), level: "MUST", statement: "When a contact approves a subscription, its server sends the new subscriber the contact's current presence from each available resource." },
];

const byId = new Map(RULES.map((r) => [r.id, r]));

/** The catalogued rule with this ID, or undefined (harness labels such as "expectation" are not rules). */
export function rule(id: string): Rule | undefined {
  return byId.get(id);
}

/** "XEP-0198 1.6.3 §5": where a rule comes from. */
export function ruleSource(r: Rule): string {
  return `${r.spec}${r.version ? ` ${r.version}` : ""} §${r.section}`;
}

/** One line: "SM-22 (XEP-0198 1.6.3 §5, SHOULD): <statement> <url>", or undefined for an unknown ID. */
export function ruleReference(id: string): string | undefined {
  const r = byId.get(id);
  return r && `${r.id} (${ruleSource(r)}, ${r.level}): ${r.statement} ${r.url}`;
}

/** The heading entry of the document a rule comes from. */
export function specOf(r: Rule): Spec {
  const spec = SPECS.find((s) => s.spec === r.spec && s.version === r.version);
  if (!spec) throw new Error(`rule ${r.id}: no SPECS entry for ${ruleSource(r)}`);
  return spec;
}
