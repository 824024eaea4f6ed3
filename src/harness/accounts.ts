// Where test accounts come from: given on the command line, registered fresh by
// XEP-0077 in-band registration, or created by an administrator (XEP-0133), so
// that each test that asks gets its own. Accounts a source created, it can also
// remove again (release), so that a run leaves the target as it found it.
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
  /**
   * Hands back accounts `take` gave, once their test is done. A source that
   * created them removes them from the target; accounts it did not create (given
   * ones, the admin) are left alone, and so is an account already released.
   * Rejects, naming the accounts left behind, when the target refuses.
   */
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
  /** Given accounts belong to whoever gave them: nothing to do. */
  async release(_accounts: Account[]): Promise<void> {}
}

/** Fresh account names and passwords, unlikely to meet an existing account. */
function freshAccount(): Account {
  return { username: `xc-${randomBytes(5).toString("hex")}`, password: randomBytes(9).toString("base64url") };
}

/** The condition of an error reply, for a one-line message. */
function errorCondition(reply: Element): string {
  return reply.getChild("error")?.getChildElements()[0]?.name ?? "no reason given";
}

/** The accounts among `accounts` that `created` holds, taken out of it. */
function claim(created: Set<string>, accounts: Account[]): Account[] {
  const mine = accounts.filter((a) => created.has(a.username));
  for (const a of mine) created.delete(a.username);
  return mine;
}

/** Settles every removal; rejects naming each account left behind and why. */
async function removeAll(accounts: Account[], domain: string, remove: (a: Account) => Promise<void>): Promise<void> {
  const outcomes = await Promise.allSettled(accounts.map(remove));
  const left = outcomes.flatMap((o, i) => (o.status === "rejected" ? [`${accounts[i]!.username} (${(o.reason as Error).message})`] : []));
  if (left.length) throw new ConnectError("auth", `test accounts left on ${domain}: ${left.join(", ")}`);
}

export class RegisteringAccounts implements AccountSource {
  readonly available = "unlimited" as const;
  /** Usernames registered here and not yet released. */
  private readonly created = new Set<string>();
  constructor(private readonly target: TargetProfile) {}

  async take(n: number): Promise<Account[]> {
    return Promise.all(Array.from({ length: n }, () => this.register()));
  }

  /** Each account cancels its own registration (XEP-0077 3.2). */
  async release(accounts: Account[]): Promise<void> {
    await removeAll(claim(this.created, accounts), this.target.domain, (a) => this.unregister(a));
  }

  private async unregister(account: Account): Promise<void> {
    const client = await TestClient.connect(this.target, account, { label: "unregister" });
    try {
      const res = await client.iq(iq("set", {}, xml("query", { xmlns: NS.register }, xml("remove"))));
      if (res.attrs.type !== "result") throw new Error(`in-band cancellation refused: ${errorCondition(res)}`);
      // The server ends the stream itself (a <not-authorized/> stream error); close() waits for that.
    } finally {
      await client.close();
    }
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
      this.created.add(account.username);
      return account;
    } finally {
      await client.close();
    }
  }
}

/**
 * An administrator creates the accounts with the XEP-0133 "Add User" ad-hoc command
 * (XEP-0050), for servers that close in-band registration, and deletes them with
 * "Delete User".
 */
export class AdminAccounts implements AccountSource {
  readonly available = "unlimited" as const;
  /** Usernames added here and not yet released. */
  private readonly created = new Set<string>();
  constructor(
    private readonly target: TargetProfile,
    private readonly admin: Account,
  ) {}

  async take(n: number): Promise<Account[]> {
    const client = await TestClient.connect(this.target, this.admin, { label: "admin" });
    try {
      const accounts: Account[] = [];
      for (let i = 0; i < n; i++) {
        const account = freshAccount();
        await this.command(client, ADD_USER, "add users", [
          field("accountjid", `${account.username}@${this.target.domain}`),
          field("password", account.password),
          field("password-verify", account.password),
        ]);
        this.created.add(account.username);
        accounts.push(account);
      }
      return accounts;
    } finally {
      await client.close();
    }
  }

  /** One Delete User command for all of them. */
  async release(accounts: Account[]): Promise<void> {
    const mine = claim(this.created, accounts);
    if (mine.length === 0) return;
    let client: TestClient | undefined;
    try {
      client = await TestClient.connect(this.target, this.admin, { label: "admin" });
      await this.command(client, DELETE_USER, "delete users", [field("accountjids", mine.map((a) => `${a.username}@${this.target.domain}`))]);
    } catch (err) {
      throw new ConnectError("auth", `test accounts left on ${this.target.domain}: ${mine.map((a) => a.username).join(", ")} (${(err as Error).message})`);
    } finally {
      await client?.close();
    }
  }

  /** Executes `node`, then submits its form with `fields`; throws unless it completed. */
  private async command(client: TestClient, node: string, what: string, fields: Element[]): Promise<void> {
    const refused = (why: string) => new ConnectError("auth", `${this.admin.username}@${this.target.domain} cannot ${what} (XEP-0133): ${why}`);
    const start = await client.iq(iq("set", { to: this.target.domain }, xml("command", { xmlns: NS.commands, action: "execute", node })));
    if (start.attrs.type !== "result") throw refused(errorCondition(start));
    const session = start.getChild("command", NS.commands)?.attrs.sessionid;
    if (!session) throw refused("the form came without a sessionid");
    const done = await client.iq(
      iq(
        "set",
        { to: this.target.domain },
        xml(
          "command",
          { xmlns: NS.commands, node, sessionid: session },
          xml("x", { xmlns: NS.dataForms, type: "submit" }, field("FORM_TYPE", NS.admin, "hidden"), ...fields),
        ),
      ),
    );
    const why = commandRefusal(done);
    if (why !== undefined) throw refused(why);
  }
}

function field(name: string, values: string | string[], type?: string): Element {
  return xml("field", { var: name, type }, ...[values].flat().map((v) => xml("value", {}, v)));
}

/**
 * Why a command's answer is not a completion, or undefined when it is one. A
 * server may also report a refusal as a completed command carrying an error note
 * (XEP-0050 notes), not as an iq error.
 */
function commandRefusal(reply: Element): string | undefined {
  if (reply.attrs.type === "error") return errorCondition(reply);
  const command = reply.getChild("command", NS.commands);
  if (command?.attrs.status !== "completed") return `status ${command?.attrs.status ?? "missing"}`;
  const note = command.getChildren("note").find((n) => n.attrs.type === "error");
  return note ? `error note: ${note.getText() || "no text"}` : undefined;
}

const ADD_USER = `${NS.admin}#add-user`;
const DELETE_USER = `${NS.admin}#delete-user`;
