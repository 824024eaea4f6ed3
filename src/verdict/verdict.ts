// Errors a test throws to end itself: a violation (failure with evidence) or a skip with its reason.
// Below the harness and the runner: both, and the suites, import it; it imports neither.
import { ruleReference } from "../rules/catalogue.js";

/**
 * A test's failure: the rule broken, what was expected and what came. The message ends
 * with a line quoting the rule's catalogue entry (statement and link), so every report
 * that shows the message shows what the rule says. Harness labels such as "expectation"
 * have no entry and get no such line.
 */
export class Violation extends Error {
  constructor(
    readonly rule: string,
    readonly expected: string,
    readonly received: string,
  ) {
    super(violationMessage(rule, expected, received));
    this.name = "Violation";
  }
}

function violationMessage(rule: string, expected: string, received: string): string {
  const reference = ruleReference(rule);
  return `${rule} violated: expected ${expected}; received ${received}${reference ? `\n${reference}` : ""}`;
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
