// --order: tests run in declared order, or shuffled within each suite by a seeded
// generator, so that a verdict that depends on what ran before shows, and a shuffled
// run can be repeated from its seed.
import type { Suite, Test } from "mocha";
import { Random } from "../fuzz/random.js";
import { UsageError } from "./errors.js";

export type Order = { mode: "declared" } | { mode: "random"; seed: number };

/** `declared`, `random` (a new seed) or `random:SEED`. */
export function parseOrder(spec: string): Order {
  if (spec === "declared") return { mode: "declared" };
  const m = /^random(?::(\d{1,10}))?$/.exec(spec);
  if (!m) throw new UsageError(`--order ${spec}: expected declared, random or random:SEED (SEED a whole number)`);
  const seed = m[1] === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(m[1]);
  if (seed >= 2 ** 32) throw new UsageError(`--order ${spec}: SEED must be below 4294967296`);
  return { mode: "random", seed };
}

export function describeOrder(order: Order): string {
  return order.mode === "declared" ? "declared order" : `random order, seed ${order.seed} (repeat with --order random:${order.seed})`;
}

/**
 * Shuffles the tests of each suite, across its files: a suite's files each declare a
 * top-level describe of the suite's name, so all of its tests move into the first one.
 * Suites declare no hooks and no nested describes (a test keeps its full title, and so
 * its identity, only because its parent keeps the same title).
 */
export function applyOrder(root: Suite, order: Order): void {
  if (order.mode === "declared") return;
  const random = new Random(order.seed);
  const groups = new Map<string, Suite[]>();
  for (const s of root.suites) groups.set(s.title, [...(groups.get(s.title) ?? []), s]);
  for (const suites of groups.values()) {
    if (suites.some((s) => s.suites.length > 0)) {
      throw new Error(`suite ${suites[0]!.title} nests describe blocks, which --order random cannot move`);
    }
    const tests: Test[] = suites.flatMap((s) => s.tests);
    for (let i = tests.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [tests[i], tests[j]] = [tests[j]!, tests[i]!];
    }
    const first = suites[0]!;
    for (const s of suites) {
      s.tests = [];
    }
    for (const test of tests) {
      test.parent = first;
      first.tests.push(test);
    }
  }
}
