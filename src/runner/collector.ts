// A mocha reporter that turns runner events into TestResults, using the outcomes the scheduler kept.
import Mocha from "mocha";
import type { Runnable, Runner, Test } from "mocha";
import { declared, displayTitle } from "./dsl.js";
import type { TestResult } from "./results.js";
import type { Scheduler } from "./scheduler.js";
import { suiteOf } from "./suites.js";
import { Violation } from "../verdict/verdict.js";

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/** Builds a reporter class that hands each finished test (or failed hook) to `onResult`. */
export function collector(scheduler: Scheduler, onResult: (result: TestResult) => void): Mocha.ReporterConstructor {
  return class Collector extends Mocha.reporters.Base {
    constructor(runner: Runner) {
      super(runner);
      runner.on(EVENT_TEST_PASS, (test: Test) => onResult(base(scheduler, test, "passed")));
      runner.on(EVENT_TEST_PENDING, (test: Test) => {
        const reason = scheduler.settled(test.fullTitle())?.skipReason ?? "skipped in the suite";
        onResult({ ...base(scheduler, test, "skipped"), reason });
      });
      // A failing hook arrives here too: it becomes a failed result of its own.
      runner.on(EVENT_TEST_FAIL, (test: Runnable, err: unknown) => {
        const error = scheduler.settled(test.fullTitle())?.error ?? err;
        const failure =
          error instanceof Violation
            ? { message: error.message, rule: error.rule, expected: error.expected, received: error.received }
            : { message: (error as Error | undefined)?.message ?? String(error) };
        onResult({ ...base(scheduler, test, "failed"), failure });
      });
    }
  };
}

function base(scheduler: Scheduler, test: Runnable, status: TestResult["status"]): TestResult {
  const fullTitle = test.fullTitle();
  const meta = declared.get(fullTitle);
  const outcome = scheduler.settled(fullTitle);
  return {
    id: meta?.id ?? fullTitle,
    suite: suiteOf(test),
    title: meta ? displayTitle(meta) : test.title,
    fullTitle,
    rules: meta?.rules ?? [],
    status,
    durationMs: outcome?.durationMs ?? test.duration ?? 0,
    ...(outcome?.transcript ? { transcript: outcome.transcript } : {}),
  };
}
