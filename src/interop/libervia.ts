// Libervia PubSub 0.4 on Debian's Prosody 0.12 and PostgreSQL 15: three processes, each a
// child of the launcher in a process group of its own, all state in the temp dir.
// PostgreSQL runs as the `postgres` user on a unix socket only (listen_addresses=''),
// Prosody as root as in the prosody fixture, and the component (twistd3) as root; Prosody
// delegates the pubsub, pubsub#owner and PAM namespaces of its accounts to the component
// (XEP-0355) and grants it privileges (XEP-0356), so it serves PEP and PAM as well as the
// pubsub.localhost service. Start is ready once the component answers disco#info and the
// server has nested its PAM feature into an account's disco#info; stop is the reverse.
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { TestClient } from "../harness/client.js";
import type { Account } from "../harness/target.js";
import { discoInfo } from "../xmpp/builders.js";
import { childElements, type Element } from "../xmpp/element.js";
import type { Package } from "./apt.js";
import { makeCertificate } from "./certificate.js";
import { SetupError } from "./errors.js";
import { serverFixture } from "./paths.js";
import { FIXTURE, newComponent, once, type Platform, type RunningServer } from "./platform.js";
import { HOST, requireFree, waitForPorts } from "./ports.js";
import { exec, execOk, lastLine, startProcess, systemUser, type CommandOptions, type ServerProcess } from "./processes.js";
import { PROSODY_PACKAGE } from "./prosody.js";

