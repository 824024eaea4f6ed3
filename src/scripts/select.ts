// Which scripts a `script` run plays: the files named, every .scs file of each directory
// named (not its subdirectories, as `scansion -d`), then the tag filters.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../runner/errors.js";
import type { Tag } from "./script.js";

export function scriptFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`${path}: no such file or directory`);
    }
    if (!isDir) {
      files.push(path);
      continue;
    }
    const scripts = readdirSync(path).filter((f) => f.endsWith(".scs")).sort().map((f) => join(path, f));
    if (scripts.length === 0) throw new UsageError(`${path}: no .scs scripts in this directory`);
    files.push(...scripts);
  }
  return files;
}

/** A filter given as `word` matches the tag `word` and every `word: value`; `key: value` matches that tag alone. */
function parseFilter(text: string): Tag {
  const colon = text.indexOf(":");
  if (colon < 0) return { key: text.trim() };
  return { key: text.slice(0, colon).trim(), value: text.slice(colon + 1).trim() };
}

function matches(filter: Tag, tag: Tag): boolean {
  return filter.key === tag.key && (filter.value === undefined || filter.value === tag.value);
}

export interface TagFilters {
  only: string[];
  skip: string[];
}

/** Why a script with these tags is left out, or undefined when it runs. */
export function tagVerdict(tags: Tag[], filters: TagFilters): string | undefined {
  const skip = filters.skip.find((s) => tags.some((t) => matches(parseFilter(s), t)));
  if (skip !== undefined) return `tagged '${skip}', which --skip-tags leaves out`;
  const only = filters.only.map(parseFilter);
  if (only.length > 0 && !only.some((f) => tags.some((t) => matches(f, t)))) return `has none of the tags --only-tags asks for (${filters.only.join(", ")})`;
  return undefined;
}
