// In-memory accounts and rosters. SCRAM keys are derived once per password and hash, by
// the first login that needs them, so a login costs a few hashes, not 4096 PBKDF2
// iterations, and an account that only ever logs in with one hash pays for one.
import { randomBytes } from "node:crypto";
import type { ScramHash } from "../xmpp/scram.js";
import { scramCredentials, type ScramCredentials } from "./sasl.js";

export type Subscription = "none" | "to" | "from" | "both";

export interface RosterItem {
  jid: string;
  name?: string;
  subscription: Subscription;
  /** An outbound subscription request is pending. */
  ask: boolean;
  groups: string[];
}

interface Account {
  password: string;
  scram: Partial<Record<ScramHash, ScramCredentials>>;
  roster: Map<string, RosterItem>;
  /** Bare JIDs whose subscription requests await an answer. */
  pendingIn: Set<string>;
}

export const SCRAM_ITERATIONS = 4096;

export class Store {
  private readonly accounts = new Map<string, Account>();

  addUser(username: string, password: string): void {
    const name = username.toLowerCase();
    const scram = {};
    const existing = this.accounts.get(name);
    if (existing) Object.assign(existing, { password, scram });
    else this.accounts.set(name, { password, scram, roster: new Map(), pendingIn: new Set() });
  }

  /** Forgets the account with its roster and pending requests; false when there was none. */
  removeUser(username: string): boolean {
    return this.accounts.delete(username.toLowerCase());
  }

  hasUser(username: string): boolean {
    return this.accounts.has(username.toLowerCase());
  }

  checkPassword(username: string, password: string): boolean {
    return this.accounts.get(username.toLowerCase())?.password === password;
  }

  scramCredentials(username: string, hash: ScramHash = "sha1"): ScramCredentials | undefined {
    const account = this.accounts.get(username.toLowerCase());
    if (!account) return undefined;
    return (account.scram[hash] ??= scramCredentials(account.password, randomBytes(16), SCRAM_ITERATIONS, hash));
  }

  roster(username: string): Map<string, RosterItem> {
    return this.account(username).roster;
  }

  pendingIn(username: string): Set<string> {
    return this.account(username).pendingIn;
  }

  private account(username: string): Account {
    const a = this.accounts.get(username.toLowerCase());
    if (!a) throw new Error(`no account ${username}`);
    return a;
  }
}
