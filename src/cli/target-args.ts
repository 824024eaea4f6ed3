// The options `run` and `script` share for reaching a target and making accounts on it.
import type { Account, TargetProfile, TlsMode } from "../harness/target.js";
import { defaultTlsMode } from "../harness/target.js";
import { UsageError } from "../runner/errors.js";
import { parseAccount, parseHostPort, readCa } from "./args.js";

export interface TargetArgs {
  domain?: string;
  register: boolean;
  admin?: string;
  /** When not given: plain for the embedded server and a loopback target, starttls otherwise. */
  tls?: TlsMode;
  allowPlaintextAuth: boolean;
  insecure: boolean;
  ca?: string;
  fault: string[];
}

/** The --target server as the client reaches it. */
export function externalTarget(args: TargetArgs, spec: string): TargetProfile {
  if (args.fault.length > 0) throw new UsageError("--fault applies only to the embedded server (leave out --target)");
  if (!args.domain) throw new UsageError("--domain is required with --target");
  const { host, port } = parseHostPort(spec, 5222);
  return {
    host,
    port,
    domain: args.domain,
    // Safe by default toward real servers: only a loopback target is reached in the clear unless --tls says so.
    tls: args.tls ?? defaultTlsMode(host),
    allowPlaintextAuth: args.allowPlaintextAuth,
    insecure: args.insecure,
    ...(args.ca ? { caPem: readCa(args.ca) } : {}),
  };
}

/** --admin USER:PASSWORD, which excludes --register. */
export function adminAccount(args: TargetArgs): Account | undefined {
  if (args.register && args.admin) throw new UsageError("--register and --admin are two ways to create accounts: give one");
  return args.admin === undefined ? undefined : parseAccount(args.admin, "--admin");
}
