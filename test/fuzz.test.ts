// npm test throws 2,000 mutated client streams at the reference server, with a fixed seed
// so that every run sees the same inputs (FUZZ_SEED=N tries others); a failure prints the
// command that replays it.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadCorpus } from "../src/fuzz/corpus.js";
import { generate } from "../src/fuzz/generator.js";
import { MUTATION_KINDS } from "../src/fuzz/mutations.js";
import { joinUnits, splitUnits } from "../src/fuzz/units.js";

const FUZZ = fileURLToPath(new URL("../src/fuzz/cli.js", import.meta.url));

describe("fuzzing the reference server", function () {
  this.timeout(90_000);

  it("cuts every recorded stream into units that join back to it", () => {
    for (const stream of loadCorpus().streams) expect(joinUnits(splitUnits(stream.join("")))).to.equal(stream.join(""));
  });

  it("makes input K of a seed the same alone as in a run, and uses every mutation", () => {
    const corpus = loadCorpus();
    const run = Array.from({ length: 300 }, (_, k) => generate(corpus, 7, k));
    expect(generate(corpus, 7, 123).bytes.equals(run[123]!.bytes)).to.equal(true);
    expect(new Set(run.map((i) => i.kind))).to.have.length(MUTATION_KINDS.length);
  });

  it("answers 2,000 inputs as RFC 6120 says, each at a bounded cost, and keeps serving", async () => {
    const seed = process.env.FUZZ_SEED ?? "20261123";
    const child = spawn(process.execPath, ["--expose-gc", FUZZ, "--seed", seed, "--count", "2000"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    console.log(out.replace(/^/gm, "      "));
    expect(code, `fuzz seed ${seed} failed (replay: npm run fuzz -- --seed ${seed})`).to.equal(0);
  });
});
