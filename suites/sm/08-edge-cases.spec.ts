// XEP-0198 edge cases other servers' suites check: presence in h (SM-11) and malformed acks (SM-10, SM-13).
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { NS } from "../../src/xmpp/ns.js";
import { presence, sm } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { predicate } from "../../src/xmpp/match.js";
import { SM3, SUITE, enable, needsSm3, requestAck, selfMessage } from "./sm-helpers.js";

/** <a/> elements whose h is missing, not a number, or one past xs:unsignedInt. */
const MALFORMED_ACKS = [
  { label: "no h", el: () => xml("a", { xmlns: SM3 }) },
  { label: "h='x'", el: () => sm.a("x") },
  { label: "h='4294967296'", el: () => sm.a("4294967296") },
];

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
      await enable(c);
      for (let i = 0; i < 2; i++) await c.send(selfMessage(c, `before malformed ack ${i}`));
      await c.sendPipelined([bad.el(), sm.r(SM3)]);
      // XEP-0198 says nothing of a malformed <a/>: ending the stream and ignoring it are both
      // allowed (a <failed/> reply too); counting it or corrupting h is not.
      const answer = await c.expect(
        predicate("<a/> answering the <r/> sent after the malformed one, or a stream error", (el) => el.is("error", NS.stream) || (el.name === "a" && el.getNS() === SM3)),
        { rule: "SM-10" },
      );
      if (answer.name === "error") {
        check(await c.waitClosed(), "SM-10", "the stream closed after the stream error", "still open");
        return;
      }
      check(answer.attrs.h === "2", "SM-10", `<a h='2'/>: the <a/> with ${bad.label} is a nonza, not counted, and h stays an unsignedInt (SM-13)`, answer.toString());
    });
  }
});
