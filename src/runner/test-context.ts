// What a test body gets: accounts, connections it opens (all recorded in one
// transcript and all dropped when the test ends), the run's options, skip.
import type { Account } from "../harness/target.js";
import { ConnectOptions, TestClient } from "../harness/client.js";
import { Transcript } from "../harness/transcript.js";
import type { RunContext } from "./context.js";
import type { TestSpec } from "./dsl.js";
import { SkipTest } from "../verdict/verdict.js";

export class TestContext {
  private readonly log = new Transcript();
  private readonly clients: TestClient[] = [];
  private labels = 0;

  constructor(
    readonly run: RunContext,
    readonly spec: TestSpec,
  ) {}

  get target() {
    return this.run.target;
  }

  get options() {
    return this.run.options;
  }

  get domain(): string {
    return this.run.target.domain;
  }

  /** `n` distinct accounts; skips the test when provisioning cannot give that many. */
  async accounts(n: number): Promise<Account[]> {
    const available = this.run.accounts.available;
    if (available !== "unlimited" && available < n) {
      this.skip(`needs ${n} accounts, ${available} provisioned (give more --account or use --register)`);
    }
    return this.run.accounts.take(n);
  }

  /** Opens a connection recorded in this test's transcript (default: up to resource binding). */
  async connect(account: Account | undefined, opts: ConnectOptions = {}): Promise<TestClient> {
    const label = opts.label ?? `${account?.username.replace(/^xc-/, "") ?? "anon"}#${++this.labels}`;
    const client = await TestClient.connect(this.target, account, {
      timeoutMs: this.options.timeoutMs,
      resource: `xc-${label.replace(/\W/g, "")}-${Date.now().toString(36)}`,
      ...opts,
      label,
      transcript: this.log,
    });
    this.clients.push(client);
    return client;
  }

  skip(reason: string): never {
    throw new SkipTest(reason);
  }

  transcript(): string {
    return this.log.format();
  }

  /** Drops every connection the test opened. */
  dispose(): void {
    for (const c of this.clients) c.kill();
  }
}
