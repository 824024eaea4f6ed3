// What each side of dialback does when a key is refused or cannot be checked (XEP-0220
// 2.1.3, 2.3, 2.4): as Receiving Server the target ends a stream whose only key the
// peer's Authoritative Server called invalid, and passes an error of it on as
// remote-server-not-found; as Initiating Server it bounces what it had queued for a key
// the peer refused, with the condition the XEP's table gives each verdict.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { message } from "../../src/xmpp/builders.js";
import { dialbackElement, offersDialbackErrors, type DialbackVerdict } from "../../src/xmpp/dialback.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { childElements } from "../../src/xmpp/element.js";
import { SUITE, dbResultAnswer, dialbackErrorCondition, needsPeer, needsPeerAndAccount, peerAndClient } from "./s2s-helpers.js";

/** The stanza error condition the Initiating Server bounces queued stanzas with, per verdict (DB-22). */
const BOUNCE: Record<Exclude<DialbackVerdict, "valid">, string> = { invalid: "internal-server-error", error: "remote-server-timeout" };

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

  for (const refusal of ["invalid", "error"] as const) {
    conformance({ id: `s2s.dialback.refused-${refusal}-bounces`, rules: ["DB-22"], title: `a message queued for a key the peer answers with type='${refusal}' bounces to its sender with ${BOUNCE[refusal]}`, needs: needsPeerAndAccount }, async (t) => {
      const { peer, c } = await peerAndClient(t);
      peer.judgeKeys(refusal);
      const sent = message(peer.jid("romeo"), `refused ${refusal}`);
      await c.send(sent);
      const bounce = await c.expect(predicate(`the error bounce of the message '${sent.attrs.id}'`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id && el.attrs.type === "error"), { rule: "DB-22" });
      const error = bounce.getChild("error");
      const got = error && childElements(error).find((e) => e.getNS() === NS.stanzas)?.name;
      check(got === BOUNCE[refusal], "DB-22", `<${BOUNCE[refusal]}/>`, bounce.toString());
    });
  }
});
