#!/usr/bin/env node
// npm run fuzz -- [--seed N] [--count N] [--index K]: throws mutated client streams at the
// reference server in this process and checks that each is answered as RFC 6120 says at
// a bounded cost, and that the server keeps serving. Exit 0 when every input passed, 1
// otherwise (each failure printed with the command that replays it), 2 on a usage error.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { startServer } from "../server/index.js";
import { campaign, summary, type Bounds, type CampaignReport } from "./campaign.js";
import { loadCorpus } from "./corpus.js";
import { generate, type FuzzInput } from "./generator.js";

const HEALTH = { username: "fuzz-health", password: "health-pw" };
/** Resumption window of the fuzzed server: short, so sessions inputs leave hibernating do not pile up. */
const SM_MAX_S = 2;
const SHOWN = 600;

const args = await yargs(hideBin(process.argv))
  .scriptName("npm run fuzz --")
  .strict()
  .option("seed", { type: "number", describe: "seed of the run (default: a new one, printed)" })
  .option("count", { type: "number", default: 2000, describe: "inputs to send" })
  .option("batch", { type: "number", default: 250, describe: "inputs between health checks" })
  .option("index", { type: "number", describe: "send only input K of the seed, and print it and the answer" })
  .option("cpu-ms", { type: "number", default: 250, describe: "CPU time one input may cost, in ms" })
  .option("heap-mb", { type: "number", default: 32, describe: "heap growth allowed from the first batch to the last, in MB" })
  .option("log", { type: "boolean", default: false, describe: "print the server's log on stderr" })
  .check((a) => {
    for (const [name, v, min] of [["seed", a.seed ?? 0, 0], ["count", a.count, 1], ["batch", a.batch, 1], ["index", a.index ?? 0, 0]] as const) {
      if (!Number.isInteger(v) || v < min || v >= 2 ** 32) throw new Error(`--${name}: expected a whole number from ${min} to 2^32-1`);
    }
    return true;
  })
  .fail((msg, err) => {
    console.error(`npm run fuzz: ${err?.message ?? msg}`);
    process.exit(2);
  })
  .help()
  .parseAsync();

const seed = args.seed ?? Math.floor(Math.random() * 2 ** 32);
const corpus = loadCorpus();
const replay = (index: number) => `npm run fuzz -- --seed ${seed} --index ${index}`;
const replayUpTo = (index: number) => `npm run fuzz -- --seed ${seed} --count ${index + 1}`;

let current: FuzzInput | undefined;
process.on("uncaughtException", (err) => {
  console.log(`CRASH during input #${current?.index} (${current?.kind}): ${err.stack ?? String(err)}`);
  if (current) console.log(`  replay: ${replay(current.index)}\n  or the run up to it: ${replayUpTo(current.index)}`);
  process.exit(1);
});

const server = await startServer({
  domain: corpus.domain,
  users: [...corpus.accounts, HEALTH],
  smMax: SM_MAX_S,
  ...(args.log ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
});
const bounds: Bounds = { cpuMs: args["cpu-ms"], wallMs: 5000, heapGrowthMb: args["heap-mb"] };
console.log(
  `fuzz seed ${seed}: ${args.index !== undefined ? `input #${args.index}` : `${args.count} inputs`} from ${corpus.streams.length} recorded streams; ` +
    `bounds ${bounds.cpuMs} ms CPU per input, ${bounds.heapGrowthMb} MB heap growth`,
);
if (args.index !== undefined) {
  const input = generate(corpus, seed, args.index);
  console.log(`input #${input.index}: ${input.kind} of stream ${input.source}, ${input.bytes.length} bytes\n  ${shown(input.bytes)}`);
}
const started = performance.now();
let report: CampaignReport;
try {
  report = await campaign({
    corpus,
    seed,
    count: args.count,
    ...(args.index !== undefined ? { only: args.index } : {}),
    batchSize: args.batch,
    target: { host: server.host, port: server.port, domain: server.domain, tls: "plain", insecure: false },
    healthAccount: HEALTH,
    load: () => server.load(),
    bounds,
    print: (line) => console.log(line),
    onInput: (input) => (current = input),
  });
} finally {
  await server.stop();
}

if (args.index !== undefined && report.costliest) {
  console.log(`answer (${report.costliest.cpuMs.toFixed(1)} ms CPU):\n  ${shown(Buffer.from(report.costliest.result.received))}`);
}
for (const line of summary(report)) console.log(line);
console.log(`${report.inputs} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s, ${report.failures.length} failures`);
for (const f of report.failures) {
  console.log(`FAIL ${f.input ? `input #${f.input.index} (${f.input.kind})` : `after input #${f.last}`}: ${f.reason}`);
  if (f.input) console.log(`  replay: ${replay(f.input.index)}`);
  console.log(`  replay the run up to it: ${replayUpTo(f.last)}`);
}
process.exit(report.failures.length ? 1 : 0);

function shown(bytes: Buffer): string {
  const text = JSON.stringify(bytes.toString("utf8"));
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}... (${bytes.length} bytes)` : text;
}
