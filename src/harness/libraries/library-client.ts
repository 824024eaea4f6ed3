// A real client library, seen from the harness: its driver runs in a child process
// (protocol.ts), what the library writes and reads goes into the test's transcript
// (secrets redacted), and a test sends commands and expects events, as it expects
// elements of its own clients.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { SkipTest, Violation } from "../../verdict/verdict.js";
import { XmlRedactor } from "../redact.js";
import { isLoopback, type Account, type TargetProfile } from "../target.js";
import type { Transcript } from "../transcript.js";
import type { DriverCommand, DriverConfig, DriverEvent } from "./protocol.js";

export type LibraryName = "xmppjs" | "slixmpp";

/** How each library is named in titles and reasons. */
export const LIBRARY_TITLES: Record<LibraryName, string> = { xmppjs: "@xmpp/client", slixmpp: "slixmpp" };

const XMPPJS_DRIVER = fileURLToPath(new URL("./xmppjs-driver.js", import.meta.url));
/** This module runs as dist/src/harness/libraries/library-client.js. */
const SLIXMPP_DRIVER = fileURLToPath(new URL("../../../../fixtures/clients/slixmpp_driver.py", import.meta.url));

const pythonChecks = new Map<string, Promise<string | undefined>>();

/** Why `python` cannot run slixmpp, or undefined when it can; asked once per interpreter. */
function slixmppMissing(python: string): Promise<string | undefined> {
  let check = pythonChecks.get(python);
  if (!check) {
    check = new Promise((resolve) =>
      execFile(python, ["-c", "import slixmpp"], (err) => {
        if (!err) return resolve(undefined);
        const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
        resolve(missing ? `no Python interpreter at ${python} (--python)` : `${python} cannot import slixmpp (Debian: apt-get install python3-slixmpp)`);
      }),
    );
    pythonChecks.set(python, check);
  }
  return check;
}

export interface LibraryOptions {
  /** The Python 3 interpreter that runs slixmpp. */
  python: string;
  label: string;
  resource: string;
  transcript: Transcript;
  timeoutMs: number;
}

type EventName = DriverEvent["event"];
type EventOf<K extends EventName> = Extract<DriverEvent, { event: K }>;

interface ExpectOptions<K extends EventName> {
  /** Only events it accepts; others of the same name stay unread. */
  where?: (e: EventOf<K>) => boolean;
  /** What the failure says was expected. */
  expected?: string;
}

/** An event with its place in arrival order. */
interface Arrived {
  seq: number;
  event: DriverEvent;
}

/** A session the library left hibernating: what the harness needs to resume and end it. */
export interface AbandonedSession {
  id: string;
  handled: number;
}

export class LibraryClient {
  /** The full JID of the library's current session. */
  jid?: string;
  private readonly unread: Arrived[] = [];
  private arrivals = 0;
  /** Takes waiting for the next event (or the driver's exit). */
  private readonly waiters = new Set<() => void>();
  private exited?: string;
  /** The resumable session in use, and the one the library was dropped from until it resumes. */
  private smId?: string;
  private away?: AbandonedSession;
  private readonly redactOut = new XmlRedactor();
  private readonly redactIn = new XmlRedactor();

