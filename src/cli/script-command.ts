// `script`: plays scansion scripts against --target, or against a fresh embedded
// reference server per script. Every file is read before anything runs, so a mistake
// in any of them is reported (file:line, exit 2) before a server is started or reached.
import { readFileSync } from "node:fs";
import { AdminAccounts, GivenAccounts, RegisteringAccounts } from "../harness/accounts.js";
import { TestClient } from "../harness/client.js";
import type { ComponentProfile } from "../harness/component.js";
import type { Account, TargetProfile } from "../harness/target.js";
import { Transcript } from "../harness/transcript.js";
import { UsageError } from "../runner/errors.js";
import { expectationLines, expectationsHold, loadExpectations } from "../runner/expectations.js";
import { totalsLine } from "../runner/report-console.js";
import { totalsOf } from "../runner/results.js";
import { cast, type Cast, type Casting } from "../scripts/cast.js";
import { compareScripts } from "../scripts/expectations.js";
import { restore, snapshot, type AccountState } from "../scripts/cleanup.js";
import { parseScript } from "../scripts/parse.js";
import { play } from "../scripts/play.js";
import { describeTarget, progressLine, writeScriptReports, type ScriptResult, type ScriptTarget } from "../scripts/report.js";
import { JidMap } from "../scripts/jid-map.js";
import { componentsOf, scriptAccounts, scriptDomain, tagText, type ClientDecl, type ComponentDecl, type Script } from "../scripts/script.js";
import { scriptFiles, tagVerdict, type TagFilters } from "../scripts/select.js";
import { startServer } from "../server/index.js";
import { checkFaults, parseAccount, parseComponent, positiveInt, readCa, splitList } from "./args.js";
import { adminAccount, externalTarget, type TargetArgs } from "./target-args.js";

export interface ScriptArgs extends TargetArgs {
  paths: string[];
  target?: string;
  account: string[];
  component?: string;
  timeout: number;
  maxWait: number;
  reports: string;
  onlyTags: string[];
  skipTags: string[];
  expect?: string;
}

/** Where one script plays: the target as its actors reach it, and how it gets its accounts. */
interface Stage {
  target: TargetProfile;
  casting: Casting;
  /** A real target keeps state between scripts, so each script leaves its accounts as it found them. */
  cleanup: boolean;
  /** Where a client connects; a real target honours the script's connect_host and connect_port. */
  targetOf(decl: ClientDecl): TargetProfile;
  /** Where and as what each component of the script attaches. */
  componentOf(decl: ComponentDecl): ComponentProfile;
  /** The script's components that attach as another JID (a target's --component). */
  componentJids: ReadonlyMap<string, string>;
}

interface Venue {
  summary: ScriptTarget;
  /** The stage for one script, and what ends it; or why the script cannot be played there. */
  stage(script: Script): Promise<{ stage: Stage; stop(): Promise<void> } | { skip: string }>;
}

interface Timing {
  timeoutMs: number;
  maxWaitMs: number;
}

