// `run`: against --target, or against the embedded reference server started for the run.
import { randomBytes } from "node:crypto";
import { AdminAccounts, GivenAccounts, RegisteringAccounts, type AccountSource } from "../harness/accounts.js";
import type { ComponentProfile } from "../harness/component.js";
import { describeSocketError } from "../harness/errors.js";
import { PeerListener } from "../harness/peer.js";
import type { Account, TargetProfile } from "../harness/target.js";
import { UsageError } from "../runner/errors.js";
import { progressPrinter, totalsLine } from "../runner/report-console.js";
import { writeReports } from "../runner/reports.js";
import type { TargetSummary } from "../runner/results.js";
import { grepPattern, runSuites } from "../runner/run.js";
import { describeOrder, parseOrder } from "../runner/order.js";
import { suiteFiles } from "../runner/suites.js";
import { startServer } from "../server/index.js";
import { compareExpectations, expectationLines, expectationsHold, loadExpectations } from "../runner/expectations.js";
import { checkFaults, parseComponent, parseAccount, parseHostPort, positiveInt, readCa, splitList } from "./args.js";
import { adminAccount, externalTarget, type TargetArgs } from "./target-args.js";

export interface RunArgs extends TargetArgs {
  target?: string;
  account: string[];
  suite: string[];
  grep?: string;
  timeout: number;
  maxWait: number;
  smQueueLimit?: number;
  reports: string;
  expect?: string;
  order: string;
  jobs?: number;
  failOnSkip: boolean;
  component?: string;
  serviceAdmin?: string;
  peerDomain?: string;
  peerListen?: string;
  targetS2s?: string;
  python: string;
}

/** Tests run at once against the embedded server unless --jobs says otherwise; a real target gets one at a time. */
const EMBEDDED_JOBS = 4;

/** The domain the S2S peer plays in an embedded run, which the embedded server routes to it. */
const EMBEDDED_PEER_DOMAIN = "peer.example";

/** The embedded server's queue limit when not given: passed to it, so the SM tests know it. */
const EMBEDDED_SM_QUEUE_LIMIT = 500;

interface Setup {
  component?: ComponentProfile;
  peer?: PeerListener;
  target: TargetProfile;
  summary: TargetSummary;
  accounts: AccountSource;
  smQueueLimit?: number;
  stop(): Promise<void>;
}

/** Returns the exit code: 1 when a test failed, else 0. */
export async function runCommand(args: RunArgs): Promise<number> {
  const accounts = args.account.map((a) => parseAccount(a, "--account"));
  const suites = splitList(args.suite);
  suiteFiles(suites); // an unknown suite is reported before any server is started or reached
  const grep = args.grep === undefined ? undefined : grepPattern(args.grep);
  const expectations = args.expect === undefined ? undefined : loadExpectations(args.expect);
  const order = parseOrder(args.order);
  const jobs = args.jobs === undefined ? (args.target ? 1 : EMBEDDED_JOBS) : positiveInt("--jobs", args.jobs);
  const options = {
    timeoutMs: positiveInt("--timeout", args.timeout),
    maxWaitSec: positiveInt("--max-wait", args.maxWait),
    python: args.python,
    ...(args.serviceAdmin !== undefined ? { serviceAdmin: parseAccount(args.serviceAdmin, "--service-admin") } : {}),
  };
  const setup = args.target ? await external(args, args.target, accounts) : await embedded(args, accounts);
  try {
    const s = setup.summary;
    const kind = s.embedded ? `embedded reference server, faults: ${s.faults.join(", ") || "none"}` : "external server";
    console.log(`target ${s.host}:${s.port} (domain ${s.domain}, tls ${s.tls}; ${kind})`);
    console.log(describeOrder(order));
    const outcome = await runSuites({
      order,
      jobs,
      onPlan: (line) => console.log(line),
      target: setup.target,
      accounts: setup.accounts,
      options: {
        ...options,
        ...(setup.smQueueLimit !== undefined ? { smQueueLimit: setup.smQueueLimit } : {}),
        ...(setup.component ? { component: setup.component } : {}),
        ...(setup.peer ? { peer: setup.peer } : {}),
      },
      suites,
      ...(grep ? { grep } : {}),
      onResult: progressPrinter((line) => console.log(line)),
    });
    const compared = expectations && compareExpectations(args.expect!, expectations, outcome.results, outcome.declaredIds);
    const files = writeReports(args.reports, { target: setup.summary, order, jobs, ...outcome, ...(compared ? { expectations: compared } : {}) });
    console.log("");
    console.log(totalsLine(outcome.totals));
    if (compared) for (const line of expectationLines(compared)) console.log(line);
    console.log(`reports: ${files.join(", ")}`);
    if (compared) return expectationsHold(compared) ? 0 : 1;
    if (outcome.totals.failed > 0) return 1;
    // With --expect an expected skip is part of the expected result; without it, every skip counts.
    const skipped = outcome.results.filter((r) => r.status === "skipped");
    if (args.failOnSkip && skipped.length > 0) {
      console.log(`--fail-on-skip: ${skipped.length} selected test${skipped.length === 1 ? " was" : "s were"} skipped:`);
      for (const r of skipped) console.log(`  SKIPPED ${r.id} ${r.title}: ${r.reason ?? ""}`);
      return 1;
    }
    return 0;
  } finally {
    await setup.stop();
  }
}

