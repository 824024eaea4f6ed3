// Reads a scansion (.scs) script: the header (title, description, tags), `[Client]`
// declarations, and the actions with their XML blocks; and the extensions no scansion
// file uses (`[Component]` actors, Stream Management actions, expected nonzas and
// stream errors). Any mistake is a ScriptError naming the file and line. The grammar,
// with an example of each rule, is in docs/scripts.md.
import { basename, extname } from "node:path";
import { UsageError } from "../runner/errors.js";
import { isStanza, type Element } from "../xmpp/element.js";
import { isSmNamespace, NS } from "../xmpp/ns.js";
import { actionText, domainOf, type Action, type ActorDecl, type ClientDecl, type ComponentDecl, type Script, type Tag } from "./script.js";
import { specialValue, variablesIn } from "./values.js";
import { BlockError, parseBlock, type SourceLine } from "./xml-block.js";

/** A script that cannot be read: `file:line: message`, a usage error (exit 2). */
export class ScriptError extends UsageError {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = "ScriptError";
  }
}

const DECLARATION = /^\[([^\]]*)\]\s*(.*?)\s*$/;
const ACTION = /^(.+?)\s+(connects|disconnects|sends|receives)(:?)\s*(.*?)\s*$/;
const JID = /^([^@/\s]+)@([^@/\s]+)(?:\/(.+))?$/;
const KEY_VALUE = /^([\w-]+)\s*:\s*(.*?)\s*$/;
const DOMAIN = /^[^@/\s]+$/;

type Take = (key: string) => { line: number; value: string } | undefined;

