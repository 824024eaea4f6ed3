// Hostile input against a test server the user names: never run unless asked for with
// `--suite robustness`. Mutated real client streams (src/fuzz), each on a connection of
// its own, and a few inputs whose right answer RFC 6120 states. Every connection must
// end (the server closes when its peer has), every stream error must close the stream,
// and the server must keep serving: after each group of inputs an account logs in.
import { conformance } from "../../src/runner/dsl.js";
import type { TestContext } from "../../src/runner/test-context.js";
import { Violation } from "../../src/verdict/verdict.js";
import { loadCorpus, type Corpus } from "../../src/fuzz/corpus.js";
import { feed, type FeedResult } from "../../src/fuzz/feed.js";
import { generate } from "../../src/fuzz/generator.js";
import { MUTATION_KINDS, type MutationKind } from "../../src/fuzz/mutations.js";

const SUITE = "robustness";
/** Inputs of each mutation kind; the seed is fixed so that a result can be compared across runs. */
const PER_KIND = 25;
const SEED = 20261123;
/** How long the server may take to end a connection after its peer has: longer is a hang. */
const END_WITHIN_MS = 10_000;

const needs = [{ accounts: 1 }];

/** The corpus, its stream headers addressed to the target's domain. */
function corpusFor(domain: string): Corpus {
  const corpus = loadCorpus();
  const to = new RegExp(`to=(["'])${corpus.domain.replace(/\./g, "\\.")}\\1`, "g");
  return { ...corpus, streams: corpus.streams.map((s) => s.map((w) => w.replace(to, `to="${domain}"`))) };
}

