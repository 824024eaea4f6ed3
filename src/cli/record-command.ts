// `record`: a proxy between c2s clients and --target that writes what passes through it
// as a runnable scansion script when it is stopped (SIGINT or SIGTERM).
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { describeSocketError } from "../harness/errors.js";
import { startProxy } from "../record/proxy.js";
import { Recording } from "../record/recording.js";
import { UsageError } from "../runner/errors.js";
import { parseHostPort } from "./args.js";

export interface RecordArgs {
  listen: number;
  target: string;
  out?: string;
}

/** Returns the exit code: 0 once the script is written. */
export async function recordCommand(args: RecordArgs): Promise<number> {
  if (!Number.isInteger(args.listen) || args.listen < 0 || args.listen > 65535) throw new UsageError("--listen: expected a port number (0-65535)");
  const target = parseHostPort(args.target, 5222);
  await reachable(target);
  if (args.out !== undefined) write(args.out, ""); // a path that cannot be written is found now, not after the session
  const recording = new Recording();
  const log = (line: string) => console.error(`record: ${line}`);
  const proxy = await startProxy({ port: args.listen, target, recording, log }).catch((err: unknown) => {
    throw new UsageError(`--listen ${args.listen}: cannot listen there (${describeSocketError(err)})`);
  });
  log(`listening on 127.0.0.1:${proxy.port}, relaying to ${target.host}:${target.port} (STARTTLS offered with a self-signed certificate); stop with Ctrl-C to write the script`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await proxy.stop();
  const script = recording.script(`${target.host}:${target.port}`);
  if (args.out === undefined) process.stdout.write(script);
  else {
    write(args.out, script);
    log(`wrote ${args.out}`);
  }
  return 0;
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new UsageError(`--out ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** The target accepts TCP connections: checked before anyone is told to connect. */
function reachable(target: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(target);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", (err) => reject(new UsageError(`--target ${target.host}:${target.port}: cannot connect (${describeSocketError(err)})`)));
  });
}
