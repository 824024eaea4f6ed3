// Account sources against the reference server: what take() creates, release()
// removes again, and nothing else.
import { expect } from "chai";
import { AdminAccounts, GivenAccounts, RegisteringAccounts, type AccountSource } from "../src/harness/accounts.js";
import { TestClient } from "../src/harness/client.js";
import type { Account, TargetProfile } from "../src/harness/target.js";
import { iq } from "../src/xmpp/builders.js";
import { xml } from "../src/xmpp/element.js";
import { NS } from "../src/xmpp/ns.js";
import { startServer, type RunningServer } from "../src/server/index.js";

describe("harness account sources: take and release", function () {
  this.timeout(20000);
  let server: RunningServer;
  let target: TargetProfile;
  const admin: Account = { username: "admin", password: "pw" };
  const alice: Account = { username: "alice", password: "a" };

  beforeEach(async () => {
    server = await startServer({ domain: "localhost", users: [admin, alice], admins: ["admin"] });
    target = { host: server.host, port: server.port, domain: server.domain, tls: "plain", insecure: false };
  });
  afterEach(() => server.stop());

  /** Resolves true when `account` can log in and bind, false when the login is refused. */
  async function canLogIn(account: Account): Promise<boolean> {
    try {
      const client = await TestClient.connect(target, account, { label: "probe" });
      await client.close();
      return true;
    } catch (err) {
      if ((err as Error).message.includes("login refused")) return false;
      throw err;
    }
  }

  async function takeThenRelease(source: AccountSource): Promise<void> {
    const accounts = await source.take(2);
    expect(accounts[0]!.username).to.not.equal(accounts[1]!.username);
    for (const a of accounts) expect(await canLogIn(a), a.username).to.equal(true);
    await source.release!(accounts);
    for (const a of accounts) expect(await canLogIn(a), a.username).to.equal(false);
    // Released once, never again; accounts it did not create are not its to remove.
    await source.release!([...accounts, admin, alice]);
    expect(await canLogIn(admin)).to.equal(true);
    expect(await canLogIn(alice)).to.equal(true);
  }

  it("AdminAccounts adds with XEP-0133 Add User and deletes with Delete User", () => takeThenRelease(new AdminAccounts(target, admin)));

  it("RegisteringAccounts registers (XEP-0077) and cancels each registration", () => takeThenRelease(new RegisteringAccounts(target)));

  it("GivenAccounts releases nothing", async () => {
    const source = new GivenAccounts([alice]);
    await source.release(await source.take(1));
    expect(await canLogIn(alice)).to.equal(true);
  });

  it("AdminAccounts.release names the accounts it could not delete, and why", async () => {
    const source = new AdminAccounts(target, admin);
    const [gone, kept] = await source.take(2);
    // `gone` cancels its own registration first: the server refuses the whole list.
    const client = await TestClient.connect(target, gone!, { label: "self-removal" });
    expect((await client.iq(iq("set", {}, xml("query", { xmlns: NS.register }, xml("remove"))))).attrs.type).to.equal("result");
    await client.close();
    let error: Error | undefined;
    await source.release([gone!, kept!]).catch((e: Error) => (error = e));
    expect(error?.message).to.equal(
      `test accounts left on localhost: ${gone!.username}, ${kept!.username} (admin@localhost cannot delete users (XEP-0133): item-not-found)`,
    );
    expect(await canLogIn(kept!)).to.equal(true);
  });

  it("AdminAccounts.take fails in one line for an account that is no admin", async () => {
    let error: Error | undefined;
    await new AdminAccounts(target, alice).take(1).catch((e: Error) => (error = e));
    expect(error?.message).to.equal("alice@localhost cannot add users (XEP-0133): forbidden");
  });
});
