// A seeded generator (mulberry32: small and well mixed), so that input K of seed S, or
// the test order of `--order random:S`, is the same on every machine.
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator of input `index` in the run of `seed`, independent of every other input. */
  static of(seed: number, index: number): Random {
    const mixed = new Random(seed ^ Math.imul(index + 1, 0x9e3779b9));
    return new Random(mixed.int(2 ** 32));
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [1, max], small ones as likely as large ones in log scale. */
  logInt(max: number): number {
    return Math.max(1, Math.floor(Math.exp(this.next() * Math.log(max + 1))));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
