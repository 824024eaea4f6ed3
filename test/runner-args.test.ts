import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAccount, parseHostPort, splitList } from "../src/cli/args.js";
import { UsageError } from "../src/runner/errors.js";
import { hangGuardMs } from "../src/runner/run.js";
import { knownSuites, suiteFiles } from "../src/runner/suites.js";

describe("runner arguments and suite discovery", () => {
  it("parses targets with and without a port, IPv6 in brackets", () => {
    assert.deepEqual(parseHostPort("xmpp.example", 5222), { host: "xmpp.example", port: 5222 });
    assert.deepEqual(parseHostPort("127.0.0.1:5223", 5222), { host: "127.0.0.1", port: 5223 });
    assert.deepEqual(parseHostPort("[::1]:5223", 5222), { host: "::1", port: 5223 });
    assert.throws(() => parseHostPort("a:b:c", 5222), UsageError);
    assert.throws(() => parseHostPort("host:99999", 5222), UsageError);
  });

  it("parses accounts at the first colon", () => {
    assert.deepEqual(parseAccount("alice:pa:ss", "--account"), { username: "alice", password: "pa:ss" });
    assert.throws(() => parseAccount("nocolon", "--account"), { name: "UsageError", message: "--account nocolon: expected USER:PASSWORD" });
    assert.throws(() => parseAccount(":pw", "--account"), UsageError);
    assert.throws(() => parseAccount("user:", "--account"), UsageError);
  });

  it("takes repeated and comma-separated suite names", () => {
    assert.deepEqual(splitList(["sm,pam", "rsf", ""]), ["sm", "pam", "rsf"]);
  });

  it("finds suites as folders holding spec files, and names the known ones for an unknown one", () => {
    const dir = mkdtempSync(join(tmpdir(), "xc-suites-"));
    try {
      mkdirSync(join(dir, "sm"));
      writeFileSync(join(dir, "sm", "b.spec.js"), "");
      writeFileSync(join(dir, "sm", "a.spec.js"), "");
      writeFileSync(join(dir, "sm", "helpers.js"), "");
      mkdirSync(join(dir, "empty"));
      assert.deepEqual(knownSuites(dir), ["sm"]);
      assert.deepEqual(suiteFiles(undefined, dir), [join(dir, "sm", "a.spec.js"), join(dir, "sm", "b.spec.js")]);
      assert.throws(() => suiteFiles(["nosuch"], dir), { name: "UsageError", message: 'unknown suite "nosuch" (known suites: sm)' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the hang guard outlasts three resumption windows", () => {
    assert.equal(hangGuardMs(1), 30_000);
    assert.equal(hangGuardMs(10), 40_000);
    assert.equal(hangGuardMs(60), 190_000);
  });
});
