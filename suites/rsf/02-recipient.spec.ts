// XEP-0351 §3.2 and §3.3 on the recipient's side: the harness's S2S peer sends pubsub
// notifications to an account's bare JID, as a sender using XEP-0351 does, and the
// target gives each of the account's resources what its caps ask for: items to those
// with NodeID+notify, other event types to those listing them in NodeID+events-, every
// type to those with +notify and no list. What a resource did not get is proven absent
// by a message the peer sends it afterwards on the same stream.
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { EVENT_TOKENS } from "../../src/xmpp/rsf.js";
import { restsOn } from "../common/addendum.js";
import {
  checkFiltering, FILTER_RULES, FILTERED, listeners, needsPeer, needsRsf, otherTokens, receivedBefore, rsfNode, sendNotifications, SUITE, type FilterRules, type Interest,
} from "./rsf-helpers.js";

const needs = [needsRsf, needsPeer];

/** The account's resources with these interests get, of every filtered type, exactly what they asked for. */
async function filtering(t: TestContext, node: string, interests: Interest[], rules: FilterRules = FILTER_RULES): Promise<void> {
  const { peer, listeners: resources } = await listeners(t, node, interests);
  const bare = resources[0]!.client.bareJid!;
  await checkFiltering(node, FILTERED, await sendNotifications(peer, bare, node, FILTERED, resources), rules);
}

/** Every verdict of a test of list parsing names RSF-06, with the reading it rests on. */
const PARSING: FilterRules = { missing: "RSF-06", missingUnlisted: "RSF-06", unwanted: "RSF-06", reading: restsOn("Tokens") };

describe(SUITE, () => {
  conformance(
    { id: "rsf.recipient.per-resource", rules: ["RSF-05", "RSF-07", "RSF-08"], title: "of two resources, one listing retract gets items and retractions only, one with +notify and no list gets every type", needs },
    async (t) => filtering(t, rsfNode("per-resource"), [{ notify: true, list: ["retract"] }, { notify: true }]),
  );

  for (const token of EVENT_TOKENS) {
    conformance(
      { id: `rsf.recipient.token-${token}`, rules: ["RSF-05", "RSF-07", "RSF-09"], title: `the ${token} token: a resource listing only it gets that event type and items, one listing the other three gets those`, needs },
      async (t) => filtering(t, rsfNode(token), [{ notify: true, list: [token] }, { notify: true, list: otherTokens(token) }]),
    );
  }

  conformance(
    { id: "rsf.recipient.items-need-notify", rules: ["RSF-05", "RSF-07", "RSF-09"], title: "new items go only to resources with NodeID+notify, even when their list names every event type", needs },
    async (t) => filtering(t, rsfNode("items"), [{ notify: false, list: [...EVENT_TOKENS] }, { notify: true, list: [...EVENT_TOKENS] }]),
  );

  conformance(
    { id: "rsf.recipient.no-list", rules: ["RSF-07", "RSF-08"], title: "a resource with +notify and no +events- list gets every event type; one with neither gets nothing", needs },
    async (t) => filtering(t, rsfNode("no-list"), [{ notify: true }, { notify: false }]),
  );

  conformance(
    { id: "rsf.recipient.unknown-token", rules: ["RSF-06"], title: "an unknown token in a list is ignored, the rest of the list still applies", needs },
    async (t) => filtering(t, rsfNode("unknown"), [{ notify: true, list: ["bogus", "retract"] }], PARSING),
  );

  conformance(
    { id: "rsf.recipient.unsorted-list", rules: ["RSF-06"], title: "a list not in ascending order is read as it is", needs },
    async (t) => filtering(t, rsfNode("unsorted"), [{ notify: true, list: ["sub", "config"] }], PARSING),
  );

  conformance(
    { id: "rsf.recipient.marker-in-node", rules: ["RSF-06"], title: "a NodeID that itself contains '+events-' is read up to the last one", needs },
    async (t) => filtering(t, rsfNode("a+events-b"), [{ notify: true, list: ["retract"] }], PARSING),
  );

  conformance(
    { id: "rsf.recipient.purge", rules: ["RSF-09"], title: "a purge, which has no token, is delivered as the target chooses: recorded, not judged", needs },
    async (t) => {
      const node = rsfNode("purge");
      const interests: Array<{ interest: Interest; words: string }> = [
        { interest: { notify: true, list: ["config"] }, words: "+notify, a list without retract" },
        { interest: { notify: true, list: ["retract"] }, words: "+notify, a list with retract" },
        { interest: { notify: true }, words: "+notify, no list" },
      ];
      const { peer, listeners: resources } = await listeners(t, node, interests.map((i) => i.interest));
      const sentinels = await sendNotifications(peer, resources[0]!.client.bareJid!, node, ["purge"], resources);
      for (const [i, r] of resources.entries()) {
        const got = await receivedBefore(r, sentinels.get(r)!, node);
        t.note("rsf", `purge ${got.includes("purge") ? "delivered to" : "not delivered to"} ${r.client.jid} (${interests[i]!.words})`);
      }
    },
  );
});
