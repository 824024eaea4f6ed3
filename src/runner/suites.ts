// Suite discovery: each folder of dist/suites/ holding *.spec.js files is a suite named for the folder.
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Runnable, Suite, Test } from "mocha";
import { declared } from "./dsl.js";
import { UsageError } from "./errors.js";

/** dist/suites, next to dist/src where this module is compiled to. */
export const SUITES_DIR = fileURLToPath(new URL("../../suites/", import.meta.url));

function specFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".spec.js"))
    .sort()
    .map((f) => join(folder, f));
}

export function knownSuites(dir = SUITES_DIR): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((name) => statSync(join(dir, name)).isDirectory() && specFiles(join(dir, name)).length > 0)
    .sort();
}

/**
 * Suites that run only when named (`--suite robustness`): hostile input is for a test
 * server the user chose, never part of a default run; a refused dialback may leave a real
 * server holding back from the peer's domain for minutes, which would skew every later
 * test that federates.
 */
export const OPT_IN_SUITES: readonly string[] = ["robustness", "s2s-refusals"];

/** Spec files of the named suites (every suite but the opt-in ones when none are named); unknown names are a usage error. */
export function suiteFiles(names: string[] | undefined, dir = SUITES_DIR, withOptIn = false): string[] {
  const known = knownSuites(dir);
  const wanted = names && names.length > 0 ? [...new Set(names)] : known.filter((n) => withOptIn || !OPT_IN_SUITES.includes(n));
  const unknown = wanted.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    const list = known.length > 0 ? known.join(", ") : "none";
    throw new UsageError(`unknown suite ${unknown.map((n) => `"${n}"`).join(", ")} (known suites: ${list})`);
  }
  return wanted.flatMap((n) => specFiles(join(dir, n)));
}

/** The suite a test or hook belongs to: its top-level describe, else the folder of its file. */
export function suiteOf(runnable: Runnable | Suite): string {
  let top: Suite | undefined;
  for (let parent = runnable.parent; parent && !parent.root; parent = parent.parent) top = parent;
  if (top) return top.title;
  return relative(SUITES_DIR, runnable.file ?? "").split(sep)[0] ?? "";
}

/** Every test under a mocha suite, depth first. */
export function testsOf(suite: Suite): Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/** Suite name → the id of every test it declares. */
export function idsBySuite(root: Suite): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const test of testsOf(root)) {
    const suite = suiteOf(test);
    if (!out.has(suite)) out.set(suite, new Set());
    out.get(suite)!.add(declared.get(test.fullTitle())?.id ?? test.title);
  }
  return out;
}
