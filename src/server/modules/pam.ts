// XEP-0376 Pubsub Account Management: a client subscribes and unsubscribes through its
// own account, which sends the XEP-0060 request on to the service from the account's
// bare JID, tells every PAM-capable resource of the outcome with a <notify/>, and
// only then answers; remote errors come back with their generator (`by`). The account
// lists its subscriptions (on this server's own services, from the pubsub module, and
// on others, as their answers reported them) under a version string, so a client that
// knows the current one gets just an empty result.
import clone from "ltx/lib/clone.js";
import { createHash } from "node:crypto";
import { newId } from "../../xmpp/builders.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS, type StanzaCondition } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import type { HostedSubscription, IqEvent } from "../hooks.js";
import { parseJid, type Jid } from "../jid.js";
import { defineModule } from "../module.js";
import { errorFor, resultFor, type ErrorType } from "../replies.js";
import { route } from "../router.js";
import type { Session } from "../session.js";

type Entry = HostedSubscription;

/** A request sent on to a service, waiting for its answer. */
interface Upstream {
  /** The client's request, answered once the service has answered. */
  request: Element;
  requester: Jid;
  service: string;
  operation: "subscribe" | "unsubscribe";
  node: string;
  jid: string;
  subid: string | undefined;
  timer: NodeJS.Timeout;
}

const OPERATIONS = new Set(["subscribe", "unsubscribe"]);

