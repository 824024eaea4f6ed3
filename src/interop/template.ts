// Server configs are templates with {{NAME}} placeholders, filled when a server starts.
import { readFileSync, writeFileSync } from "node:fs";
import { SetupError } from "./errors.js";

/** Fills every {{NAME}} of `templateFile` from `values` and writes the result; a placeholder without a value is an error. */
export function writeFromTemplate(templateFile: string, target: string, values: Record<string, string | number>): void {
  const text = readFileSync(templateFile, "utf8").replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new SetupError(`${templateFile}: no value for {{${name}}}`);
    return String(value);
  });
  writeFileSync(target, text, { mode: 0o600 });
}
