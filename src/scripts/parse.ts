// Reads a scansion (.scs) script: the header (title, description, tags), `[Client]`
// declarations, and the actions with their XML blocks. Any mistake is a ScriptError
// naming the file and line. The grammar, with an example of each rule, is in
// docs/scripts.md.
import { basename, extname } from "node:path";
import { UsageError } from "../runner/errors.js";
import { isStanza, type Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";
import { domainOf, type Action, type ClientDecl, type Script, type Tag } from "./script.js";
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
  private readonly actors = new Map<string, ClientDecl>();
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
    if (this.actors.size === 0) this.fail(1, "no actors: declare at least one `[Client] NAME` with its jid and password");
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
    if (type !== "Client") this.fail(line, `unknown actor type [${type}] (known: [Client])`);
    if (!name) this.fail(line, "[Client] needs a name, as in `[Client] Romeo`");
    if (this.actors.has(name)) this.fail(line, `actor '${name}' is declared twice`);
    const keys = new Map<string, { line: number; value: string }>();
    for (const l of this.indentedBlock()) {
      if (isBlank(l.text)) continue;
      const m = KEY_VALUE.exec(l.text.trim());
      if (!m) this.fail(l.line, `expected \`key: value\` under [Client] ${name}`);
      keys.set(m[1]!, { line: l.line, value: m[2]! });
    }
    this.actors.set(name, this.client(name, line, keys));
  }

  private client(name: string, line: number, keys: Map<string, { line: number; value: string }>): ClientDecl {
    const take = (key: string) => {
      const v = keys.get(key);
      keys.delete(key);
      return v;
    };
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
    const other = [...this.actors.values()].find((a) => domainOf(a.jid) !== domainOf(bare));
    if (other) this.fail(jid.line, `${bare} is not in ${domainOf(other.jid)}, the domain of ${other.name}: a script talks to one server`);
    // scansion calls them connect_host/connect_port; another parser of the format, custom_host/custom_port.
    const host = take("connect_host") ?? take("custom_host");
    const port = take("connect_port") ?? take("custom_port");
    if (port && !/^\d{1,5}$/.test(port.value)) this.fail(port.line, `port '${port.value}': expected a number from 1 to 65535`);
    if (port && (Number(port.value) < 1 || Number(port.value) > 65535)) this.fail(port.line, `port '${port.value}': expected a number from 1 to 65535`);
    for (const [key, v] of keys) this.warnings.push(`${this.file}:${v.line}: unknown key '${key}' for [Client] ${name}, ignored`);
    const res = resource?.value ?? jidResource;
    return {
      name,
      line,
      jid: bare,
      password: password.value,
      ...(res ? { resource: res } : {}),
      ...(host ? { connectHost: host.value } : {}),
      ...(port ? { connectPort: Number(port.value) } : {}),
    };
  }

  private action(): void {
    const { line, text } = this.lines[this.i]!;
    const m = ACTION.exec(text);
    if (!m) {
      this.fail(line, "expected a declaration `[Client] NAME`, an action `NAME connects|disconnects|sends:|receives:|receives: nothing`, or a comment (#, //, --)");
    }
    const [, name, verb, colon, rest] = m;
    if (!this.actors.has(name!)) {
      const known = [...this.actors.keys()].join(", ") || "none";
      this.fail(line, `unknown actor '${name}' (declared: ${known})`);
    }
    const actor = name!;
    if (verb === "connects" || verb === "disconnects") {
      if (colon || rest) this.fail(line, `'${actor} ${verb}' takes nothing after it`);
      this.actions.push({ kind: verb, actor, line });
      this.i++;
      return;
    }
    if (rest === "nothing" && verb === "receives") {
      this.actions.push({ kind: "receives-nothing", actor, line });
      this.i++;
      return;
    }
    if (rest) this.fail(line, `unexpected '${rest}' after '${verb}${colon}' (the XML goes on the indented lines below)`);
    const block = this.indentedBlock();
    if (block.length === 0) this.fail(line, `${actor} ${verb}: needs an indented XML block on the lines below`);
    const elements = this.elements(block, verb === "receives");
    this.actions.push({ kind: verb as "sends" | "receives", actor, line, elements });
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
        if (!isStanza(el) || el.getNS() !== NS.client) {
          this.fail(block[0]!.line, `receives: <${el.name}> is not a stanza (message, presence or iq in jabber:client)`);
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
