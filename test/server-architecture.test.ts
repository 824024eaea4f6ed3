// The server's shape as docs/ARCHITECTURE.md states it: protocol modules never import
// one another, the core imports no module, and one loader lists them all.
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../src/server/", import.meta.url));
const MODULES = join(SERVER, "modules");

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
}

/** Relative imports of a file, resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/from "(\.[^"]+)\.js"/g)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
}

/** The module a file under modules/ belongs to: its file name, or its folder. */
function moduleOf(file: string): string {
  return relative(MODULES, file).split(/[/\\]/)[0]!.replace(/\.ts$/, "");
}

describe("reference server architecture", () => {
  it("no protocol module imports another; only the loader lists them", () => {
    const offending: string[] = [];
    for (const file of sources(MODULES)) {
      if (relative(MODULES, file) === "index.ts") continue;
      for (const dep of importsOf(file)) {
        if (dep.startsWith(MODULES) && moduleOf(dep) !== moduleOf(file)) offending.push(`${relative(SERVER, file)} imports ${relative(SERVER, dep)}`);
      }
    }
    expect(offending).to.deep.equal([]);
  });

  it("the core imports no protocol module", () => {
    const offending = sources(SERVER)
      .filter((f) => !f.startsWith(MODULES) && !["index.ts", "faults.ts"].includes(relative(SERVER, f)))
      .flatMap((f) => importsOf(f).filter((d) => d.startsWith(MODULES)).map((d) => `${relative(SERVER, f)} imports ${relative(SERVER, d)}`));
    expect(offending).to.deep.equal([]);
  });
});
