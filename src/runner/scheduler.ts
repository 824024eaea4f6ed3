// Runs test bodies, up to `jobs` at once, in the order mocha will report them. mocha
// walks the tests one by one and each test only awaits its outcome here, so reports
// stay in order while tests that wait on protocol timers overlap. Each body has its own
// hang guard, and its cleanup runs before its accounts go to the next test.
import type { TestStatus } from "./results.js";
import { bodies, declared, type TestBody, type TestMeta } from "./dsl.js";
import type { RunEnv } from "./context.js";
import { unmetReason } from "./needs.js";
import { TestContext } from "./test-context.js";
import { SkipTest } from "../verdict/verdict.js";

export interface Outcome {
  status: TestStatus;
  /** The body's own time, cleanup excluded. */
  durationMs: number;
  skipReason?: string;
  /** What failed the test: a Violation, or any other error. */
  error?: unknown;
  /** The wire record of a failed test. */
  transcript?: string;
}

export class Scheduler {
  /**
   * Tests needing a shared actor take turns: the component JID takes one connection at a
   * time, and the S2S peer's streams belong to one test at a time.
   */
  private readonly turns = { component: Promise.resolve(), peer: Promise.resolve() };
  private readonly outcomes = new Map<string, Promise<Outcome>>();
  private readonly done = new Map<string, Outcome>();
  private next = 0;

  /** `order`: mocha full titles of the tests to run, in mocha's order. */
  constructor(
    private readonly run: RunEnv,
    private readonly order: string[],
    jobs: number,
    private readonly guardMs: number,
  ) {
    for (let i = 0; i < Math.min(jobs, order.length); i++) this.startNext();
  }

  /** The outcome of a test, once its body and cleanup are done. */
  outcome(fullTitle: string): Promise<Outcome> {
    const o = this.outcomes.get(fullTitle);
    if (!o) throw new Error(`no scheduled test "${fullTitle}"`);
    return o;
  }

  /** A finished test's outcome, for the reporters. */
  settled(fullTitle: string): Outcome | undefined {
    return this.done.get(fullTitle);
  }

  private startNext(): void {
    const fullTitle = this.order[this.next++];
    if (fullTitle === undefined) return;
    const o = this.execute(fullTitle).then((outcome) => {
      this.done.set(fullTitle, outcome);
      this.startNext();
      return outcome;
    });
    this.outcomes.set(fullTitle, o);
  }

  private async execute(fullTitle: string): Promise<Outcome> {
    const spec = declared.get(fullTitle)!;
    const body = bodies.get(fullTitle)!;
    for (const need of spec.needs ?? []) {
      const reason = unmetReason(need, {
        capabilities: this.run.capabilities,
        accountsAvailable: this.run.accounts.available,
        ...(this.run.options.smQueueLimit !== undefined ? { smQueueLimit: this.run.options.smQueueLimit } : {}),
      });
      if (reason) return { status: "skipped", durationMs: 0, skipReason: reason };
    }
    // Taken before the body takes its accounts, and always in this order, so that no two tests wait on each other.
    const releases: Array<() => void> = [];
    for (const actor of ["component", "peer"] as const) {
      if (spec.needs?.some((n) => actor in n)) releases.push(await this.take(actor));
    }
    try {
      return await this.runBody(spec, body);
    } finally {
      for (const release of releases) release();
    }
  }

  private take(actor: keyof Scheduler["turns"]): Promise<() => void> {
    const previous = this.turns[actor];
    let release!: () => void;
    this.turns[actor] = new Promise<void>((resolve) => (release = resolve));
    return previous.then(() => release);
  }

  private async runBody(spec: TestMeta, body: TestBody): Promise<Outcome> {
    const t = new TestContext(this.run, spec);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HangGuard(this.guardMs)), this.guardMs);
    });
    const running = body(t);
    running.catch(() => undefined); // after the guard fires, its rejection is of no interest
    let outcome: Outcome;
    try {
      await Promise.race([running, guard]);
      outcome = { status: "passed", durationMs: Date.now() - started };
    } catch (err) {
      const durationMs = Date.now() - started;
      if (err instanceof HangGuard) t.abort();
      outcome =
        err instanceof SkipTest
          ? { status: "skipped", durationMs, skipReason: err.reason }
          : { status: "failed", durationMs, error: err, transcript: t.transcript() };
    } finally {
      clearTimeout(timer);
    }
    // Cleanup gets its own budget: a few waits of the default timeout.
    await t.finish(3 * this.run.options.timeoutMs);
    return outcome;
  }
}

/** A body that gave no verdict in time: it hangs (the suites time out their own waits). */
export class HangGuard extends Error {
  constructor(ms: number) {
    super(`no verdict within ${ms} ms (hang guard)`);
    this.name = "HangGuard";
  }
}

