// Input K of seed S: a recorded client stream, chosen and mutated by a generator seeded
// with (S, K) alone, so any input can be made again without the ones before it.
import type { Corpus } from "./corpus.js";
import { MUTATIONS, MUTATION_KINDS, type MutationKind } from "./mutations.js";
import { Random } from "./random.js";
import { splitUnits } from "./units.js";

export interface FuzzInput {
  index: number;
  kind: MutationKind;
  /** Index of the corpus stream it was made from. */
  source: number;
  bytes: Buffer;
}

export function generate(corpus: Corpus, seed: number, index: number): FuzzInput {
  const r = Random.of(seed, index);
  const source = r.int(corpus.streams.length);
  const kind = r.pick(MUTATION_KINDS);
  const bytes = MUTATIONS[kind](r, splitUnits(corpus.streams[source]!.join("")));
  return { index, kind, source, bytes };
}
