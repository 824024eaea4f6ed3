// Errors a test throws to end itself: a violation (failure with evidence) or a skip with its reason.
// Below the harness and the runner: both, and the suites, import it; it imports neither.
export class Violation extends Error {
  constructor(
    readonly rule: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(`${rule} violated: expected ${expected}; received ${received}`);
    this.name = "Violation";
  }
}

export class SkipTest extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "SkipTest";
  }
}

/** Ends the test as a failure of `rule` unless `condition` holds. */
export function check(condition: unknown, rule: string, expected: string, received: string | (() => string)): asserts condition {
  if (!condition) throw new Violation(rule, expected, typeof received === "function" ? received() : received);
}
