// Leaves a real target's accounts as a script found them, so that a second run, or
// the suites after it, meet the same state. Before the script each account that the run
// did not make is looked at (roster, PEP nodes); after it, every account takes back
// what the script made: pubsub subscriptions it took and nodes it created on a service,
// then, for the accounts it did not make, roster items and PEP nodes that are new and
// messages left in offline storage. An account the run made goes away with all of
// that, but nodes on a service outlive it.
import { TestClient } from "../harness/client.js";
import type { Account, TargetProfile } from "../harness/target.js";
import type { Transcript } from "../harness/transcript.js";
import { iq, presence } from "../xmpp/builders.js";
import { xml, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";

export interface AccountState {
  roster: Set<string>;
  pepNodes: Set<string>;
}

interface Connect {
  target: TargetProfile;
  transcript: Transcript;
  timeoutMs: number;
}

async function session<T>(c: Connect, account: Account, body: (client: TestClient) => Promise<T>): Promise<T> {
  const client = await TestClient.connect(c.target, account, { label: `cleanup ${account.username}`, transcript: c.transcript, timeoutMs: c.timeoutMs });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

async function rosterOf(client: TestClient): Promise<Set<string>> {
  const res = await client.iq(iq("get", {}, xml("query", { xmlns: NS.roster })));
  return new Set((res.getChild("query", NS.roster)?.getChildren("item") ?? []).map((i) => i.attrs.jid!));
}

async function pepNodesOf(client: TestClient): Promise<Set<string>> {
  const res = await client.iq(iq("get", { to: client.bareJid }, xml("query", { xmlns: NS.discoItems })));
  return new Set((res.getChild("query", NS.discoItems)?.getChildren("item") ?? []).flatMap((i) => (i.attrs.node ? [i.attrs.node] : [])));
}

export function snapshot(c: Connect, account: Account): Promise<AccountState> {
  return session(c, account, async (client) => ({ roster: await rosterOf(client), pepNodes: await pepNodesOf(client) }));
}

/** A pubsub request of the script to a service (not the account's own PEP): its node and, for a subscription, its jid. */
function pubsubRequest(el: Element, own: string, what: "create" | "subscribe"): { service: string; node: string; jid?: string } | undefined {
  const service = el.attrs.to;
  if (el.name !== "iq" || el.attrs.type !== "set" || !service || service === own) return undefined;
  const op = el.getChild("pubsub", NS.pubsub)?.getChild(what);
  const node = op?.attrs.node;
  return node ? { service, node, ...(op!.attrs.jid ? { jid: op!.attrs.jid } : {}) } : undefined;
}

/**
 * Undoes what the script did as `account`. `sent` is everything it sent; `before` is
 * the snapshot of an account the run did not make (undefined for one it made).
 */
export async function restore(c: Connect, account: Account, sent: Element[], before: AccountState | undefined): Promise<void> {
  await session(c, account, async (client) => {
    const own = client.bareJid!;
    const quietly = (request: Element) => client.iq(request).catch(() => undefined);
    for (const s of sent.flatMap((el) => pubsubRequest(el, own, "subscribe") ?? [])) {
      await quietly(iq("set", { to: s.service }, xml("pubsub", { xmlns: NS.pubsub }, xml("unsubscribe", { node: s.node, jid: s.jid ?? own }))));
    }
    for (const n of sent.flatMap((el) => pubsubRequest(el, own, "create") ?? [])) {
      await quietly(iq("set", { to: n.service }, xml("pubsub", { xmlns: NS.pubsubOwner }, xml("delete", { node: n.node }))));
    }
    if (!before) return;
    for (const jid of await rosterOf(client)) {
      if (!before.roster.has(jid)) await quietly(iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid, subscription: "remove" }))));
    }
    for (const node of await pepNodesOf(client)) {
      if (!before.pepNodes.has(node)) await quietly(iq("set", { to: own }, xml("pubsub", { xmlns: NS.pubsubOwner }, xml("delete", { node }))));
    }
    // Initial presence takes whatever waits in offline storage; the ping after it proves it has come.
    await client.send(presence());
    await client.drainUntilBarrier();
    await client.send(presence({ type: "unavailable" }));
  });
}
