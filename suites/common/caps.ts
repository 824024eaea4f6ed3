// Entity capabilities (XEP-0115) as the suites announce them: a caps presence, waiting
// until the server has asked about it and read the answer.
import { capsPresence, type CapsOptions } from "../../src/harness/caps.js";
import type { TestClient } from "../../src/harness/client.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { ping } from "../../src/xmpp/builders.js";
import type { Element } from "../../src/xmpp/element.js";
import { NS } from "../../src/xmpp/ns.js";

/** True for a disco#info request (with or without a node) addressed to the client. */
export function isDiscoInfoGet(el: Element): boolean {
  return el.name === "iq" && el.attrs.type === "get" && el.getChild("query", NS.discoInfo) !== undefined;
}

/**
 * Sends presence carrying the caps of `features` (see capsPresence) and waits until the
 * server has asked the client's disco#info about it and the answer has gone out, then
 * for a ping round trip, so that the server has read the answer before the test goes
 * on. Returns false when the server did not ask within the timeout (it may look caps up
 * later, or not at all): the caller decides what that means.
 */
export async function announceCaps(t: TestContext, c: TestClient, features: string[], opts: CapsOptions = {}, ...children: Element[]): Promise<boolean> {
  let asked!: () => void;
  const queried = new Promise<boolean>((resolve) => (asked = () => resolve(true)));
  // Registered before capsPresence's responder, which answers: this one only watches.
  c.respond((el) => {
    if (isDiscoInfoGet(el)) asked();
    return undefined;
  });
  await c.send(capsPresence(c, features, opts, {}, ...children));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), t.options.timeoutMs)));
  const seen = await Promise.race([queried, timedOut]);
  clearTimeout(timer);
  c.transcript.add("event", c.label, seen ? "the server asked for this client's caps" : `the server did not ask for this client's caps within ${t.options.timeoutMs} ms`);
  // The answer was written before this ping: a server reading in order has read it.
  await c.iq(ping(t.domain));
  return seen;
}
