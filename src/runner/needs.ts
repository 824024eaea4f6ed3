// What a test needs from the target; an unmet need skips the test and names what is missing.
import { pubsubService, type Capabilities } from "./capabilities.js";

export type Need =
  /** A stream feature (matched by namespace) offered after authentication, or before it. */
  | { streamFeature: string; phase?: "pre-auth" | "post-auth"; label?: string }
  /** At least this many distinct accounts. */
  | { accounts: number }
  /** A disco#info feature of the domain, the test account's bare JID, or the pubsub service. */
  | { discoFeature: string; on: "domain" | "account" | "pubsub"; label?: string }
  /** A disco#info identity ("category/type") of the domain, the test account's bare JID, or the pubsub service. */
  | { discoIdentity: string; on: "domain" | "account" | "pubsub"; label?: string }
  /** The target's unacknowledged-stanza queue limit is known (`--sm-queue-limit`). */
  | { smQueueLimit: true }
  /** The harness can attach to the target as an XEP-0114 component (`--component`). */
  | { component: true }
  /** The target federates with the harness's S2S peer (`--peer-domain`, `--peer-listen`). */
  | { peer: true };

export interface NeedContext {
  capabilities: Capabilities;
  accountsAvailable: number | "unlimited";
  smQueueLimit?: number;
}

/** Returns why `need` is not met, or undefined when it is. */
export function unmetReason(need: Need, ctx: NeedContext): string | undefined {
  if ("streamFeature" in need) {
    const phase = need.phase ?? "post-auth";
    const features = phase === "pre-auth" ? ctx.capabilities.preAuthFeatures : ctx.capabilities.postAuthFeatures;
    if (features.some((f) => f.xmlns === need.streamFeature)) return undefined;
    return `target does not offer the ${need.label ?? need.streamFeature} stream feature ${phase === "pre-auth" ? "before" : "after"} authentication`;
  }
  if ("discoFeature" in need || "discoIdentity" in need) {
    const entity = need.on === "domain" ? ctx.capabilities.domain : need.on === "account" ? ctx.capabilities.account : pubsubService(ctx.capabilities);
    const what = need.label ?? ("discoFeature" in need ? need.discoFeature : `the identity ${need.discoIdentity}`);
    if (!entity) return `target lists no pubsub service (no pubsub/service identity among the domain's disco#items), needed for ${what}`;
    if ("discoFeature" in need ? entity.features.includes(need.discoFeature) : entity.identities.includes(need.discoIdentity)) return undefined;
    return `${entity.jid} does not advertise ${what} in disco#info`;
  }
  if ("accounts" in need) {
    const n = ctx.accountsAvailable;
    if (n === "unlimited" || n >= need.accounts) return undefined;
    return `needs ${need.accounts} accounts, ${n} provisioned (give more --account or use --register)`;
  }
  if ("component" in need) {
    const c = ctx.capabilities.component;
    if (!c) return "no XEP-0114 component is configured for the target (pass --component NAME:SECRET@[HOST:]PORT)";
    return c.connected ? undefined : `the harness cannot attach as the component ${c.jid}: ${c.error ?? "refused"}`;
  }
  if ("peer" in need) return peerUnmetReason(ctx.capabilities);
  if (ctx.smQueueLimit !== undefined) return undefined;
  return "the target's unacknowledged-stanza queue limit is unknown (pass --sm-queue-limit N)";
}

/** Why tests needing the S2S peer cannot run, or undefined when the target federates with it. */
export function peerUnmetReason(capabilities: Capabilities): string | undefined {
  const p = capabilities.peer;
  if (!p) return "the target is not set up to federate with the harness's S2S peer (pass --peer-domain and --peer-listen)";
  return p.federates ? undefined : `the target does not federate with the harness's S2S peer ${p.domain}: ${p.error ?? "no answer"}`;
}
