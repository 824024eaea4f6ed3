// `list`: the declared tests as a table, or as JSON for tools; `--faults`: the reference
// server's fault switches with the rules each breaks.
import { listTable, listTests } from "../runner/list.js";
import { FAULTS } from "../server/faults.js";
import { splitList } from "./args.js";

export async function listCommand(args: { suite: string[]; json: boolean; faults: boolean }): Promise<number> {
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
