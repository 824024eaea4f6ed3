// docs/interop.md says what the expectations files say (npm run docs:interop).
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const GENERATOR = fileURLToPath(new URL("../src/docs/interop-matrix.js", import.meta.url));

describe("docs/interop.md", () => {
  it("is generated from the current tests and expectations files", () => {
    const check = spawnSync(process.execPath, [GENERATOR, "--check"], { encoding: "utf8" });
    expect(check.status, check.stderr).to.equal(0);
  });
});
