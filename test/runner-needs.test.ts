import assert from "node:assert/strict";
import { unmetReason, type NeedContext } from "../src/runner/needs.js";
import { describeNeed, listTable } from "../src/runner/list.js";

const ctx: NeedContext = {
  capabilities: {
    preAuthFeatures: [{ name: "starttls", xmlns: "urn:ietf:params:xml:ns:xmpp-tls", xml: "" }],
    postAuthFeatures: [{ name: "sm", xmlns: "urn:xmpp:sm:3", xml: "" }],
    domain: { jid: "localhost", identities: ["server/im"], features: ["urn:xmpp:ping"] },
    account: { jid: "alice@localhost", identities: ["account/registered", "pubsub/pep"], features: [] },
    services: [{ jid: "pubsub.localhost", identities: ["pubsub/service"], features: ["http://jabber.org/protocol/pubsub"] }],
  },
  accountsAvailable: 1,
};

describe("runner needs", () => {
  it("stream features are matched by namespace in the phase asked for (post-auth by default)", () => {
    assert.equal(unmetReason({ streamFeature: "urn:xmpp:sm:3" }, ctx), undefined);
    assert.equal(unmetReason({ streamFeature: "urn:xmpp:sm:3", phase: "pre-auth", label: "SM" }, ctx), "target does not offer the SM stream feature before authentication");
    assert.equal(unmetReason({ streamFeature: "urn:ietf:params:xml:ns:xmpp-tls", phase: "pre-auth" }, ctx), undefined);
  });

  it("accounts: counted, or unlimited with registration", () => {
    assert.equal(unmetReason({ accounts: 1 }, ctx), undefined);
    assert.match(unmetReason({ accounts: 2 }, ctx) ?? "", /^needs 2 accounts, 1 provisioned/);
    assert.equal(unmetReason({ accounts: 5 }, { ...ctx, accountsAvailable: "unlimited" }), undefined);
  });

  it("disco features: on the domain, the account, or the pubsub service the domain lists", () => {
    assert.equal(unmetReason({ discoFeature: "urn:xmpp:ping", on: "domain" }, ctx), undefined);
    assert.equal(unmetReason({ discoFeature: "urn:xmpp:pam:0", on: "account", label: "PAM" }, ctx), "alice@localhost does not advertise PAM in disco#info");
    assert.equal(unmetReason({ discoFeature: "http://jabber.org/protocol/pubsub", on: "pubsub" }, ctx), undefined);
    const noService = { ...ctx, capabilities: { ...ctx.capabilities, services: [] } };
    assert.match(unmetReason({ discoFeature: "http://jabber.org/protocol/pubsub", on: "pubsub" }, noService) ?? "", /lists no pubsub service/);
    assert.equal(describeNeed({ discoFeature: "urn:xmpp:pam:0", on: "account" }), "disco feature urn:xmpp:pam:0 (account)");
  });

  it("queue limit: known or not", () => {
    assert.match(unmetReason({ smQueueLimit: true }, ctx) ?? "", /--sm-queue-limit/);
    assert.equal(unmetReason({ smQueueLimit: true }, { ...ctx, smQueueLimit: 500 }), undefined);
  });

  it("renders needs readably for list", () => {
    assert.equal(describeNeed({ streamFeature: "urn:xmpp:sm:3" }), "stream feature urn:xmpp:sm:3 (post-auth)");
    assert.equal(describeNeed({ streamFeature: "urn:ietf:params:xml:ns:xmpp-tls", phase: "pre-auth" }), "stream feature urn:ietf:params:xml:ns:xmpp-tls (pre-auth)");
    assert.equal(describeNeed({ accounts: 2 }), "2 accounts");
    assert.equal(describeNeed({ accounts: 1 }), "1 account");
    assert.equal(describeNeed({ smQueueLimit: true }), "known SM queue limit (--sm-queue-limit)");
  });

  it("list table aligns columns and marks tests with no needs", () => {
    const table = listTable([
      { suite: "sm", rules: ["SM-1", "SM-2"], title: "enable", needs: ["2 accounts"] },
      { suite: "pam", rules: ["PAM-1"], title: "subscribe", needs: [] },
    ]);
    assert.deepEqual(table.split("\n"), [
      "SUITE  RULES      TITLE      NEEDS",
      "sm     SM-1 SM-2  enable     2 accounts",
      "pam    PAM-1      subscribe  -",
      "",
    ]);
  });
});
