// The fuzzer's seed inputs: what real clients wrote, one stream per connection, recorded
// from the suites (`npm run fuzz:record`). Replayed as is, a stream authenticates with
// PLAIN and gets as far as its test did, so mutations reach every stage of a session.
import { readFileSync } from "node:fs";
import type { Account } from "../harness/target.js";

export interface Corpus {
  /** How the streams were recorded. */
  about: string;
  domain: string;
  /** The accounts the streams log in as; a server replaying them needs them. */
  accounts: Account[];
  /** Each connection's writes, in order. */
  streams: string[][];
}

export const DEFAULT_CORPUS = new URL("../../../fixtures/fuzz/sm-client-streams.json", import.meta.url);

export function loadCorpus(path: string | URL = DEFAULT_CORPUS): Corpus {
  const corpus = JSON.parse(readFileSync(path, "utf8")) as Corpus;
  if (!corpus.streams?.length) throw new Error(`${String(path)}: no streams`);
  return corpus;
}
