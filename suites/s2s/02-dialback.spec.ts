// Server Dialback (XEP-0220 section 2) with the harness's peer as the remote server:
// stanzas cross both ways once each direction is verified, the target sends one key per
// domain pair, and answers as Authoritative Server for the keys it made.
import { conformance } from "../../src/runner/dsl.js";
import { restsOn } from "../common/addendum.js";
import { Violation, check } from "../../src/verdict/verdict.js";
import { message } from "../../src/xmpp/builders.js";
import { dialbackElement, isDialback } from "../../src/xmpp/dialback.js";
import { predicate } from "../../src/xmpp/match.js";
import { SUITE, needsPeer, needsPeerAndAccount, peerAndClient, peerMessage } from "./s2s-helpers.js";

describe(SUITE, () => {
  conformance({ id: "s2s.federation.message-to-peer", rules: ["DB-06"], title: "an account's message to a JID at the peer comes on a stream the target opened and verified with its own dialback", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    // The peer's own stream is up, so a target that answers on it instead is seen doing so.
    const own = await peer.open();
    const sent = message(peer.jid("romeo"), "to the peer");
    await c.send(sent);
    const isSent = predicate(`the message '${sent.attrs.id}' from ${c.jid}`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id);
    const arrived = await peer.expect(isSent, { rule: "DB-06" }).catch((err: unknown) => {
      const misrouted = own.unread().find(isSent);
      throw misrouted ? new Violation("DB-06", "the message on a stream the target opened", `it came on the peer's own stream: ${misrouted.toString()}`) : err;
    });
    const stream = peer.streamOf(arrived)!;
    check(
      stream.keys.some((k) => k.from === peer.targetDomain && k.to === peer.domain),
      "DB-06",
      `a db:result from ${peer.targetDomain} to ${peer.domain} on the stream the message came on (${stream.label})`,
      `no dialback on it: ${stream.keys.map((k) => `${k.from} -> ${k.to}`).join(", ") || "none"}`,
    );
  });

  conformance({ id: "s2s.federation.message-from-peer", rules: ["DB-16"], title: "once the target says valid, it delivers the peer's message to the account", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    const sent = peerMessage(peer, c.jid!, "from-peer");
    // send() proves the peer's domain first and fails unless the target answers valid.
    await peer.send(sent);
    const arrived = await c.expect(predicate(`the message '${sent.attrs.id}' from ${sent.attrs.from}`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id), { rule: "DB-16" });
    check(arrived.attrs.from === sent.attrs.from, "DB-16", `from='${sent.attrs.from}'`, arrived.toString());
  });

  conformance({ id: "s2s.dialback.queued-until-valid", rules: ["DB-10"], title: "the target holds an account's message to the peer until the peer says valid to its key, and sends it then", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    peer.holdResults(true);
    const sent = message(peer.jid("romeo"), "held until valid");
    await c.send(sent);
    const held = await peer.keyFrom(peer.targetDomain, "DB-10");
    // The target checks the peer's own key with a db:verify on that same stream, which it
    // may send before its own pair is valid: a message sent too early comes before it.
    const own = await peer.open();
    if (!held.stream.verifies.some((v) => v.id === own.id)) {
      t.skip(`the target checked the peer's key on another stream than ${held.stream.label}, so nothing there orders a message sent too early ${restsOn("Stanzas before `valid`")}`);
    }
    const isSent = predicate(`the message '${sent.attrs.id}'`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id);
    const early = peer.unread().find(isSent);
    check(!early, "DB-10", `no stanza for ${peer.targetDomain} -> ${peer.domain} before the peer said valid`, () => early!.toString());
    peer.holdResults(false);
    await peer.expect(isSent, { rule: "DB-10" });
  });

  conformance({ id: "s2s.dialback.one-key-per-pair", rules: ["DB-08"], title: "the target sends one non-empty key for its domain to the peer's, however many stanzas follow", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    for (const n of [1, 2]) {
      const sent = message(peer.jid("romeo"), `to the peer ${n}`);
      await c.send(sent);
      await peer.expect(predicate(`the message '${sent.attrs.id}'`, (el) => el.name === "message" && el.attrs.id === sent.attrs.id), { rule: "DB-06" });
    }
    // Whatever the target sent the peer comes before the answer to this ping.
    await peer.barrier();
    const keys = peer.inbound.flatMap((s) => s.keys.map((k) => ({ ...k, stream: s.label }))).filter((k) => k.from === peer.targetDomain && k.to === peer.domain);
    const shown = keys.map((k) => `'${k.key}' on ${k.stream}`).join(", ") || "none";
    check(keys.length === 1, "DB-08", `exactly one db:result from ${peer.targetDomain} to ${peer.domain}`, `${keys.length}: ${shown}`);
    check(keys[0]!.key.trim() !== "", "DB-08", "a key as the text of the db:result", `an empty one on ${keys[0]!.stream}`);
  });

  conformance({ id: "s2s.dialback.authoritative-answers", rules: ["DB-13"], title: "as Authoritative Server the target says valid to the key it sent the peer, and invalid to an altered one", needs: needsPeer }, async (t) => {
    const peer = await t.peer();
    // The target's answer to the peer's ping comes on a stream it verifies with a key.
    await peer.barrier();
    const sent = peer.inbound.flatMap((s) => s.keys).find((k) => k.from === peer.targetDomain && k.to === peer.domain);
    check(sent, "DB-13", `a db:result from ${peer.targetDomain} to ${peer.domain} (the key to have verified)`, "the target sent none");
    const s = await peer.openStream();
    const altered = sent.key.slice(0, -1) + (sent.key.endsWith("0") ? "1" : "0");
    for (const [key, expected] of [[sent.key, "valid"], [altered, "invalid"]] as const) {
      await s.send(dialbackElement("verify", { from: peer.domain, to: peer.targetDomain, id: sent.streamId }, key));
      const answer = await s.expect(predicate(`<db:verify id='${sent.streamId}' type=.../>`, (el) => isDialback(el, "verify") && el.attrs.id === sent.streamId && !!el.attrs.type), { rule: "DB-13" });
      check(
        answer.attrs.type === expected && answer.attrs.from === peer.targetDomain && answer.attrs.to === peer.domain,
        "DB-13",
        `<db:verify from='${peer.targetDomain}' to='${peer.domain}' id='${sent.streamId}' type='${expected}'/> for ${key === sent.key ? "the key it sent" : "an altered key"}`,
        answer.toString(),
      );
    }
  });
});
