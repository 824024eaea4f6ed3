// How suites declare conformance tests: a stable id, the rule IDs, a title and the needs.
// Declaring only registers the test; the scheduler (scheduler.ts) runs its body, up to
// --jobs at once, and mocha reports the outcome in order.
import type { Test } from "mocha";
import { runContext } from "./context.js";
import type { Need } from "./needs.js";
import type { TestContext } from "./test-context.js";

export interface TestSpec {
  /** Stable id (`sm.resume.after-drop`): expectation files and results key on it, so titles can change. */
  id: string;
  rules: string[];
  title: string;
  needs?: Need[];
}

export interface TestMeta extends TestSpec {
  /** mocha's full title: suite title + test title. */
  fullTitle: string;
}

export type TestBody = (t: TestContext) => Promise<void>;

/** Every declared test, by mocha full title; `list` reads this without running anything. */
export const declared = new Map<string, TestMeta>();
/** Test bodies by mocha full title, for the scheduler. */
export const bodies = new Map<string, TestBody>();

const ID_PATTERN = /^[a-z0-9]+(?:[.-][a-z0-9]+)+$/;

/** The mocha title: id, rule IDs, title; `--grep` therefore matches any of the three. */
export function testTitle(spec: TestSpec): string {
  return `${spec.id} ${spec.rules.join(" ")}: ${spec.title}`;
}

/** The title as reports show it next to the id: rule IDs first. */
export function displayTitle(spec: Pick<TestSpec, "rules" | "title">): string {
  return `${spec.rules.join(" ")}: ${spec.title}`;
}

export function conformance(spec: TestSpec, body: TestBody): Test {
  if (!ID_PATTERN.test(spec.id)) throw new Error(`test id "${spec.id}": lower-case words joined by dots or dashes, at least two`);
  const clash = [...declared.values()].find((m) => m.id === spec.id);
  if (clash) throw new Error(`test id "${spec.id}" is declared twice ("${clash.title}" and "${spec.title}")`);
  const test = it(testTitle(spec), async function () {
    const outcome = await runContext().scheduler.outcome(this.test!.fullTitle());
    if (outcome.status === "skipped") this.skip();
    if (outcome.status === "failed") throw outcome.error;
  });
  declared.set(test.fullTitle(), { ...spec, fullTitle: test.fullTitle() });
  bodies.set(test.fullTitle(), body);
  return test;
}
