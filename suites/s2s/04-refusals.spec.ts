// What the target does, as Receiving Server, when the peer's key is refused or cannot be
// checked (XEP-0220 2.2): it ends a stream whose only key the peer's Authoritative Server
// called invalid, and passes an error of that server's on as remote-server-not-found.
// The Initiating Server's side (DB-22) is in the opt-in s2s-refusals suite.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { dialbackElement, offersDialbackErrors } from "../../src/xmpp/dialback.js";
import { NS } from "../../src/xmpp/ns.js";
import { SUITE, dbResultAnswer, dialbackErrorCondition, needsPeer } from "./s2s-helpers.js";

describe(SUITE, () => {
  conformance({ id: "s2s.dialback.invalid-key", rules: ["DB-17"], title: "a stream whose only key the peer's Authoritative Server calls invalid gets no type='valid' and is closed", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const s = await peer.openStream();
    // A key the peer never made: its Authoritative Server answers the target's db:verify with invalid.
    await s.send(dialbackElement("result", { from: peer.domain, to: peer.targetDomain }, "0".repeat(64)));
    const verdict = await s.expect(dbResultAnswer(peer.targetDomain, peer.domain), { rule: "DB-17" }).catch((err: unknown) => {
      if (s.streamClosed) return undefined;
      throw err;
    });
    check(verdict?.attrs.type !== "valid", "DB-17", "no type='valid' for a key found invalid (type='invalid' before the close)", () => verdict!.toString());
    // The target closes at its verdict: a db:verify the peer sends after it must go unanswered.
    const answered = await s.barrier().catch(async (err: unknown) => {
      if (await s.waitClosed()) return undefined;
      throw err;
    });
    check(!answered, "DB-17", "the stream closed after the invalid verdict, the first pair on it", () => `it answered a db:verify sent after it: ${answered!.toString()}`);
  });

  conformance({ id: "s2s.dialback.authoritative-error", rules: ["DB-18"], title: "when the peer's Authoritative Server answers the db:verify with an error, the target answers the key with a remote-server-not-found dialback error", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    peer.failVerifies(true);
    const s = await peer.openStream();
    // A dialback error is what the rule asks for, and only a server that handles them sends any (DB-24).
    if (!offersDialbackErrors(s.features)) t.skip(`the target does not advertise dialback errors (<errors/> in its ${NS.dialbackFeature} feature)`);
    await s.send(dialbackElement("result", { from: peer.domain, to: peer.targetDomain }, s.key()));
    const verdict = await s.expect(dbResultAnswer(peer.targetDomain, peer.domain), { rule: "DB-18" });
    const { condition } = dialbackErrorCondition(verdict);
    check(verdict.attrs.type === "error" && condition === "remote-server-not-found", "DB-18", "<db:result type='error'/> with <remote-server-not-found/>", verdict.toString());
  });
});
