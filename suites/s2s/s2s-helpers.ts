// What the s2s suite's tests share: the harness's S2S peer (a remote server of its own
// domain), a test account's client, and the proof that a stanza the target had to refuse
// never reached that client.
import { randomBytes } from "node:crypto";
import type { TestClient } from "../../src/harness/client.js";
import type { TestPeer } from "../../src/harness/peer.js";
import type { Need } from "../../src/runner/needs.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check } from "../../src/verdict/verdict.js";
import { newId } from "../../src/xmpp/builders.js";
import { childElements, xml, type Element } from "../../src/xmpp/element.js";
import { isDialback } from "../../src/xmpp/dialback.js";
import { predicate } from "../../src/xmpp/match.js";
import { NS } from "../../src/xmpp/ns.js";

export const SUITE = "s2s";

export const needsPeer: Need[] = [{ peer: true }];
export const needsPeerAndAccount: Need[] = [{ peer: true }, { accounts: 1 }];

/** A domain no target hosts (RFC 2606 reserves .invalid). */
export function unhostedDomain(): string {
  return `nowhere-${randomBytes(4).toString("hex")}.invalid`;
}

/** A chat message from a JID at the peer's domain to `to`, with a body that names it. */
export function peerMessage(peer: TestPeer, to: string, label: string, from = peer.jid("romeo", "balcony")): Element {
  return xml("message", { from, to, type: "chat", id: newId(label) }, xml("body", {}, `${label} ${randomBytes(4).toString("hex")}`));
}

/** The peer and a bound client of a test account. */
export async function peerAndClient(t: TestContext): Promise<{ peer: TestPeer; c: TestClient }> {
  const peer = await t.peer();
  const [alice] = await t.accounts(1);
  return { peer, c: await t.connect(alice!) };
}

/**
 * Proves that `forbidden` (sent on a stream the target had to refuse it on, and read by
 * the target already) never reached `c`: a message the peer sends afterwards on its
 * verified stream arrives, and `forbidden` did not come before it.
 */
export async function checkNotDelivered(peer: TestPeer, c: TestClient, forbidden: Element, rule: string, why: string): Promise<void> {
  const after = peerMessage(peer, c.jid!, "after");
  await peer.send(after);
  const arrived = await c.expect(predicate(`the message '${after.attrs.id}' the peer sent on its verified stream`, (el) => el.name === "message" && el.attrs.id === after.attrs.id), { rule: "DB-16" });
  const leaked = c.unreadBefore(arrived).find((el) => el.name === "message" && el.attrs.id === forbidden.attrs.id);
  check(!leaked, rule, `no delivery of a stanza ${why}`, () => leaked!.toString());
}

/** The condition of a stream error, if the element is one. */
export function streamCondition(error: Element | undefined): string | undefined {
  return error && childElements(error).find((c) => c.getNS() === NS.streams)?.name;
}

/** The stanza error condition inside a dialback error (its <error/> in jabber:server, or in the dialback namespace as the XEP's schema has it). */
export function dialbackErrorCondition(el: Element): { type?: string; condition?: string } {
  const error = childElements(el).find((c) => c.name === "error");
  return { type: error?.attrs.type, condition: error && childElements(error).find((c) => c.getNS() === NS.stanzas)?.name };
}

/** A typed <db:result/> answering a request from `from` to `to`. */
export function dbResultAnswer(from: string, to: string): ReturnType<typeof predicate> {
  return predicate(`<db:result from='${from}' to='${to}' type=.../>`, (el) => isDialback(el, "result") && !!el.attrs.type && el.attrs.from === from && el.attrs.to === to);
}
