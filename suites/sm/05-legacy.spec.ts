// The older Stream Management namespaces: urn:xmpp:sm:2 (same rules as sm:3) and the
// 2009 draft 0.7, urn:xmpp:sm:1, with its u/h sequence numbers (SM1-xx, docs/rules-addendum.md).
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { sm } from "../../src/xmpp/builders.js";
import { Element } from "../../src/xmpp/element.js";
import { parseH } from "../../src/xmpp/sm-counter.js";
import { predicate } from "../../src/xmpp/match.js";
import type { TestClient } from "../../src/harness/client.js";
import {
  SUITE, deliver, enable, needsSm1, needsSm2, needsSm3, requestAck, requireFailed, requireNone, resumable, resumeAs,
  selfMessage, sentBeforeBarrier, smAnswer,
} from "./sm-helpers.js";

const SM1 = NS.sm1;
const SM2 = NS.sm2;

/** Sends `<r u='u'/>` (sm:1) and returns the h of the acknowledgement, which may be an <a/> or an <r/>. */
async function requestAckU(c: TestClient, u: number): Promise<Element> {
  await c.send(sm.r(SM1, { u: String(u) }));
  return c.expect(
    predicate("an <a h/> or <r h/> in urn:xmpp:sm:1", (el) => el.getNS() === SM1 && el.attrs.h !== undefined && (el.name === "a" || el.name === "r")),
    { rule: "SM1-03" },
  );
}

/** The server's sm:1 ack requests among `elements`, with their u values. */
function requestsIn(elements: Element[]): number[] {
  return elements.filter((el) => el.name === "r" && el.getNS() === SM1).map((el) => Number(el.attrs.u));
}