/** bookworm's PostgreSQL; its tools are not on PATH (/usr/bin has only postgresql-common's wrappers). */
const PG_BIN = "/usr/lib/postgresql/15/bin";
const SAT_PUBSUB = "/usr/share/libervia/sat_pubsub";
const PACKAGE: Package = {
  name: "libervia-pubsub",
  binary: "/usr/share/libervia/twisted/plugins/pubsub.py",
  with: [
    PROSODY_PACKAGE,
    { name: "prosody-modules", binary: "/usr/lib/prosody/modules/mod_delegation/mod_delegation.lua" },
    { name: "postgresql", binary: `${PG_BIN}/initdb`, daemonPidfile: "/run/postgresql/15-main.pid" },
  ],
};
const CONFIG = serverFixture("libervia", "prosody.cfg.lua");
const PORTS = { c2s: 17222, component: 17347 };
/** PostgreSQL listens on no TCP port: this number only names its socket, <state>/postgresql/.s.PGSQL.17432. */
const PG_PORT = 17432;
const { domain: DOMAIN, smQueueLimit: SM_QUEUE_LIMIT } = FIXTURE;
const PUBSUB_DOMAIN = `pubsub.${DOMAIN}`;
/** From the first process started to the component serving pubsub and PAM. */
const READY_WITHIN_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export const libervia: Platform = {
  name: "libervia",
  expectations: "libervia-0.4.json",
  // The given accounts only, twice in a row (what the first run leaves in the component's
  // database and caches must not change the second): this fixture is here for what
  // Libervia serves (pubsub, PEP and PAM), and the other servers' runs already cover the
  // other ways to get accounts.
  runs: [
    { name: "given", provisioning: "given", suites: ["pubsub", "pam"] },
    { name: "given-again", provisioning: "given", suites: ["pubsub", "pam"] },
  ],
  accountCommand: "prosodyctl register",

  package: PACKAGE,

  async start(stateDir, logFile): Promise<RunningServer> {
    await requireFree(PORTS);
    const deadline = Date.now() + READY_WITHIN_MS;
    await makeCertificate(stateDir); // the config reads cert.pem and key.pem from the state dir
    mkdirSync(join(stateDir, "data"));
    const home = join(stateDir, "home"); // the component reads ~/libervia.conf and the like: none
    mkdirSync(home);
    // Beside server.log (Prosody's): the database's and the component's own logs.
    const logs = { postgresql: join(dirname(logFile), "postgresql.log"), pubsub: join(dirname(logFile), "libervia-pubsub.log") };
    const component = newComponent();
    const pubsubSecret = randomBytes(12).toString("hex");
    const prosodyEnv = {
      ...process.env,
      INTEROP_STATE_DIR: stateDir,
      INTEROP_C2S_PORT: String(PORTS.c2s),
      INTEROP_COMPONENT_PORT: String(PORTS.component),
      INTEROP_COMPONENT_DOMAIN: component.domain,
      INTEROP_COMPONENT_SECRET: component.secret,
      INTEROP_PUBSUB_DOMAIN: PUBSUB_DOMAIN,
      INTEROP_PUBSUB_SECRET: pubsubSecret,
      INTEROP_SM_QUEUE_LIMIT: String(SM_QUEUE_LIMIT),
    };
    const register = async (account: Account) => {
      // Registering an existing account just sets its password again.
      const { code, output } = await exec("prosodyctl", ["--config", CONFIG, "register", account.username, DOMAIN, account.password], { env: prosodyEnv });
      if (code !== 0) throw new SetupError(`prosodyctl register ${account.username}@${DOMAIN} failed (exit ${code}): ${lastLine(output)}`);
    };

    // Stopped in the reverse order of their start: the component, then Prosody, then the database.
    const started: Array<{ name: string; stop(): Promise<void> }> = [];
    const stop = once(async () => {
      const errors: unknown[] = [];
      for (const p of started.reverse()) await p.stop().catch((err: unknown) => errors.push(err));
      if (errors.length > 0) throw errors[0];
    });
    try {
      const postgres = await startPostgres(stateDir, logs.postgresql, deadline);
      started.push({ name: "postgres", stop: postgres.stop });
      const prosody = await startProcess("prosody", ["--config", CONFIG, "-F"], { env: prosodyEnv, logFile });
      started.push({ name: "prosody", stop: () => prosody.stop(STOP_GRACE_MS) });
      await waitForPorts(PORTS, prosody.exited, deadline - Date.now(), logFile);
      await register(FIXTURE.admin); // for the readiness check below; the launcher registers it again
      const pubsub = await startProcess("twistd3", [
        "--nodaemon", "--pidfile=", "--logfile=-", "libervia-pubsub", "--verbose",
        "--jid", PUBSUB_DOMAIN, "--rhost", HOST, "--rport", String(PORTS.component),
        "--db_host", postgres.socketDir, "--db_port", String(PG_PORT), "--db_user", "postgres", "--db_name", "pubsub",
      ], {
        cwd: SAT_PUBSUB,
        env: {
          ...process.env,
          HOME: home,
          PYTHONPATH: dirname(SAT_PUBSUB),
          PYTHONDONTWRITEBYTECODE: "1",
          // Read from the environment (LIBERVIA_PUBSUB_<OPTION>): the secret stays off the command line.
          LIBERVIA_PUBSUB_XMPP_PWD: pubsubSecret,
          // The fixture's admin, as in Prosody's `admins`.
          LIBERVIA_PUBSUB_ADMINS_JIDS_LIST: `${FIXTURE.admin.username}@${DOMAIN}`,
        },
        logFile: logs.pubsub,
      });
      started.push({ name: "twistd3", stop: () => pubsub.stop(STOP_GRACE_MS) });
      const exited = Promise.race([
        postgres.process.exited.then((how) => `postgres ${how}`),
        prosody.exited.then((how) => `prosody ${how}`),
        pubsub.exited.then((how) => `twistd3 (Libervia PubSub) ${how}`),
      ]);
      await waitForComponent(FIXTURE.admin, exited, deadline, logs.pubsub);
      return {
        pids: [postgres.process.pid, prosody.pid, pubsub.pid],
        ports: PORTS,
        domain: DOMAIN,
        component,
        adminAccount: FIXTURE.admin,
        smQueueLimit: SM_QUEUE_LIMIT,
        exited,
        register,
        stop,
      };
    } catch (err) {
      await stop().catch(() => {}); // the start's own error is the one to report
      throw err;
    }
  },
};

/**
 * A fresh cluster in <state>/postgresql (owned by `postgres`, which initdb and the server
 * run as), trusting local connections on a socket in that directory only, with the
 * component's schema loaded into the database `pubsub`.
 */
