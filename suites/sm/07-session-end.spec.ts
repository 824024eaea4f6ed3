// XEP-0198 when a session ends without a resume, and the session state a resume keeps
// (behaviours MongooseIM's sm_SUITE checks that the other SM tests did not).
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { message, newId, ping, presence } from "../../src/xmpp/builders.js";
import { endOtherSessions, ensureMutualSubscription } from "../common/accounts.js";
import {
  EXPIRY_MARGIN_MS, SUITE, deliver, enable, needsSm3, requireAccountedFor, requireFailed, resumable, resumableShort, resumeAs,
  waitProtocolTimer,
} from "./sm-helpers.js";

const needs = [needsSm3, { accounts: 2 }];

/** The resource part of a full JID. */
const resourceOf = (full: string) => full.slice(full.indexOf("/") + 1);

describe(SUITE, () => {
  conformance({ id: "sm.close.unacked-no-loss", rules: ["SM-25", "SM-26"], title: "messages unacknowledged at a clean close, resumable or not, are bounced or stored, not lost", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const b = await t.connect(bob!);
    for (const resume of [true, false]) {
      const a = await t.connect(alice!);
      await enable(a, { resume });
      const sent = await deliver(b, a, 2, resume ? "closed-resumable" : "closed-plain");
      await a.close();
      await requireAccountedFor(t, b, alice!, sent);
    }
  });

  conformance({ id: "sm.takeover.fresh-login", rules: ["SM-26", "SM-20"], title: "a fresh login on a dropped session's resource gets its queue or the senders get bounces; the old SM-ID then fails with item-not-found", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const { c, id } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    const sent = await deliver(b, c, 1, "queued");
    c.kill();
    const away = message(c.jid!, `while dropped ${newId("body")}`, { id: newId("away") });
    sent.push(away);
    await b.send(away);
    // Bob's barrier (an iq, leaving any bounce unread): the message was routed while Alice was away.
    await b.iq(ping(t.domain));
    const fresh = await t.connect(alice!, { resource: resourceOf(c.jid!) });
    // Initial presence: a server may have stored them offline instead.
    await fresh.send(presence());
    const got = new Set((await fresh.drainUntilBarrier(undefined, { rule: "SM-26" })).filter((el) => el.name === "message").map((el) => el.attrs.id));
    const bounced = new Set((await b.drainUntilBarrier(undefined, { rule: "SM-26" })).filter((el) => el.name === "message" && el.attrs.type === "error").map((el) => el.attrs.id));
    const lost = sent.filter((m) => !got.has(m.attrs.id) && !bounced.has(m.attrs.id)).map((m) => m.attrs.id);
    check(lost.length === 0, "SM-26", "each message of the replaced session delivered to the new one or bounced to its sender", `neither for ${lost.join(", ")}`);
    await fresh.close();
    const { answer } = await resumeAs(t, alice!, id, 0);
    requireFailed(answer, "SM-20", ["item-not-found"], "for the SM-ID of a session a fresh login replaced");
  });

  conformance({ id: "sm.expiry.unavailable", rules: ["SM-25", "SM-26"], title: "contacts receive unavailable presence once a dropped session's window has expired", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const { c, max } = await resumableShort(t, alice!);
    const contact = await t.connect(bob!);
    await ensureMutualSubscription(t, c, contact);
    const from = c.jid!;
    c.kill();
    await waitProtocolTimer(max * 1000 + EXPIRY_MARGIN_MS);
    await contact.expect({ name: "presence", attrs: { from, type: "unavailable" } }, { rule: "SM-25" });
  });
});
