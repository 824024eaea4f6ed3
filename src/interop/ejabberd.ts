// Debian's ejabberd 23.01, run through ejabberdctl as the `ejabberd` user (ejabberdctl
// refuses anyone else but root) with config, Mnesia spool and logs in the state dir.
// Erlang distribution listens on one fixed loopback port and epmd is never started.
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Account } from "../harness/target.js";
import type { Package } from "./apt.js";
import { makeCertificate } from "./certificate.js";
import { SetupError } from "./errors.js";
import { serverFixture } from "./paths.js";
import { FIXTURE, newComponent, once, type Federation, type Platform, type RunningServer } from "./platform.js";
import { requireFree } from "./ports.js";
import { exec, lastLine, startProcess, systemUser, type CommandOptions } from "./processes.js";
import { writeFromTemplate } from "./template.js";

const PACKAGE: Package = { name: "ejabberd", binary: "/usr/sbin/ejabberdctl", daemonPidfile: "/run/ejabberd/ejabberd.pid" };
// Below Linux's ephemeral range (32768-60999): a port in it can be taken, or held in
// TIME_WAIT, by an outgoing connection of the runs before, and Erlang binds without
// SO_REUSEADDR.
const PORTS = { c2s: 16222, component: 16347, s2s: 16269, erlangDistribution: 16370 };
/** The harness's S2S peer: an IP-literal domain, which ejabberd connects to on outgoing_s2s_port (the config's PEER_PORT). */
const FEDERATION: Federation = { peerDomain: "127.0.0.1", peerPort: 16270 };
/** Mnesia is tied to the node name; every start has a fresh spool, so one name serves. */
const NODE = "xmpp-interop@localhost";
const { domain: DOMAIN, smQueueLimit: SM_QUEUE_LIMIT } = FIXTURE;
const STOP_GRACE_MS = 15_000;

export const ejabberd: Platform = {
  name: "ejabberd",
  expectations: "ejabberd-23.01.json",
  runs: [
    { name: "admin", provisioning: "admin" },
    { name: "scenarios", provisioning: "admin", scenarios: true },
    { name: "robustness", provisioning: "admin", suites: ["robustness"] },
    { name: "s2s-refusals", provisioning: "admin", suites: ["s2s-refusals"] },
  ],
  accountCommand: "ejabberdctl register",
  federation: FEDERATION,

  package: PACKAGE,

  async start(stateDir, logFile): Promise<RunningServer> {
    await requireFree(PORTS);
    const cert = await makeCertificate(stateDir);
    const component = newComponent();
    const files = {
      config: join(stateDir, "ejabberd.yml"),
      ctlConfig: join(stateDir, "ejabberdctl.cfg"),
      spool: join(stateDir, "spool"),
      logs: join(stateDir, "logs"),
    };
    mkdirSync(files.spool);
    mkdirSync(files.logs);
    writeFromTemplate(serverFixture("ejabberd", "ejabberd.yml.in"), files.config, {
      C2S_PORT: PORTS.c2s,
      S2S_PORT: PORTS.s2s,
      PEER_DOMAIN: FEDERATION.peerDomain,
      PEER_PORT: FEDERATION.peerPort,
      COMPONENT_PORT: PORTS.component,
      COMPONENT_DOMAIN: component.domain,
      COMPONENT_SECRET: component.secret,
      CERT_FILE: cert.cert,
      KEY_FILE: cert.key,
      SM_QUEUE_LIMIT,
    });
    writeFromTemplate(serverFixture("ejabberd", "ejabberdctl.cfg.in"), files.ctlConfig, {
      NODE,
      DIST_PORT: PORTS.erlangDistribution,
      // The same cookie for the node and for every ejabberdctl call; none is written to ~ejabberd.
      COOKIE: randomBytes(16).toString("hex"),
    });
    const user = systemUser("ejabberd", PACKAGE.name);
    chownTree(stateDir, user);

    const ctl = (...command: string[]) => [
      "--config", files.config, "--ctl-config", files.ctlConfig, "--spool", files.spool, "--logs", files.logs, ...command,
    ];
    const options: CommandOptions = { user, cwd: stateDir, env: { ...process.env, HOME: stateDir } };
    const server = await startProcess("ejabberdctl", ctl("foreground"), { ...options, logFile });
    return {
      pids: [server.pid],
      ports: PORTS,
      domain: DOMAIN,
      component,
      adminAccount: FIXTURE.admin,
      smQueueLimit: SM_QUEUE_LIMIT,
      exited: server.exited,
      async register(account: Account) {
        const { code, output } = await exec("ejabberdctl", ctl("register", account.username, DOMAIN, account.password), options);
        if (code !== 0 && !/already registered/.test(output)) {
          throw new SetupError(`ejabberdctl register ${account.username}@${DOMAIN} failed (exit ${code}): ${lastLine(output)}`);
        }
      },
      stop: once(async () => {
        // A clean stop first, so that Mnesia closes its files; then whatever is left, by process group.
        const { code } = await exec("ejabberdctl", ctl("stop"), options);
        if (code === 0) await Promise.race([server.exited, sleep(STOP_GRACE_MS)]);
        await server.stop(5000);
      }),
    };
  },
};

function chownTree(path: string, user: { uid: number; gid: number }): void {
  chownSync(path, user.uid, user.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name), user);
    else chownSync(join(path, entry.name), user.uid, user.gid);
  }
}
