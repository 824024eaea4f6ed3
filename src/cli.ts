#!/usr/bin/env node
// xmpp-conformance: run the suites, play or record scenario scripts, serve the reference server, or list the tests.
// Every error reaches the user as one line `xmpp-conformance: <message>` and exit code 2.
import { readFileSync } from "node:fs";
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { listCommand } from "./cli/list-command.js";
import { recordCommand, type RecordArgs } from "./cli/record-command.js";
import { runCommand, type RunArgs } from "./cli/run-command.js";
import { scriptCommand, type ScriptArgs } from "./cli/script-command.js";
import { serveCommand, type ServeArgs } from "./cli/serve-command.js";
import { errorLine } from "./cli/error-line.js";
import { UsageError } from "./runner/errors.js";
import { SASL_MECHANISMS } from "./xmpp/sasl.js";

const NAME = "xmpp-conformance";
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

function die(err: unknown): never {
  process.stderr.write(`${NAME}: ${errorLine(err)}\n`);
  process.exit(2);
}

/**
 * Runs a command and exits with its code: open test connections must not keep the process
 * alive. It exits once standard output has taken everything written: to a pipe, writes are
 * asynchronous, and exiting at once cut `list --json` at 64 KiB.
 */
function exitWith(command: () => Promise<number>): Promise<void> {
  return command().then((code) => {
    process.stdout.write("", () => process.exit(code));
  }, die);
}

// A reader that went away (`| head`) ends the program quietly, as it does any Unix tool.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  die(err);
});

// Outside a mocha run nothing else handles these; during a run mocha's own listener turns them into test failures.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (err: unknown) => {
    if (process.listenerCount(event) === 1) die(err);
  });
}

/** How `run` and `script` connect and secure their streams, and the embedded server's faults: the same for both. */
function connectionOptions<T>(y: Argv<T>) {
  return y
    .option("tls", {
      choices: ["plain", "starttls", "direct"] as const,
      describe: "how the client secures its streams (default: plain for the embedded server and a loopback --target, starttls with a verified certificate for any other)",
    })
    .option("allow-plaintext-auth", {
      type: "boolean",
      default: false,
      describe: "let SASL PLAIN send the password over an unencrypted stream to a --target that is not loopback (SCRAM, which reveals no password, is always allowed)",
    })
    .option("insecure", { type: "boolean", default: false, describe: "accept any server certificate" })
    .option("ca", { type: "string", describe: "PEM file of a CA (or certificate) to trust; the embedded server's certificate is trusted automatically" })
    .option("fault", { type: "string", array: true, default: [] as string[], describe: "turn on a named fault in the embedded server (repeatable; not with --target; see list --faults)" });
}

