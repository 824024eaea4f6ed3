// Checks on command-line values that yargs cannot express; each failure is a one-line UsageError.
import { readFileSync } from "node:fs";
import type { Account } from "../harness/target.js";
import { UsageError } from "../runner/errors.js";
import { FAULTS } from "../server/faults.js";
import { SASL_MECHANISMS, isSaslMechanism, type SaslMechanism } from "../xmpp/sasl.js";

/** HOST, HOST:PORT, or [IPv6]:PORT (HOST:PORT only when there is no default port). */
export function parseHostPort(spec: string, defaultPort: number | undefined, flag = "--target"): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(spec);
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
  if (!host || port === undefined || port < 1 || port > 65535) throw new UsageError(`${flag} ${spec}: expected ${defaultPort === undefined ? "HOST:PORT" : "HOST or HOST:PORT"}`);
  return { host, port };
}

/**
 * --component NAME:SECRET@[HOST:]PORT: the component's JID, its secret, and the target's
 * component port (on the target's host unless given).
 */
export function parseComponent(spec: string, targetHost: string): { domain: string; secret: string; host: string; port: number } {
  const m = /^([^:@\s]+):(.+)@(?:(\[[^\]]+\]|[^:@\s]+):)?(\d{1,5})$/.exec(spec);
  const port = Number(m?.[4]);
  if (!m || port < 1 || port > 65535) throw new UsageError(`--component ${spec}: expected NAME:SECRET@[HOST:]PORT`);
  return { domain: m[1]!.toLowerCase(), secret: m[2]!, host: m[3]?.replace(/^\[|\]$/g, "") ?? targetHost, port };
}

/** user:pass, split at the first colon so that passwords may contain colons. */
export function parseAccount(spec: string, flag: string): Account {
  const colon = spec.indexOf(":");
  if (colon <= 0 || colon === spec.length - 1) throw new UsageError(`${flag} ${spec}: expected USER:PASSWORD`);
  return { username: spec.slice(0, colon), password: spec.slice(colon + 1) };
}

/** Values of a repeatable option that also takes comma-separated lists. */
export function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

export function checkFaults(names: string[]): void {
  const unknown = names.filter((n) => !(n in FAULTS));
  if (unknown.length > 0) {
    throw new UsageError(`unknown fault ${unknown.map((n) => `"${n}"`).join(", ")} (known faults: ${Object.keys(FAULTS).join(", ")})`);
  }
}

/** serve --sasl: known mechanism names, at least one. */
export function checkSasl(names: string[]): SaslMechanism[] {
  const unknown = names.filter((n) => !isSaslMechanism(n));
  if (unknown.length > 0) {
    throw new UsageError(`--sasl: unknown mechanism ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${SASL_MECHANISMS.join(", ")})`);
  }
  if (names.length === 0) throw new UsageError(`--sasl: give at least one mechanism (known: ${SASL_MECHANISMS.join(", ")})`);
  return names as SaslMechanism[];
}

export function readCa(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`--ca ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

export function positiveInt(flag: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag}: expected a positive whole number`);
  return value;
}
