// XEP-0198 resumption: SM-15 (on resume), SM-16 to SM-22, SM-28, SM-29.
import { conformance } from "../../src/runner/dsl.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { ping, sm } from "../../src/xmpp/builders.js";
import { predicate } from "../../src/xmpp/match.js";
import { randomBytes } from "node:crypto";
import {
  SM3, SUITE, attemptResume, deliver, enable, needsSm3, requestAck, requireFailed, resumable, resumeAs, selfMessage, smAnswer,
} from "./sm-helpers.js";

const needs = [needsSm3, { accounts: 1 }];

describe(SUITE, () => {
  conformance({ id: "sm.resume.after-drop", rules: ["SM-16", "SM-25"], title: "after a TCP drop, <resume/> gets <resumed/> with the same previd and the server's h", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id } = await resumable(t, alice!);
    for (let i = 0; i < 3; i++) await c.send(selfMessage(c, `before drop ${i}`));
    check((await requestAck(c)) === 3, "SM-10", "<a h='3'/>", "another h");
    c.kill();
    const { answer } = await resumeAs(t, alice!, id, 0);
    check(answer.name === "resumed", "SM-16", `<resumed previd='${id}' h='3'/>`, answer.toString());
    check(answer.attrs.previd === id, "SM-16", `previd='${id}'`, answer.toString());
    check(answer.attrs.h === "3", "SM-16", "h='3' (stanzas handled on the old stream)", answer.toString());
  });

  conformance({ id: "sm.resume.h-zero", rules: ["SM-16"], title: "<resumed/> carries h='0' when nothing was sent on the old stream", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    c.kill();
    const { answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el));
    check(answer.name === "resumed" && answer.attrs.h === "0", "SM-16", `<resumed previd='${id}' h='0'/>`, answer.toString());
  });

  conformance({ id: "sm.resume.pipelined", rules: ["SM-16"], title: "<resume/> pipelined with the post-SASL stream restart is resumed", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    await c.send(selfMessage(c));
    await requestAck(c);
    c.kill();
    const again = await t.connect(alice!, { until: "opened" });
    await again.authenticate(alice!, undefined, [sm.resume(id, c.stanzasSince(enabled.el))]);
    const answer = await again.expect(smAnswer(SM3, "resumed", "failed"), { rule: "SM-16" });
    check(answer.name === "resumed" && answer.attrs.h === "1", "SM-16", `<resumed previd='${id}' h='1'/>`, answer.toString());
  });

  conformance({ id: "sm.resume.resend-unacked", rules: ["SM-17"], title: "unacknowledged stanzas are re-sent in order after resuming; acknowledged ones are not", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    const [acked] = await deliver(b, c, 1, "acked");
    const handled = c.stanzasSince(enabled.el);
    await c.send(sm.a(handled));
    // A barrier so the ack is processed before the drop (its answer is one more unacked stanza).
    await c.drainUntilBarrier();
    const unacked = await deliver(b, c, 3, "unacked");
    c.kill();
    const { c: again, answer } = await resumeAs(t, alice!, id, handled);
    check(answer.name === "resumed", "SM-17", "<resumed/>", answer.toString());
    const redelivered = (await again.drainUntilBarrier()).filter((el) => el.name === "message").map((el) => el.attrs.id);
    check(!redelivered.includes(acked!.attrs.id), "SM-17", "the acknowledged message not re-sent", `re-sent ${acked!.attrs.id}`);
    const want = unacked.map((m) => m.attrs.id);
    check(JSON.stringify(redelivered) === JSON.stringify(want), "SM-17", `re-sent in order: ${want.join(", ")}`, `re-sent: ${redelivered.join(", ") || "nothing"}`);
  });

  conformance({ id: "sm.resume.while-away", rules: ["SM-17"], title: "stanzas sent to a dropped session are delivered when it resumes", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    await c.drainUntilBarrier();
    const handled = c.stanzasSince(enabled.el);
    c.kill();
    const sent = [];
    for (let i = 0; i < 2; i++) {
      const m = selfMessage(c, `while away ${i}`);
      sent.push(m);
      await b.send(m);
    }
    // Bob's barrier: the server has routed both messages before answering it.
    await b.drainUntilBarrier();
    const { c: again, answer } = await resumeAs(t, alice!, id, handled);
    check(answer.name === "resumed", "SM-17", "<resumed/>", answer.toString());
    const got = (await again.drainUntilBarrier()).filter((el) => el.name === "message").map((el) => el.attrs.id);
    const want = sent.map((m) => m.attrs.id);
    check(want.every((w) => got.includes(w)), "SM-17", `delivered after resuming: ${want.join(", ")}`, `delivered: ${got.join(", ") || "nothing"}`);
  });

  conformance({ id: "sm.resume.counter-carries", rules: ["SM-18"], title: "the server's counter carries over a resumption", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    for (let i = 0; i < 2; i++) await c.send(selfMessage(c));
    await requestAck(c);
    c.kill();
    const { c: again, answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el), SM3, c);
    check(answer.name === "resumed", "SM-18", "<resumed/>", answer.toString());
    await again.drainUntilBarrier();
    // The barrier ping was a third stanza; two more make five.
    for (let i = 0; i < 2; i++) await again.send(selfMessage(again));
    const h = await requestAck(again, SM3, "SM-18");
    check(h === 5, "SM-18", "<a h='5'/>: 2 before the drop + the barrier + 2 after", `h='${h}'`);
  });

  conformance({ id: "sm.resume.unknown-previd", rules: ["SM-20"], title: "<resume/> with an unknown previd fails with item-not-found and no h", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { answer } = await resumeAs(t, alice!, `no-such-${randomBytes(8).toString("hex")}`, 0);
    requireFailed(answer, "SM-20", ["item-not-found"]);
    check(answer.attrs.h === undefined, "SM-20", "no h on <failed/> for a never-known previd", answer.toString());
  });

  conformance({ id: "sm.resume.failed-stays-authenticated", rules: ["SM-21"], title: "after a failed resume the stream stays authenticated: bind and enable work", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, answer } = await resumeAs(t, alice!, `no-such-${randomBytes(8).toString("hex")}`, 0);
    check(answer.name === "failed", "SM-20", "<failed/>", answer.toString());
    await c.bind();
    await enable(c);
  });

  conformance({ id: "sm.resume.conflict", rules: ["SM-22"], title: "resuming while the old connection is open closes it with a conflict stream error", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    await c.drainUntilBarrier();
    const { answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el));
    check(answer.name === "resumed", "SM-22", "<resumed/>", answer.toString());
    // A ping on the old stream is the barrier: a server still serving it answers the ping
    // instead of closing it with a conflict error.
    const probe = ping(t.domain);
    await c.send(probe).catch(() => undefined); // the server may have closed it already
    const err = await c.expect(
      predicate("a stream error on the old stream, not the answer to an iq sent on it", (el) => el.is("error", NS.stream) || (el.name === "iq" && el.attrs.id === probe.attrs.id)),
      { rule: "SM-22" },
    );
    check(err.getChild("conflict", NS.streams) !== undefined, "SM-22", "<stream:error><conflict/></stream:error> on the old stream", err.toString());
    check(await c.waitClosed(), "SM-22", "the old stream closed", "still open");
  });

  conformance({ id: "sm.resume.h-too-high", rules: ["SM-15"], title: "<resume/> with an h above what the server sent is not resumed", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    await c.drainUntilBarrier();
    const sent = c.stanzasSince(enabled.el);
    c.kill();
    // Any answer but <resumed/> passes, and so does closing the stream.
    const { answer } = await attemptResume(t, alice!, id, sent + 5);
    if (answer?.name === "resumed") {
      throw new Violation("SM-15", "<failed/> or a handled-count-too-high stream error", answer.toString());
    }
  });

  conformance({ id: "sm.resume.other-account", rules: ["SM-28"], title: "another account cannot resume a session; the owner's session is untouched", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, mallory] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const { answer } = await resumeAs(t, mallory!, id, 0);
    requireFailed(answer, "SM-28", ["item-not-found", "not-authorized"]);
    // The owner's stream still works and still counts, then it can still resume.
    await c.drainUntilBarrier(undefined, { rule: "SM-28" });
    c.kill();
    const { answer: own } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el));
    check(own.name === "resumed", "SM-28", "the owner still resumes its session", own.toString());
  });

  conformance({ id: "sm.resume.after-bind", rules: ["SM-29"], title: "<resume/> after binding a resource is refused", needs }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!);
    c.kill();
    const bound = await t.connect(alice!);
    await bound.send(sm.resume(id, c.stanzasSince(enabled.el)));
    const answer = await bound.expect(smAnswer(SM3, "resumed", "failed"), { rule: "SM-29" });
    check(answer.name !== "resumed", "SM-29", "<failed/> (unexpected-request)", answer.toString());
  });
});