async function external(args: RunArgs, spec: string, accounts: Account[]): Promise<Setup> {
  const target = externalTarget(args, spec);
  const admin = adminAccount(args);
  if (accounts.length === 0 && !args.register && !admin) {
    throw new UsageError("--target needs accounts: give --account USER:PASSWORD, --register or --admin USER:PASSWORD");
  }
  const peerSpec = peerArgs(args, target.host);
  const smQueueLimit = args.smQueueLimit === undefined ? undefined : positiveInt("--sm-queue-limit", args.smQueueLimit);
  const component = args.component === undefined ? undefined : { ...parseComponent(args.component, target.host), serverDomain: target.domain };
  // Last, once every argument is known to be good: the peer listens from now on.
  const peer =
    peerSpec &&
    (await PeerListener.start({ domain: peerSpec.domain, ...peerSpec.listen, target: { ...peerSpec.targetS2s, domain: target.domain } }).catch((err: unknown) => {
      throw new UsageError(`--peer-listen ${args.peerListen}: cannot listen there (${describeSocketError(err)})`);
    }));
  return {
    target,
    summary: { host: target.host, port: target.port, domain: target.domain, tls: target.tls, embedded: false, faults: [] },
    accounts: args.register ? new RegisteringAccounts(target) : admin ? new AdminAccounts(target, admin) : new GivenAccounts(accounts),
    ...(smQueueLimit !== undefined ? { smQueueLimit } : {}),
    ...(component ? { component } : {}),
    ...(peer ? { peer } : {}),
    stop: async () => peer?.stop(),
  };
}

/** --peer-domain and --peer-listen (both or neither) and --target-s2s (default: the target's host, port 5269). */
function peerArgs(args: RunArgs, targetHost: string) {
  if (args.peerDomain === undefined && args.peerListen === undefined) {
    if (args.targetS2s !== undefined) throw new UsageError("--target-s2s needs --peer-domain and --peer-listen");
    return undefined;
  }
  if (args.peerDomain === undefined || args.peerListen === undefined) throw new UsageError("--peer-domain and --peer-listen go together: the peer plays that domain at that address");
  return {
    domain: args.peerDomain.toLowerCase(),
    listen: parseHostPort(args.peerListen, undefined, "--peer-listen"),
    targetS2s: args.targetS2s === undefined ? { host: targetHost, port: 5269 } : parseHostPort(args.targetS2s, 5269, "--target-s2s"),
  };
}

async function embedded(args: RunArgs, accounts: Account[]): Promise<Setup> {
  if (args.component !== undefined) throw new UsageError("--component applies only to a --target; the embedded server attaches its own");
  if (args.peerDomain !== undefined || args.peerListen !== undefined || args.targetS2s !== undefined) {
    throw new UsageError(`--peer-domain, --peer-listen and --target-s2s apply only to a --target; the embedded server federates with the peer as ${EMBEDDED_PEER_DOMAIN}`);
  }
  const admin = adminAccount(args);
  const faults = splitList(args.fault);
  checkFaults(faults);
  const ca = args.ca ? readCa(args.ca) : undefined;
  const tls = args.tls ?? "plain";
  const smQueueLimit = args.smQueueLimit === undefined ? EMBEDDED_SM_QUEUE_LIMIT : positiveInt("--sm-queue-limit", args.smQueueLimit);
  const domain = args.domain ?? "localhost";
  // The component the tests that need one attach as, with a secret made for this run.
  const component = { name: `component.${domain}`, secret: randomBytes(12).toString("hex") };
  // The peer first: the server routes the peer's domain to the peer's ephemeral port.
  const peer = await PeerListener.start({ domain: EMBEDDED_PEER_DOMAIN, host: "127.0.0.1", port: 0 });
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    domain,
    components: [component],
    users: admin ? [...accounts, admin] : accounts,
    ...(admin ? { admins: [admin.username] } : {}),
    faults,
    smQueueLimit,
    // STARTTLS is offered as a typical server offers it; a plain client just does not use it.
    tls: "optional",
    directTls: tls === "direct",
    registration: true,
    // Well within --max-wait, and short: the test of a service that never answers holds the component meanwhile.
    upstreamTimeoutMs: Math.min(2000, (args.maxWait * 1000) / 2),
    s2sPort: 0,
    s2sRoutes: [{ domain: peer.domain, ...peer.address }],
  }).catch(async (err: unknown) => {
    await peer.stop();
    throw err;
  });
  const stop = async () => {
    await peer.stop();
    await server.stop();
  };
  if (server.s2sPort !== undefined) peer.target = { host: server.host, port: server.s2sPort, domain: server.domain };
  const port = tls === "direct" ? server.directTlsPort : server.port;
  if (port === undefined) {
    await stop();
    throw new Error("the embedded server did not open a direct TLS port");
  }
  const target: TargetProfile = {
    host: server.host,
    port,
    domain: server.domain,
    tls,
    allowPlaintextAuth: args.allowPlaintextAuth,
    insecure: args.insecure,
    // The embedded server's self-signed certificate is trusted, plus any --ca given.
    caPem: [server.certificatePem, ca].filter(Boolean).join("\n"),
  };
  return {
    target,
    summary: { host: target.host, port, domain: target.domain, tls: target.tls, embedded: true, faults: [...server.faults] },
    accounts: admin ? new AdminAccounts(target, admin) : args.register || accounts.length === 0 ? new RegisteringAccounts(target) : new GivenAccounts(accounts),
    smQueueLimit,
    component: { host: server.host, port: server.componentPort!, domain: component.name, secret: component.secret, serverDomain: server.domain },
    peer,
    stop,
  };
}
