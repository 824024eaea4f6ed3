// The Initiating Server's side of a refused key (XEP-0220 2.1.3): what the target queued
// for the refused domain pair bounces to the senders with internal-server-error.
// Opt-in (`--suite s2s-refusals`): after a refusal a real server may stop dialling the
// peer's domain for minutes (ejabberd 23.01 bounces everything for it meanwhile), which
// would change the verdict of every later test that federates. Run it last, as
// `npm run interop` does, or against a server of its own.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { message } from "../../src/xmpp/builders.js";
import { predicate } from "../../src/xmpp/match.js";
import { stanzaConditionOf } from "../common/errors.js";
import { needsPeerAndAccount, peerAndClient } from "../s2s/s2s-helpers.js";

const SUITE = "s2s-refusals";

describe(SUITE, () => {
  conformance({ id: "s2s-refusals.invalid-bounces", rules: ["DB-22"], title: "a message queued for a key the peer found invalid bounces to its sender with internal-server-error", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    peer.judgeKeys("invalid");
    const sent = message(peer.jid("romeo"), "refused");
    await c.send(sent);
    const bounce = await c.expect(predicate(`the error bounce of the message '${sent.attrs.id}'`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id && el.attrs.type === "error"), { rule: "DB-22" });
    const condition = stanzaConditionOf(bounce);
    // Only a bounce that follows the peer's verdict on a key of this test shows how the target treats a refusal.
    const dialled = peer.inbound.some((s) => s.keys.some((k) => k.from === peer.targetDomain && k.to === peer.domain));
    if (!dialled) t.skip(`the target bounced the message (${condition ?? "no condition"}) without dialling the peer: it still holds back from an earlier refusal, so this run cannot see how it treats one`);
    check(condition === "internal-server-error", "DB-22", "<internal-server-error/>", bounce.toString());
  });
});
