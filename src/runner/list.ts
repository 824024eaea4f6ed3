// `list`: every test the suites declare, with its rule IDs and what it needs, without running any.
import Mocha from "mocha";
import { declared } from "./dsl.js";
import type { Need } from "./needs.js";
import { suiteFiles, suiteOf, testsOf } from "./suites.js";

export interface ListedTest {
  id: string;
  suite: string;
  rules: string[];
  title: string;
  needs: string[];
}

export async function listTests(suites?: string[]): Promise<ListedTest[]> {
  const mocha = new Mocha();
  // Listing shows the opt-in suites too: they are documented like any other.
  for (const file of suiteFiles(suites, undefined, true)) mocha.addFile(file);
  await mocha.loadFilesAsync();
  return testsOf(mocha.suite).map((test) => {
    const meta = declared.get(test.fullTitle());
    return {
      id: meta?.id ?? test.title,
      suite: suiteOf(test),
      rules: meta?.rules ?? [],
      title: meta?.title ?? test.title,
      needs: (meta?.needs ?? []).map(describeNeed),
    };
  });
}

export function describeNeed(need: Need): string {
  if ("streamFeature" in need) return `stream feature ${need.streamFeature} (${need.phase ?? "post-auth"})`;
  if ("accounts" in need) return `${need.accounts} account${need.accounts === 1 ? "" : "s"}`;
  if ("discoFeature" in need) return `disco feature ${need.discoFeature} (${need.on})`;
  if ("discoIdentity" in need) return `disco identity ${need.discoIdentity} (${need.on})`;
  if ("component" in need) return "an XEP-0114 component (--component)";
  if ("peer" in need) return "federation with the harness's S2S peer (--peer-domain, --peer-listen)";
  return "known SM queue limit (--sm-queue-limit)";
}

export function listTable(tests: ListedTest[]): string {
  const header = ["ID", "RULES", "TITLE", "NEEDS"];
  const rows = tests.map((t) => [t.id, t.rules.join(" "), t.title, t.needs.join(", ") || "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // The last column is not padded: no trailing spaces.
  const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join("  ");
  return [header, ...rows].map(line).join("\n") + "\n";
}
