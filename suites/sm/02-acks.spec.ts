// XEP-0198 acknowledgements and counting: SM-10 to SM-15.
import { conformance } from "../../src/runner/dsl.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { iq, ping, sm } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { H_MODULUS, hDistance } from "../../src/xmpp/sm-counter.js";
import { predicate } from "../../src/xmpp/match.js";
import { SM3, SUITE, enable, needsSm3, requestAck, selfMessage } from "./sm-helpers.js";

describe(SUITE, () => {
  conformance({ id: "sm.ack.zero", rules: ["SM-10"], title: "<r/> right after enabling is answered with <a h='0'/>", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c);
    const h = await requestAck(c);
    check(h === 0, "SM-10", "<a h='0'/>", `h='${h}'`);
  });

  conformance({ id: "sm.ack.counts-stanzas", rules: ["SM-10"], title: "<r/> after k stanzas is answered with <a h='k'/>", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c);
    for (let i = 0; i < 3; i++) await c.send(selfMessage(c, `k ${i}`));
    const h = await requestAck(c);
    check(h === 3, "SM-10", "<a h='3'/> after 3 stanzas", `h='${h}'`);
  });

  conformance({ id: "sm.ack.ignores-nonzas", rules: ["SM-11"], title: "nonzas (<r/>, <a/>, CSI, whitespace) are not counted", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const { el } = await enable(c);
    await c.send(selfMessage(c));
    check((await requestAck(c)) === 1, "SM-11", "<a h='1'/> after one stanza", "a different h");
    await c.send(sm.a(c.stanzasSince(el)));
    if (c.featuresPostAuth?.getChild("csi", NS.csi)) {
      await c.send(xml("inactive", { xmlns: NS.csi }));
      await c.send(xml("active", { xmlns: NS.csi }));
    }
    await c.send(" \n ");
    await c.send(selfMessage(c));
    await c.send(ping(t.domain));
    const h = await requestAck(c, SM3, "SM-11");
    check(h === 3, "SM-11", "<a h='3'/>: three stanzas, the nonzas in between not counted", `h='${h}'`);
  });

  conformance({ id: "sm.ack.counts-errors", rules: ["SM-11"], title: "a stanza answered with an error still counts as handled", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c);
    const bogus = iq("get", { to: t.domain }, xml("query", { xmlns: "urn:xmpp:conformance:no-such-protocol" }));
    const reply = await c.iq(bogus);
    check(reply.attrs.type === "error", "RFC6120-iq", "an error reply to an unknown iq", reply.toString());
    await c.send(selfMessage(c));
    const h = await requestAck(c, SM3, "SM-11");
    check(h === 2, "SM-11", "<a h='2'/>: the iq answered with an error counts", `h='${h}'`);
  });

  conformance({ id: "sm.ack.pipelined-enable", rules: ["SM-12"], title: "a stanza pipelined in the same write as <enable/> is counted", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await c.sendPipelined([sm.enable(SM3), selfMessage(c, "pipelined")]);
    await c.expect({ name: "enabled", xmlns: SM3 }, { rule: "SM-04" });
    const h = await requestAck(c, SM3, "SM-12");
    check(h === 1, "SM-12", "<a h='1'/>: the counter starts when <enable/> is received", `h='${h}'`);
  });

  conformance({ id: "sm.ack.monotonic", rules: ["SM-13", "SM-14"], title: "every h is an unsignedInt and never goes down within a session", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    await enable(c);
    const seen: number[] = [];
    for (const stanzas of [1, 2, 0, 1, 0, 3]) {
      for (let i = 0; i < stanzas; i++) await c.send(selfMessage(c));
      seen.push(await requestAck(c, SM3, "SM-14"));
    }
    for (let i = 1; i < seen.length; i++) {
      // Serial-number comparison: a step of half the counter space or more is a step back.
      check(hDistance(seen[i - 1]!, seen[i]!) < H_MODULUS / 2, "SM-14", "non-decreasing h values", seen.join(", "));
    }
  });

  conformance({ id: "sm.ack.too-high", rules: ["SM-15"], title: "an <a/> acknowledging more than was sent ends the stream with handled-count-too-high", needs: [needsSm3] }, async (t) => {
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const { el } = await enable(c);
    await c.drainUntilBarrier();
    const sent = c.stanzasSince(el);
    const probe = ping(t.domain);
    await c.sendPipelined([sm.a(sent + 5), probe]);
    const answer = await c.expect(
      predicate("a stream error, or the answer to the iq sent after <a/>", (e) => e.is("error", NS.stream) || (e.name === "iq" && e.attrs.id === probe.attrs.id)),
      { rule: "SM-15" },
    );
    if (answer.name === "iq") {
      throw new Violation("SM-15", "a stream error (undefined-condition, handled-count-too-high)", `h='${sent + 5}' accepted; the next iq was answered: ${answer.toString()}`);
    }
    check(answer.getChild("undefined-condition", NS.streams) !== undefined, "SM-15", "<undefined-condition/>", answer.toString());
    const hcth = answer.getChild("handled-count-too-high", SM3);
    check(hcth !== undefined, "SM-15", "a <handled-count-too-high/> child", answer.toString());
    if (hcth.attrs.h !== undefined) check(hcth.attrs.h === String(sent + 5), "SM-15", `h='${sent + 5}'`, hcth.toString());
    if (hcth.attrs["send-count"] !== undefined) {
      check(hcth.attrs["send-count"] === String(sent), "SM-15", `send-count='${sent}'`, hcth.toString());
    }
    check(await c.waitClosed(), "SM-15", "the stream closed after the error", "still open");
  });
});
