// A fuzz run against a server in this process: inputs one at a time, each measured in
// CPU until the server has let its connection go; after each batch a login and an SM
// resumption must still work and the heap must not have grown past a bound.
import type { Account, TargetProfile } from "../harness/target.js";
import type { Load } from "../server/limits.js";
import type { Corpus } from "./corpus.js";
import { feed, type FeedResult } from "./feed.js";
import { generate, type FuzzInput } from "./generator.js";
import { loginAndResume } from "./health.js";
import { MUTATION_KINDS, type MutationKind } from "./mutations.js";

export interface Bounds {
  /** CPU time of this process (server and fuzzer) per input. */
  cpuMs: number;
  /** Time for the server to close a connection after its peer did. */
  wallMs: number;
  /** Growth of the heap, after garbage collection, from the first batch to the last. */
  heapGrowthMb: number;
}

export interface CampaignOptions {
  corpus: Corpus;
  seed: number;
  /** Inputs 0 .. count-1, or only these. */
  count: number;
  only?: number;
  batchSize: number;
  target: TargetProfile;
  /** An account the corpus never logs in as, so no input can change it. */
  healthAccount: Account;
  /** The server's connection counts: an input is measured until its connection is gone. */
  load: () => Load;
  bounds: Bounds;
  print: (line: string) => void;
  /** Told of each input before it is sent, so a crash can name it. */
  onInput?: (input: FuzzInput) => void;
}

export interface Failure {
  reason: string;
  /** The input that failed; none when a batch as a whole did (health, memory). */
  input?: Pick<FuzzInput, "index" | "kind">;
  /** The last input sent before the failure showed. */
  last: number;
}

export interface Measured {
  input: FuzzInput;
  result: FeedResult;
  cpuMs: number;
}

export interface CampaignReport {
  inputs: number;
  byKind: Map<MutationKind, number>;
  /** The first stream error of each input, or "none" when the stream closed without one. */
  byCondition: Map<string, Map<MutationKind, number>>;
  failures: Failure[];
  costliest?: Measured;
  heapMb: number[];
}

export async function campaign(opts: CampaignOptions): Promise<CampaignReport> {
  const report: CampaignReport = { inputs: 0, byKind: new Map(), byCondition: new Map(), failures: [], heapMb: [] };
  const indexes = opts.only !== undefined ? [opts.only] : Array.from({ length: opts.count }, (_, i) => i);
  for (let from = 0; from < indexes.length; from += opts.batchSize) {
    const batch = indexes.slice(from, from + opts.batchSize);
    const costliest = await sendBatch(opts, report, batch);
    const last = batch[batch.length - 1]!;
    const health = await loginAndResume(opts.target, opts.healthAccount).then(
      () => "login and SM resume ok",
      (err: unknown) => {
        report.failures.push({ reason: `after inputs ${batch[0]}-${last} a login and SM resume failed: ${(err as Error).message}`, last });
        return "login and SM resume FAILED";
      },
    );
    const heap = heapAfterGc();
    if (heap !== undefined) report.heapMb.push(heap);
    if (!report.costliest || costliest.cpuMs > report.costliest.cpuMs) report.costliest = costliest;
    const { input, cpuMs } = costliest;
    opts.print(
      `inputs ${batch[0]}-${last}: costliest #${input.index} (${input.kind}, ${input.bytes.length} bytes) ${cpuMs.toFixed(1)} ms CPU; ` +
        `${health}; heap ${heap === undefined ? "not measured (run node with --expose-gc)" : `${heap.toFixed(1)} MB after GC`}`,
    );
  }
  const growth = report.heapMb.length > 1 ? report.heapMb[report.heapMb.length - 1]! - report.heapMb[0]! : 0;
  if (growth > opts.bounds.heapGrowthMb) {
    report.failures.push({ reason: `the heap grew by ${growth.toFixed(1)} MB over the run (bound ${opts.bounds.heapGrowthMb} MB)`, last: indexes[indexes.length - 1]! });
  }
  return report;
}

/** Sends the inputs one by one, judging each; returns the costliest. */
async function sendBatch(opts: CampaignOptions, report: CampaignReport, batch: number[]): Promise<Measured> {
  let costliest: Measured | undefined;
  for (const index of batch) {
    const input = generate(opts.corpus, opts.seed, index);
    const m = await measure(opts, input);
    tally(report, m);
    for (const reason of verdicts(opts, m)) report.failures.push({ reason, input, last: index });
    if (m.cpuMs > opts.bounds.cpuMs) {
      // A cost that belongs to the input repeats; a pause of the machine does not.
      const again = await measure(opts, input);
      if (again.cpuMs > opts.bounds.cpuMs) {
        const reason = `cost ${m.cpuMs.toFixed(0)} then ${again.cpuMs.toFixed(0)} ms of CPU (bound ${opts.bounds.cpuMs} ms)`;
        report.failures.push({ reason, input, last: index });
      }
    }
    if (!costliest || m.cpuMs > costliest.cpuMs) costliest = m;
  }
  return costliest!;
}

async function measure(opts: CampaignOptions, input: FuzzInput): Promise<Measured> {
  opts.onInput?.(input);
  const before = process.cpuUsage();
  const result = await feed(opts.target.host, opts.target.port, input.bytes, opts.bounds.wallMs);
  const deadline = performance.now() + opts.bounds.wallMs;
  while (opts.load().connections > 0 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  const cpu = process.cpuUsage(before);
  return { input, result, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** What RFC 6120 and this server's promises require of the answer to any input. */
function verdicts(opts: CampaignOptions, { result }: Measured): string[] {
  const out: string[] = [];
  if (result.timedOut) out.push(`the server did not close the stream within ${opts.bounds.wallMs} ms of the peer's close`);
  if (opts.load().connections > 0) out.push(`the server still held the connection ${opts.bounds.wallMs} ms after the peer closed`);
  if (result.streamErrors.includes("internal-server-error")) out.push("internal-server-error: a handler failed on this input");
  if (!result.closedAfterError) out.push("a stream error not followed by </stream:stream> (RFC 6120 4.9.1.1)");
  return out;
}

function tally(report: CampaignReport, { input, result }: Measured): void {
  report.inputs++;
  report.byKind.set(input.kind, (report.byKind.get(input.kind) ?? 0) + 1);
  const condition = result.streamErrors[0] ?? "none";
  const kinds = report.byCondition.get(condition) ?? new Map<MutationKind, number>();
  kinds.set(input.kind, (kinds.get(input.kind) ?? 0) + 1);
  report.byCondition.set(condition, kinds);
}

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** The counts a run prints: inputs per mutation kind, then first stream errors by condition. */
export function summary(report: CampaignReport): string[] {
  const kinds = MUTATION_KINDS.filter((k) => report.byKind.has(k));
  const lines = [`${report.inputs} inputs by mutation: ${kinds.map((k) => `${k} ${report.byKind.get(k)}`).join(", ")}`];
  lines.push("first stream error by condition (none: the stream ended without one):");
  const conditions = [...report.byCondition.entries()].sort((a, b) => total(b[1]) - total(a[1]));
  for (const [condition, byKind] of conditions) {
    const detail = [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
    lines.push(`  ${condition.padEnd(24)} ${String(total(byKind)).padStart(5)}  (${detail.join(", ")})`);
  }
  return lines;
}

function total(byKind: Map<MutationKind, number>): number {
  return [...byKind.values()].reduce((a, b) => a + b, 0);
}
