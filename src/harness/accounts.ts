// Where test accounts come from: given on the command line, or registered fresh
// by XEP-0077 in-band registration so that each test that asks gets its own.
import { randomBytes } from "node:crypto";
import { Element, xml } from "../xmpp/element.js";
import { iq } from "../xmpp/builders.js";
import { NS } from "../xmpp/ns.js";
import { TestClient } from "./client.js";
import { ConnectError } from "./errors.js";
import type { Account, TargetProfile } from "./target.js";

export interface AccountSource {
  available: number | "unlimited";
  take(n: number): Promise<Account[]>;
  /** Gives back accounts `take` made for one test (removing them where the source created them). */
  release?(accounts: Account[]): Promise<void>;
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

/** Fresh account names and passwords, unlikely to meet an existing account. */
function freshAccount(): Account {
  return { username: `xc-${randomBytes(5).toString("hex")}`, password: randomBytes(9).toString("base64url") };
}

/** The condition of an error reply, for a one-line message. */
function errorCondition(reply: Element): string {
  return reply.getChild("error")?.getChildElements()[0]?.name ?? "no reason given";
}

export class RegisteringAccounts implements AccountSource {
  readonly available = "unlimited" as const;
  constructor(private readonly target: TargetProfile) {}

  async take(n: number): Promise<Account[]> {
    return Promise.all(Array.from({ length: n }, () => this.register()));
  }

  private async register(): Promise<Account> {
    const account = freshAccount();
    const client = await TestClient.connect(this.target, undefined, { until: "opened", label: "register" });
    try {
      const res = await client.iq(
        iq("set", {}, xml("query", { xmlns: NS.register }, xml("username", {}, account.username), xml("password", {}, account.password))),
      );
      if (res.attrs.type !== "result") {
        throw new ConnectError("auth", `in-band registration refused by ${this.target.domain}: ${errorCondition(res)}`);
      }
      return account;
    } finally {
      await client.close();
    }
  }
}

/**
 * An administrator creates the accounts with the XEP-0133 "Add User" ad-hoc command
 * (XEP-0050), for servers that close in-band registration.
 */
export class AdminAccounts implements AccountSource {
  readonly available = "unlimited" as const;
  constructor(
    private readonly target: TargetProfile,
    private readonly admin: Account,
  ) {}

  async take(n: number): Promise<Account[]> {
    const client = await TestClient.connect(this.target, this.admin, { label: "admin" });
    try {
      const accounts: Account[] = [];
      for (let i = 0; i < n; i++) accounts.push(await this.addUser(client));
      return accounts;
    } finally {
      await client.close();
    }
  }

  private async addUser(client: TestClient): Promise<Account> {
    const account = freshAccount();
    const refused = (reply: Element) =>
      new ConnectError("auth", `${this.admin.username}@${this.target.domain} cannot add users (XEP-0133): ${errorCondition(reply)}`);
    const start = await client.iq(iq("set", { to: this.target.domain }, xml("command", { xmlns: NS.commands, action: "execute", node: ADD_USER })));
    const session = start.getChild("command", NS.commands)?.attrs.sessionid;
    if (start.attrs.type !== "result" || !session) throw refused(start);
    const field = (name: string, value: string, type?: string) => xml("field", { var: name, type }, xml("value", {}, value));
    const done = await client.iq(
      iq(
        "set",
        { to: this.target.domain },
        xml(
          "command",
          { xmlns: NS.commands, node: ADD_USER, sessionid: session },
          xml(
            "x",
            { xmlns: NS.dataForms, type: "submit" },
            field("FORM_TYPE", "http://jabber.org/protocol/admin", "hidden"),
            field("accountjid", `${account.username}@${this.target.domain}`),
            field("password", account.password),
            field("password-verify", account.password),
          ),
        ),
      ),
    );
    if (done.attrs.type !== "result" || done.getChild("command", NS.commands)?.attrs.status !== "completed") throw refused(done);
    return account;
  }
}

const ADD_USER = "http://jabber.org/protocol/admin#add-user";
