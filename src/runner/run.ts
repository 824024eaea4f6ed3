// One conformance run: discover the target, then run the chosen suites in mocha and collect results.
import Mocha from "mocha";
import type { AccountSource } from "../harness/accounts.js";
import type { TargetProfile } from "../harness/target.js";
import type { Capabilities } from "./capabilities.js";
import { AccountLeases } from "./account-leases.js";
import { collector } from "./collector.js";
import { RunOptions, setRunContext, type RunEnv } from "./context.js";
import { discoverCapabilities } from "./discover.js";
import { UsageError } from "./errors.js";
import { TestResult, Totals, totalsOf } from "./results.js";
import { applyOrder, type Order } from "./order.js";
import { Scheduler } from "./scheduler.js";
import { suiteFiles, testsOf, idsBySuite } from "./suites.js";

export interface RunSuitesOptions {
  target: TargetProfile;
  accounts: AccountSource;
  options: RunOptions;
  /** Suite (folder) names; all suites when absent or empty. */
  suites?: string[];
  /** Only tests whose full title (id, rule IDs, title) matches (see grepPattern). */
  grep?: RegExp;
  order: Order;
  /** Tests run at once at most. */
  jobs: number;
  /** Told how many tests can really run at once, and why, before the first starts. */
  onPlan?: (line: string) => void;
  /** Called as each test finishes, for progress output. */
  onResult?: (result: TestResult) => void;
}

export interface RunOutcome {
  capabilities: Capabilities;
  /** Suite → every test id the loaded suites declare (run or filtered out). */
  declaredIds: Map<string, Set<string>>;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  results: TestResult[];
}

/**
 * A test body gets this long before the scheduler gives up on it: the suites time out their own waits,
 * so this only catches hangs, and must outlast a test that waits out a resumption window (up to 3 × --max-wait).
 */
export function hangGuardMs(maxWaitSec: number): number {
  return Math.max(30_000, 3 * maxWaitSec * 1000 + 10_000);
}

/** Runs once per process: mocha keeps global state between runs. */
export async function runSuites(opts: RunSuitesOptions): Promise<RunOutcome> {
  const files = suiteFiles(opts.suites);
  const started = Date.now();
  const accounts = await AccountLeases.of(opts.accounts);
  const { component, peer, timeoutMs } = opts.options;
  const capabilities = await discoverCapabilities(opts.target, accounts, { ...(component ? { component } : {}), ...(peer ? { peer } : {}), timeoutMs });
  const env: RunEnv = { target: opts.target, accounts, options: opts.options, capabilities };

  const mocha = new Mocha();
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const declaredIds = idsBySuite(mocha.suite);
  applyOrder(mocha.suite, opts.order);
  const order = testsOf(mocha.suite)
    .map((t) => t.fullTitle())
    .filter((title) => !opts.grep || opts.grep.test(title));
  opts.onPlan?.(concurrencyLine(opts.jobs, accounts));

  const guard = hangGuardMs(opts.options.maxWaitSec);
  const scheduler = new Scheduler(env, order, opts.jobs, guard);
  setRunContext({ ...env, scheduler });
  const results: TestResult[] = [];
  // The scheduler guards each body; mocha's own timeout only backs it up (body, cleanup and margin).
  mocha.timeout(guard + 3 * opts.options.timeoutMs + 10_000);
  if (opts.grep) mocha.grep(opts.grep);
  mocha.reporter(
    collector(scheduler, (result) => {
      results.push(result);
      opts.onResult?.(result);
    }),
  );
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
  return {
    capabilities,
    declaredIds,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    totals: totalsOf(results),
    results,
  };
}

/** What --jobs means with these accounts: given accounts are never shared by tests running at once. */
function concurrencyLine(jobs: number, accounts: AccountLeases): string {
  if (jobs === 1) return "jobs 1: one test at a time";
  const n = accounts.available;
  if (n === "unlimited") return `jobs ${jobs}: up to ${jobs} tests at once, each with fresh accounts`;
  return `jobs ${jobs} with ${n} given accounts: tests run side by side only on disjoint accounts, so at most ${Math.min(jobs, n)} at once, fewer while a test holds two or three`;
}

/** --grep as a regular expression; checked before any server is started or reached. */
export function grepPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new UsageError(`--grep ${pattern}: not a valid regular expression`);
  }
}
