// XEP-0351 Recipient Server-Side Notification Filtering. As a recipient, the server
// advertises urn:xmpp:rsf:0 in its disco#info (so in the caps of its stream features),
// and a remote server that sees it sends every pubsub notification to its users' bare
// JIDs: this module fans each one out to the user's available resources by their caps,
// items to those with NodeID+notify, other event types to those listing them in
// NodeID+events-, or, without such a list, to those with +notify (RSF-05 to RSF-09).
// As a sender, the pubsub module asks `remote-rsf` whether a remote domain's server
// takes notifications this way: this module learns it from the caps <c/> in the
// features of the outgoing stream to that domain, checked by disco#info on node#ver
// as XEP-0115 5.4 says (a mismatch is never used), and forgets it when the stream ends.
import { newId } from "../../xmpp/builders.js";
import { capsVer, isKnownCapsHash, readDiscoInfo } from "../../xmpp/caps.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import { notifyFeature } from "../../xmpp/pubsub.js";
import { isEventToken, notificationOf, parseEventsFeature, type EventToken, type EventType } from "../../xmpp/rsf.js";
import type { ServerContext } from "../context.js";
import { defineModule } from "../module.js";
import { route } from "../router.js";
import type { Session } from "../session.js";

/** How long a remote server has to answer the disco#info query on its caps. */
const QUERY_TIMEOUT_MS = 10_000;

interface Query {
  domain: string;
  hash: string | undefined;
  ver: string;
  timer: NodeJS.Timeout;
}

/** What one resource asked for about one node: items (+notify) and, when it listed any, the event types. */
interface Wanted {
  notify: boolean;
  events: Set<EventToken> | undefined;
}

export default defineModule({
  name: "rsf",
  faults: {
    "rsf.no-feature": { rules: ["RSF-01"], description: "leaves urn:xmpp:rsf:0 out of the domain's disco#info, and so out of the caps of its stream features" },
    "rsf.ignore-remote-feature": { rules: ["RSF-02", "RSF-04"], description: "never takes a remote server's urn:xmpp:rsf:0 into account, so it always delivers the classic way" },
    "rsf.to-non-rsf-peer": { rules: ["RSF-02"], description: "delivers the XEP-0351 way to every remote server it has a stream to, whether or not its caps carry urn:xmpp:rsf:0" },
    "rsf.first-resource-only": { rules: ["RSF-05"], description: "gives a notification to the first resource that wants it, not to each one" },
    "rsf.strict-token-parse": { rules: ["RSF-06"], description: "ignores a whole +events- feature that names a token it does not know" },
    "rsf.require-sorted": { rules: ["RSF-06"], description: "ignores a +events- feature whose tokens are not in ascending order" },
    "rsf.split-on-first-marker": { rules: ["RSF-06"], description: "splits a +events- feature on its first '+events-', so a NodeID containing one is misread" },
    "rsf.no-event-filter": { rules: ["RSF-07"], description: "ignores +events- lists: every event type goes to every resource with +notify" },
    "rsf.items-ignore-notify": { rules: ["RSF-07"], description: "gives new items to every available resource, with or without NodeID+notify" },
    "rsf.retract-as-items": { rules: ["RSF-09", "RSF-07"], description: "takes a retraction for news of items, governed by +notify rather than by the retract token" },
    "rsf.no-events-means-nothing": { rules: ["RSF-08"], description: "gives a resource without a +events- list for a node nothing but its items" },
  },
  load(ctx) {
    if (!ctx.faults.has("rsf.no-feature")) ctx.features.host.add(NS.rsf);
    learnRemoteServers(ctx);
    ctx.hooks.on("message/bare", ({ el, to, remote }) => {
      const notification = remote ? notificationOf(el) : undefined;
      if (!notification) return undefined;
      const type = notification.type === "retract" && ctx.faults.has("rsf.retract-as-items") ? "items" : notification.type;
      const targets = ctx.sessions.of(to.bare).filter((s) => s.available && delivers(ctx, wanted(ctx, s, notification.node), type));
      // Claimed whatever happens: nothing else delivers it, and nothing keeps it for later.
      for (const s of ctx.faults.has("rsf.first-resource-only") ? targets.slice(0, 1) : targets) ctx.sessions.deliver(s, el);
      return true;
    });
  },
});

