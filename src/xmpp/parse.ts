// Parses a standalone XML fragment with ltx's own parser; used for literals written
// by people (tests, scenario files), never for network input.
import Element from "ltx/lib/Element.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const ltx = require("ltx") as { parse(text: string): Element };

export function parse(text: string): Element {
  return ltx.parse(text);
}
