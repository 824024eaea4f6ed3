// The run a suite executes in: set by the runner before mocha loads the suite files.
import type { ComponentProfile } from "../harness/component.js";
import type { PeerListener } from "../harness/peer.js";
import type { Account, TargetProfile } from "../harness/target.js";
import type { Capabilities } from "./capabilities.js";
import type { AccountLeases } from "./account-leases.js";
import type { Scheduler } from "./scheduler.js";

export interface RunOptions {
  /** Default wait for an expected element, in ms. */
  timeoutMs: number;
  /** Longest resumption window (seconds) a test may wait out. */
  maxWaitSec: number;
  /** The target's unacknowledged-stanza queue limit, when known. */
  smQueueLimit?: number;
  /** Where the harness attaches as an XEP-0114 component, when the target accepts one. */
  component?: ComponentProfile;
  /** The harness's S2S peer, when the target federates with it (`--peer-domain`, `--peer-listen`; always in an embedded run). */
  peer?: PeerListener;
  /** An account with administrative rights on the target's services, for creating nodes where only admins may. */
  serviceAdmin?: Account;
}

/** What a test body runs against. */
export interface RunEnv {
  target: TargetProfile;
  accounts: AccountLeases;
  options: RunOptions;
  capabilities: Capabilities;
}

export interface RunContext extends RunEnv {
  scheduler: Scheduler;
}

let current: RunContext | undefined;

export function setRunContext(ctx: RunContext): void {
  current = ctx;
}

export function runContext(): RunContext {
  if (!current) throw new Error("suites run only inside the runner (no run context set)");
  return current;
}