async function startPostgres(stateDir: string, logFile: string, deadline: number) {
  const user = systemUser("postgres", "postgresql");
  const socketDir = join(stateDir, "postgresql");
  const dataDir = join(socketDir, "data");
  chmodSync(stateDir, 0o711); // postgres may pass through the launcher's own dir, not list it
  mkdirSync(socketDir, { mode: 0o700 });
  chownSync(socketDir, user.uid, user.gid);
  const options: CommandOptions = { user, cwd: socketDir, env: { ...process.env, HOME: socketDir } };
  await execOk("initdb", `${PG_BIN}/initdb`, ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], options);
  const process_ = await startProcess(`${PG_BIN}/postgres`, [
    "-D", dataDir, "-p", String(PG_PORT), "-k", socketDir, "-c", "listen_addresses=",
    // A database thrown away after the run: no need to survive a crash.
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
  ], { ...options, logFile });
  const stop = async () => {
    // A fast shutdown ends the component's connections at once (SIGTERM would wait for them).
    await exec(`${PG_BIN}/pg_ctl`, ["stop", "-D", dataDir, "-m", "fast", "-w", "-t", "10"], options);
    await process_.stop(5000);
  };
  try {
    const client = ["-h", socketDir, "-p", String(PG_PORT), "-U", "postgres"];
    let exit: string | undefined;
    void process_.exited.then((how) => (exit = how));
    while ((await exec(`${PG_BIN}/pg_isready`, [...client, "-q"], options)).code !== 0) {
      if (exit) throw new SetupError(`postgres ended (${exit}) before it accepted connections; see ${logFile}`);
      if (Date.now() >= deadline) throw new SetupError(`postgres did not accept connections within ${READY_WITHIN_MS / 1000} s; see ${logFile}`);
      await sleep(100);
    }
    await execOk("createdb pubsub", `${PG_BIN}/createdb`, [...client, "pubsub"], options);
    await execOk("psql -f pubsub.sql", `${PG_BIN}/psql`, [...client, "-q", "-v", "ON_ERROR_STOP=1", "-d", "pubsub", "-f", `${SAT_PUBSUB}/db/pubsub.sql`], options);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { process: process_ as ServerProcess, socketDir, stop };
}

/**
 * Logs in as the admin and asks until pubsub.localhost answers disco#info as a pubsub
 * service and the admin's own bare JID lists urn:xmpp:pam:0: the component is connected,
 * has its delegations, and Prosody has nested its features (XEP-0355 §7.2).
 */
async function waitForComponent(admin: Account, exited: Promise<string>, deadline: number, logFile: string): Promise<void> {
  let exit: string | undefined;
  void exited.then((how) => (exit = how));
  const target = { host: HOST, port: PORTS.c2s, domain: DOMAIN, tls: "plain" as const, insecure: true };
  const client = await TestClient.connect(target, admin, { label: "launcher" });
  const has = (reply: Element, test: (el: Element) => boolean) => {
    const query = reply.attrs.type === "result" ? reply.getChild("query") : undefined;
    return query !== undefined && childElements(query).some(test);
  };
  let seen = "no answer yet";
  try {
    for (;;) {
      const service = await client.iq(discoInfo(PUBSUB_DOMAIN));
      const account = await client.iq(discoInfo(`${admin.username}@${DOMAIN}`));
      const serving = has(service, (c) => c.name === "identity" && c.attrs.category === "pubsub" && c.attrs.type === "service");
      const pam = has(account, (c) => c.name === "feature" && c.attrs.var === "urn:xmpp:pam:0");
      if (serving && pam) return;
      seen = `${PUBSUB_DOMAIN} ${serving ? "serves pubsub" : `answered ${service.attrs.type}`}, urn:xmpp:pam:0 ${pam ? "is" : "is not yet"} on the account`;
      if (exit) throw new SetupError(`${exit} before the component was ready (${seen}); see ${logFile}`);
      if (Date.now() >= deadline) throw new SetupError(`the component was not ready within ${READY_WITHIN_MS / 1000} s (${seen}); see ${logFile}`);
      await sleep(100);
    }
  } finally {
    await client.close().catch(() => client.kill());
  }
}
