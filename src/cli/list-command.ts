// `list`: the declared tests as a table, or as JSON for tools.
import { listTable, listTests } from "../runner/list.js";
import { splitList } from "./args.js";

export async function listCommand(args: { suite: string[]; json: boolean }): Promise<number> {
  const tests = await listTests(splitList(args.suite));
  process.stdout.write(args.json ? JSON.stringify(tests, null, 2) + "\n" : listTable(tests));
  return 0;
}
