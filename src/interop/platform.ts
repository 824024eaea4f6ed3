// What the interop launcher needs from each server it can install, start and test.
import { randomBytes } from "node:crypto";
import type { Account } from "../harness/target.js";
import type { Package } from "./apt.js";
import type { Ports } from "./ports.js";

/**
 * Where one harness run gets its test accounts: fresh ones by in-band registration
 * (`run --register`), fresh ones made by the admin's XEP-0133 commands (`run --admin`),
 * or the launcher's own `--account` list, created with the server's own tool at start
 * and passed on as `run --account`.
 */
export type Provisioning = "register" | "admin" | "given";

/** One run of the suites against a started server. */
export interface Run {
  /** Unique per platform; its reports go to `<reports>/<server>/<name>/`. */
  readonly name: string;
  readonly provisioning: Provisioning;
  /** The suites it runs; without, the default suites (or `--suite`). An opt-in suite runs only in a run that names it. */
  readonly suites?: readonly string[];
  /** Plays the scenario scripts of fixtures/scenarios (`script`) instead of running suites. */
  readonly scenarios?: true;
}

export interface Platform {
  readonly name: string;
  /** Its expected results, a file in fixtures/expectations/ that `run --expect` checks after every run. */
  readonly expectations: string;
  /**
   * The harness runs against one start of the server, one after another in this order,
   * each checked against `expectations`. Between them the platforms cover every kind of
   * provisioning, and two given runs in a row show what a run leaves behind.
   */
  readonly runs: readonly Run[];
  /** The command that creates the admin and the `--account` accounts at start, for the docs. */
  readonly accountCommand: string;
  /** Set when the server federates with the harness's S2S peer; the server's S2S port is then `ports.s2s`. */
  readonly federation?: Federation;
  /** The Debian package, installed when its binary is missing. */
  readonly package: Package;
  /** Starts the server with its state in `stateDir` (fresh, empty) and its output appended to `logFile`. */
  start(stateDir: string, logFile: string): Promise<RunningServer>;
}

/**
 * The harness's S2S peer as the server's config knows it: the domain it plays, which the
 * config routes to 127.0.0.1 on `peerPort` without DNS, where the harness listens
 * (`run --peer-domain`, `--peer-listen`).
 */
export interface Federation {
  readonly peerDomain: string;
  readonly peerPort: number;
}

export interface RunningServer {
  /** Process ids of what was started, for the record; stop() ends them. */
  readonly pids: number[];
  /** Every listening port, c2s first; all are open once the server is ready. */
  readonly ports: Ports & { c2s: number; component: number; s2s?: number };
  readonly domain: string;
  /** The XEP-0114 component the config accepts on `ports.component`. */
  readonly component: { domain: string; secret: string };
  /** The configured server admin (XEP-0133); created like the `--account` accounts. */
  readonly adminAccount: Account;
  /** The unacknowledged-stanza limit of its XEP-0198 queue. */
  readonly smQueueLimit: number;
  /** Settles when the server process ends. */
  readonly exited: Promise<string>;
  /** Creates the account with the server's own tool (`accountCommand`); one that already exists is fine. */
  register(account: Account): Promise<void>;
  /** Stops everything start() started; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * What every fixture shares, and its config files say too: the domain, the admin
 * (admin@localhost in both configs), and an SM queue limit small enough for the
 * queue-overflow test to reach.
 */
export const FIXTURE = {
  domain: "localhost",
  admin: { username: "admin", password: "admin-pw" } as Account,
  smQueueLimit: 100,
};

/** The XEP-0114 component each fixture accepts, with a secret fresh for this start. */
export function newComponent(): { domain: string; secret: string } {
  return { domain: `component.${FIXTURE.domain}`, secret: randomBytes(12).toString("hex") };
}

/** Memoizes a stop function so that a signal handler and a finally block can both call it. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}
