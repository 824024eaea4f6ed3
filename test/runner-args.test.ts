import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseComponent, parseAccount, parseHostPort, splitList } from "../src/cli/args.js";
import { UsageError } from "../src/runner/errors.js";
import { hangGuardMs } from "../src/runner/run.js";
import { knownSuites, suiteFiles } from "../src/runner/suites.js";

describe("runner arguments and suite discovery", () => {
  it("parses targets with and without a port, IPv6 in brackets", () => {
    expect(parseHostPort("xmpp.example", 5222)).to.deep.equal({ host: "xmpp.example", port: 5222 });
    expect(parseHostPort("127.0.0.1:5223", 5222)).to.deep.equal({ host: "127.0.0.1", port: 5223 });
    expect(parseHostPort("[::1]:5223", 5222)).to.deep.equal({ host: "::1", port: 5223 });
    expect(() => parseHostPort("a:b:c", 5222)).to.throw(UsageError);
    expect(() => parseHostPort("host:99999", 5222)).to.throw(UsageError);
  });

  it("requires the port where there is no default (--peer-listen) and names the flag", () => {
    expect(parseHostPort("127.0.0.3:5269", undefined, "--peer-listen")).to.deep.equal({ host: "127.0.0.3", port: 5269 });
    expect(() => parseHostPort("127.0.0.3", undefined, "--peer-listen")).to.throw(UsageError, "--peer-listen 127.0.0.3: expected HOST:PORT");
  });

  it("parses accounts at the first colon", () => {
    expect(parseAccount("alice:pa:ss", "--account")).to.deep.equal({ username: "alice", password: "pa:ss" });
    expect(() => parseAccount("nocolon", "--account")).to.throw().that.includes({ name: "UsageError", message: "--account nocolon: expected USER:PASSWORD" });
    expect(() => parseAccount(":pw", "--account")).to.throw(UsageError);
  });

  it("parses components as NAME:SECRET@[HOST:]PORT, the secret up to the last @", () => {
    expect(parseComponent("Comp.localhost:s3:c@r3t@5347", "127.0.0.1")).to.deep.equal({ domain: "comp.localhost", secret: "s3:c@r3t", host: "127.0.0.1", port: 5347 });
    expect(parseComponent("c.example:s@[::1]:5347", "t")).to.deep.equal({ domain: "c.example", secret: "s", host: "::1", port: 5347 });
    expect(parseComponent("c.example:s@other:5347", "t").host).to.equal("other");
    for (const bad of ["c.example@5347", "c.example:s", "c.example:s@host", "c.example:s@70000"]) {
      expect(() => parseComponent(bad, "t"), bad).to.throw(UsageError, /expected NAME:SECRET@\[HOST:\]PORT/);
    }
    expect(() => parseAccount("user:", "--account")).to.throw(UsageError);
  });

  it("takes repeated and comma-separated suite names", () => {
    expect(splitList(["sm,pam", "rsf", ""])).to.deep.equal(["sm", "pam", "rsf"]);
  });

  it("finds suites as folders holding spec files, and names the known ones for an unknown one", () => {
    const dir = mkdtempSync(join(tmpdir(), "xc-suites-"));
    try {
      mkdirSync(join(dir, "sm"));
      writeFileSync(join(dir, "sm", "b.spec.js"), "");
      writeFileSync(join(dir, "sm", "a.spec.js"), "");
      writeFileSync(join(dir, "sm", "helpers.js"), "");
      mkdirSync(join(dir, "empty"));
      expect(knownSuites(dir)).to.deep.equal(["sm"]);
      expect(suiteFiles(undefined, dir)).to.deep.equal([join(dir, "sm", "a.spec.js"), join(dir, "sm", "b.spec.js")]);
      expect(() => suiteFiles(["nosuch"], dir)).to.throw().that.includes({ name: "UsageError", message: 'unknown suite "nosuch" (known suites: sm)' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the hang guard outlasts three resumption windows", () => {
    expect(hangGuardMs(1)).to.equal(30_000);
    expect(hangGuardMs(10)).to.equal(40_000);
    expect(hangGuardMs(60)).to.equal(190_000);
  });
});
