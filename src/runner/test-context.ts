// What a test body gets: accounts, connections it opens (all recorded in one
// transcript), the run's options, skip, and cleanup. When the body is done the context
// leaves the accounts as it found them: streams it left open are acknowledged and
// closed, Stream Management sessions it dropped are resumed and closed, the cleanups
// the body registered (roster items it made) run, and the accounts go back.
import { randomBytes } from "node:crypto";
import type { Account } from "../harness/target.js";
import { ConnectOptions, TestClient } from "../harness/client.js";
import { TestComponent } from "../harness/component.js";
import type { PeerOptions, TestPeer } from "../harness/peer.js";
import { Transcript } from "../harness/transcript.js";
import { sm } from "../xmpp/builders.js";
import { predicate } from "../xmpp/match.js";
import { NS } from "../xmpp/ns.js";
import type { RunEnv } from "./context.js";
import type { TestSpec } from "./dsl.js";
import type { Lease } from "./account-leases.js";
import { peerUnmetReason } from "./needs.js";
import { SkipTest } from "../verdict/verdict.js";

export class TestContext {
  private readonly log = new Transcript();
  private readonly clients: TestClient[] = [];
  private readonly components: TestComponent[] = [];
  private testPeer?: TestPeer;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private lease?: Lease;
  private labels = 0;

