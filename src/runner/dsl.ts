// How suites declare conformance tests: rule IDs first in the title, needs checked
// before the body runs, evidence (violation + transcript) kept for the reporters.
import type { Test } from "mocha";
import { runContext } from "./context.js";
import { Need, unmetReason } from "./needs.js";
import { SkipTest, Violation } from "../verdict/verdict.js";
import { TestContext } from "./test-context.js";

export interface TestSpec {
  rules: string[];
  title: string;
  needs?: Need[];
}

export interface TestMeta extends TestSpec {
  /** mocha's full title: suite title + test title. */
  fullTitle: string;
}

export interface TestEvidence {
  skipReason?: string;
  violation?: Violation;
  transcript?: string;
}

/** Every declared test, by mocha full title; `list` reads this without running anything. */
export const declared = new Map<string, TestMeta>();
/** What each executed test left behind, by mocha full title. */
export const evidence = new Map<string, TestEvidence>();

export function testTitle(spec: TestSpec): string {
  return `${spec.rules.join(" ")}: ${spec.title}`;
}

export function conformance(spec: TestSpec, body: (t: TestContext) => Promise<void>): Test {
  const test = it(testTitle(spec), async function () {
    const id = this.test!.fullTitle();
    const run = runContext();
    for (const need of spec.needs ?? []) {
      const reason = unmetReason(need, {
        capabilities: run.capabilities,
        accountsAvailable: run.accounts.available,
        ...(run.options.smQueueLimit !== undefined ? { smQueueLimit: run.options.smQueueLimit } : {}),
      });
      if (reason) {
        evidence.set(id, { skipReason: reason });
        this.skip();
      }
    }
    const t = new TestContext(run, spec);
    // The transcript is read when the verdict is reported, so a test that mocha's hang
    // guard stops (its body still pending) reports the wire up to that moment too.
    const record: TestEvidence = {};
    Object.defineProperty(record, "transcript", { get: () => t.transcript(), enumerable: true });
    evidence.set(id, record);
    try {
      await body(t);
      evidence.delete(id);
    } catch (err) {
      if (err instanceof SkipTest) {
        record.skipReason = err.reason;
        this.skip();
      }
      if (err instanceof Violation) record.violation = err;
      throw err;
    } finally {
      t.dispose();
    }
  });
  declared.set(test.fullTitle(), { ...spec, fullTitle: test.fullTitle() });
  return test;
}
