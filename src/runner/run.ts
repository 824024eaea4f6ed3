// One conformance run: discover the target, then run the chosen suites in mocha and collect results.
import Mocha from "mocha";
import type { AccountSource } from "../harness/accounts.js";
import type { TargetProfile } from "../harness/target.js";
import type { Capabilities } from "./capabilities.js";
import { collector } from "./collector.js";
import { RunOptions, setRunContext } from "./context.js";
import { discoverCapabilities } from "./discover.js";
import { UsageError } from "./errors.js";
import { TestResult, Totals, totalsOf } from "./results.js";
import { suiteFiles, titlesBySuite } from "./suites.js";

export interface RunSuitesOptions {
  target: TargetProfile;
  accounts: AccountSource;
  options: RunOptions;
  /** Suite (folder) names; all suites when absent or empty. */
  suites?: string[];
  /** Only tests whose full title matches (see grepPattern). */
  grep?: RegExp;
  /** Called as each test finishes, for progress output. */
  onResult?: (result: TestResult) => void;
}

export interface RunOutcome {
  capabilities: Capabilities;
  /** Suite → every test title the loaded suites declare (run or filtered out). */
  declaredTitles: Map<string, Set<string>>;
  startedAt: string;
  durationMs: number;
  totals: Totals;
  results: TestResult[];
}

/**
 * A test gets this long before mocha gives up on it: the suites time out their own waits, so this only
 * catches hangs, and must outlast a test that waits out a resumption window (up to 3 × --max-wait).
 */
export function hangGuardMs(maxWaitSec: number): number {
  return Math.max(30_000, 3 * maxWaitSec * 1000 + 10_000);
}

/** Runs once per process: mocha keeps global state between runs. */
export async function runSuites(opts: RunSuitesOptions): Promise<RunOutcome> {
  const files = suiteFiles(opts.suites);
  const started = Date.now();
  const capabilities = await discoverCapabilities(opts.target, opts.accounts);
  setRunContext({ target: opts.target, accounts: opts.accounts, options: opts.options, capabilities });

  const results: TestResult[] = [];
  const mocha = new Mocha({
    timeout: hangGuardMs(opts.options.maxWaitSec),
    ...(opts.grep ? { grep: opts.grep } : {}),
    reporter: collector((result) => {
      results.push(result);
      opts.onResult?.(result);
    }),
  });
  for (const file of files) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const declaredTitles = titlesBySuite(mocha.suite);
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
  return {
    capabilities,
    declaredTitles,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    totals: totalsOf(results),
    results,
  };
}

/** --grep as a regular expression; checked before any server is started or reached. */
export function grepPattern(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new UsageError(`--grep ${pattern}: not a valid regular expression`);
  }
}