export default defineModule({
  name: "pam",
  faults: {
    "pam.no-feature": { rules: ["PAM-01"], description: "leaves urn:xmpp:pam:0 out of the account's disco#info" },
    "pam.reject-to-bare": { rules: ["PAM-03"], description: "serves a PAM request only without 'to', not one addressed to the account's bare JID" },
    "pam.service-attribute-ignored": { rules: ["PAM-03"], description: "reads the service from the examples' 'jid' attribute only, not from the prose's 'service'" },
    "pam.no-jid-check": { rules: ["PAM-04", "PAM-08"], description: "sends a subscribe for someone else's JID on to the service" },
    "pam.full-jid-accepted": { rules: ["PAM-04", "PAM-08"], description: "accepts the requester's full JID in the inner 'jid' and sends it on" },
    "pam.upstream-from-full-jid": { rules: ["PAM-06", "PAM-11"], description: "sends the XEP-0060 request from the requesting resource's full JID instead of the bare JID" },
    "pam.result-before-notify": { rules: ["PAM-07"], description: "answers the request before sending the <notify/> messages" },
    "pam.notify-requester-only": { rules: ["PAM-07"], description: "notifies the requesting resource only, not the account's other PAM-capable resources" },
    "pam.notify-all-resources": { rules: ["PAM-07"], description: "notifies every available resource, also those whose caps lack urn:xmpp:pam:0" },
    "pam.result-with-subscription": { rules: ["PAM-07"], description: "answers with the service's <subscription/> instead of an empty result" },
    "pam.notify-drops-subid": { rules: ["PAM-07"], description: "leaves the service's subid out of the <notify/>" },
    "pam.local-error-by-service": { rules: ["PAM-08"], description: "stamps a locally detected error with the remote service as its generator" },
    "pam.remote-error-no-by": { rules: ["PAM-09", "PAM-10"], description: "relays a remote error without setting 'by' to the service" },
    "pam.remote-error-by-replaced": { rules: ["PAM-09"], description: "replaces the 'by' a remote error carries with the service's JID" },
    "pam.remote-error-loses-pubsub-condition": { rules: ["PAM-09"], description: "relays a remote error without its pubsub#errors condition" },
    "pam.unsubscribe-no-notify": { rules: ["PAM-11"], description: "answers an unsubscribe without notifying the account's resources" },
    "pam.listing-remote-only": { rules: ["PAM-12"], description: "lists only subscriptions on other servers' services, not those on its own" },
    "pam.stale-ver-empty": { rules: ["PAM-12", "PAM-13"], description: "answers a listing that carries any ver with an empty result, as if it were current" },
    "pam.ver-constant": { rules: ["PAM-13"], description: "gives the subscription list the same ver whatever it holds" },
    "pam.notify-ver-before-change": { rules: ["PAM-13"], description: "puts the ver of the list before the change on the <notify/>" },
    "pam.no-upstream-timeout": { rules: ["RFC6120-iq"], description: "never answers a request whose service does not answer" },
  },
  load(ctx) {
    if (!ctx.faults.has("pam.no-feature")) ctx.features.account.add(NS.pam);
    /** Subscriptions on services this server does not host, by account, as their answers reported them. */
    const remote = new Map<string, Map<string, Entry>>();
    const upstream = new Map<string, Upstream>();

    const listing = (account: Jid): Entry[] => {
      const hosted = { account, hosted: new Set<string>(), list: [] as Entry[] };
      ctx.hooks.fireAll("pubsub-subscriptions", hosted);
      const local = ctx.faults.has("pam.listing-remote-only") ? [] : hosted.list;
      const others = [...(remote.get(account.bare)?.values() ?? [])].filter((e) => !hosted.hosted.has(e.service) && parseJid(e.service)?.domain !== ctx.config.domain);
      return [...local, ...others];
    };
    const verOf = (list: Entry[]): string => {
      if (ctx.faults.has("pam.ver-constant")) return "pam";
      const lines = list.map((e) => [e.service, e.node, e.jid, e.subscription, e.subid ?? ""].join("\n")).sort();
      return createHash("sha256").update(lines.join("\n\n")).digest("base64url").slice(0, 16);
    };

    const pamCapable = (s: Session) => (ctx.hooks.fire("caps-features", { session: s }) as ReadonlySet<string> | undefined)?.has(NS.pam) === true;
    const notify = (requester: Jid, entry: Entry, ver: string) => {
      const sessions = ctx.sessions.of(requester.bare).filter((s) => s.available);
      const targets = ctx.faults.has("pam.notify-requester-only")
        ? sessions.filter((s) => s.jid.full === requester.full)
        : sessions.filter((s) => ctx.faults.has("pam.notify-all-resources") || pamCapable(s));
      const { service, subid, ...attrs } = entry;
      const shown = ctx.faults.has("pam.notify-drops-subid") || subid === undefined ? attrs : { ...attrs, subid };
      for (const s of targets) {
        const message = xml("message", { from: requester.bare, to: s.jid.full, id: newId("pam") }, xml("notify", { xmlns: NS.pam, ver, service }, xml("subscription", { xmlns: NS.pubsub, ...shown })));
        ctx.sessions.deliver(s, message);
      }
    };

    /** An error found locally: nothing goes on to the service (PAM-08). */
    const localError = (iq: Element, service: string | undefined, type: ErrorType, condition: StanzaCondition, pubsubCondition?: string): Element => {
      const reply = errorFor(iq, type, condition);
      const error = reply.getChild("error")!;
      if (pubsubCondition) error.c(pubsubCondition, { xmlns: NS.pubsubErrors });
      if (service && ctx.faults.has("pam.local-error-by-service")) error.attrs.by = service;
      return reply;
    };

    const request = ({ iq, session }: IqEvent): Element | true | undefined => {
      // From the account's own client, to its account: without 'to' or to its bare JID (PAM-03).
      if (!session || (iq.attrs.to !== undefined && ctx.faults.has("pam.reject-to-bare"))) return undefined;
      const requester = session.jid;
      const pam = iq.getChild("pam", NS.pam)!;
      const serviceAttr = pam.attrs.jid ?? (ctx.faults.has("pam.service-attribute-ignored") ? undefined : pam.attrs.service);
      const service = serviceAttr === undefined ? undefined : parseJid(serviceAttr);
      if (!service) return localError(iq, undefined, "modify", serviceAttr === undefined ? "bad-request" : "jid-malformed");
      const operations = pam.getChildElements();
      const op = operations[0];
      if (operations.length !== 1 || !op) return localError(iq, service.full, "modify", "bad-request");
      if (op.getNS() !== NS.pubsub || !OPERATIONS.has(op.name)) return localError(iq, service.full, "cancel", "feature-not-implemented");
      const node = op.attrs.node;
      if (!node) return localError(iq, service.full, "modify", "bad-request", "nodeid-required");
      const inner = parseJid(op.attrs.jid ?? "");
      const own = ctx.faults.has("pam.full-jid-accepted") ? inner?.bare === requester.bare : inner?.full === requester.bare;
      if (!own && !ctx.faults.has("pam.no-jid-check")) return localError(iq, service.full, "modify", "bad-request", "invalid-jid");

      const id = newId("pam");
      const from = ctx.faults.has("pam.upstream-from-full-jid") ? requester.full : requester.bare;
      const timer = ctx.timers.after(ctx.config.upstreamTimeoutMs, () => {
        upstream.delete(id);
        if (!ctx.faults.has("pam.no-upstream-timeout")) route(ctx, errorFor(iq, "wait", "remote-server-timeout", `${service.full} did not answer`));
      });
      upstream.set(id, { request: iq, requester, service: service.full, operation: op.name as Upstream["operation"], node, jid: op.attrs.jid ?? "", subid: op.attrs.subid, timer });
      // PAM-05: the operation goes on verbatim, inside an ordinary <pubsub/>.
      route(ctx, xml("iq", { type: "set", id, from, to: service.full }, xml("pubsub", { xmlns: NS.pubsub }, clone(op))));
      return true;
    };

    const answered = (pending: Upstream, answer: Element) => {
      const { request, requester, service } = pending;
      if (answer.attrs.type === "error") {
        route(ctx, relayedError(ctx, request, answer, service));
        return;
      }
      const sub = answer.getChild("pubsub", NS.pubsub)?.getChild("subscription");
      const subid = sub?.attrs.subid ?? pending.subid;
      const entry: Entry = {
        service,
        node: sub?.attrs.node ?? pending.node,
        jid: sub?.attrs.jid ?? pending.jid,
        // A result without <subscription/> says the operation succeeded as asked.
        subscription: pending.operation === "unsubscribe" ? "none" : (sub?.attrs.subscription ?? "subscribed"),
        ...(subid !== undefined ? { subid } : {}),
      };
      const verBefore = ctx.faults.has("pam.notify-ver-before-change") ? verOf(listing(requester)) : undefined;
      const known = remote.get(requester.bare) ?? new Map<string, Entry>();
      remote.set(requester.bare, known);
      for (const [key, e] of known) if (e.service === entry.service && e.node === entry.node && (entry.subid === undefined || e.subid === entry.subid)) known.delete(key);
      if (entry.subscription !== "none") known.set(`${entry.service}\n${entry.node}\n${entry.subid ?? ""}`, entry);
      const ver = verBefore ?? verOf(listing(requester));

      const result = resultFor(request, ...(sub && ctx.faults.has("pam.result-with-subscription") ? [xml("pubsub", { xmlns: NS.pubsub }, clone(sub))] : []));
      const silent = pending.operation === "unsubscribe" && ctx.faults.has("pam.unsubscribe-no-notify");
      // PAM-07: the notifications first, then the empty result.
      if (ctx.faults.has("pam.result-before-notify")) route(ctx, result);
      if (!silent) notify(requester, entry, ver);
      if (!ctx.faults.has("pam.result-before-notify")) route(ctx, result);
    };

    const response = (iq: Element): true | undefined => {
      const pending = upstream.get(iq.attrs.id ?? "");
      // Only the service asked may answer.
      if (!pending || parseJid(iq.attrs.from ?? "")?.full !== pending.service) return undefined;
      upstream.delete(iq.attrs.id!);
      ctx.timers.cancel(pending.timer);
      answered(pending, iq);
      return true;
    };
    ctx.hooks.on("iq-response", ({ iq }) => response(iq));
    // Sent from a full JID, the request's answer comes back to that resource: the fault takes it there, so it breaks PAM-06 alone.
    if (ctx.faults.has("pam.upstream-from-full-jid")) ctx.hooks.on("deliver", ({ el }) => (el.name === "iq" && el.attrs.type !== "get" && el.attrs.type !== "set" ? response(el) : undefined), 100);

    const list = ({ iq, session }: IqEvent): Element | undefined => {
      if (!session) return undefined;
      const entries = listing(session.jid);
      const ver = verOf(entries);
      const known = iq.getChild("subscriptions", NS.pam)!.attrs.ver;
      // The client's ver is current: nothing to replay (PAM-12's second form, with no <notify/>).
      if (known !== undefined && (known === ver || ctx.faults.has("pam.stale-ver-empty"))) return resultFor(iq);
      const items = entries.map(({ subid, ...e }) => xml("subscription", { ...e, ...(subid !== undefined ? { subid } : {}) }));
      return resultFor(iq, xml("subscriptions", { xmlns: NS.pam, ver }, ...items));
    };

    for (const scope of ["host", "self"] as const) {
      // Host scope: a request without 'to' (one addressed to the domain is not for PAM).
      ctx.hooks.on(`iq-set/${scope}/${NS.pam}:pam`, (e) => (scope === "host" && e.iq.attrs.to !== undefined ? undefined : request(e)));
      ctx.hooks.on(`iq-get/${scope}/${NS.pam}:subscriptions`, (e) => (scope === "host" && e.iq.attrs.to !== undefined ? undefined : list(e)));
    }
    ctx.hooks.on("account-removing", ({ jid }) => void remote.delete(jid.bare));
  },
});

/** PAM-09: the service's error, copied through, with the service as generator when it named none. */
function relayedError(ctx: ServerContext, request: Element, answer: Element, service: string): Element {
  const error = answer.getChild("error");
  const copy = error ? (clone(error) as Element) : xml("error", { type: "cancel" }, xml("undefined-condition", { xmlns: NS.stanzas }));
  if (ctx.faults.has("pam.remote-error-loses-pubsub-condition")) copy.children = copy.children.filter((c) => typeof c === "string" || c.getNS() !== NS.pubsubErrors);
  if (ctx.faults.has("pam.remote-error-by-replaced") || (copy.attrs.by === undefined && !ctx.faults.has("pam.remote-error-no-by"))) copy.attrs.by = service;
  return xml("iq", { type: "error", id: request.attrs.id, from: request.attrs.to, to: request.attrs.from }, copy);
}
