// XEP-0376 §3.2, errors: what the account finds wrong itself (a subscribe for another
// JID) is answered locally and never reaches the service; what the service refuses comes
// back with the service's error copied through and the service as its generator. The
// remote rows are the XEP-0060 subscribe errors the spec cites (its examples 34 and 35)
// and two more of §6.1.3.
import type { TestClient } from "../../src/harness/client.js";
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { check, Violation } from "../../src/verdict/verdict.js";
import type { Element } from "../../src/xmpp/element.js";
import { pam } from "../../src/xmpp/pam.js";
import { pubsubErrorOf } from "../../src/xmpp/pubsub.js";
import { errorText, stanzaConditionOf } from "../common/errors.js";
import { SUITE, localGenerator, needsRemote, nodeName, nothingForwarded, remoteService, resource, undoSubscription } from "./pam-helpers.js";
import { restsOn } from "../common/addendum.js";

/** PAM-04 and PAM-08: a subscribe whose inner jid is not the requester's bare JID. */
async function localRefusal(t: TestContext, innerJid: (c: TestClient, other: string) => string, what: string): Promise<void> {
  const [alice, bob] = await t.accounts(2);
  const service = await remoteService(t);
  const c = await resource(t, alice!, { pam: true });
  const node = nodeName("local-error");
  const jid = innerJid(c, `${bob!.username}@${t.domain}`);
  undoSubscription(t, alice!, service.jid, node);
  const reply = await c.iq(pam.subscribe(service.jid, node, jid), { rule: "PAM-04" });
  check(reply.attrs.type === "error", "PAM-04", `an error: the inner jid '${jid}' is ${what}, not the requester's bare JID`, reply.toString());
  await nothingForwarded(c, service, "PAM-08", `a subscribe for ${jid}`);
  localGenerator(reply, c, t.domain);
  check(
    stanzaConditionOf(reply) === "bad-request" && pubsubErrorOf(reply) === "invalid-jid",
    "PAM-04",
    `modify/bad-request + invalid-jid, XEP-0060's answer to JIDs that do not match ${restsOn("The local error's condition")}`,
    `${errorText(reply)}: ${reply.toString()}`,
  );
}

interface RemoteRow {
  id: string;
  title: string;
  type: string;
  condition: string;
  pubsubCondition?: string;
}

const REMOTE_ROWS: RemoteRow[] = [
  { id: "presence-subscription-required", title: "auth/not-authorized + presence-subscription-required (XEP-0060 example 35, the spec's own)", type: "auth", condition: "not-authorized", pubsubCondition: "presence-subscription-required" },
  { id: "invalid-jid", title: "modify/bad-request + invalid-jid (XEP-0060 example 34)", type: "modify", condition: "bad-request", pubsubCondition: "invalid-jid" },
  { id: "closed-node", title: "cancel/not-allowed + closed-node (a whitelist node)", type: "cancel", condition: "not-allowed", pubsubCondition: "closed-node" },
  { id: "item-not-found", title: "cancel/item-not-found (no such node)", type: "cancel", condition: "item-not-found" },
];

/** PAM-09: the relayed error has the service's type and conditions. */
function checkCopied(reply: Element, row: Omit<RemoteRow, "id" | "title">, service: string): void {
  const error = reply.getChild("error");
  const wanted = `${row.type}/${row.condition}${row.pubsubCondition ? ` + ${row.pubsubCondition}` : ""}`;
  check(reply.attrs.type === "error" && error !== undefined, "PAM-09", `the error of ${service} relayed: ${wanted}`, reply.toString());
  check(
    error.attrs.type === row.type && stanzaConditionOf(reply) === row.condition && pubsubErrorOf(reply) === row.pubsubCondition,
    "PAM-09",
    `the error of ${service} copied through: ${wanted}`,
    `${errorText(reply)}: ${reply.toString()}`,
  );
}

describe(SUITE, () => {
  conformance({ id: "pam.local-error.other-account", rules: ["PAM-04", "PAM-08"], title: "a subscribe for another account's JID is refused locally and nothing reaches the service", needs: needsRemote }, async (t) => {
    await localRefusal(t, (_c, other) => other, "another account's");
  });

  conformance({ id: "pam.local-error.full-jid", rules: ["PAM-04", "PAM-08"], title: "a subscribe for the requester's own full JID is refused locally and nothing reaches the service", needs: needsRemote }, async (t) => {
    await localRefusal(t, (c) => c.jid!, "the requester's full JID");
  });

  for (const row of REMOTE_ROWS) {
    conformance({ id: `pam.remote-error.${row.id}`, rules: ["PAM-09", "PAM-10"], title: `the service's ${row.title} comes back copied, with 'by' set to the service`, needs: needsRemote }, async (t) => {
      const [alice] = await t.accounts(1);
      const service = await remoteService(t, { answer: "error", type: row.type, condition: row.condition, ...(row.pubsubCondition ? { pubsubCondition: row.pubsubCondition } : {}) });
      const c = await resource(t, alice!, { pam: true });
      const node = nodeName(row.id);
      undoSubscription(t, alice!, service.jid, node);
      const reply = await c.iq(pam.subscribe(service.jid, node, c.bareJid!), { rule: "PAM-09" });
      checkCopied(reply, row, service.jid);
      const by = reply.getChild("error")!.attrs.by;
      check(by === service.jid, "PAM-10", `by='${service.jid}': the service's error carried no generator, and one without 'by' reads as local`, reply.toString());
    });
  }

  conformance({ id: "pam.remote-error.by-kept", rules: ["PAM-09"], title: "a service error that names its generator keeps it", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const row = { type: "auth", condition: "forbidden" };
    const generator = `upstream.${t.options.component?.domain ?? "invalid"}`;
    const service = await remoteService(t, { answer: "error", ...row, by: generator });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("by-kept");
    undoSubscription(t, alice!, service.jid, node);
    const reply = await c.iq(pam.subscribe(service.jid, node, c.bareJid!), { rule: "PAM-09" });
    checkCopied(reply, row, service.jid);
    check(reply.getChild("error")!.attrs.by === generator, "PAM-09", `by='${generator}', as the service sent it`, reply.toString());
  });

  conformance({ id: "pam.upstream.timeout", rules: ["RFC6120-iq"], title: "a PAM subscribe to a service that never answers still gets an error (remote-server-timeout)", needs: needsRemote }, async (t) => {
    const [alice] = await t.accounts(1);
    const service = await remoteService(t, { answer: "silent" });
    const c = await resource(t, alice!, { pam: true });
    const node = nodeName("silent");
    undoSubscription(t, alice!, service.jid, node);
    const wait = t.options.maxWaitSec * 1000;
    const reply = await c.iq(pam.subscribe(service.jid, node, c.bareJid!), { timeout: wait }).catch((err: unknown) => {
      if (!(err instanceof Violation)) throw err;
      throw new Violation("RFC6120-iq", `an answer to the PAM subscribe within --max-wait (${t.options.maxWaitSec} s) while ${service.jid} stays silent ${restsOn("A service that never answers")}`, err.received);
    });
    check(reply.attrs.type === "error", "RFC6120-iq", `an error once ${service.jid} has not answered`, reply.toString());
    check(
      stanzaConditionOf(reply) === "remote-server-timeout",
      "RFC6120-iq",
      `the condition remote-server-timeout within --max-wait (${t.options.maxWaitSec} s) ${restsOn("A service that never answers")}`,
      `${errorText(reply)}: ${reply.toString()}`,
    );
    check(service.requests.length === 1, "PAM-06", `the subscribe sent on to ${service.jid} once`, `${service.requests.length} requests`);
  });
});
