// What the target accepts on a stream from the peer before, and beside, a verified domain
// pair (RFC 6120 4.9.3, XEP-0220 2.2.1 and 3.1): no stanza before dialback, none from a
// domain not verified on the stream, none while the key is still being checked, and
// nothing for a verdict the peer made up. Each refused message is addressed to a test
// account, which must not get it before a message the peer sends on its verified stream.
import { conformance } from "../../src/runner/dsl.js";
import { restsOn } from "../common/addendum.js";
import { check } from "../../src/verdict/verdict.js";
import { dialbackElement } from "../../src/xmpp/dialback.js";
import { SUITE, checkNotDelivered, needsPeerAndAccount, peerAndClient, peerMessage, streamCondition, unhostedDomain } from "./s2s-helpers.js";

describe(SUITE, () => {
  conformance({ id: "s2s.auth.stanza-before-dialback", rules: ["DB-05"], title: "a stanza on a stream of the peer before any dialback is refused with not-authorized", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    const s = await peer.openStream();
    const early = peerMessage(peer, c.jid!, "before-dialback");
    await s.send(early);
    await s.barrier();
    check(streamCondition(s.streamError) === "not-authorized", "DB-05", "the not-authorized stream error", s.streamError?.toString() ?? "the stream is still open");
    await checkNotDelivered(peer, c, early, "DB-05", "sent before dialback");
  });

  conformance({ id: "s2s.auth.unverified-domain", rules: ["DB-05"], title: "a stanza from a domain not verified on the peer's stream is refused with invalid-from", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    const s = await peer.open();
    // Written on the verified stream as is: peer.send would prove the other domain first.
    const spoofed = peerMessage(peer, c.jid!, "unverified-domain", `mallory@${unhostedDomain()}/r`);
    await s.send(spoofed);
    await s.barrier();
    check(streamCondition(s.streamError) === "invalid-from", "DB-05", "the invalid-from stream error", s.streamError?.toString() ?? "the stream is still open");
    await checkNotDelivered(peer, c, spoofed, "DB-05", `from ${spoofed.attrs.from}, a domain not verified on the stream`);
  });

  conformance({ id: "s2s.auth.pending-pair", rules: ["DB-15", "DB-05"], title: "while the target checks the peer's key, a stanza of that pair is refused and dialback elements are still answered", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    // The stream checkNotDelivered uses is verified first; then the peer, as
    // Authoritative Server, keeps the new key pending by not answering the target.
    await peer.open();
    peer.holdVerifies(true);
    const s = await peer.openStream();
    const pending = peerMessage(peer, c.jid!, "pending-pair");
    await s.send(dialbackElement("result", { from: peer.domain, to: peer.targetDomain }, s.key()));
    await s.send(pending);
    const answered = await s.barrier();
    if (!answered) {
      const condition = streamCondition(s.streamError);
      check(condition === "not-authorized" || condition === "invalid-from", "DB-05", `the stream open, or ended with the not-authorized (or invalid-from) stream error ${restsOn("Reactions to a refused stanza")}`, s.streamError?.toString() ?? "closed without a stream error");
    }
    await checkNotDelivered(peer, c, pending, "DB-15", "of a domain pair whose key is still being checked");
    peer.holdVerifies(false);
  });

  conformance({ id: "s2s.auth.unsolicited-valid", rules: ["DB-19"], title: "a db:result type='valid' the peer sends unasked verifies nothing: the stanza after it is refused", needs: needsPeerAndAccount }, async (t) => {
    const { peer, c } = await peerAndClient(t);
    const s = await peer.openStream();
    const after = peerMessage(peer, c.jid!, "unsolicited-valid");
    await s.send(dialbackElement("result", { from: peer.domain, to: peer.targetDomain, type: "valid" }));
    await s.send(after);
    await s.barrier();
    await checkNotDelivered(peer, c, after, "DB-19", "whose pair only an unsolicited db:result type='valid' vouched for");
  });
});