await yargs(hideBin(process.argv))
  .scriptName(NAME)
  .version(version)
  .strict()
  .demandCommand(1, "give a command: run, script, record, serve or list")
  .command(
    "run",
    "run conformance suites against --target, or against the embedded reference server",
    (y) =>
      connectionOptions(
        y
          .option("target", { type: "string", describe: "server under test, HOST[:PORT] (port 5222 by default); without it the embedded reference server is started on an ephemeral loopback port" })
          .option("domain", { type: "string", describe: "XMPP domain of the target (required with --target; embedded: localhost)" })
          .option("account", { type: "string", array: true, default: [] as string[], describe: "test account USER:PASSWORD (repeatable); the embedded server creates it" })
          .option("register", { type: "boolean", default: false, describe: "create fresh accounts by in-band registration (XEP-0077); the default for the embedded server without --account" })
          .option("admin", { type: "string", describe: "an administrator USER:PASSWORD who creates fresh accounts with XEP-0133 ad-hoc commands (the embedded server makes USER its administrator)" })
      )
        .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite to run (repeatable or comma-separated; default: every suite but the opt-in robustness and s2s-refusals)" })
        .option("grep", { type: "string", describe: "run only tests whose id, rule IDs or title match this regular expression" })
        .option("order", { type: "string", default: "declared", describe: "declared, random or random:SEED: shuffle the tests within each suite (the seed is printed and kept in results.json)" })
        .option("jobs", { type: "number", describe: "tests run at once at most (default: 4 against the embedded server, 1 against --target); given accounts are never shared by tests running at once" })
        .option("component", { type: "string", describe: "attach to the target as an XEP-0114 component NAME:SECRET@[HOST:]PORT (the target's component port; HOST defaults to the target's), for tests that need a component" })
        .option("peer-domain", { type: "string", describe: "the domain the harness plays as a remote server (S2S, XEP-0220 dialback) for the tests that need one; the target must route it to --peer-listen (with --target only: the embedded run plays peer.example)" })
        .option("peer-listen", { type: "string", describe: "HOST:PORT where the harness's S2S peer accepts the streams the target opens to --peer-domain" })
        .option("target-s2s", { type: "string", describe: "the target's S2S port, HOST[:PORT], where the peer opens its own streams (default: the --target host, port 5269)" })
        .option("service-admin", { type: "string", describe: "an account USER:PASSWORD with administrative rights on the target's services, used to create nodes where only admins may (Prosody's pubsub component)" })
        .option("fail-on-skip", { type: "boolean", default: false, describe: "exit 1 when a selected test was skipped, listing each with its reason (with --expect, expected skips are allowed)" })
        .option("timeout", { type: "number", default: 5000, describe: "default wait for an expected element, in ms" })
        .option("max-wait", { type: "number", default: 10, describe: "longest protocol window a test waits out, in seconds (an SM resumption window, the target's timeout for a service that never answers)" })
        .option("sm-queue-limit", { type: "number", describe: "the target's unacknowledged-stanza queue limit, for tests that need it (known for the embedded server)" })
        .option("python", { type: "string", default: "/usr/bin/python3", describe: "the Python 3 that runs slixmpp for the clients suite (without slixmpp its tests are skipped, saying so)" })
        .option("reports", { type: "string", default: "reports", describe: "directory for junit.xml, results.json and summary.md" })
        .option("expect", { type: "string", describe: "expected results of this target (JSON, see fixtures/expectations/): exit 0 only when the run matches them, listing every new failure and new pass" }),
    (argv) => exitWith(() => runCommand(argv as RunArgs)),
  )
  .command(
    "script <paths..>",
    "play scansion scenario scripts (.scs files, or every .scs file of a directory) against --target, or against a fresh embedded reference server per script",
    (y) =>
      connectionOptions(
        y
          .positional("paths", { type: "string", array: true, demandOption: true, describe: "script files and directories of scripts" })
          .option("target", { type: "string", describe: "server under test, HOST[:PORT] (port 5222 by default); without it each script gets an embedded reference server of its own, serving the script's domain" })
          .option("domain", { type: "string", describe: "XMPP domain of the target (required with --target; embedded: the script's domain); the scripts' JIDs are moved to it" })
          .option("account", { type: "string", array: true, default: [] as string[], describe: "an account USER:PASSWORD (repeatable) to play the scripts' accounts, in the order each script declares them (a script needing more is skipped); without --account, --register or --admin a script runs as its own accounts" })
          .option("register", { type: "boolean", default: false, describe: "play each script's accounts with fresh accounts made by in-band registration (XEP-0077), removed after it" })
          .option("admin", { type: "string", describe: "an administrator USER:PASSWORD who makes fresh accounts for each script with XEP-0133 ad-hoc commands and removes them after it (the embedded server makes USER its administrator)" })
      )
        .option("only-tags", { type: "string", array: true, default: [] as string[], describe: "play only scripts with one of these tags (repeatable or comma-separated; `word` also matches `word: value`)" })
        .option("skip-tags", { type: "string", array: true, default: [] as string[], describe: "leave out scripts with one of these tags (repeatable or comma-separated)" })
        .option("component", { type: "string", describe: "with --target: attach as this XEP-0114 component NAME:SECRET@[HOST:]PORT to play a script's [Component] actor, whose JID becomes NAME (embedded: the server is given each script's components)" })
        .option("timeout", { type: "number", default: 5000, describe: "wait for each stanza a script expects, and for the answer to the ping that proves `receives: nothing`, in ms" })
        .option("max-wait", { type: "number", default: 10, describe: "longest resumption window `waits out the resumption window` waits, in seconds; a script meeting a longer one is skipped" })
        .option("reports", { type: "string", default: "reports", describe: "directory for junit.xml, results.json and summary.md" })
        .option("expect", { type: "string", describe: "expected results of this target (JSON, see fixtures/expectations/, scripts under \"scenarios\" by file name): exit 0 only when the scripts played match them" }),
    (argv) => exitWith(() => scriptCommand(argv as unknown as ScriptArgs)),
  )
  .command(
    "record",
    "relay c2s clients to --target through a loopback proxy and, when stopped (Ctrl-C), write what passed as a scansion script",
    (y) =>
      y
        .option("listen", { type: "number", demandOption: true, describe: "loopback port the clients connect to (0: any free port, printed)" })
        .option("target", { type: "string", demandOption: true, describe: "the server, HOST[:PORT] (port 5222 by default), reached in the clear: it must let a loopback client log in without TLS" })
        .option("out", { type: "string", describe: "file to write the script to (default: standard output)" }),
    (argv) => exitWith(() => recordCommand(argv as unknown as RecordArgs)),
  )
  .command(
    "serve",
    "run the embedded reference server until interrupted",
    (y) =>
      y
        .option("host", { type: "string", default: "127.0.0.1", describe: "address to listen on" })
        .option("port", { type: "number", default: 5222, describe: "client port (0: any free port)" })
        .option("domain", { type: "string", default: "localhost", describe: "XMPP domain served" })
        .option("user", { type: "string", array: true, default: [] as string[], describe: "account USER:PASSWORD to create (repeatable)" })
        .option("admin", { type: "string", array: true, default: [] as string[], describe: "USER may add and delete accounts with XEP-0133 ad-hoc commands (repeatable; create USER with --user or by registration)" })
        .option("fault", { type: "string", array: true, default: [] as string[], describe: "turn on a named fault (repeatable; see list --faults)" })
        .option("sm-max", { type: "number", describe: "longest resumption window granted, in seconds (default 300)" })
        .option("sm-queue-limit", { type: "number", describe: "unacknowledged-stanza queue limit (default 500)" })
        .option("max-depth", { type: "number", describe: "element nesting allowed below the stream root, a stanza being level 1 (default 64); deeper input is closed with policy-violation" })
        .option("handshake-timeout", { type: "number", describe: "seconds a connection has to authenticate before it is closed with connection-timeout (default 30)" })
        .option("max-connections", { type: "number", describe: "open connections at most; one more is refused with resource-constraint (default 1000)" })
        .option("upstream-timeout", { type: "number", describe: "seconds a request sent on an account's behalf (XEP-0376) waits for the service before the client gets remote-server-timeout (default 5)" })
        .option("max-handshakes", { type: "number", describe: "connections not yet authenticated at most; one more is refused with resource-constraint (default 100)" })
        .option("tls", { choices: ["off", "optional", "required"] as const, default: "optional" as const, describe: "STARTTLS offer" })
        .option("direct-tls", { type: "boolean", default: false, describe: "also listen for direct TLS on an ephemeral port" })
        .option("component", { type: "string", array: true, default: [] as string[], describe: "accept the XEP-0114 component NAME (a domain such as component.localhost) with the shared SECRET, NAME:SECRET (repeatable)" })
        .option("component-port", { type: "number", describe: "port for components (default: an ephemeral one, printed on the listening line)" })
        .option("s2s-port", { type: "number", describe: "listen for other servers (S2S, XEP-0220 dialback) on this port (0: any free port); no S2S listener without it" })
        .option("s2s-route", { type: "string", array: true, default: [] as string[], describe: "DOMAIN=HOST:PORT: reach the server of DOMAIN there (repeatable; no DNS is used, so an unrouted domain is remote-server-not-found)" })
        .option("register", { type: "boolean", default: true, describe: "allow in-band registration (XEP-0077); --no-register turns it off" })
        .option("sasl", {
          type: "string",
          array: true,
          describe: `SASL mechanisms to offer (repeatable or comma-separated; default: all, ${SASL_MECHANISMS.join(", ")}; the -PLUS ones only over TLS 1.3)`,
        })
        .option("cert", { type: "string", describe: "write the self-signed certificate made at start-up (PEM) to this file, for clients to trust" }),
    (argv) => exitWith(() => serveCommand(argv as ServeArgs)),
  )
  .command(
    "list",
    "list every test with its rule IDs and what it needs (or, with --faults or --rules, the fault switches or the rules)",
    (y) =>
      y
        .option("suite", { type: "string", array: true, default: [] as string[], describe: "suite to list (repeatable or comma-separated; default: all)" })
        .option("json", { type: "boolean", default: false, describe: "print JSON instead of a table" })
        .option("faults", { type: "boolean", default: false, describe: "list the reference server's fault switches (for --fault) with the rules each breaks" })
        .option("rules", { type: "boolean", default: false, describe: "list the rule catalogue: each rule ID with its specification, section, level, statement and link" }),
    (argv) => exitWith(() => listCommand(argv)),
  )
  .fail((msg, err) => die(err ?? new UsageError(msg)))
  .help()
  .parseAsync()
  .catch(die);