  private constructor(
    readonly library: LibraryName,
    readonly account: Account,
    private readonly child: ChildProcess,
    private readonly opts: LibraryOptions,
    private readonly tempDir: string | undefined,
  ) {
    createInterface({ input: child.stdout! }).on("line", (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on("line", (line) => this.note(line));
    child.on("exit", (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.note(`driver ${this.exited}`);
      this.wakeAll();
    });
    child.on("error", (err) => this.note(`driver: ${err.message}`));
  }

  /** Starts the library logging in as `account`; skips the test when the library is not installed. */
  static async start(library: LibraryName, target: TargetProfile, account: Account, opts: LibraryOptions): Promise<LibraryClient> {
    if (library === "slixmpp") {
      const missing = await slixmppMissing(opts.python);
      if (missing) throw new SkipTest(`slixmpp is not available: ${missing}`);
    }
    // Plain to loopback promised no certificate check; a library upgrading anyway checks none either.
    // Anywhere else it checks: an unverified TLS would carry its password to whoever answers.
    const checkNone = target.insecure || (!target.caPem && target.tls === "plain" && isLoopback(target.host));
    const tempDir = !checkNone && target.caPem ? mkdtempSync(join(tmpdir(), "xc-lib-")) : undefined;
    const trust: DriverConfig["trust"] = checkNone ? "none" : tempDir ? { ca: join(tempDir, "ca.pem") } : "system";
    if (tempDir) writeFileSync(join(tempDir, "ca.pem"), target.caPem!);
    const config: DriverConfig = {
      host: target.host,
      port: target.port,
      domain: target.domain,
      username: account.username,
      password: account.password,
      resource: opts.resource,
      tls: target.tls === "direct" ? "direct" : "starttls",
      trust,
      timeoutMs: opts.timeoutMs,
    };
    const child =
      library === "xmppjs"
        ? spawn(process.execPath, [XMPPJS_DRIVER], { env: { ...process.env, ...nodeTrust(trust) } })
        : spawn(opts.python, [SLIXMPP_DRIVER]);
    const lib = new LibraryClient(library, account, child, opts, tempDir);
    lib.note(`${LIBRARY_TITLES[library]} started (pid ${child.pid}) as ${account.username}@${target.domain}/${opts.resource}`);
    child.stdin!.on("error", () => undefined); // a driver that died is reported by its exit
    child.stdin!.write(`${JSON.stringify(config)}\n`);
    return lib;
  }

  get label(): string {
    return this.opts.label;
  }

  /** The session the library was dropped from and never resumed, if any: it still hibernates on the server. */
  get abandoned(): AbandonedSession | undefined {
    return this.away;
  }

  command(cmd: DriverCommand): void {
    this.note(`command ${cmd.op}${cmd.op === "send" ? ` ${cmd.id} to ${cmd.to}` : ""}`);
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  /**
   * The first unread event among `names` that `where` accepts; other events stay unread.
   * An error the driver reported fails the test at once with `rule`, a library that
   * cannot log in to this target skips it, and no event within the timeout fails it.
   */
  async expect<K extends EventName>(names: K[], rule: string, opts: ExpectOptions<K> = {}): Promise<EventOf<K>> {
    return (await this.take(names, rule, opts)).event as EventOf<K>;
  }

  /**
   * The library pings the server and the answer comes: returns, in order, the unread
   * messages the library got before it, consumed. Whatever the server sent the library
   * before answering has arrived by then.
   */
  async barrier(rule: string): Promise<Array<EventOf<"message">>> {
    this.command({ op: "ping" });
    const pong = await this.take(["pong"], rule, { expected: "the answer to the library's ping" });
    const before = this.unread.filter((u) => u.seq < pong.seq && u.event.event === "message");
    for (const u of before) this.unread.splice(this.unread.indexOf(u), 1);
    return before.map((u) => u.event as EventOf<"message">);
  }

  private async take<K extends EventName>(names: K[], rule: string, opts: ExpectOptions<K>): Promise<Arrived> {
    const expected = opts.expected ?? names.map((n) => `the library's ${n} event`).join(" or ");
    const wanted = (e: DriverEvent) => (names as EventName[]).includes(e.event) && (opts.where?.(e as EventOf<K>) ?? true);
    const deadline = Date.now() + this.opts.timeoutMs;
    for (;;) {
      const unsupported = this.unread.find((u) => u.event.event === "unsupported")?.event;
      if (unsupported?.event === "unsupported") throw new SkipTest(`${LIBRARY_TITLES[this.library]} cannot log in to this target: ${unsupported.reason}`);
      const at = this.unread.findIndex((u) => wanted(u.event) || u.event.event === "error");
      if (at >= 0) {
        const u = this.unread.splice(at, 1)[0]!;
        if (wanted(u.event)) return u;
        if (u.event.event === "error") throw new Violation(rule, expected, `${LIBRARY_TITLES[this.library]} reported: ${u.event.message}`);
      }
      if (this.exited) throw new Violation(rule, expected, `the ${LIBRARY_TITLES[this.library]} driver ${this.exited}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Violation(rule, expected, `nothing within ${this.opts.timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      let woken!: () => void;
      await new Promise<void>((resolve) => {
        woken = resolve;
        this.waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      this.waiters.delete(woken);
      clearTimeout(timer);
    }
  }

  /** The library closes its stream; a driver that does not exit in time is killed. */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.command({ op: "stop" });
      await this.expect(["stopped"], "harness").catch(() => undefined);
      const exited = new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once("exit", () => resolve())));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.timeoutMs)))]);
      clearTimeout(timer);
    }
    this.kill();
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }

  private onLine(line: string): void {
    let e: DriverEvent;
    try {
      e = JSON.parse(line) as DriverEvent;
    } catch {
      return this.note(line);
    }
    switch (e.event) {
      case "wire":
        if (e.dir === "out") this.opts.transcript.add("out", this.label, this.redactOut.push(e.data));
        else this.opts.transcript.add("in", this.label, this.redactIn.push(e.data));
        return;
      case "log":
        return this.note(e.text);
      case "online":
        this.jid = e.jid;
        break;
      case "sm-enabled":
        if (e.resume) this.smId = e.id;
        break;
      case "dropped":
        if (this.smId) this.away = { id: this.smId, handled: e.handled };
        this.smId = undefined;
        break;
      case "resumed":
        this.smId = this.away?.id;
        this.away = undefined;
        break;
    }
    this.note(`event ${line}`);
    this.unread.push({ seq: ++this.arrivals, event: e });
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private note(text: string): void {
    this.opts.transcript.add("event", this.label, text);
  }
}

/** How a Node application is told whom to trust: the environment it starts with. */
function nodeTrust(trust: DriverConfig["trust"]): Record<string, string> {
  if (trust === "none") return { NODE_TLS_REJECT_UNAUTHORIZED: "0" };
  return typeof trust === "object" ? { NODE_EXTRA_CA_CERTS: trust.ca } : {};
}