/** The remote servers whose verified caps carry urn:xmpp:rsf:0, learned from their stream features. */
function learnRemoteServers(ctx: ServerContext): void {
  /** Domains with an outgoing stream that got features, and the verified features of their servers. */
  const streams = new Set<string>();
  const known = new Map<string, ReadonlySet<string>>();
  const queries = new Map<string, Query>();
  const forget = (domain: string) => {
    streams.delete(domain);
    known.delete(domain);
    for (const [id, q] of queries) {
      if (q.domain !== domain) continue;
      ctx.timers.cancel(q.timer);
      queries.delete(id);
    }
  };

  ctx.hooks.on("remote-features", ({ domain, features }) => {
    forget(domain);
    streams.add(domain);
    const { node, ver, hash } = features.getChild("c", NS.caps)?.attrs ?? {};
    // No caps, no XEP-0351 (its §3.1: MUST NOT).
    if (!node || !ver) return;
    const id = newId("rsf-caps");
    const timer = ctx.timers.after(QUERY_TIMEOUT_MS, () => queries.delete(id));
    queries.set(id, { domain, hash, ver, timer });
    route(ctx, xml("iq", { type: "get", id, from: ctx.config.domain, to: domain }, xml("query", { xmlns: NS.discoInfo, node: `${node}#${ver}` })));
  });

  ctx.hooks.on("iq-response", ({ iq }) => {
    const query = queries.get(iq.attrs.id ?? "");
    if (!query || iq.attrs.from?.toLowerCase() !== query.domain) return undefined;
    queries.delete(iq.attrs.id!);
    ctx.timers.cancel(query.timer);
    const features = checkedFeatures(ctx, iq, query);
    if (features) known.set(query.domain, features);
    return true;
  });

  ctx.hooks.on("remote-gone", ({ domain }) => forget(domain));
  ctx.hooks.on("remote-rsf", ({ domain }) => {
    if (ctx.faults.has("rsf.to-non-rsf-peer")) return streams.has(domain);
    return !ctx.faults.has("rsf.ignore-remote-feature") && known.get(domain)?.has(NS.rsf) === true;
  });
}

/** The features of the remote server's disco#info answer, if it hashes to the ver its <c/> gave (CAPS-03). */
function checkedFeatures(ctx: ServerContext, iq: Element, query: Query): ReadonlySet<string> | undefined {
  const result = iq.attrs.type === "result" ? iq.getChild("query", NS.discoInfo) : undefined;
  if (!result) return undefined;
  const info = readDiscoInfo(result);
  if ("illFormed" in info) {
    ctx.log(`${query.domain}: server caps ${query.ver} ill-formed (${info.illFormed})`);
    return undefined;
  }
  // Under a hash this server does not know, the answer serves that domain alone, which is all it is used for.
  if (query.hash && isKnownCapsHash(query.hash) && capsVer(info, query.hash) !== query.ver) {
    ctx.log(`${query.domain}: server caps ver ${query.ver} does not match its disco#info, not used`);
    return undefined;
  }
  return new Set(info.features);
}

/** What `session`'s verified caps ask for about `node` (RSF-06: split on the last marker, unknown tokens ignored, any order). */
function wanted(ctx: ServerContext, session: Session, node: string): Wanted {
  const features = (ctx.hooks.fire("caps-features", { session }) as ReadonlySet<string> | undefined) ?? new Set<string>();
  let events: Set<EventToken> | undefined;
  for (const feature of features) {
    const list = parseEventsFeature(feature, ctx.faults.has("rsf.split-on-first-marker"));
    if (list?.node !== node) continue;
    const tokens = list.tokens.filter(isEventToken);
    if (ctx.faults.has("rsf.strict-token-parse") && tokens.length !== list.tokens.length) continue;
    if (ctx.faults.has("rsf.require-sorted") && list.tokens.some((t, i) => i > 0 && list.tokens[i - 1]! > t)) continue;
    events ??= new Set();
    for (const t of tokens) events.add(t);
  }
  return { notify: features.has(notifyFeature(node)), events: ctx.faults.has("rsf.no-event-filter") ? undefined : events };
}

/**
 * Whether a resource gets a notification of this type. A purge has no token: it goes
 * where retractions go (docs/rules-addendum.md); XEP-0248's <collection/> and anything
 * else without one only where no list filters.
 */
function delivers(ctx: ServerContext, want: Wanted, type: EventType): boolean {
  if (type === "items") return want.notify || ctx.faults.has("rsf.items-ignore-notify");
  // RSF-08: no list for the node is no filtering, for a resource that wants the node at all.
  if (!want.events) return want.notify && !ctx.faults.has("rsf.no-events-means-nothing");
  switch (type) {
    case "retract":
    case "purge":
      return want.events.has("retract");
    case "config":
    case "delete":
    case "sub":
      return want.events.has(type);
    case "other":
      return false;
  }
}
