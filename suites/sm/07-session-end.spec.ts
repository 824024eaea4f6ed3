// XEP-0198 when a session ends without a resume, and the session state a resume keeps
// (behaviours MongooseIM's sm_SUITE checks that the other SM tests did not).
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { iq, message, newId, ping, presence } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import type { TestClient } from "../../src/harness/client.js";
import { endOtherSessions, ensureMutualSubscription } from "../common/accounts.js";
import {
  EXPIRY_MARGIN_MS, SUITE, deliver, enable, needsSm3, overflow, requireAccountedFor, requireFailed, resumable, resumableShort, resumeAs,
  waitProtocolTimer,
} from "./sm-helpers.js";

const needs = [needsSm3, { accounts: 2 }];
const needsCarbons = { discoFeature: NS.carbons, on: "domain", label: "Message Carbons (urn:xmpp:carbons:2)" } as const;

/** A XEP-0280 copy of the message with this body, received on another resource. */
const carbonOf = (body: string) =>
  predicate(`a <received/> carbon of the message '${body}'`, (el) => el.name === "message" && el.getChild("received", NS.carbons)?.getChild("forwarded", NS.forward)?.getChild("message")?.getChildText("body") === body);

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

  conformance({ id: "sm.close.overflow-no-loss", rules: ["SM-25", "SM-26"], title: "after more messages than the queue limit went unacknowledged, none is lost when the client closes cleanly", needs: [needsSm3, { accounts: 2 }, { smQueueLimit: true }] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    await endOtherSessions(t, alice!);
    const a = await t.connect(alice!);
    await enable(a, { resume: true });
    const b = await t.connect(bob!);
    // The XEP lets a server end the session at its limit (a stream error) or keep
    // queueing; either way nothing may be lost.
    const sent = await overflow(t, b, a, "close-overflow");
    await a.close();
    await requireAccountedFor(t, b, alice!, sent);
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

  conformance({ id: "sm.resume.iq-answer", rules: ["SM-17"], title: "the answer to an iq sent before a drop arrives on the resumed stream", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    const request = iq("get", { to: b.jid!, id: newId("before-drop") }, xml("query", { xmlns: "jabber:iq:version" }));
    await c.send(request);
    const asked = await b.expect({ name: "iq", attrs: { id: request.attrs.id! } }, { rule: "RFC6120-routing" });
    await c.drainUntilBarrier();
    const handled = c.stanzasSince(enabled.el);
    c.kill();
    await b.send(iq("result", { to: asked.attrs.from!, id: asked.attrs.id! }, xml("query", { xmlns: "jabber:iq:version" }, xml("name", {}, "xc"))));
    // Bob's barrier: the server has routed the answer before answering it.
    await b.drainUntilBarrier();
    const { c: again, answer } = await resumeAs(t, alice!, id, handled);
    check(answer.name === "resumed", "SM-17", "<resumed/>", answer.toString());
    const got = (await again.drainUntilBarrier()).some((el) => el.name === "iq" && el.attrs.id === request.attrs.id && el.attrs.type === "result");
    check(got, "SM-17", `the iq result to ${request.attrs.id} on the resumed stream`, "none before a barrier");
  });

  conformance({ id: "sm.resume.directed-presence", rules: ["SM-23"], title: "directed presence survives a drop and a resume: no unavailable then, unavailable when the session ends", needs }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const b = await t.connect(bob!);
    // Bob is available, like any peer one tells of presence; there is no subscription either way.
    await b.send(presence());
    await c.send(presence({ to: b.jid! }));
    await b.expect({ name: "presence", attrs: { from: c.jid! } }, { rule: "RFC6121-presence" });
    await c.drainUntilBarrier();
    c.kill();
    const { c: again, answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el), undefined, c);
    check(answer.name === "resumed", "SM-23", "<resumed/>", answer.toString());
    await b.expectNothing({ name: "presence", attrs: { from: c.jid!, type: "unavailable" } }, "SM-23");
    // The resumed session is the one that sent directed presence (docs/rules-addendum.md, "Directed presence").
    await again.close();
    await b.expect({ name: "presence", attrs: { from: c.jid!, type: "unavailable" } }, { rule: "SM-23" });
  });

  conformance({ id: "sm.resume.carbons", rules: ["SM-23"], title: "carbons enabled before a drop stay enabled on the resumed session", needs: [...needs, needsCarbons] }, async (t) => {
    const [alice, bob] = await t.accounts(2);
    const { c, id, enabled } = await resumable(t, alice!);
    const on = await c.iq(iq("set", {}, xml("enable", { xmlns: NS.carbons })));
    if (on.attrs.type !== "result") return t.skip(`the target refused to enable carbons: ${on.toString()}`);
    const other = await t.connect(alice!);
    const b = await t.connect(bob!);
    // Both resources are available: servers copy to available resources only (ejabberd).
    await c.send(presence());
    await other.send(presence());
    // Carbons must work before any drop, or there is nothing for a resume to keep.
    if (!(await carbonArrives(b, other, c, "before-drop"))) return t.skip("carbons were enabled, yet no carbon came before any drop");
    c.kill();
    const { c: again, answer } = await resumeAs(t, alice!, id, c.stanzasSince(enabled.el), undefined, c);
    check(answer.name === "resumed", "SM-23", "<resumed/>", answer.toString());
    const got = await carbonArrives(b, other, again, "after-resume");
    check(got, "SM-23", "a carbon of a message to another resource on the resumed session, which enabled carbons before the drop", "none before a later message from that resource");
  });
});

/**
 * Bob sends `other` a chat message; whether `c`, another resource of the same account,
 * got its carbon first. The barrier follows the copy's path, which in a server with a
 * process per session (ejabberd) starts at the recipient's session: once `other` has the
 * message, it sends `c` a sentinel that no server copies.
 */
async function carbonArrives(b: TestClient, other: TestClient, c: TestClient, body: string): Promise<boolean> {
  await b.send(message(other.jid!, body));
  await other.expect(predicate(`the message '${body}'`, (el) => el.name === "message" && el.getChildText("body") === body), { rule: "RFC6120-routing" });
  const sentinel = xml("message", { to: c.jid!, id: newId("sentinel") }, xml("private", { xmlns: NS.carbons }));
  await other.send(sentinel);
  const got = await c.expect({ name: "message", attrs: { id: sentinel.attrs.id! } }, { rule: "RFC6120-routing" });
  return c.unreadBefore(got).some(carbonOf(body));
}