  constructor(
    readonly run: RunEnv,
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

  /**
   * The account with administrative rights on the target's services (`--service-admin`),
   * if any: tests use it to create pubsub nodes where the target lets only admins do so.
   * Tests share it, so it is not leased: a test leaves it as it found it by undoing what
   * it made (onCleanup).
   */
  get serviceAdmin(): Account | undefined {
    return this.run.options.serviceAdmin;
  }

  /**
   * `n` distinct accounts that no other running test holds; skips the test when
   * provisioning cannot give that many. A test takes its accounts once.
   */
  async accounts(n: number): Promise<Account[]> {
    const available = this.run.accounts.available;
    if (available !== "unlimited" && available < n) {
      this.skip(`needs ${n} accounts, ${available} provisioned (give more --account or use --register)`);
    }
    if (this.lease) throw new Error(`${this.spec.id}: a test takes its accounts once (asked again for ${n})`);
    this.lease = await this.run.accounts.lease(n);
    return this.lease.accounts;
  }

  /** Opens a connection recorded in this test's transcript (default: up to resource binding). */
  async connect(account: Account | undefined, opts: ConnectOptions = {}): Promise<TestClient> {
    const label = opts.label ?? `${account?.username.replace(/^xc-/, "") ?? "anon"}#${++this.labels}`;
    const client = await TestClient.connect(this.target, account, {
      timeoutMs: this.options.timeoutMs,
      // Random too: tests running at once may connect a shared account (the service admin) in the same millisecond.
      resource: `xc-${label.replace(/\W/g, "")}-${Date.now().toString(36)}${randomBytes(2).toString("hex")}`,
      ...opts,
      label,
      transcript: this.log,
    });
    this.clients.push(client);
    return client;
  }

  /**
   * Attaches to the target as the run's XEP-0114 component, recorded in this test's
   * transcript; skips the test when no component is configured. The test must declare
   * the need, so that it holds the component alone.
   */
  async component(): Promise<TestComponent> {
    // The scheduler gives a test the component alone only when it declares the need.
    if (!this.spec.needs?.some((n) => "component" in n)) throw new Error(`${this.spec.id}: declare needs: [{ component: true }] to use t.component()`);
    const profile = this.options.component;
    if (!profile) this.skip("no XEP-0114 component is configured for the target (pass --component NAME:SECRET@[HOST:]PORT)");
    const c = await TestComponent.connect(profile, { transcript: this.log, timeoutMs: this.options.timeoutMs });
    this.components.push(c);
    return c;
  }

  /**
   * The harness as a remote server of its own domain, federating with the target (S2S,
   * XEP-0220 dialback), recorded in this test's transcript; skips the test when the
   * target does not federate with it. The test must declare the need, so that it has
   * the peer alone. Asking again returns the same peer.
   */
  async peer(opts: PeerOptions = {}): Promise<TestPeer> {
    if (!this.spec.needs?.some((n) => "peer" in n)) throw new Error(`${this.spec.id}: declare needs: [{ peer: true }] to use t.peer()`);
    const unmet = peerUnmetReason(this.run.capabilities);
    if (unmet) this.skip(unmet);
    const listener = this.options.peer;
    if (!listener) this.skip("the harness's S2S peer is not running");
    this.testPeer ??= listener.begin(opts, this.log, this.options.timeoutMs);
    return this.testPeer;
  }

  /** Registers an undo step (run after the test's streams are closed, last registered first). */
  onCleanup(step: () => Promise<void>): void {
    this.cleanups.push(step);
  }

  /** Adds a line to this test's transcript (what a raw socket sent and got, say). */
  note(conn: string, text: string): void {
    this.log.add("event", conn, text);
  }

  skip(reason: string): never {
    throw new SkipTest(reason);
  }

  transcript(): string {
    return this.log.format();
  }

  /** Drops every connection at once (the test ran out of time). */
  abort(): void {
    for (const c of [...this.clients, ...this.components]) c.kill();
    this.testPeer?.abort();
  }

  /**
   * Puts the accounts back as the test found them, within `budgetMs`; what could not
   * be undone is noted in the transcript. Then the accounts go back to the pool.
   */
  async finish(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
    try {
      await Promise.race([this.undo(), deadline.then(() => this.log.add("event", "cleanup", `not finished within ${budgetMs} ms`))]);
    } finally {
      clearTimeout(timer);
      this.abort();
      if (this.testPeer) this.options.peer?.release(this.testPeer);
      // Accounts the source made for this test are removed; a refusal leaves them behind, but decides no verdict.
      await this.lease?.release().catch((err: unknown) => this.log.add("event", "cleanup", (err as Error).message));
    }
  }

  private async undo(): Promise<void> {
    await this.settleStreams();
    for (const step of this.cleanups.splice(0).reverse()) {
      await step().catch((err: unknown) => this.log.add("event", "cleanup", `failed: ${(err as Error).message}`));
    }
    // Connections the cleanup steps opened.
    await this.settleStreams();
  }

  /** Every stream this test opened ends, and so does every session behind it. */
  private async settleStreams(): Promise<void> {
    // The last connection that enabled or resumed an SM-ID is the one serving it.
    const owners = new Map<string, TestClient>();
    for (const c of this.clients) if (c.sm?.id !== undefined) owners.set(c.sm.id, c);
    const owning = new Set(owners.values());
    await Promise.all(this.components.map((c) => c.close().catch(() => c.kill())));
    await this.testPeer?.close();
    await Promise.all(
      this.clients.map(async (c) => {
        try {
          if (c.isOpen) await this.closeAcknowledged(c);
          else if (c.dropped && owning.has(c) && c.sm?.resumable && c.account) await this.resumeAndClose(c);
        } catch (err) {
          this.log.add("event", "cleanup", `${c.label}: ${(err as Error).message}`);
          c.kill();
        }
      }),
    );
  }

  /** Acknowledges everything received (so nothing bounces or goes offline), then closes. */
  private async closeAcknowledged(c: TestClient): Promise<void> {
    if (c.sm) {
      await c.drainUntilBarrier();
      await c.send(sm.a(c.sm.handled, c.sm.ns));
    }
    await c.close();
  }

  /** A session the test dropped would hibernate for the server's whole window: resume it and close. */
  private async resumeAndClose(dropped: TestClient): Promise<void> {
    const track = dropped.sm!;
    const c = await this.connect(dropped.account, { until: "authenticated", label: `${dropped.label}-cleanup` });
    await c.send(sm.resume(track.id!, track.handled, track.ns));
    const answer = await c.expect(
      predicate("<resumed/> or <failed/>", (el) => ["resumed", "failed"].includes(el.name) || el.is("error", NS.stream)),
    ).catch(() => undefined);
    // <failed/> or a closed stream: the session is already gone.
    if (answer?.name === "resumed") await this.closeAcknowledged(c);
    else await c.close();
  }
}
