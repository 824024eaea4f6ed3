// How every generated page under docs/ is written: `npm run docs:<name>` writes it,
// `-- --check` exits 1 when the committed page differs from what the code generates
// (npm test runs the check), and a generator failure is one line with exit code 2.
import { readFileSync, writeFileSync } from "node:fs";

export function generatedDoc(script: string, out: string, generate: () => Promise<string>): void {
  generate()
    .then((text) => {
      if (!process.argv.includes("--check")) {
        writeFileSync(out, text);
        console.log(`wrote ${out}`);
        return;
      }
      let current = "";
      try {
        current = readFileSync(out, "utf8");
      } catch {
        // missing counts as out of date
      }
      if (current !== text) {
        console.error(`${out} is out of date: run npm run ${script}`);
        process.exit(1);
      }
    })
    .catch((err: unknown) => {
      console.error(`${script}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    });
}
