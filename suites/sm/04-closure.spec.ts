// XEP-0198 errors, closure and expiry: SM-20 (expired), SM-23 to SM-27.
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { message, newId, sm } from "../../src/xmpp/builders.js";
import { randomBytes } from "node:crypto";
import { parseH } from "../../src/xmpp/sm-counter.js";
import {
  EXPIRY_MARGIN_MS, SM3, SUITE, attemptResume, checkFailedCondition, needsSm3, requestAck, requireAccountedFor, requireFailed, resumable, resumableShort, resumeAs,
  overflow, requireAnswer, selfMessage, sendResume, smAnswer, waitProtocolTimer, watchedResumable,
} from "./sm-helpers.js";
import { endOtherSessions } from "../common/accounts.js";

describe(SUITE, () => {
  conformance({ id: "sm.expiry.resume-fails", rules: ["SM-20"], title: "<resume/> after the window expired fails with item-not-found (h, if given, is the handled count)", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, max } = await resumableShort(t, alice!);
    for (let i = 0; i < 2; i++) await c.send(selfMessage(c));
    await requestAck(c);
    c.kill();
    await waitProtocolTimer(max * 1000 + EXPIRY_MARGIN_MS);
    const { answer } = await resumeAs(t, alice!, id, 0);
    requireFailed(answer, "SM-20", ["item-not-found"], `(${max} s + ${EXPIRY_MARGIN_MS} ms after the drop; expiry is read with the slack of docs/rules-addendum.md)`);
    if (answer.attrs.h !== undefined) {
      check(parseH(answer.attrs.h) !== undefined, "SM-13", "h an integer in [0, 4294967295]", answer.toString());
      check(answer.attrs.h === "2", "SM-20", "h='2' on <failed/>", answer.toString());
    }
  });

  conformance({ id: "sm.presence.no-flap", rules: ["SM-23"], title: "contacts see no unavailable presence across a drop and a resume", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const { account: alice, c: a, contact, enabled, id } = await watchedResumable(t);
    await a.drainUntilBarrier();
    a.kill();
    const { answer } = await resumeAs(t, alice, id, a.stanzasSince(enabled.el));
    check(answer.name === "resumed", "SM-23", "<resumed/>", answer.toString());
    await contact.expectNothing({ name: "presence", attrs: { from: a.jid!, type: "unavailable" } }, "SM-23");
  });

  conformance({ id: "sm.failed.condition", rules: ["SM-24"], title: "every <failed/> carries a stanza error condition", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!, { until: "authenticated" });
    await c.send(sm.enable(SM3));
    const beforeBind = await c.expect(smAnswer(SM3, "enabled", "failed"), { rule: "SM-03" });
    await c.send(sm.resume(`no-such-${randomBytes(8).toString("hex")}`, 0));
    const unknown = await c.expect(smAnswer(SM3, "resumed", "failed"), { rule: "SM-20" });
    const failures = [beforeBind, unknown].filter((el) => el.name === "failed");
    if (!failures.length) t.skip("the target answered neither request with <failed/>");
    failures.forEach(checkFailedCondition);
  });

  conformance({ id: "sm.close.not-resumable", rules: ["SM-25"], title: "a cleanly closed session cannot be resumed", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id } = await resumable(t, alice!);
    await c.close();
    const { answer } = await resumeAs(t, alice!, id, 0);
    requireFailed(answer, "SM-25", ["item-not-found"]);
  });

  conformance({ id: "sm.close.unavailable", rules: ["SM-25"], title: "contacts receive unavailable presence when a resumable session closes cleanly", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const { c: a, contact } = await watchedResumable(t);
    const from = a.jid!;
    await a.close();
    await contact.expect({ name: "presence", attrs: { from, type: "unavailable" } }, { rule: "SM-25" });
  });

  conformance({ id: "sm.expiry.no-loss", rules: ["SM-26"], title: "a message left unacknowledged when the window expires is bounced or stored, not lost", needs: [needsSm3, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const { c, max } = await resumableShort(t, alice!);
    const b = await t.connect(bob!);
    c.kill();
    const m = message(c.jid!, `unacked ${newId("body")}`, { id: newId("sm26") });
    await b.send(m);
    await waitProtocolTimer(max * 1000 + EXPIRY_MARGIN_MS);
    await requireAccountedFor(t, b, alice!, [m]);
  });

  conformance({ id: "sm.queue.overflow-no-loss", rules: ["SM-26", "SM-17"], title: "after more stanzas than the queue limit went unacknowledged, none is lost across a drop", needs: [needsSm3, { accounts: 2 }, { smQueueLimit: true }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const { c, id } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    // Alice never acknowledges any; a server may end her session at its limit or keep
    // queueing. Either way she now drops and claims to have handled nothing: each
    // message must come back, bounce or wait offline.
    const sent = await overflow(t, b, c, "sm26q");
    c.kill();
    const { c: again, answer } = await attemptResume(t, alice!, id, 0);
    if (answer?.name === "resumed") {
      const resent = new Set((await again.drainUntilBarrier()).filter((el) => el.name === "message").map((el) => el.attrs.id));
      const missing = sent.filter((m) => !resent.has(m.attrs.id)).map((m) => m.attrs.id);
      check(missing.length === 0, "SM-17", "every unacknowledged message re-sent after <resumed/>", `not re-sent: ${missing.join(", ")}`);
      return;
    }
    await requireAccountedFor(t, b, alice!, sent);
  });

  conformance({ id: "sm.expiry.resumable-at-80", rules: ["SM-27"], title: "a session is still resumable at 80% of the announced window", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    // A login on this link, timed: 80% of the window must leave room for another one.
    const started = Date.now();
    await (await t.connect(alice!, { until: "authenticated" })).close();
    const loginMs = Date.now() - started;
    const { c, id, max, enabled } = await resumableShort(t, alice!, Math.ceil((2 * loginMs) / 800));
    c.kill();
    const dropped = Date.now();
    // The new stream is authenticated before the moment; only <resume/> is sent at 80%.
    // The server saw the drop no earlier than we made it, so its window has at least 20% left.
    const again = await t.connect(alice!, { until: "authenticated" });
    const at = dropped + max * 800;
    if (Date.now() >= at) t.skip(`logging in again took ${Date.now() - dropped} ms, past 80% of max='${max}': the link is slower than measured`);
    await waitProtocolTimer(at - Date.now());
    const answer = requireAnswer(again, await sendResume(again, id, c.stanzasSince(enabled.el)));
    check(answer.name === "resumed", "SM-27", `<resumed/> at 80% of the announced max='${max}'`, answer.toString());
  });
});