const isBlank = (text: string) => text.trim() === "";
const isIndented = (text: string) => /^[ \t]/.test(text) && !isBlank(text);
/** `#`, `//` and `--` start a comment; a separator line of dashes is one too. */
const isComment = (text: string) => /^(#|\/\/|--)/.test(text);

export function parseScript(text: string, file: string): Script {
  return new Parser(text, file).parse();
}

class Parser {
  private readonly lines: SourceLine[];
  private i = 0;
  private readonly actors = new Map<string, ActorDecl>();
  private readonly actions: Action[] = [];
  private readonly warnings: string[] = [];

  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.lines = text.split("\n").map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, "") }));
  }

  private fail(line: number, message: string): never {
    throw new ScriptError(this.file, line, message);
  }

  parse(): Script {
    const header = this.header();
    while (this.i < this.lines.length) {
      const { line, text } = this.lines[this.i]!;
      if (isBlank(text) || isComment(text)) {
        this.i++;
      } else if (isIndented(text)) {
        this.fail(line, "indented line outside a declaration or an XML block (a block follows `NAME sends:` or `NAME receives:`)");
      } else if (DECLARATION.test(text)) {
        this.declaration();
      } else {
        this.action();
      }
    }
    if (![...this.actors.values()].some((a) => a.kind === "client")) this.fail(1, "no clients: declare at least one `[Client] NAME` with its jid and password");
    return { file: this.file, ...header, actors: [...this.actors.values()], actions: this.actions, warnings: this.warnings };
  }

  /** Leading `#` lines: the title, then the description; `##` lines are tags. */
  private header(): { title: string; description: string[]; tags: Tag[] } {
    while (this.i < this.lines.length && isBlank(this.lines[this.i]!.text)) this.i++;
    let title: string | undefined;
    const description: string[] = [];
    const tags: Tag[] = [];
    for (; this.i < this.lines.length; this.i++) {
      const { line, text } = this.lines[this.i]!;
      if (text.startsWith("##")) {
        tags.push(this.tag(line, text.slice(2).trim()));
      } else if (text.startsWith("#")) {
        const words = text.slice(1).trim();
        if (title === undefined) title = words;
        else description.push(words);
      } else {
        break;
      }
    }
    return { title: title || basename(this.file, extname(this.file)), description, tags };
  }

  private tag(line: number, text: string): Tag {
    if (text === "") this.fail(line, "empty tag: write `## word` or `## key: value`");
    const colon = text.indexOf(":");
    if (colon < 0) return { key: text };
    const key = text.slice(0, colon).trim();
    const value = text.slice(colon + 1).trim();
    if (key === "" || value === "") this.fail(line, `tag '${text}': write \`## word\` or \`## key: value\``);
    return { key, value };
  }

  /** The indented (and blank) lines after the current one, up to the next line that is neither. */
  private indentedBlock(): SourceLine[] {
    const block: SourceLine[] = [];
    this.i++;
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (!isIndented(l.text) && !isBlank(l.text)) break;
      block.push(l);
      this.i++;
    }
    while (block.length > 0 && isBlank(block[block.length - 1]!.text)) block.pop();
    return block;
  }

  private declaration(): void {
    const { line, text } = this.lines[this.i]!;
    const [, type, name] = DECLARATION.exec(text)!;
    if (type !== "Client" && type !== "Component") this.fail(line, `unknown actor type [${type}] (known: [Client], [Component])`);
    if (!name) this.fail(line, `[${type}] needs a name, as in \`[${type}] Romeo\``);
    if (this.actors.has(name)) this.fail(line, `actor '${name}' is declared twice`);
    const keys = new Map<string, { line: number; value: string }>();
    for (const l of this.indentedBlock()) {
      if (isBlank(l.text)) continue;
      const m = KEY_VALUE.exec(l.text.trim());
      if (!m) this.fail(l.line, `expected \`key: value\` under [${type}] ${name}`);
      keys.set(m[1]!, { line: l.line, value: m[2]! });
    }
    const take = (key: string) => {
      const v = keys.get(key);
      keys.delete(key);
      return v;
    };
    const decl = type === "Client" ? this.client(name, line, take) : this.component(name, line, take);
    for (const [key, v] of keys) this.warnings.push(`${this.file}:${v.line}: unknown key '${key}' for [${type}] ${name}, ignored`);
    this.actors.set(name, decl);
  }

  private client(name: string, line: number, take: Take): ClientDecl {
    const jid = take("jid");
    const password = take("password");
    if (!jid) this.fail(line, `[Client] ${name} has no jid`);
    if (!password) this.fail(line, `[Client] ${name} has no password`);
    const m = JID.exec(jid.value);
    if (!m) this.fail(jid.line, `jid '${jid.value}': expected user@domain or user@domain/resource`);
    const [, local, domain, jidResource] = m;
    const resource = take("resource");
    if (resource && jidResource && resource.value !== jidResource) {
      this.fail(resource.line, `resource '${resource.value}' contradicts the jid's resource '${jidResource}'`);
    }
    const bare = `${local}@${domain}`.toLowerCase();
    const other = [...this.actors.values()].find((a) => a.kind === "client" && domainOf(a.jid) !== domainOf(bare));
    if (other) this.fail(jid.line, `${bare} is not in ${domainOf(other.jid)}, the domain of ${other.name}: a script talks to one server`);
    const needs = take("needs");
    const res = resource?.value ?? jidResource;
    return {
      kind: "client",
      name,
      line,
      jid: bare,
      password: password.value,
      ...(res ? { resource: res } : {}),
      ...this.connectTo(take),
      needs: needs ? needs.value.split(/[\s,]+/).filter(Boolean) : [],
    };
  }

  private component(name: string, line: number, take: Take): ComponentDecl {
    const jid = take("jid");
    // jasca calls the shared secret `password`.
    const secret = take("secret") ?? take("password");
    if (!jid) this.fail(line, `[Component] ${name} has no jid`);
    if (!secret) this.fail(line, `[Component] ${name} has no secret`);
    if (!DOMAIN.test(jid.value)) this.fail(jid.line, `jid '${jid.value}': a component's JID is a domain, as in pubsub.localhost`);
    return { kind: "component", name, line, jid: jid.value.toLowerCase(), secret: secret.value, ...this.connectTo(take) };
  }

  /** connect_host and connect_port (another parser of the format spells them custom_host and custom_port). */
  private connectTo(take: Take): { connectHost?: string; connectPort?: number } {
    const host = take("connect_host") ?? take("custom_host");
    const port = take("connect_port") ?? take("custom_port");
    if (port && (!/^\d{1,5}$/.test(port.value) || Number(port.value) < 1 || Number(port.value) > 65535)) {
      this.fail(port.line, `port '${port.value}': expected a number from 1 to 65535`);
    }
    return { ...(host ? { connectHost: host.value } : {}), ...(port ? { connectPort: Number(port.value) } : {}) };
  }

  /** The declared actor the line starts with: the longest name that is followed by a space. */
  private actorOf(text: string): string | undefined {
    return [...this.actors.keys()].filter((n) => text.startsWith(`${n} `)).sort((a, b) => b.length - a.length)[0];
  }

  private action(): void {
    const { line, text } = this.lines[this.i]!;
    const actor = this.actorOf(text.trimEnd());
    if (actor === undefined) {
      const m = ACTION.exec(text);
      if (m) this.fail(line, `unknown actor '${m[1]}' (declared: ${[...this.actors.keys()].join(", ") || "none"})`);
      this.fail(line, `expected a declaration \`[Client] NAME\`, an action \`NAME connects|disconnects|sends:|receives:|receives: nothing\`, an extension (docs/scripts.md), or a comment (#, //, --)`);
    }
    const decl = this.actors.get(actor)!;
    const rest = text.slice(actor.length).trim();
    const verb = /^(sends|receives)(:?)\s*(.*)$/.exec(rest);
    if (verb) return this.exchange(actor, line, verb[1] as "sends" | "receives", verb[2]!, verb[3]!);
    this.i++;
    if (rest === "connects" || rest === "disconnects") return this.push({ kind: rest, actor, line });
    if (rest === "is killed") return this.push({ kind: "killed", actor, line }, decl);
    if (rest === "acks") return this.push({ kind: "acks", actor, line }, decl);
    const enable = /^enables stream management(?: with max (\d+))?$/.exec(rest);
    if (enable) {
      const max = enable[1] === undefined ? undefined : Number(enable[1]);
      if (max === 0) this.fail(line, "with max 0: the window is a number of seconds above 0");
      return this.push({ kind: "enables-sm", actor, line, ...(max !== undefined ? { max } : {}) }, decl);
    }
    if (rest === "waits out the resumption window") {
      const asked = this.actions.some((a) => a.kind === "enables-sm" && a.max !== undefined && this.sameAccount(a.actor, actor));
      if (!asked) this.fail(line, `${actor} waits for a window nobody asked for: write \`${actor} enables stream management with max SECONDS\` before it`);
      return this.push({ kind: "waits-window", actor, line }, decl);
    }
    const resume = /^resumes(?: (.+)'s session)?$/.exec(rest);
    if (resume) return this.push({ kind: "resumes", actor, line, session: this.resumed(actor, resume[1], line) }, decl);
    if (/^(connects|disconnects)\b/.test(rest)) this.fail(line, `'${actor} ${rest.split(" ")[0]}' takes nothing after it`);
    this.fail(line, `'${rest}': unknown action of ${actor} (docs/scripts.md lists them)`);
  }

  /** Stream Management actions are for clients. */
  private push(action: Action, decl?: ActorDecl): void {
    if (decl?.kind === "component") this.fail(action.line, `'${actionText(action)}': ${decl.name} is a [Component]; only a [Client] has stream management and can be killed`);
    this.actions.push(action);
  }

  private sameAccount(a: string, b: string): boolean {
    const x = this.actors.get(a)!;
    const y = this.actors.get(b)!;
    return x.kind === "client" && y.kind === "client" && x.jid === y.jid;
  }

  /** Whose session `actor resumes [NAME's session]` takes: another resource of the same account. */
  private resumed(actor: string, session: string | undefined, line: number): string {
    if (session === undefined || session === actor) return actor;
    if (!this.actors.has(session)) this.fail(line, `unknown actor '${session}' (declared: ${[...this.actors.keys()].join(", ")})`);
    if (!this.sameAccount(actor, session)) this.fail(line, `${actor} cannot resume ${session}'s session: a session is resumed by its own account`);
    return session;
  }

  private exchange(actor: string, line: number, verb: "sends" | "receives", colon: string, rest: string): void {
    if (rest.trim() === "nothing" && verb === "receives") {
      this.actions.push({ kind: "receives-nothing", actor, line });
      this.i++;
      return;
    }
    const anyOrder = verb === "receives" && !colon && /^in any order:?$/.test(rest.trim());
    if (rest.trim() && !anyOrder) this.fail(line, `unexpected '${rest.trim()}' after '${verb}${colon}' (the XML goes on the indented lines below)`);
    const block = this.indentedBlock();
    if (block.length === 0) this.fail(line, `${actor} ${verb}: needs an indented XML block on the lines below`);
    const elements = this.elements(block, verb === "receives");
    if (anyOrder && !elements.every(isStanza)) this.fail(block[0]!.line, "receives in any order: takes stanzas only (other elements are received by kind anyway)");
    this.actions.push({ kind: anyOrder ? "receives-any-order" : verb, actor, line, elements });
  }

  private elements(block: SourceLine[], receiving: boolean): Element[] {
    let elements: Element[];
    try {
      elements = parseBlock(block, (value, attribute) => this.checkValue(value, attribute));
    } catch (err) {
      if (err instanceof BlockError) this.fail(err.line, err.message);
      throw err;
    }
    if (receiving) {
      for (const el of elements) {
        if (!receivable(el)) {
          this.fail(block[0]!.line, `receives: <${el.name}> is neither a stanza (message, presence or iq in jabber:client), a Stream Management element nor <stream:error>`);
        }
      }
    }
    return elements;
  }

  /** Variables must name declared actors, special values must be known, scansion:strict true or false. */
  private checkValue(value: string, attribute?: string): void {
    if (attribute?.startsWith("scansion:")) {
      if (attribute !== "scansion:strict") throw new Error(`unknown attribute ${attribute} (known: scansion:strict)`);
      if (value !== "true" && value !== "false") throw new Error(`scansion:strict='${value}': expected true or false`);
    }
    for (const v of variablesIn(value)) {
      if (!this.actors.has(v.actor)) throw new Error(`\${${v.actor}'s ${v.property}}: unknown actor '${v.actor}' (declared: ${[...this.actors.keys()].join(", ")})`);
    }
    specialValue(value);
  }
}

/** What `receives` can expect: a stanza, and as extensions an XEP-0198 element or a stream error. */
function receivable(el: Element): boolean {
  const ns = el.getNS();
  if (isStanza(el)) return ns === NS.client;
  return isSmNamespace(ns) || (el.getName() === "error" && ns === NS.stream);
}
