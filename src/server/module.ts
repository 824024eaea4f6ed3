// What a protocol module is: its name, the faults it can switch on, the disco features
// it adds, and a load function that hooks events on the bus. The loader
// (modules/index.ts) is the one place that lists modules.
import type { ServerContext } from "./context.js";

export interface FaultSpec {
  /** Every rule a test of this behaviour could see failing. */
  rules: readonly string[];
  description: string;
}

export interface ServerModule<F extends string = string> {
  name: string;
  /** Named deliberate defects, each one condition at the place its rule is enforced. */
  faults: Record<F, FaultSpec>;
  load(ctx: ServerContext): void;
}

/** Keeps a module's fault names as literal types, so `ctx.faults.has(...)` is checked. */
export function defineModule<F extends string>(module: ServerModule<F>): ServerModule<F> {
  return module;
}
