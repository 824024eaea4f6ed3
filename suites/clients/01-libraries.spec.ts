// Real client libraries against the target: what users of @xmpp/client and slixmpp meet.
// Each library logs in as one account with its own Stream Management and reconnect; the
// harness's client plays the other account, and its barriers order what the library sees.
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import type { TestClient } from "../../src/harness/client.js";
import { LIBRARY_TITLES, type LibraryClient, type LibraryName } from "../../src/harness/libraries/library-client.js";
import { check } from "../../src/verdict/verdict.js";
import { message, newId } from "../../src/xmpp/builders.js";
import { NS } from "../../src/xmpp/ns.js";

const SUITE = "clients";
const needs = [{ streamFeature: NS.sm3, label: "Stream Management (urn:xmpp:sm:3)" }, { accounts: 2 }];

/** The library logged in with resumable Stream Management, and the harness's client as its contact. */
async function loggedIn(t: TestContext, name: LibraryName) {
  const [alice, bob] = await t.accounts(2);
  const lib = await t.library(name, alice!);
  await lib.expect(["online"], "expectation", { expected: `${LIBRARY_TITLES[name]} logged in and bound a resource` });
  const enabled = await lib.expect(["sm-enabled", "sm-failed"], "SM-04", { expected: "<enabled/> or <failed/> in answer to the library's <enable resume='true'/>" });
  if (enabled.event === "sm-failed") t.skip(`the target answered the library's <enable/> with <failed/> (${enabled.condition})`);
  if (!enabled.resume) t.skip("the target did not grant resumption (SM-06 allows that)");
  check(enabled.id !== "", "SM-05", "an id on <enabled resume='true'/>", "no id: the library has nothing to resume");
  return { lib, contact: await t.connect(bob!) };
}

/** A message crosses each way between the harness's client and the library; returns both ids. */
async function exchange(t: TestContext, lib: LibraryClient, contact: TestClient, rule: string) {
  const toLib = message(lib.jid!, `to ${lib.library}`);
  await contact.send(toLib);
  await lib.expect(["message"], rule, { where: (m) => m.id === toLib.attrs.id, expected: `the message ${toLib.attrs.id} sent to ${lib.jid}` });
  const fromLib = newId(lib.library);
  lib.command({ op: "send", to: contact.jid!, id: fromLib, body: `from ${lib.library}` });
  await contact.expect({ name: "message", attrs: { id: fromLib } }, { rule });
  t.note(lib.label, `messages crossed both ways with ${contact.jid}`);
  return { toLib: toLib.attrs.id!, fromLib };
}

describe(SUITE, () => {
  for (const name of Object.keys(LIBRARY_TITLES) as LibraryName[]) {
    const title = LIBRARY_TITLES[name];

    conformance({ id: `clients.${name}.resume`, rules: ["SM-05", "SM-16", "SM-17"], title: `${title} logs in with Stream Management, exchanges messages with another account, survives a dropped socket by resuming, and gets the message sent while it was away, once`, needs }, async (t) => {
      const { lib, contact } = await loggedIn(t, name);
      const before = await exchange(t, lib, contact, "RFC6120-routing");
      lib.command({ op: "drop" });
      await lib.expect(["dropped"], "expectation", { expected: "the library's socket closed" });
      const away = message(lib.jid!, "sent while you were away");
      await contact.send(away);
      // The contact's barrier: the server has routed the message before the library comes back.
      await contact.drainUntilBarrier();
      lib.command({ op: "reconnect" });
      const back = await lib.expect(["resumed", "sm-failed", "online"], "SM-16", { expected: "<resumed/>: the library resumes its session" });
      const instead = back.event === "sm-failed" ? `<failed/> (${back.condition})` : "a new session: the library gave up on the resumption (see the transcript)";
      check(back.event === "resumed", "SM-16", "the library's <resume/> answered with <resumed/>", instead);
      // What the server re-sends after <resumed/> comes before the answer to the library's ping.
      const resent = (await lib.barrier("SM-17")).map((m) => m.id);
      check(resent.includes(away.attrs.id!), "SM-17", `the message sent while the library was away (${away.attrs.id}) re-sent after <resumed/>`, `re-sent: ${resent.join(", ") || "nothing"}`);
      check(!resent.includes(before.toLib), "SM-17", `not the message the library's <resume/> h acknowledged (${before.toLib})`, `re-sent: ${resent.join(", ")}`);
      await exchange(t, lib, contact, "SM-16");
      // The server's h in <resumed/> counted the library's message before the drop, so the library does not send it again.
      await contact.expectNothing({ name: "message", attrs: { id: before.fromLib } }, "SM-16");
    });
  }
});
