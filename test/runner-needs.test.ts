import { expect } from "chai";
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
    expect(unmetReason({ streamFeature: "urn:xmpp:sm:3" }, ctx)).to.equal(undefined);
    expect(unmetReason({ streamFeature: "urn:xmpp:sm:3", phase: "pre-auth", label: "SM" }, ctx)).to.equal("target does not offer the SM stream feature before authentication");
    expect(unmetReason({ streamFeature: "urn:ietf:params:xml:ns:xmpp-tls", phase: "pre-auth" }, ctx)).to.equal(undefined);
  });

  it("accounts: counted, or unlimited with registration", () => {
    expect(unmetReason({ accounts: 1 }, ctx)).to.equal(undefined);
    expect(unmetReason({ accounts: 2 }, ctx) ?? "").to.match(/^needs 2 accounts, 1 provisioned/);
    expect(unmetReason({ accounts: 5 }, { ...ctx, accountsAvailable: "unlimited" })).to.equal(undefined);
  });

  it("disco features: on the domain, the account, or the pubsub service the domain lists", () => {
    expect(unmetReason({ discoFeature: "urn:xmpp:ping", on: "domain" }, ctx)).to.equal(undefined);
    expect(unmetReason({ discoFeature: "urn:xmpp:pam:0", on: "account", label: "PAM" }, ctx)).to.equal("alice@localhost does not advertise PAM in disco#info");
    expect(unmetReason({ discoFeature: "http://jabber.org/protocol/pubsub", on: "pubsub" }, ctx)).to.equal(undefined);
    const noService = { ...ctx, capabilities: { ...ctx.capabilities, services: [] } };
    expect(unmetReason({ discoFeature: "http://jabber.org/protocol/pubsub", on: "pubsub" }, noService) ?? "").to.match(/lists no pubsub service/);
    expect(describeNeed({ discoFeature: "urn:xmpp:pam:0", on: "account" })).to.equal("disco feature urn:xmpp:pam:0 (account)");
  });

  it("disco identities: category/type on the domain, the account, or the pubsub service", () => {
    expect(unmetReason({ discoIdentity: "pubsub/pep", on: "account" }, ctx)).to.equal(undefined);
    expect(unmetReason({ discoIdentity: "pubsub/pep", on: "domain" }, ctx)).to.equal("localhost does not advertise the identity pubsub/pep in disco#info");
    expect(unmetReason({ discoIdentity: "pubsub/pep", on: "domain", label: "PEP" }, ctx)).to.equal("localhost does not advertise PEP in disco#info");
    expect(unmetReason({ discoIdentity: "pubsub/service", on: "pubsub" }, ctx)).to.equal(undefined);
    expect(describeNeed({ discoIdentity: "pubsub/pep", on: "account" })).to.equal("disco identity pubsub/pep (account)");
  });

  it("the S2S peer: not configured, not federating (with the probe's reason), or federating", () => {
    expect(unmetReason({ peer: true }, ctx)).to.equal("the target is not set up to federate with the harness's S2S peer (pass --peer-domain and --peer-listen)");
    const refused = { ...ctx, capabilities: { ...ctx.capabilities, peer: { domain: "peer.example", federates: false, error: "connection refused" } } };
    expect(unmetReason({ peer: true }, refused)).to.equal("the target does not federate with the harness's S2S peer peer.example: connection refused");
    const federates = { ...ctx, capabilities: { ...ctx.capabilities, peer: { domain: "peer.example", federates: true } } };
    expect(unmetReason({ peer: true }, federates)).to.equal(undefined);
    expect(describeNeed({ peer: true })).to.equal("federation with the harness's S2S peer (--peer-domain, --peer-listen)");
  });

  it("queue limit: known or not", () => {
    expect(unmetReason({ smQueueLimit: true }, ctx) ?? "").to.match(/--sm-queue-limit/);
    expect(unmetReason({ smQueueLimit: true }, { ...ctx, smQueueLimit: 500 })).to.equal(undefined);
  });

  it("renders needs readably for list", () => {
    expect(describeNeed({ streamFeature: "urn:xmpp:sm:3" })).to.equal("stream feature urn:xmpp:sm:3 (post-auth)");
    expect(describeNeed({ streamFeature: "urn:ietf:params:xml:ns:xmpp-tls", phase: "pre-auth" })).to.equal("stream feature urn:ietf:params:xml:ns:xmpp-tls (pre-auth)");
    expect(describeNeed({ accounts: 2 })).to.equal("2 accounts");
    expect(describeNeed({ accounts: 1 })).to.equal("1 account");
    expect(describeNeed({ smQueueLimit: true })).to.equal("known SM queue limit (--sm-queue-limit)");
  });

  it("list table aligns columns and marks tests with no needs", () => {
    const table = listTable([
      { id: "sm.enable", suite: "sm", rules: ["SM-1", "SM-2"], title: "enable", needs: ["2 accounts"] },
      { id: "pam.sub", suite: "pam", rules: ["PAM-1"], title: "subscribe", needs: [] },
    ]);
    expect(table.split("\n")).to.deep.equal([
      "ID         RULES      TITLE      NEEDS",
      "sm.enable  SM-1 SM-2  enable     2 accounts",
      "pam.sub    PAM-1      subscribe  -",
      "",
    ]);
  });
});
