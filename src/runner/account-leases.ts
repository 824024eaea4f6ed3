// Accounts lent to tests that may run at the same time. Given accounts are a fixed
// pool: a test holds its accounts alone until it has cleaned up, so tests running side
// by side never share one, and a test waits while too few are free. Sources that make
// fresh accounts (registration, admin) lend new ones to every test.
import type { AccountSource } from "../harness/accounts.js";
import type { Account } from "../harness/target.js";

export interface Lease {
  accounts: Account[];
  release(): Promise<void>;
}

export class AccountLeases {
  private readonly free: Account[] | undefined;
  private readonly waiting: Array<{ n: number; resolve: (accounts: Account[]) => void }> = [];

  private constructor(
    private readonly source: AccountSource,
    pool: Account[] | undefined,
  ) {
    this.free = pool;
  }

  static async of(source: AccountSource): Promise<AccountLeases> {
    const pool = source.available === "unlimited" ? undefined : await source.take(source.available);
    return new AccountLeases(source, pool);
  }

  /** How many accounts one test can have at most. */
  get available(): number | "unlimited" {
    return this.source.available;
  }

  /** How many tests with `n` accounts each can hold their accounts at once. */
  concurrentFor(n: number): number {
    return this.source.available === "unlimited" ? Infinity : Math.floor(this.source.available / Math.max(1, n));
  }

  /** `n` accounts no other running test holds; waits, first come first served, until they are free. */
  async lease(n: number): Promise<Lease> {
    const pool = this.free;
    if (!pool) {
      const accounts = await this.source.take(n);
      return { accounts, release: async () => this.source.release?.(accounts) };
    }
    if (n > (this.source.available as number)) throw new Error(`${n} accounts asked for, ${this.source.available} given`);
    const accounts = await new Promise<Account[]>((resolve) => {
      this.waiting.push({ n, resolve });
      this.grant();
    });
    return {
      accounts,
      release: async () => {
        pool.push(...accounts);
        this.grant();
      },
    };
  }

  private grant(): void {
    const pool = this.free!;
    while (this.waiting.length > 0 && pool.length >= this.waiting[0]!.n) {
      const next = this.waiting.shift()!;
      next.resolve(pool.splice(0, next.n));
    }
  }
}
