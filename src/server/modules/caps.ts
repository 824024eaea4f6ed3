// XEP-0115 entity capabilities, as a server uses them for PEP: the <c/> of a client's
// available presence names its features by a verification string; a ver not seen
// before is looked up with disco#info on node#ver at that full JID, and the answer is
// checked as XEP-0115 5.4 says (CAPS-03): cached for everyone only when it is
// well-formed and hashes to the ver; with a hash algorithm the server does not know,
// used for that JID alone; never used when it does not match. Other modules ask for a
// session's features with `caps-features` and hear of new ones from `caps-changed`.
import { newId } from "../../xmpp/builders.js";
import { capsElement, capsVer, isKnownCapsHash, readDiscoInfo } from "../../xmpp/caps.js";
import { xml, type Element } from "../../xmpp/element.js";
import { NS } from "../../xmpp/ns.js";
import type { ServerContext } from "../context.js";
import { defineModule } from "../module.js";
import type { Session } from "../session.js";

/** The node of the server's own caps (its "software URI"). */
const SERVER_CAPS_NODE = "https://xmpp-conformance.invalid/server";

/** How long a client has to answer the disco#info query. */
const QUERY_TIMEOUT_MS = 10_000;

/** What a session's last <c/> said, and the features it stands for once known. */
interface SessionCaps {
  /** hash, node and ver of the last <c/>. */
  key: string;
  features: ReadonlySet<string> | undefined;
}

interface Query {
  session: Session;
  key: string;
  hash: string | undefined;
  ver: string;
  timer: NodeJS.Timeout;
}

const STATE = "caps";

function capsOf(session: Session): SessionCaps | undefined {
  return session.state.get(STATE) as SessionCaps | undefined;
}

export default defineModule({
  name: "caps",
  faults: {
    "pubsub.caps-trust-unverified": {
      rules: ["CAPS-03"],
      description: "uses and caches a disco#info answer for its ver without checking that it hashes to that ver",
    },
    "pubsub.caps-ignore-forms": {
      rules: ["CAPS-02"],
      description: "leaves the XEP-0128 forms out of the verification string, so a correct ver with forms never matches",
    },
    "rsf.no-s2s-caps": {
      rules: ["CAPS-01", "RSF-01"],
      description: "puts no caps <c/> in the features of server-to-server streams, so a remote server cannot see urn:xmpp:rsf:0",
    },
    "rsf.s2s-caps-stale-ver": {
      rules: ["CAPS-02", "RSF-01"],
      description: "computes the ver of its server-to-server caps without urn:xmpp:rsf:0, which its disco#info lists",
    },
  },
  load(ctx) {
    // XEP-0115 6.3: the server's own caps in its stream features, client and server
    // streams alike (the header carries `from`); a remote server reads urn:xmpp:rsf:0 there.
    const ownCaps = (features: string[]) => capsElement(SERVER_CAPS_NODE, { identities: [ctx.identity], features, forms: [] });
    ctx.hooks.on("stream-features", ({ features }) => void features.push(ownCaps([...ctx.features.host])));
    ctx.hooks.on("s2s-stream-features", ({ features }) => {
      if (ctx.faults.has("rsf.no-s2s-caps")) return;
      const stale = ctx.faults.has("rsf.s2s-caps-stale-ver");
      features.push(ownCaps([...ctx.features.host].filter((f) => !stale || f !== NS.rsf)));
    });
    /** Verified answers by hash and ver: the only cache shared by all JIDs. */
    const verified = new Map<string, ReadonlySet<string>>();
    const queries = new Map<string, Query>();

    const use = (session: Session, features: ReadonlySet<string>) => {
      capsOf(session)!.features = features;
      ctx.hooks.fireAll("caps-changed", { session, features });
    };

    ctx.hooks.on("presence-available", ({ session, el }) => {
      const c = el.getChild("c", NS.caps);
      const { node, ver, hash } = c?.attrs ?? {};
      // A presence without caps changes nothing known (clients may leave <c/> out of updates).
      if (!node || !ver) return;
      const key = `${hash ?? ""} ${node} ${ver}`;
      if (capsOf(session)?.key === key) return;
      session.state.set(STATE, { key, features: undefined } satisfies SessionCaps);
      const known = hash && isKnownCapsHash(hash) ? verified.get(`${hash} ${ver}`) : undefined;
      if (known) return use(session, known);
      const id = newId("caps");
      const timer = ctx.timers.after(QUERY_TIMEOUT_MS, () => queries.delete(id));
      queries.set(id, { session, key, hash, ver, timer });
      ctx.sessions.deliver(session, xml("iq", { type: "get", id, from: ctx.config.domain, to: session.jid.full }, xml("query", { xmlns: NS.discoInfo, node: `${node}#${ver}` })));
    });

    ctx.hooks.on("iq-response", ({ iq }) => {
      const query = queries.get(iq.attrs.id ?? "");
      // Only the client that was asked may answer (the router stamped its full JID).
      if (!query || iq.attrs.from !== query.session.jid.full) return undefined;
      queries.delete(iq.attrs.id!);
      ctx.timers.cancel(query.timer);
      const { session } = query;
      if (!session.available || capsOf(session)?.key !== query.key) return true;
      const features = checkedFeatures(ctx, iq, query);
      if (features) use(session, features);
      if (features && query.hash && isKnownCapsHash(query.hash)) verified.set(`${query.hash} ${query.ver}`, features);
      return true;
    });

    ctx.hooks.on("caps-features", ({ session }) => capsOf(session)?.features);
    ctx.hooks.on("presence-unavailable", ({ session }) => void session.state.delete(STATE));
  },
});

/** The features of a disco#info result, if it may be used for the ver asked about. */
function checkedFeatures(ctx: ServerContext, iq: Element, query: Query): ReadonlySet<string> | undefined {
  const result = iq.attrs.type === "result" ? iq.getChild("query", NS.discoInfo) : undefined;
  if (!result) return undefined;
  const info = readDiscoInfo(result);
  if ("illFormed" in info) {
    ctx.log(`${query.session.jid.full}: caps ${query.ver} ill-formed (${info.illFormed})`);
    return undefined;
  }
  if (query.hash && isKnownCapsHash(query.hash) && !ctx.faults.has("pubsub.caps-trust-unverified")) {
    const computed = capsVer(ctx.faults.has("pubsub.caps-ignore-forms") ? { ...info, forms: [] } : info, query.hash);
    if (computed !== query.ver) {
      ctx.log(`${query.session.jid.full}: caps ver ${query.ver} does not match its disco#info (${computed}), not used`);
      return undefined;
    }
  }
  return new Set(info.features);
}
