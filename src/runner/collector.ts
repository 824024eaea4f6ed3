// A mocha reporter that turns runner events into TestResults, using the evidence the dsl left behind.
import Mocha from "mocha";
import type { Runnable, Runner, Test } from "mocha";
import { declared, evidence } from "./dsl.js";
import type { TestResult } from "./results.js";
import { suiteOf } from "./suites.js";

const { EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

/** Builds a reporter class that hands each finished test (or failed hook) to `onResult`. */
export function collector(onResult: (result: TestResult) => void): Mocha.ReporterConstructor {
  return class Collector extends Mocha.reporters.Base {
    constructor(runner: Runner) {
      super(runner);
      const started = new Map<Runnable, number>();
      const durationOf = (r: Runnable) => r.duration ?? (started.has(r) ? Date.now() - started.get(r)! : 0);
      runner.on(EVENT_TEST_BEGIN, (test: Test) => started.set(test, Date.now()));
      runner.on(EVENT_TEST_PASS, (test: Test) => onResult(base(test, "passed", durationOf(test))));
      runner.on(EVENT_TEST_PENDING, (test: Test) => {
        const reason = evidence.get(test.fullTitle())?.skipReason ?? "skipped in the suite";
        onResult({ ...base(test, "skipped", durationOf(test)), reason });
      });
      // A failing hook arrives here too: it becomes a failed result of its own.
      runner.on(EVENT_TEST_FAIL, (test: Runnable, err: unknown) => {
        const violation = evidence.get(test.fullTitle())?.violation;
        const failure = violation
          ? { message: violation.message, rule: violation.rule, expected: violation.expected, received: violation.received }
          : { message: failureMessage(test, err) };
        onResult({ ...base(test, "failed", durationOf(test)), failure });
      });
    }
  };
}

function base(test: Runnable, status: TestResult["status"], durationMs: number): TestResult {
  const fullTitle = test.fullTitle();
  const transcript = evidence.get(fullTitle)?.transcript;
  return {
    suite: suiteOf(test),
    title: test.title,
    fullTitle,
    rules: declared.get(fullTitle)?.rules ?? [],
    status,
    durationMs,
    ...(transcript ? { transcript } : {}),
  };
}

function failureMessage(test: Runnable, err: unknown): string {
  const e = err as { code?: string; message?: string } | undefined;
  // mocha's own timeout text talks about done() callbacks; say what happened instead.
  if (e?.code === "ERR_MOCHA_TIMEOUT") return `no verdict within ${test.timeout()} ms (hang guard)`;
  return e?.message ?? String(err);
}
