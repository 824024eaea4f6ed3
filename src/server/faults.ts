// The fault switches of the running server. Each module declares its own faults
// (module.ts); FAULTS is their union, as the loader assembles it.
import { FAULTS } from "./modules/index.js";

export { FAULTS };

export class Faults {
  readonly names: ReadonlySet<string>;

  constructor(names: Iterable<string> = []) {
    const list = [...names];
    const unknown = list.filter((n) => !(n in FAULTS));
    if (unknown.length) {
      throw new Error(`unknown fault(s) ${unknown.join(", ")}; known: ${Object.keys(FAULTS).join(", ")}`);
    }
    this.names = new Set(list);
  }

  /** Whether a fault is on; asking for a fault no module declares is a bug, caught on first use. */
  has(name: string): boolean {
    if (!(name in FAULTS)) throw new Error(`no module declares the fault ${name}`);
    return this.names.has(name);
  }
}