describe(SUITE, () => {
  conformance({ id: "sm.v2.enable-ack", rules: ["SM-04", "SM-10"], title: "urn:xmpp:sm:2: <enable/> gets <enabled/> and <r/> counts stanzas", needs: [needsSm2] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c, { ns: SM2 });
    for (let i = 0; i < 2; i++) await c.send(selfMessage(c));
    const h = await requestAck(c, SM2);
    check(h === 2, "SM-10", "<a xmlns='urn:xmpp:sm:2' h='2'/>", `h='${h}'`);
  });

  conformance({ id: "sm.v2.resume", rules: ["SM-16"], title: "urn:xmpp:sm:2: a dropped session resumes in its own namespace", needs: [needsSm2] }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id, enabled } = await resumable(t, alice!, { ns: SM2 });
    await c.send(selfMessage(c));
    await requestAck(c, SM2);
    c.kill();
    const { answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el), SM2);
    check(answer.name === "resumed" && answer.getNS() === SM2 && answer.attrs.h === "1", "SM-16", "<resumed xmlns='urn:xmpp:sm:2' h='1'/>", answer.toString());
  });

  conformance({ id: "sm.v2.no-namespace-mix", rules: ["SM-09"], title: "after enabling urn:xmpp:sm:2, <enable xmlns='urn:xmpp:sm:3'/> is refused", needs: [needsSm2, needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c, { ns: SM2 });
    await c.send(sm.enable(NS.sm3));
    requireNone(await sentBeforeBarrier(c), "enabled", "SM-09", "failed/unexpected-request or a stream error");
  });

  conformance({ id: "sm.v1.feature", rules: ["SM1-01"], title: "urn:xmpp:sm:1: offered only after authentication, with max when resumption is granted", needs: [needsSm1] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    check(!c.featuresPreAuth!.getChild("sm", SM1), "SM1-01", "no urn:xmpp:sm:1 feature before authentication", c.featuresPreAuth!.toString());
    const feature = c.featuresPostAuth!.getChild("sm", SM1)!;
    if (feature.attrs.stanzas !== undefined) {
      check(/^[1-9]\d*$/.test(feature.attrs.stanzas), "SM1-01", "stanzas a positive integer", feature.toString());
    }
    const enabled = await enable(c, { ns: SM1, resume: true });
    if (enabled.resume) check(/^[1-9]\d*$/.test(feature.attrs.max ?? ""), "SM1-01", "max on the feature of a server that grants resumption", feature.toString());
  });

  conformance({ id: "sm.v1.ack", rules: ["SM1-02", "SM1-03"], title: "urn:xmpp:sm:1: <r u/> is acknowledged with h >= u", needs: [needsSm1] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c, { ns: SM1 });
    for (const u of [1, 2, 5]) {
      await c.send(selfMessage(c));
      const ack = await requestAckU(c, u);
      const h = parseH(ack.attrs.h);
      check(h !== undefined && h >= u, "SM1-03", `an ack with h >= ${u}`, ack.toString());
    }
  });

  conformance({ id: "sm.v1.resume", rules: ["SM1-04", "SM1-05", "SM1-06"], title: "urn:xmpp:sm:1: resumption returns the previd and the last u received", needs: [needsSm1] }, async (t) => {
    const [alice] = await t.accounts(1);
    const { c, id } = await resumable(t, alice!, { ns: SM1 });
    await c.send(selfMessage(c));
    await requestAckU(c, 3);
    const serverU = requestsIn(await c.drainUntilBarrier());
    c.kill();
    const { answer } = await resumeAs(t, alice!, id, serverU.at(-1) ?? 0, SM1);
    check(answer.name === "resumed" && answer.attrs.previd === id, "SM1-05", `<resumed xmlns='urn:xmpp:sm:1' previd='${id}'/>`, answer.toString());
    if (answer.attrs.h !== undefined) check(answer.attrs.h === "3", "SM1-06", "h='3', the last u the client sent", answer.toString());
  });

  conformance({ id: "sm.v1.unknown-previd", rules: ["SM1-05"], title: "urn:xmpp:sm:1: an unknown previd fails with item-not-found", needs: [needsSm1] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!, { until: "authenticated" });
    await c.send(sm.resume("no-such-session", 0, SM1));
    const answer = await c.expect(smAnswer(SM1, "resumed", "failed"), { rule: "SM1-05" });
    requireFailed(answer, "SM1-05", ["item-not-found"]);
  });

  conformance({ id: "sm.v1.resend", rules: ["SM1-07", "SM1-08"], title: "urn:xmpp:sm:1: the server's u strictly increases and unacknowledged stanzas are re-sent", needs: [needsSm1, { accounts: 2 }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id } = await resumable(t, alice!, { ns: SM1 });
    const b = await t.connect(bob!);
    const [first] = await deliver(b, c, 1, "sm1-first");
    const afterFirst = requestsIn(await c.drainUntilBarrier());
    const [second] = await deliver(b, c, 1, "sm1-second");
    const afterSecond = requestsIn(await c.drainUntilBarrier());
    const all = [...afterFirst, ...afterSecond];
    if (!afterFirst.length || !afterSecond.length) t.skip("the server sent no <r u/> after its stanzas, so there is nothing to acknowledge by number");
    for (let i = 1; i < all.length; i++) check(all[i]! > all[i - 1]!, "SM1-07", "strictly increasing u", all.join(", "));
    // Acknowledge up to the request that followed the first message only.
    const ackedUpTo = afterFirst.at(-1)!;
    c.kill();
    const { c: again, answer } = await resumeAs(t, alice!, id, ackedUpTo, SM1);
    check(answer.name === "resumed", "SM1-05", "<resumed/>", answer.toString());
    const resent = (await again.drainUntilBarrier()).filter((el) => el.name === "message").map((el) => el.attrs.id);
    check(!resent.includes(first!.attrs.id) && resent.includes(second!.attrs.id), "SM1-08", `only ${second!.attrs.id} re-sent`, `re-sent: ${resent.join(", ") || "nothing"}`);
  });
});