/** Returns the exit code: 1 when a script failed (with --expect: when the results differ from the expectations), else 0. */
export async function scriptCommand(args: ScriptArgs): Promise<number> {
  const accounts = args.account.map((a) => parseAccount(a, "--account"));
  const timing: Timing = { timeoutMs: positiveInt("--timeout", args.timeout), maxWaitMs: positiveInt("--max-wait", args.maxWait) * 1000 };
  const filters: TagFilters = { only: splitList(args.onlyTags), skip: splitList(args.skipTags) };
  const scripts = scriptFiles(args.paths).map(readScript);
  const expectations = args.expect === undefined ? undefined : loadExpectations(args.expect);
  for (const s of scripts) for (const w of s.warnings) console.log(`warning: ${w}`);
  const venue = args.target ? await external(args, args.target, accounts) : embedded(args, accounts);
  console.log(`target ${describeTarget(venue.summary)}`);
  const startedAt = new Date();
  const results: ScriptResult[] = [];
  const played: ScriptResult[] = [];
  for (const script of scripts) {
    const skip = tagVerdict(script.tags, filters);
    const base = { file: script.file, title: script.title, description: script.description, tags: script.tags.map(tagText) };
    const result: ScriptResult = skip ? { ...base, status: "skipped", reason: skip, durationMs: 0 } : { ...base, ...(await perform(script, venue, timing)) };
    results.push(result);
    if (!skip) played.push(result);
    console.log(progressLine(result));
  }
  const totals = totalsOf(results);
  const compared = expectations && compareScripts(args.expect!, expectations, played);
  const report = { target: venue.summary, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), totals, results, ...(compared ? { expectations: compared } : {}) };
  const files = writeScriptReports(args.reports, report);
  console.log("");
  console.log(totalsLine(totals));
  if (compared) for (const line of expectationLines(compared)) console.log(line);
  console.log(`reports: ${files.join(", ")}`);
  if (compared) return expectationsHold(compared) ? 0 : 1;
  return totals.failed > 0 ? 1 : 0;
}

function readScript(file: string): Script {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseScript(text, file);
}

type Outcome = Pick<ScriptResult, "status" | "reason" | "durationMs" | "failure" | "transcript">;

/** One script, from its accounts to its cleanup. */
async function perform(script: Script, venue: Venue, timing: Timing): Promise<Outcome> {
  const started = Date.now();
  const staged = await venue.stage(script);
  if ("skip" in staged) return { status: "skipped", reason: staged.skip, durationMs: 0 };
  const { stage, stop } = staged;
  try {
    const c = await cast(script, stage.target.domain, stage.casting, stage.componentJids);
    if ("skip" in c) return { status: "skipped", reason: c.skip, durationMs: Date.now() - started };
    try {
      const outcome = await playCast(script, stage, c, timing);
      return { ...outcome, durationMs: Date.now() - started };
    } finally {
      await c.release();
    }
  } finally {
    await stop();
  }
}

/** Notes the accounts' state, plays, and undoes what the script did (on a real target). */
async function playCast(script: Script, stage: Stage, c: Cast, timing: Timing): Promise<Omit<Outcome, "durationMs">> {
  const transcript = new Transcript();
  const session = { target: stage.target, transcript, timeoutMs: timing.timeoutMs };
  const before = new Map<Account, AccountState>();
  for (const { account, fresh } of stage.cleanup ? c.accounts : []) {
    if (fresh) continue;
    try {
      before.set(account, await snapshot(session, account));
    } catch (err) {
      const decl = c.actors.find((a) => a.account === account)!.decl;
      const hint = stage.casting.own ? " (give --account, --register or --admin to play it as other accounts)" : "";
      const message = `cannot log in as ${account.username}@${stage.target.domain}: ${(err as Error).message}${hint}`;
      return { status: "failed", failure: { line: decl.line, action: `[Client] ${decl.name}`, message }, transcript: transcript.format() };
    }
  }
  const played = await play(script, { targetOf: stage.targetOf, componentOf: stage.componentOf, actors: c.actors, jids: c.jids, ...timing, transcript });
  for (const { account, fresh } of stage.cleanup ? c.accounts : []) {
    const sent = played.sent.filter((s) => s.account === account).map((s) => s.el);
    await restore(session, account, sent, fresh ? undefined : before.get(account)).catch((err: unknown) => {
      transcript.add("event", "cleanup", `${account.username}: ${(err as Error).message}`);
      console.log(`warning: ${script.file}: could not undo what the script did as ${account.username}: ${(err as Error).message}`);
    });
  }
  if (played.skip !== undefined) return { status: "skipped", reason: played.skip };
  return played.failure ? { status: "failed", failure: played.failure, transcript: transcript.format() } : { status: "passed" };
}

