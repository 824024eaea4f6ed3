// Where test accounts come from: given on the command line, or registered fresh
// by XEP-0077 in-band registration so that each test that asks gets its own.
import { randomBytes } from "node:crypto";
import { xml } from "../xmpp/element.js";
import { iq } from "../xmpp/builders.js";
import { NS } from "../xmpp/ns.js";
import { TestClient } from "./client.js";
import { ConnectError } from "./errors.js";
import type { Account, TargetProfile } from "./target.js";

export interface AccountSource {
  available: number | "unlimited";
  take(n: number): Promise<Account[]>;
}

export class GivenAccounts implements AccountSource {
  constructor(private readonly accounts: Account[]) {}
  get available(): number {
    return this.accounts.length;
  }
  async take(n: number): Promise<Account[]> {
    return this.accounts.slice(0, n);
  }
}

export class RegisteringAccounts implements AccountSource {
  readonly available = "unlimited" as const;
  constructor(private readonly target: TargetProfile) {}

  async take(n: number): Promise<Account[]> {
    return Promise.all(Array.from({ length: n }, () => this.register()));
  }

  private async register(): Promise<Account> {
    const account = { username: `xc-${randomBytes(5).toString("hex")}`, password: randomBytes(9).toString("base64url") };
    const client = await TestClient.connect(this.target, undefined, { until: "opened", label: "register" });
    try {
      const res = await client.iq(
        iq("set", {}, xml("query", { xmlns: NS.register }, xml("username", {}, account.username), xml("password", {}, account.password))),
      );
      if (res.attrs.type !== "result") {
        const condition = res.getChild("error")?.getChildElements()[0]?.name ?? "no reason given";
        throw new ConnectError("auth", `in-band registration refused by ${this.target.domain}: ${condition}`);
      }
      return account;
    } finally {
      await client.close();
    }
  }
}