/** The input as a transcript shows it: printable, and short. */
function shownInput(bytes: Buffer): string {
  const text = bytes.toString("latin1").replace(/[^\x20-\x7e\n]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return text.length > 1500 ? `${text.slice(0, 1500)}… (${bytes.length} bytes)` : text;
}

/**
 * Sends one input and records it with the answer in the test's transcript. With
 * `halfClose` the client ends its side at once and the server must end the connection
 * too; without, the server must end it on its own (the input calls for a stream error).
 */
async function send(t: TestContext, label: string, bytes: Buffer, halfClose = true): Promise<FeedResult> {
  t.note(label, `-> ${shownInput(bytes)}`);
  const result = await feed(t.target.host, t.target.port, bytes, END_WITHIN_MS, halfClose);
  t.note(label, `<- ${result.received.slice(0, 3000)}${result.timedOut ? " (still open: closed by the harness)" : ""}`);
  return result;
}

/** RFC 6120 4.9.1.1 and 4.4: the stream error is followed by the closing tag, and the connection ends. */
function problemsOf(result: FeedResult): Array<{ rule: string; expected: string }> {
  const out: Array<{ rule: string; expected: string }> = [];
  if (result.timedOut) out.push({ rule: "RFC6120-close", expected: `the connection ended within ${END_WITHIN_MS} ms of the client's` });
  if (!result.closedAfterError) out.push({ rule: "RFC6120-stream-error", expected: "</stream:stream> after the stream error" });
  return out;
}

/** RFC6120-dos: after hostile input elsewhere, an account still logs in. */
async function stillServing(t: TestContext, what: string): Promise<void> {
  const [account] = await t.accounts(1);
  try {
    await (await t.connect(account!, { label: "after" })).close();
  } catch (err) {
    throw new Violation("RFC6120-dos", `a login after ${what}`, (err as Error).message);
  }
}

describe(SUITE, () => {
  for (const kind of MUTATION_KINDS) {
    conformance(
      {
        id: `robustness.fuzz.${kind}`,
        rules: ["RFC6120-stream-error", "RFC6120-close", "RFC6120-dos"],
        title: `${PER_KIND} client streams mutated by ${kind}: every stream error closes the stream, every connection ends, and the server keeps serving`,
        needs,
      },
      async (t) => {
        const corpus = corpusFor(t.domain);
        const wrong: string[] = [];
        let first: { rule: string; expected: string } | undefined;
        for (let index = 0, n = 0; n < PER_KIND; index++) {
          const input = generate(corpus, SEED, index);
          if (input.kind !== (kind as MutationKind)) continue;
          n++;
          const problems = problemsOf(await send(t, `input-${index}`, input.bytes));
          if (problems.length) {
            first ??= problems[0];
            wrong.push(`input ${index} of seed ${SEED} (${input.bytes.length} bytes): ${problems.map((p) => p.rule).join(", ")}`);
          }
        }
        await stillServing(t, `${PER_KIND} ${kind} inputs`);
        if (first) throw new Violation(first.rule, `${first.expected}, for every input`, `${wrong.length} of ${PER_KIND} inputs answered wrongly or not at all: ${wrong.join("; ")}`);
      },
    );
  }

  const header = (domain: string) => `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;
  /**
   * Inputs whose answer RFC 6120 names, each well-formed but for the fault it shows: the
   * document type declaration stands where XML allows one, before the stream header;
   * everything else follows a valid header.
   */
  const after = (body: string | Buffer) => (domain: string) => Buffer.concat([Buffer.from(header(domain)), Buffer.from(body)]);
  const KNOWN: Array<{ id: string; what: string; rule: string; conditions: string[]; input: (domain: string) => Buffer }> = [
    { id: "bad-utf8", what: "invalid UTF-8", rule: "RFC6120-not-well-formed", conditions: ["not-well-formed", "bad-format"], input: after(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e])) },
    { id: "unknown-entity", what: "an undefined entity", rule: "RFC6120-not-well-formed", conditions: ["not-well-formed", "bad-format"], input: after("<message><body>&nosuch;</body></message>") },
    { id: "nul", what: "a NUL character", rule: "RFC6120-not-well-formed", conditions: ["not-well-formed", "bad-format"], input: after("<message><body>a\u0000b</body></message>") },
    {
      id: "dtd",
      what: "a document type declaration",
      rule: "RFC6120-restricted-xml",
      conditions: ["restricted-xml"],
      input: (domain) => Buffer.from(header(domain).replace("?><stream:stream", "?><!DOCTYPE stream:stream [<!ENTITY a 'b'>]><stream:stream")),
    },
    { id: "comment", what: "an XML comment", rule: "RFC6120-restricted-xml", conditions: ["restricted-xml"], input: after("<!-- comment --><message/>") },
    { id: "processing-instruction", what: "a processing instruction", rule: "RFC6120-restricted-xml", conditions: ["restricted-xml"], input: after("<?pi data?><message/>") },
  ];
  for (const k of KNOWN) {
    conformance(
      { id: `robustness.input.${k.id}`, rules: [k.rule, "RFC6120-stream-error", "RFC6120-dos"], title: `${k.what} in a stream is answered with ${k.conditions.join(" or ")}`, needs },
      async (t) => {
        const result = await send(t, k.id, k.input(t.domain), false);
        const condition = result.streamErrors[0];
        if (!condition || !k.conditions.includes(condition)) {
          throw new Violation(k.rule, `a <${k.conditions.join("/> or <")}/> stream error`, condition ? `<${condition}/>` : result.timedOut ? "no answer; the connection stayed open" : `no stream error: ${result.received.slice(0, 500)}`);
        }
        for (const p of problemsOf(result)) throw new Violation(p.rule, p.expected, result.received.slice(-500));
        await stillServing(t, k.what);
      },
    );
  }

  conformance(
    {
      id: "robustness.input.deep-nesting",
      rules: ["RFC6120-close", "RFC6120-stream-error", "RFC6120-dos"],
      title: "200,000 nested elements are answered (accepted or refused) and the server keeps serving",
      needs,
    },
    async (t) => {
      const depth = 200_000;
      const result = await send(t, "deep", Buffer.from(`${header(t.domain)}${"<a>".repeat(depth)}`));
      for (const p of problemsOf(result)) throw new Violation(p.rule, p.expected, result.received.slice(-500));
      await stillServing(t, `${depth} nested elements`);
    },
  );
});
