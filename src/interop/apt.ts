// Installs a server's Debian package when its binary is missing, without letting the
// package start a system daemon: that daemon would listen on every interface on the
// standard ports, and nothing would stop it.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { SetupError } from "./errors.js";
import { exec, execOk } from "./processes.js";

export interface Package {
  name: string;
  /** Present once the package is installed. */
  binary: string;
  /** Where the package's own init script records its daemon's pid; none for a package without a daemon. */
  daemonPidfile?: string;
  /** Other packages the fixture needs besides this one's own dependencies, installed in the same apt-get call. */
  with?: readonly Package[];
}

/** invoke-rc.d asks this script whether a service may start; 101 means no. */
const POLICY_RC_D = "/usr/sbin/policy-rc.d";
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
let listsUpdated = false;

/** Installs the package, and those it is `with`, whichever of them has its binary missing. */
export async function ensureInstalled(pkg: Package): Promise<void> {
  const missing = [pkg, ...(pkg.with ?? [])].filter((p) => !existsSync(p.binary));
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name);
  const ownPolicy = !existsSync(POLICY_RC_D); // someone else's stays untouched
  if (ownPolicy) writeFileSync(POLICY_RC_D, "#!/bin/sh\n# written by the interop launcher for the length of an install\nexit 101\n", { mode: 0o755 });
  try {
    if (!listsUpdated) {
      await execOk("apt-get update", "apt-get", ["update", "-qq"], { env: APT_ENV });
      listsUpdated = true;
    }
    await execOk(`apt-get install ${names.join(" ")}`, "apt-get", ["install", "-y", "-qq", ...names], { env: APT_ENV });
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
  for (const p of missing) {
    if (!existsSync(p.binary)) throw new SetupError(`apt-get installed ${p.name} but ${p.binary} is missing`);
    await stopSystemDaemon(p);
  }
}

/** Debian's multiarch directory name for this machine, where /usr/lib keeps its architecture's libraries. */
export function multiarch(): string {
  const cpu = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  return `${cpu}-linux-gnu`;
}

export async function installedVersion(pkg: Package): Promise<string> {
  return (await execOk(`dpkg-query ${pkg.name}`, "dpkg-query", ["-W", "-f", "${Version}", pkg.name])).trim();
}

/** A daemon the install started after all (a pre-existing policy-rc.d allowed it) is stopped again. */
async function stopSystemDaemon(pkg: Package): Promise<void> {
  if (pkg.daemonPidfile === undefined) return;
  const pid = daemonPid(pkg.daemonPidfile);
  if (pid === undefined) return;
  console.log(`${pkg.name}: the install started the system daemon (pid ${pid}); stopping it`);
  await exec("service", [pkg.name, "stop"]);
  if (daemonPid(pkg.daemonPidfile) === pid) process.kill(pid, "SIGTERM");
}

function daemonPid(pidfile: string): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  const pid = Number(readFileSync(pidfile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
