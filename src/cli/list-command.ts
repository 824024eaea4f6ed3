// `list`: the declared tests as a table, or as JSON for tools; `--faults`: the reference
// server's fault switches with the rules each breaks; `--rules`: the rule catalogue.
import { listTable, listTests } from "../runner/list.js";
import { RULES, ruleReference } from "../rules/catalogue.js";
import { FAULTS } from "../server/faults.js";
import { splitList } from "./args.js";
import { UsageError } from "../runner/errors.js";

export async function listCommand(args: { suite: string[]; json: boolean; faults: boolean; rules: boolean }): Promise<number> {
  if (args.rules && args.faults) throw new UsageError("--rules and --faults are two lists: give one");
  if (args.rules) {
    process.stdout.write(args.json ? JSON.stringify(RULES, null, 2) + "\n" : RULES.map((r) => `${ruleReference(r.id)}\n`).join(""));
    return 0;
  }
  if (args.faults) {
    const faults = Object.entries(FAULTS).map(([name, f]) => ({ name, rules: [...f.rules], description: f.description }));
    const width = Math.max(...faults.map((f) => f.name.length));
    process.stdout.write(
      args.json
        ? JSON.stringify(faults, null, 2) + "\n"
        : faults.map((f) => `${f.name.padEnd(width)}  ${f.rules.join(" ")}: ${f.description}\n`).join(""),
    );
    return 0;
  }
  const tests = await listTests(splitList(args.suite));
  process.stdout.write(args.json ? JSON.stringify(tests, null, 2) + "\n" : listTable(tests));
  return 0;
}
