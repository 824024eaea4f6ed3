// XEP-0198 on server-to-server streams (SM-30), with the harness's S2S peer as the remote
// server: the target counts the peer's stanzas on the peer's stream, and a stanza it sent
// the peer unacknowledged is not lost when its stream breaks.
import { randomBytes } from "node:crypto";
import type { Need } from "../../src/runner/needs.js";
import { conformance } from "../../src/runner/dsl.js";
import { check } from "../../src/verdict/verdict.js";
import { message } from "../../src/xmpp/builders.js";
import { xml } from "../../src/xmpp/element.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";
import { SM3, SUITE } from "./sm-helpers.js";

const needsPeer: Need[] = [{ peer: true }, { accounts: 1 }];

describe(SUITE, () => {
  conformance({ id: "sm.s2s.ack-counts-stanzas", rules: ["SM-30"], title: "on the peer's S2S stream the target's <a h/> counts the peer's stanzas, not its <r/>", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    const own = await peer.open();
    if (!own.features?.getChild("sm", SM3)) t.skip(`the target does not offer ${SM3} on the S2S stream of a verified peer`);
    const enabled = await peer.enableSm();
    check(enabled.name === "enabled", "SM-30", "<enabled/>", enabled.toString());
    const ids: string[] = [];
    for (const n of [1, 2]) {
      const m = xml("message", { from: peer.jid("romeo", "r"), to: c.jid, type: "chat", id: `s2s-sm-${n}-${randomBytes(3).toString("hex")}` }, xml("body", {}, `counted ${n}`));
      ids.push(m.attrs.id!);
      await peer.send(m);
    }
    // The peer also answers the target's queries on this stream: those count too.
    for (const round of ["first", "second"]) {
      const h = await peer.requestAck();
      check(h === own.smSent.atLastRequest, "SM-30", `<a h='${own.smSent.atLastRequest}'/> (the stanzas the peer sent since <enable/>) to the ${round} <r/>`, `h='${h}'`);
    }
    for (const id of ids) await c.expect(predicate(`the message '${id}'`, (el) => el.name === "message" && el.attrs.id === id), { rule: "SM-30" });
  });

  conformance({ id: "sm.s2s.unacked-not-lost", rules: ["SM-30"], title: "a stanza the peer never acknowledged is sent again on a new stream, or bounced, when the target's stream to the peer breaks", needs: needsPeer }, async (t) => {
    const peer = await t.peer({ sm: true });
    const [alice] = await t.accounts(1);
    const c = await t.connect(alice!);
    peer.holdAcks(true);
    const sent = message(peer.jid("romeo"), "unacknowledged");
    const isSent = predicate(`the message '${sent.attrs.id}'`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id);
    await c.send(sent);
    await peer.expect(isSent, { rule: "RFC6120-routing" });
    if (!peer.inboundSm.enabled) t.skip(`the target did not enable ${NS.sm3} on its stream to the peer, which offered it`);
    // Its stream breaks with the message unacknowledged: once the target has closed its
    // side, it has either queued the message for a new stream or bounced it.
    await peer.dropIncoming();
    peer.holdAcks(false);
    const again = (await peer.barrier()).find(isSent);
    if (again) return;
    const bounce = (await c.drainUntilBarrier()).find((el) => el.name === "message" && el.attrs.id === sent.attrs.id && el.attrs.type === "error");
    check(bounce, "SM-30", "the unacknowledged message sent again to the peer on a new stream, or bounced to its sender", "neither: it was lost");
  });
});
