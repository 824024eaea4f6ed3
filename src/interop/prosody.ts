// Debian's Prosody 0.12, run as a child of the launcher (foreground, as root, which the
// fixture config allows) with its data, pidfile and certificate in the state dir.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Account } from "../harness/target.js";
import { multiarch, type Package } from "./apt.js";
import { makeCertificate } from "./certificate.js";
import { SetupError } from "./errors.js";
import { serverFixture } from "./paths.js";
import { FIXTURE, newComponent, once, type Federation, type Platform, type RunningServer } from "./platform.js";
import { requireFree } from "./ports.js";
import { exec, lastLine, startProcess } from "./processes.js";

/** Also installed with the libervia fixture, which runs the same Prosody. */
export const PROSODY_PACKAGE: Package = { name: "prosody", binary: "/usr/bin/prosodyctl", daemonPidfile: "/run/prosody/prosody.pid" };
/**
 * Prosody's libunbound resolver, which the config points at the S2S peer (a Recommends of
 * prosody, so missing only where recommends were left out); without it Prosody falls back
 * to a resolver that ignores that config.
 */
const LUA_UNBOUND: Package = { name: "lua-unbound", binary: `/usr/lib/${multiarch()}/lua/5.4/lunbound.so` };
const CONFIG = serverFixture("prosody", "prosody.cfg.lua");
const PORTS = { c2s: 15222, component: 15347, s2s: 15269 };
/** The harness's S2S peer: the config resolves its domain to 127.0.0.1 on this port. */
const FEDERATION: Federation = { peerDomain: "peer.example", peerPort: 15270 };
const { domain: DOMAIN, smQueueLimit: SM_QUEUE_LIMIT } = FIXTURE;
/** On SIGTERM it closes every session before it exits. */
const STOP_GRACE_MS = 10_000;

export const prosody: Platform = {
  name: "prosody",
  expectations: "prosody-0.12.json",
  // In-band registration, then the given accounts twice in a row on the same server: the
  // second given run fails wherever the first left state behind that a test trips over;
  // then the scenario scripts, as the same given accounts.
  runs: [
    { name: "register", provisioning: "register" },
    { name: "given", provisioning: "given" },
    { name: "given-again", provisioning: "given" },
    { name: "scenarios", provisioning: "given", scenarios: true },
    { name: "robustness", provisioning: "register", suites: ["robustness"] },
    { name: "s2s-refusals", provisioning: "register", suites: ["s2s-refusals"] },
  ],
  accountCommand: "prosodyctl register",
  federation: FEDERATION,

  package: { ...PROSODY_PACKAGE, with: [LUA_UNBOUND] },

  async start(stateDir, logFile): Promise<RunningServer> {
    await requireFree(PORTS);
    await makeCertificate(stateDir); // the config reads cert.pem and key.pem from the state dir
    mkdirSync(join(stateDir, "data"));
    const component = newComponent();
    // The config reads these as ENV_*; prosodyctl needs them too, to find the same data.
    const env = {
      ...process.env,
      INTEROP_STATE_DIR: stateDir,
      INTEROP_C2S_PORT: String(PORTS.c2s),
      INTEROP_COMPONENT_PORT: String(PORTS.component),
      INTEROP_COMPONENT_DOMAIN: component.domain,
      INTEROP_COMPONENT_SECRET: component.secret,
      INTEROP_SM_QUEUE_LIMIT: String(SM_QUEUE_LIMIT),
      INTEROP_S2S_PORT: String(PORTS.s2s),
      INTEROP_PEER_DOMAIN: FEDERATION.peerDomain,
      INTEROP_PEER_PORT: String(FEDERATION.peerPort),
    };
    const server = await startProcess("prosody", ["--config", CONFIG, "-F"], { env, logFile });
    return {
      pids: [server.pid],
      ports: PORTS,
      domain: DOMAIN,
      component,
      adminAccount: FIXTURE.admin,
      smQueueLimit: SM_QUEUE_LIMIT,
      exited: server.exited,
      async register(account: Account) {
        // Registering an existing account just sets its password again.
        const { code, output } = await exec("prosodyctl", ["--config", CONFIG, "register", account.username, DOMAIN, account.password], { env });
        if (code !== 0) throw new SetupError(`prosodyctl register ${account.username}@${DOMAIN} failed (exit ${code}): ${lastLine(output)}`);
      },
      stop: once(() => server.stop(STOP_GRACE_MS)),
    };
  },
};