/** How accounts are given on the command line; none: the script's own. */
function casting(args: ScriptArgs, target: TargetProfile, accounts: Account[]): Casting {
  const admin = adminAccount(args);
  if (args.register) return { own: false, source: new RegisteringAccounts(target), fresh: true };
  if (admin) return { own: false, source: new AdminAccounts(target, admin), fresh: true };
  if (accounts.length > 0) return { own: false, source: new GivenAccounts(accounts), fresh: false };
  return { own: true };
}

async function external(args: ScriptArgs, spec: string, accounts: Account[]): Promise<Venue> {
  const target = externalTarget(args, spec);
  const how = casting(args, target, accounts);
  const component = args.component === undefined ? undefined : { ...parseComponent(args.component, target.host), serverDomain: target.domain };
  // Unreachable is a run-level error (exit 2), found before the first script rather than as every script's failure.
  const probe = await TestClient.connect(target, undefined, { until: "opened", label: "probe" });
  await probe.close();
  return {
    summary: { embedded: false, host: target.host, port: target.port, domain: target.domain, tls: target.tls },
    stage: async (script) => {
      const components = componentsOf(script);
      if (components.length > 0 && !component) return { skip: `[Component] ${components[0]!.name} needs the target's component: pass --component NAME:SECRET@[HOST:]PORT` };
      if (components.length > 1) return { skip: `${components.length} [Component] actors, and --component attaches as one` };
      const stage: Stage = {
        target,
        casting: how,
        cleanup: true,
        targetOf: (decl) => ({ ...target, ...(decl.connectHost ? { host: decl.connectHost } : {}), ...(decl.connectPort ? { port: decl.connectPort } : {}) }),
        componentOf: () => component!,
        componentJids: new Map(components.map((d) => [d.jid, component!.domain])),
      };
      return { stage, stop: async () => {} };
    },
  };
}

/** A fresh reference server per script, serving the script's domain (or --domain), so every script starts from nothing. */
function embedded(args: ScriptArgs, accounts: Account[]): Venue {
  if (args.component !== undefined) throw new UsageError("--component applies only to a --target; the embedded server is given each script's components");
  const admin = adminAccount(args);
  const faults = splitList(args.fault);
  checkFaults(faults);
  const ca = args.ca ? readCa(args.ca) : undefined;
  const tls = args.tls ?? "plain";
  return {
    summary: { embedded: true, tls, faults },
    stage: async (script) => {
      const own = accounts.length === 0 && !args.register && !admin;
      const users = own
        ? scriptAccounts(script).map((a) => ({ username: a.jid.slice(0, a.jid.indexOf("@")), password: a.password }))
        : [...accounts, ...(admin ? [admin] : [])];
      const domain = args.domain ?? scriptDomain(script);
      // The script's components, moved with its domain (pubsub.localhost serves as pubsub.example.org).
      const moved = new JidMap(scriptDomain(script), domain, new Map());
      const components = componentsOf(script).map((d) => ({ decl: d, name: moved.rewrite(d.jid) }));
      const server = await startServer({
        host: "127.0.0.1",
        port: 0,
        domain,
        components: components.map((c) => ({ name: c.name, secret: c.decl.secret })),
        users,
        ...(admin ? { admins: [admin.username] } : {}),
        faults,
        tls: "optional",
        directTls: tls === "direct",
        registration: true,
      });
      const target: TargetProfile = {
        host: server.host,
        port: tls === "direct" ? server.directTlsPort! : server.port,
        domain: server.domain,
        tls,
        allowPlaintextAuth: args.allowPlaintextAuth,
        insecure: args.insecure,
        caPem: [server.certificatePem, ca].filter(Boolean).join("\n"),
      };
      // The server was made for this script: connect_host and connect_port point elsewhere.
      const stage: Stage = {
        target,
        casting: casting(args, target, accounts),
        cleanup: false,
        targetOf: () => target,
        componentOf: (decl) => ({ host: server.host, port: server.componentPort!, domain: moved.rewrite(decl.jid), secret: decl.secret, serverDomain: server.domain }),
        componentJids: new Map(),
      };
      return { stage, stop: () => server.stop() };
    },
  };
}
