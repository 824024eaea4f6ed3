// The launcher's child processes: commands run to completion, and servers run in a
// process group of their own so that stopping one reaches every process it started.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { SetupError } from "./errors.js";

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this system user instead of the launcher's. */
  user?: { uid: number; gid: number };
}

/** A system user's ids, from /etc/passwd; `pkg` is the package that creates it, for the error. */
export function systemUser(name: string, pkg: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (uid === undefined || gid === undefined) throw new SetupError(`no system user "${name}" (is the ${pkg} package installed?)`);
  return { uid: Number(uid), gid: Number(gid) };
}

export interface CommandResult {
  code: number | null;
  /** stdout and stderr together. */
  output: string;
}

function spawnOptions(options: CommandOptions) {
  return { env: options.env ?? process.env, cwd: options.cwd, uid: options.user?.uid, gid: options.user?.gid };
}

function cannotRun(cmd: string, err: NodeJS.ErrnoException): SetupError {
  return new SetupError(`cannot run ${cmd}: ${err.code === "ENOENT" ? "not found" : err.message}`);
}

export function lastLine(output: string): string {
  return output.trim().split("\n").pop()?.trim() || "no output";
}

/** Runs a command to completion; a non-zero exit is the caller's to judge. */
export function exec(cmd: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnOptions(options), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (err) => reject(cannotRun(cmd, err)));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** Runs a command that must succeed; otherwise a SetupError says `what` failed, with its last line of output. */
export async function execOk(what: string, cmd: string, args: string[], options: CommandOptions = {}): Promise<string> {
  const { code, output } = await exec(cmd, args, options);
  if (code !== 0) throw new SetupError(`${what} failed (exit ${code}): ${lastLine(output)}`);
  return output;
}

export interface ServerProcess {
  readonly pid: number;
  /** Settles when the process itself ends, with how it ended. */
  readonly exited: Promise<string>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once no process of the group is left. */
  stop(graceMs: number): Promise<void>;
}

/** Starts a long-running process in its own process group, its stdout and stderr appended to `logFile`. */
export async function startProcess(cmd: string, args: string[], options: CommandOptions & { logFile: string }): Promise<ServerProcess> {
  const log = openSync(options.logFile, "a");
  const child = spawn(cmd, args, { ...spawnOptions(options), stdio: ["ignore", log, log], detached: true });
  closeSync(log);
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) => reject(cannotRun(cmd, err)));
  });
  const pid = child.pid!;
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)));
  return {
    pid,
    exited,
    async stop(graceMs) {
      signalGroup(pid, "SIGTERM");
      if (await groupGone(pid, graceMs)) return;
      signalGroup(pid, "SIGKILL");
      if (!(await groupGone(pid, 5000))) throw new SetupError(`process group ${pid} (${cmd}) survived SIGKILL`);
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

async function groupGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (livingMembers(pgid) > 0) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Processes of the group that have not exited, from /proc. Zombies do not count: a server's
 * grandchild orphaned by its parent's exit waits there for init to reap it.
 */
function livingMembers(pgid: number): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") count++;
  }
  return count;
}
