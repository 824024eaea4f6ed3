// What the target offers, learned once per run from one logged-in connection: stream
// features before and after authentication, and disco#info of the domain, of the
// account's own bare JID (PEP lives there) and of the services the domain lists; and
// whether the harness can attach as its component and federate with it as its S2S peer.
import { TestClient } from "../harness/client.js";
import { TestComponent, type ComponentProfile } from "../harness/component.js";
import type { PeerListener } from "../harness/peer.js";
import type { Account, TargetProfile } from "../harness/target.js";
import { xml } from "../xmpp/element.js";
import { discoInfo, iq } from "../xmpp/builders.js";
import { childElements, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import type { AccountLeases } from "./account-leases.js";
import type { Capabilities, DiscoInfo, FeatureSeen } from "./capabilities.js";

export async function discoverCapabilities(
  target: TargetProfile,
  accounts: AccountLeases,
  extras: { component?: ComponentProfile; peer?: PeerListener; timeoutMs: number },
): Promise<Capabilities> {
  const lease = await accounts.lease(1);
  try {
    const caps = await discover(target, lease.accounts[0]!);
    return {
      ...caps,
      ...(extras.component ? { component: await tryComponent(extras.component) } : {}),
      ...(extras.peer ? { peer: { domain: extras.peer.domain, ...(await extras.peer.probe(extras.timeoutMs)) } } : {}),
    };
  } finally {
    await lease.release();
  }
}

/** Attaches as the component once: the summary shows whether tests needing it can run. */
async function tryComponent(profile: ComponentProfile): Promise<NonNullable<Capabilities["component"]>> {
  try {
    await (await TestComponent.connect(profile, { label: "discovery-component" })).close();
    return { jid: profile.domain, connected: true };
  } catch (err) {
    return { jid: profile.domain, connected: false, error: (err as Error).message };
  }
}

async function discover(target: TargetProfile, account: Account): Promise<Capabilities> {
  const client = await TestClient.connect(target, account, { until: "bound", label: "discovery" });
  try {
    const domain = await info(client, target.domain);
    const accountInfo = await info(client, client.bareJid!);
    const items = await client.iq(iq("get", { to: target.domain }, xml("query", { xmlns: NS.discoItems })));
    const jids = items.attrs.type === "result" ? (items.getChild("query", NS.discoItems)?.getChildren("item") ?? []).map((i) => i.attrs.jid).filter((j): j is string => !!j) : [];
    const services: DiscoInfo[] = [];
    for (const jid of new Set(jids)) services.push(await info(client, jid));
    return {
      preAuthFeatures: featuresOf(client.featuresPreAuth),
      postAuthFeatures: featuresOf(client.featuresPostAuth),
      domain,
      account: accountInfo,
      services,
    };
  } finally {
    await client.close();
  }
}

/** disco#info of `jid`; an error reply is an entity with nothing advertised. */
async function info(client: TestClient, jid: string): Promise<DiscoInfo> {
  const reply = await client.iq(discoInfo(jid));
  const query = reply.attrs.type === "result" ? reply.getChild("query", NS.discoInfo) : undefined;
  return {
    jid,
    identities: (query?.getChildren("identity") ?? []).map((i) => `${i.attrs.category}/${i.attrs.type}`),
    features: (query?.getChildren("feature") ?? []).map((f) => f.attrs.var).filter((v): v is string => v !== undefined),
  };
}

function featuresOf(features: Element | undefined): FeatureSeen[] {
  if (!features) return [];
  return childElements(features).map((el) => ({ name: el.name, xmlns: el.getNS(), xml: el.toString() }));
}
