// A server is ready when every one of its ports accepts a connection; a port already open
// before it starts belongs to someone else and would make that check lie.
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { SetupError } from "./errors.js";

export const HOST = "127.0.0.1";

/** Port numbers by what they are for ("c2s", "component", ...). */
export type Ports = Record<string, number>;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function describe(ports: Ports, name: string): string {
  return `${HOST}:${ports[name]} (${name})`;
}

export async function requireFree(ports: Ports): Promise<void> {
  for (const name of Object.keys(ports)) {
    if (await accepts(ports[name]!)) throw new SetupError(`port ${describe(ports, name)} is already in use`);
  }
}

/** Waits until every port accepts a connection, for at most `withinMs` in all; fails at once if the server exits. */
export async function waitForPorts(ports: Ports, exited: Promise<string>, withinMs: number, logFile: string): Promise<void> {
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  const deadline = Date.now() + withinMs;
  for (const name of Object.keys(ports)) {
    while (!(await accepts(ports[name]!))) {
      if (exit) throw new SetupError(`the server ended (${exit}) before ${describe(ports, name)} opened; see ${logFile}`);
      if (Date.now() >= deadline) throw new SetupError(`${describe(ports, name)} did not open within ${withinMs / 1000} s; see ${logFile}`);
      await sleep(50);
    }
  }
}
