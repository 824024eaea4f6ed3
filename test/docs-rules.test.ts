// docs/rules.md says what the rule catalogue says (npm run docs:rules), and nothing the
// project ships sends a reader to a file outside the repository for its rules.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GENERATOR = fileURLToPath(new URL("../src/docs/rules-doc.js", import.meta.url));

/** Text files of the repository that a user reads or runs. */
function shipped(): string[] {
  const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => join("docs", f));
  const sources = ["src", "suites", "test", "bench"].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(dir, f)),
  );
  return ["README.md", ...docs, ...sources];
}

describe("docs/rules.md", () => {
  it("is generated from the current rule catalogue, tests and faults", () => {
    const check = spawnSync(process.execPath, [GENERATOR, "--check"], { encoding: "utf8" });
    expect(check.status, check.stderr).to.equal(0);
  });

  it("is where rules are looked up: no document or source points outside the repository", () => {
    const outside = new RegExp(["\\.\\./shared", "spec-rules\\.md"].join("|"));
    const hits = shipped().flatMap((file) =>
      readFileSync(join(ROOT, file), "utf8")
        .split("\n")
        .flatMap((line, i) => (outside.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).to.deep.equal([]);
  });
});
