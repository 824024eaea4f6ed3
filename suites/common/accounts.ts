// Preconditions on accounts that suites set up idempotently and undo: whatever state a
// given account is in when a test starts, the test gets what it asked for, and the
// account is left as it was found.
import type { TestClient } from "../../src/harness/client.js";
import type { Account } from "../../src/harness/target.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { iq, presence } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { ABSENT } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { Violation } from "../../src/verdict/verdict.js";

type Subscription = "none" | "to" | "from" | "both";

/** The subscription state of every item of `c`'s roster, by bare JID. */
async function rosterOf(c: TestClient): Promise<Map<string, Subscription>> {
  const reply = await c.iq(iq("get", {}, xml("query", { xmlns: NS.roster })), { rule: "RFC6121-roster" });
  const items = reply.getChild("query", NS.roster)?.getChildren("item") ?? [];
  return new Map(items.map((i) => [i.attrs.jid!.toLowerCase(), (i.attrs.subscription ?? "none") as Subscription]));
}

const hasTo = (s: Subscription | undefined) => s === "to" || s === "both";
const hasFrom = (s: Subscription | undefined) => s === "from" || s === "both";

/**
 * Mutual presence subscription between two bound clients, whatever part of it already
 * exists; roster items it had to create are removed when the test ends. A target on
 * which it cannot be set up skips the test, saying what failed.
 */
export async function ensureMutualSubscription(t: TestContext, a: TestClient, b: TestClient): Promise<void> {
  try {
    await subscribeMutually(t, a, b);
  } catch (err) {
    if (!(err instanceof Violation)) throw err;
    t.skip(`precondition not met: no mutual presence subscription between ${a.bareJid} and ${b.bareJid} (${err.message})`);
  }
}

/** Both send initial presence first: servers deliver subscription requests to available resources. */
async function subscribeMutually(t: TestContext, a: TestClient, b: TestClient): Promise<void> {
  await a.send(presence());
  await b.send(presence());
  const rosters = new Map([[a, await rosterOf(a)], [b, await rosterOf(b)]]);
  const item = (owner: TestClient, contact: TestClient) => rosters.get(owner)!.get(contact.bareJid!.toLowerCase());
  for (const [owner, contact] of [[a, b], [b, a]] as const) {
    if (item(owner, contact) === undefined) t.onCleanup(() => removeContact(t, owner.account!, contact.bareJid!));
  }
  for (const [x, y] of [[a, b], [b, a]] as const) {
    if (hasTo(item(x, y))) continue;
    await x.send(presence({ to: y.bareJid!, type: "subscribe" }));
    // A contact that already approved x is answered for by its server (RFC 6121 3.1.3).
    if (!hasFrom(item(y, x))) {
      await y.expect({ name: "presence", attrs: { type: "subscribe", from: x.bareJid! } }, { rule: "RFC6121-subscribe" });
      await y.send(presence({ to: x.bareJid!, type: "subscribed" }));
    }
    // Approval sends the approver's presence to the new subscriber.
    await x.expect({ name: "presence", attrs: { from: y.jid!, type: ABSENT } }, { rule: "RFC6121-presence" });
  }
}

/** Removes `contact` from `account`'s roster (cancelling any subscription both ways). */
async function removeContact(t: TestContext, account: Account, contact: string): Promise<void> {
  const c = await t.connect(account, { label: "cleanup" });
  await c.iq(iq("set", {}, xml("query", { xmlns: NS.roster }, xml("item", { jid: contact, subscription: "remove" }))));
  await c.close();
}

/**
 * Ends every other available session of `account` that a previous run may have left
 * (a crashed run's hibernating session still receives its messages): initial presence
 * brings the presence of the account's other resources, a barrier proves none came
 * later, and binding each such resource again replaces its session (RFC 6120 7.7.2.2).
 */
export async function endOtherSessions(t: TestContext, account: Account): Promise<void> {
  const probe = await t.connect(account, { label: "probe" });
  await probe.send(presence());
  const others = (await probe.drainUntilBarrier())
    .filter((el) => el.name === "presence" && el.attrs.type === undefined && el.attrs.from?.startsWith(`${probe.bareJid}/`) && el.attrs.from !== probe.jid)
    .map((el) => el.attrs.from!.slice(probe.bareJid!.length + 1));
  await probe.close();
  for (const resource of new Set(others)) {
    const taker = await t.connect(account, { label: "takeover", resource });
    await taker.close();
  }
}
