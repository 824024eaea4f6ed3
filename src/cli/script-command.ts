// `script`: plays scansion scripts against --target, or against a fresh embedded
// reference server per script. Every file is read before anything runs, so a mistake
// in any of them is reported (file:line, exit 2) before a server is started or reached.
import { readFileSync } from "node:fs";
import { AdminAccounts, GivenAccounts, RegisteringAccounts } from "../harness/accounts.js";
import { TestClient } from "../harness/client.js";
import type { Account, TargetProfile } from "../harness/target.js";
import { Transcript } from "../harness/transcript.js";
import { UsageError } from "../runner/errors.js";
import { totalsLine } from "../runner/report-console.js";
import { totalsOf } from "../runner/results.js";
import { cast, type Cast, type Casting } from "../scripts/cast.js";
import { restore, snapshot, type AccountState } from "../scripts/cleanup.js";
import { parseScript } from "../scripts/parse.js";
import { play } from "../scripts/play.js";
import { describeTarget, progressLine, writeScriptReports, type ScriptResult, type ScriptTarget } from "../scripts/report.js";
import { domainOf, scriptAccounts, tagText, type ClientDecl, type Script } from "../scripts/script.js";
import { scriptFiles, tagVerdict, type TagFilters } from "../scripts/select.js";
import { startServer } from "../server/index.js";
import { checkFaults, parseAccount, positiveInt, readCa, splitList } from "./args.js";
import { adminAccount, externalTarget, type TargetArgs } from "./target-args.js";

export interface ScriptArgs extends TargetArgs {
  paths: string[];
  target?: string;
  account: string[];
  timeout: number;
  reports: string;
  onlyTags: string[];
  skipTags: string[];
}

/** Where one script plays: the target as its actors reach it, and how it gets its accounts. */
interface Stage {
  target: TargetProfile;
  casting: Casting;
  /** A real target keeps state between scripts, so each script leaves its accounts as it found them. */
  cleanup: boolean;
  /** Where an actor connects; a real target honours the script's connect_host and connect_port. */
  targetOf(decl: ClientDecl): TargetProfile;
}

interface Venue {
  summary: ScriptTarget;
  /** The stage for one script, and what ends it. */
  stage(script: Script): Promise<{ stage: Stage; stop(): Promise<void> }>;
}

/** Returns the exit code: 1 when a script failed, else 0. */
export async function scriptCommand(args: ScriptArgs): Promise<number> {
  const accounts = args.account.map((a) => parseAccount(a, "--account"));
  const timeoutMs = positiveInt("--timeout", args.timeout);
  const filters: TagFilters = { only: splitList(args.onlyTags), skip: splitList(args.skipTags) };
  const scripts = scriptFiles(args.paths).map(readScript);
  for (const s of scripts) for (const w of s.warnings) console.log(`warning: ${w}`);
  const venue = args.target ? await external(args, args.target, accounts) : embedded(args, accounts);
  console.log(`target ${describeTarget(venue.summary)}`);
  const startedAt = new Date();
  const results: ScriptResult[] = [];
  for (const script of scripts) {
    const skip = tagVerdict(script.tags, filters);
    const base = { file: script.file, title: script.title, description: script.description, tags: script.tags.map(tagText) };
    const result: ScriptResult = skip ? { ...base, status: "skipped", reason: skip, durationMs: 0 } : { ...base, ...(await perform(script, venue, timeoutMs)) };
    results.push(result);
    console.log(progressLine(result));
  }
  const totals = totalsOf(results);
  const files = writeScriptReports(args.reports, { target: venue.summary, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), totals, results });
  console.log("");
  console.log(totalsLine(totals));
  console.log(`reports: ${files.join(", ")}`);
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
async function perform(script: Script, venue: Venue, timeoutMs: number): Promise<Outcome> {
  const started = Date.now();
  const { stage, stop } = await venue.stage(script);
  try {
    const c = await cast(script, stage.target.domain, stage.casting);
    if ("skip" in c) return { status: "skipped", reason: c.skip, durationMs: Date.now() - started };
    try {
      const outcome = await playCast(script, stage, c, timeoutMs);
      return { ...outcome, durationMs: Date.now() - started };
    } finally {
      await c.release();
    }
  } finally {
    await stop();
  }
}

/** Notes the accounts' state, plays, and undoes what the script did (on a real target). */
async function playCast(script: Script, stage: Stage, c: Cast, timeoutMs: number): Promise<Omit<Outcome, "durationMs">> {
  const transcript = new Transcript();
  const session = { target: stage.target, transcript, timeoutMs };
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
  const played = await play(script, { targetOf: stage.targetOf, actors: c.actors, jids: c.jids, timeoutMs, transcript });
  for (const { account, fresh } of stage.cleanup ? c.accounts : []) {
    const sent = played.sent.filter((s) => s.account === account).map((s) => s.el);
    await restore(session, account, sent, fresh ? undefined : before.get(account)).catch((err: unknown) => {
      transcript.add("event", "cleanup", `${account.username}: ${(err as Error).message}`);
      console.log(`warning: ${script.file}: could not undo what the script did as ${account.username}: ${(err as Error).message}`);
    });
  }
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
  // Unreachable is a run-level error (exit 2), found before the first script rather than as every script's failure.
  const probe = await TestClient.connect(target, undefined, { until: "opened", label: "probe" });
  await probe.close();
  const stage: Stage = {
    target,
    casting: how,
    cleanup: true,
    targetOf: (decl) => ({ ...target, ...(decl.connectHost ? { host: decl.connectHost } : {}), ...(decl.connectPort ? { port: decl.connectPort } : {}) }),
  };
  return {
    summary: { embedded: false, host: target.host, port: target.port, domain: target.domain, tls: target.tls },
    stage: async () => ({ stage, stop: async () => {} }),
  };
}

/** A fresh reference server per script, serving the script's domain (or --domain), so every script starts from nothing. */
function embedded(args: ScriptArgs, accounts: Account[]): Venue {
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
      const server = await startServer({
        host: "127.0.0.1",
        port: 0,
        domain: args.domain ?? domainOf(script.actors[0]!.jid),
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
      const stage: Stage = { target, casting: casting(args, target, accounts), cleanup: false, targetOf: () => target };
      return { stage, stop: () => server.stop() };
    },
  };
}
