// XEP-0198 edge cases other servers' suites check: presence in h (SM-11), malformed acks
// (SM-10, SM-13), delivery racing a resume (SM-17), resumption across namespaces (SM-09), what a too-high h on <resume/> leaves
// (SM-15, SM-16, SM-25) and the server's own <r/> (SM-10, SM-14).
import { conformance } from "../../src/runner/dsl.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { message, newId, ping, presence, sm } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { predicate } from "../../src/xmpp/match.js";
import type { TestClient } from "../../src/harness/client.js";
import {
  SM3, SUITE, attemptResume, enable, needsSm3, requestAck, requireAnswer, resumable, resumeAs, selfMessage, sendResume, watchedResumable,
} from "./sm-helpers.js";

/** <a/> elements whose h is missing, not a number, or one past xs:unsignedInt. */
const MALFORMED_ACKS = [
  { label: "no h", el: () => xml("a", { xmlns: SM3 }) },
  { label: "h='x'", el: () => sm.a("x") },
  { label: "h='4294967296'", el: () => sm.a("4294967296") },
];

/** Rounds of the handover race: each order of message and <resume/> several times. */
const RACE_ROUNDS = 20;

/** Namespaces a sm:3 session must not be resumed in: the older one and one no server knows. */
const FOREIGN_NAMESPACES = [NS.sm2, "urn:xmpp:conformance:sm:unknown"];

/**
 * Everything `c` received before the server answered a <resume/> of an unknown previd
 * (the barrier: the server handles SM elements in order), or up to the stream's end.
 */
async function sentBeforeResumeBarrier(c: TestClient): Promise<ReturnType<TestClient["unread"]>> {
  try {
    await c.send(sm.resume(`no-such-${newId("previd")}`, 0));
    const answer = await c.expect(
      predicate("<failed/> or <resumed/> in answer to the barrier <resume/>", (el) => el.getNS() === SM3 && ["failed", "resumed"].includes(el.name)),
      { rule: "SM-16" },
    );
    return c.unreadBefore(answer);
  } catch (err) {
    if (c.streamClosed) return c.unread();
    throw err;
  }
}

