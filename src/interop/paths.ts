// Where the project's own files are, wherever the launcher is started from.
import { fileURLToPath } from "node:url";

/** The repository root: this file runs as dist/src/interop/paths.js. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export const HARNESS_CLI = fileURLToPath(new URL("../cli.js", import.meta.url));

export function serverFixture(server: string, file: string): string {
  return `${ROOT}fixtures/servers/${server}/${file}`;
}

/** What each server is expected to fail and skip, one file per server version. */
export const EXPECTATIONS_DIR = `${ROOT}fixtures/expectations/`;

/** The scenario scripts a run with `scenarios` plays. */
export const SCENARIOS_DIR = `${ROOT}fixtures/scenarios`;
