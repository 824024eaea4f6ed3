// docs/rules.md says what the rule catalogue says (npm run docs:rules).
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const GENERATOR = fileURLToPath(new URL("../src/docs/rules-doc.js", import.meta.url));

describe("docs/rules.md", () => {
  it("is generated from the current rule catalogue, tests and faults", () => {
    const check = spawnSync(process.execPath, [GENERATOR, "--check"], { encoding: "utf8" });
    expect(check.status, check.stderr).to.equal(0);
  });
});