describe(SUITE, () => {
  conformance({ id: "sm.ack.counts-presence", rules: ["SM-11"], title: "initial and directed presence are stanzas: each counts toward h", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const c = await t.connect(alice!);
    await enable(c);
    await c.send(presence());
    await c.send(presence({ to: `${bob!.username}@${t.domain}` }));
    const h = await requestAck(c, SM3, "SM-11");
    check(h === 2, "SM-11", "<a h='2'/>: initial presence and a directed presence are two stanzas", `h='${h}'`);
    await c.send(presence({ type: "unavailable" }));
  });

  for (const bad of MALFORMED_ACKS) {
    conformance({ id: `sm.ack.malformed.${bad.label.replace(/\W+/g, "-").replace(/-$/, "")}`, rules: ["SM-10", "SM-13"], title: `an <a/> with ${bad.label} gets a stream error, or leaves the count right for the next <r/>`, needs: [needsSm3] }, async (t) => {
      const [alice] = await t.accounts(1);
      const c = await t.connect(alice!);
      const { el: enabled } = await enable(c);
      const own = [0, 1].map((i) => selfMessage(c, `before malformed ack ${i}`));
      for (const m of own) await c.send(m);
      // Both come back and are acknowledged first: a server that ends the stream for the
      // malformed <a/> must not keep them as unacknowledged (offline storage would leave
      // them to the account's next session).
      for (const m of own) await c.expect({ name: "message", attrs: { id: m.attrs.id! } }, { rule: "RFC6120-routing" });
      await c.sendPipelined([sm.a(c.stanzasSince(enabled)), bad.el(), sm.r(SM3)]);
      // XEP-0198 says nothing of a malformed <a/>: ending the stream and ignoring it are both
      // allowed (a <failed/> reply too); counting it or corrupting h is not.
      const answer = await c.expect(
        predicate("<a/> answering the <r/> sent after the malformed one, or a stream error", (el) => el.is("error", NS.stream) || (el.name === "a" && el.getNS() === SM3)),
        { rule: "SM-10" },
      );
      if (answer.is("error", NS.stream)) {
        check(await c.waitClosed(), "SM-10", "the stream closed after the stream error", "still open");
        return;
      }
      check(answer.attrs.h === "2", "SM-10", `<a h='2'/>: the <a/> with ${bad.label} is a nonza, not counted, and h stays an unsignedInt (SM-13)`, answer.toString());
    });
  }

  conformance({ id: "sm.resume.no-namespace-cross", rules: ["SM-09"], title: "after an sm:3 drop, <resume/> in urn:xmpp:sm:2 or an unknown namespace never gets <resumed/>", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    await c.drainUntilBarrier();
    const h = c.stanzasSince(enabled.el);
    c.kill();
    for (const ns of FOREIGN_NAMESPACES) {
      const other = await t.connect(alice!, { until: "authenticated" });
      await other.send(xml("resume", { xmlns: ns, previd: id, h: String(h) }));
      const resumed = (await sentBeforeResumeBarrier(other)).find((el) => el.name === "resumed");
      if (resumed) throw new Violation("SM-09", `<failed/>, a stream error or nothing for a <resume xmlns='${ns}'/> of an sm:3 session`, resumed.toString());
      other.kill();
    }
    // The session is still there to resume in its own namespace.
    const { answer } = await resumeAs(t, alice!, id, h);
    check(answer.name === "resumed", "SM-09", "<resumed/> in urn:xmpp:sm:3 after the foreign-namespace attempts", answer.toString());
  });

  conformance({ id: "sm.ack.server-request", rules: ["SM-10", "SM-14"], title: "the server's own <r/> carries no attributes, and a correct <a/> keeps the stream up", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const { el } = await enable(c);
    // Up to the queue limit, unacknowledged: when to ask is the server's choice (XEP-0198 §4).
    const limit = t.options.smQueueLimit ?? 100;
    await c.sendPipelined(Array.from({ length: Math.ceil(limit / 2) + 1 }, (_, i) => selfMessage(c, `unacked ${i}`)));
    const r = (await c.drainUntilBarrier()).find((e) => e.name === "r" && e.getNS() === SM3);
    if (r === undefined) return t.skip(`the target sent no <r/> while ${Math.ceil(limit / 2) + 1} stanzas were unacknowledged`);
    const extra = Object.keys(r.attrs).filter((a) => a !== "xmlns");
    check(extra.length === 0, "SM-10", "<r xmlns='urn:xmpp:sm:3'/> with no attributes", r.toString());
    await c.send(sm.a(c.stanzasSince(el)));
    try {
      await c.drainUntilBarrier(undefined, { rule: "SM-14" });
    } catch (err) {
      if (!c.streamClosed) throw err;
      throw new Violation("SM-14", "the stream kept up after a correct <a/>", c.streamError?.toString() ?? "the stream closed");
    }
  });

  conformance({ id: "sm.resume.h-too-high-aftermath", rules: ["SM-15", "SM-16", "SM-25"], title: "after a <resume/> with h above what was sent, the session is still resumable with its h, or has ended with unavailable presence to contacts", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const { account, contact, c, id, enabled } = await watchedResumable(t);
    await c.drainUntilBarrier();
    const handled = await requestAck(c);
    const sent = c.stanzasSince(enabled.el);
    c.kill();
    // Far above what was sent: presence still in flight to the dropped session cannot make it right.
    const { c: rejected, answer: bad } = await attemptResume(t, account, id, sent + 1000);
    if (bad?.name === "resumed") throw new Violation("SM-15", "<failed/> or a handled-count-too-high stream error", bad.toString());
    rejected.kill();
    const { answer } = await resumeAs(t, account, id, sent, SM3, c);
    if (answer.name === "resumed") {
      check(answer.attrs.h === String(handled), "SM-16", `<resumed h='${handled}'/>: the session kept its count`, answer.toString());
      return;
    }
    // No longer resumable: then it has ended, and its contacts must not see it still online.
    await contact.expect({ name: "presence", attrs: { from: c.jid!, type: "unavailable" } }, { rule: "SM-25" });
  });

  conformance({ id: "sm.resume.handover-race", rules: ["SM-17"], title: `a contact's message racing the owner's <resume/> is delivered exactly once (${RACE_ROUNDS} rounds)`, needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const first = await resumable(t, alice!);
    const b = await t.connect(bob!);
    let current = first.c;
    await current.drainUntilBarrier();
    let handled = current.stanzasSince(first.enabled.el);
    for (let round = 1; round <= RACE_ROUNDS; round++) {
      current.kill();
      const next = await t.connect(alice!, { until: "authenticated" });
      const m = message(current.jid!, `race ${round}`, { id: newId(`race${round}`) });
      // Three orders in turn: the message routed before <resume/>, written just before it, written just after it.
      let answer;
      if (round % 3 === 0) {
        await b.send(m);
        await b.iq(ping(t.domain));
        answer = await sendResume(next, first.id, handled, SM3, current);
      } else if (round % 3 === 1) {
        [, answer] = await Promise.all([b.send(m), sendResume(next, first.id, handled, SM3, current)]);
      } else {
        [answer] = await Promise.all([sendResume(next, first.id, handled, SM3, current), b.send(m)]);
      }
      const resumed = requireAnswer(next, answer);
      check(resumed.name === "resumed", "SM-17", `<resumed/> in round ${round}`, resumed.toString());
      // Bob's barrier: the server has routed the message; Alice's then follows it on her stream.
      const bounce = (await b.drainUntilBarrier(undefined, { rule: "SM-17" })).find((el) => el.attrs.id === m.attrs.id);
      if (bounce) throw new Violation("SM-17", `round ${round}: the message delivered to the resumed session`, `bounced: ${bounce.toString()}`);
      const copies = (await next.drainUntilBarrier(undefined, { rule: "SM-17" })).filter((el) => el.name === "message" && el.attrs.id === m.attrs.id);
      check(copies.length === 1, "SM-17", `round ${round}: the message delivered exactly once`, `delivered ${copies.length} times`);
      handled = (handled + next.stanzasSince(resumed)) % 2 ** 32;
      current = next;
    }
  });
});
