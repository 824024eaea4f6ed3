// The rule catalogue (src/rules/catalogue.ts) is complete: every rule ID that a test
// declares, a fault lists, an expectations file names or a suite or the test client passes
// to a verdict is catalogued, so every "X violated" names a rule a reader can look up.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES, rule, ruleReference, specOf } from "../src/rules/catalogue.js";
import { FAULTS } from "../src/server/faults.js";
import { cli } from "./cli-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Verdict labels the harness uses for its own expectations; they name no specification rule. */
const HARNESS_LABELS = ["expectation", "barrier", "stream", "harness"];
/** Quoted strings in the scanned sources that look like rule IDs and are not. */
const NOT_RULE_IDS = new Set(["SCRAM-SHA-1"]);
/** Where verdicts are given: the suites, and the test client (which names the rule of an expected element). */
const SCANNED = ["suites", "src/harness"];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** Every quoted string shaped like a rule ID (SM-22, SM1-03, RFC6120-routing), with where it occurs. */
function quotedIds(file: string): Array<{ id: string; where: string }> {
  const text = readFileSync(join(ROOT, file), "utf8");
  const out: Array<{ id: string; where: string }> = [];
  for (const m of text.matchAll(/["'`]([A-Z][A-Z0-9]*-[A-Za-z0-9-]*[A-Za-z0-9])["'`]/g)) {
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ id: m[1]!, where: `${file}:${line}` });
  }
  return out;
}

function uncatalogued(uses: Array<{ id: string; where: string }>): string[] {
  return uses.filter((u) => !rule(u.id)).map((u) => `${u.id} (${u.where})`);
}

describe("rule catalogue", function () {
  this.timeout(30_000);

  it("catalogues every rule a test declares (list --json)", async () => {
    const { code, stdout, stderr } = await cli("list", "--json");
    expect(code, stderr).to.equal(0);
    const tests = JSON.parse(stdout) as Array<{ suite: string; title: string; rules: string[] }>;
    expect(tests.length).to.be.greaterThan(0);
    const uses = tests.flatMap((t) => t.rules.map((id) => ({ id, where: `${t.suite}: ${t.title}` })));
    expect(uncatalogued(uses)).to.deep.equal([]);
  });

  it("catalogues every rule a fault lists", () => {
    const uses = Object.entries(FAULTS).flatMap(([name, f]) => f.rules.map((id) => ({ id, where: `fault ${name}` })));
    expect(uncatalogued(uses)).to.deep.equal([]);
  });

  it("catalogues every rule an expectations file names", () => {
    const dir = "fixtures/expectations";
    const uses = readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith(".json"))
      .flatMap((f) => {
        const doc = JSON.parse(readFileSync(join(ROOT, dir, f), "utf8")) as { tests: Record<string, Record<string, { rule?: string }>> };
        return Object.values(doc.tests).flatMap((tests) =>
          Object.entries(tests).flatMap(([title, e]) => (e.rule ? [{ id: e.rule, where: `${dir}/${f}: ${title}` }] : [])),
        );
      });
    expect(uncatalogued(uses)).to.deep.equal([]);
  });

  it("catalogues every rule ID quoted in the suites and the test client", () => {
    const uses = SCANNED.flatMap(sourceFiles).flatMap(quotedIds).filter((u) => !NOT_RULE_IDS.has(u.id));
    expect(uses.length).to.be.greaterThan(0);
    expect(uncatalogued(uses)).to.deep.equal([]);
  });

  it("keeps harness labels out of the catalogue", () => {
    for (const label of HARNESS_LABELS) expect(rule(label), label).to.equal(undefined);
  });

  it("has every XEP-0198 rule, SM-01 to SM-34, and the draft's SM1-01 to SM1-08", () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")}`);
    for (const id of [...ids("SM", 34), ...ids("SM1", 8)]) expect(rule(id), id).to.not.equal(undefined);
  });

  it("gives each rule one entry, a specification heading, a section link and a one-line statement", () => {
    expect(new Set(RULES.map((r) => r.id)).size).to.equal(RULES.length);
    for (const r of RULES) {
      const spec = specOf(r);
      expect(r.url.startsWith(`${spec.url}#`), `${r.id} ${r.url}`).to.equal(true);
      expect(r.url, r.id).to.match(/^https:\/\/(xmpp\.org\/extensions\/|www\.rfc-editor\.org\/rfc\/)/);
      expect(r.section, r.id).to.match(/^\d+(\.\d+)*$/);
      expect(r.statement, r.id).to.match(/^\S[^\n\t|]*\.$/);
      expect(r.statement.length, r.id).to.be.below(220);
    }
  });

  it("list --rules prints one reference line per rule, and the catalogue itself with --json", async () => {
    const text = await cli("list", "--rules");
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.equal(RULES.map((r) => `${ruleReference(r.id)}\n`).join(""));
    const json = await cli("list", "--rules", "--json");
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout)).to.deep.equal(RULES);
    const both = await cli("list", "--rules", "--faults");
    expect([both.code, both.stdout, both.stderr]).to.deep.equal([2, "", "xmpp-conformance: --rules and --faults are two lists: give one\n"]);
  });

  it("formats a one-line reference, and none for an unknown ID", () => {
    expect(ruleReference("SM-22")).to.equal(
      "SM-22 (XEP-0198 1.6.3 §5, SHOULD): When a session is resumed while its old connection is still open, the server sends a conflict stream error on the old stream and closes it. https://xmpp.org/extensions/xep-0198.html#resumption",
    );
    expect(ruleReference("RFC6120-routing")).to.match(/^RFC6120-routing \(RFC 6120 §10\.5\.4, MUST\): .* https:\/\/www\.rfc-editor\.org\/rfc\/rfc6120#section-10\.5\.4$/);
    expect(ruleReference("expectation")).to.equal(undefined);
  });
});
