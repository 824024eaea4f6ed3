// XEP-0198 counters are xs:unsignedInt and wrap at 2^32 (SM-13); every comparison
// between two counters must be serial-number arithmetic, never plain `>`.
export const H_MODULUS = 2 ** 32;
export const H_MAX = H_MODULUS - 1;

export function incH(h: number, by = 1): number {
  return (h + by) % H_MODULUS;
}

/** How far `later` is ahead of `earlier`, modulo 2^32, in [0, 2^32). */
export function hDistance(earlier: number, later: number): number {
  return (((later - earlier) % H_MODULUS) + H_MODULUS) % H_MODULUS;
}

/**
 * True when `acked` acknowledges more than `sent` stanzas, given the previously
 * acknowledged value `lastAcked`: the ack is ahead of lastAcked by more than the
 * number of stanzas sent since lastAcked.
 */
export function ackTooHigh(lastAcked: number, acked: number, sent: number): boolean {
  return hDistance(lastAcked, acked) > hDistance(lastAcked, sent);
}

/** Parses an `h` attribute: decimal digits only, within [0, 2^32 - 1]; undefined otherwise. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= H_MAX ? n : undefined;
}
