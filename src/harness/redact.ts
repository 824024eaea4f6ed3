// Keeps passwords out of transcripts, which reports carry and CI uploads as artifacts.
//
// The text content of every element that can carry a password or a SASL payload is
// replaced with `[redacted N bytes]`; the tags, attributes and everything else stay as
// they were on the wire:
// - SASL <auth>, <response>, <challenge>, <success> (RFC 6120 section 6.4), and SASL2's
//   <initial-response> and <additional-data> (XEP-0388);
// - <password> (XEP-0077 registration, jabber:iq:auth);
// - the <value> of a data-form field named password or password-verify, or of type
//   text-private (XEP-0133 add-user and change-password, XEP-0004).
// Elements are recognised by local name whatever their namespace: redacting a little too
// much costs a transcript nothing a verdict needs, missing a namespace declared by prefix
// would leak.
//
// Why a streaming scanner: the transcript records raw chunks as read, and a chunk may end
// anywhere, inside a tag or inside a payload. Re-serialising parsed elements would lose
// the exact wire text the transcript exists to show, and holding chunks back until an
// element completes would misplace them in time. So each direction of a connection gets
// one scanner that keeps its state (the open elements, a tag or CDATA section cut off by
// the chunk end) from one chunk to the next and emits each chunk at once: markup as it
// came, secret text replaced. A payload cut in two shows as two redactions. Only the last
// two characters of an unfinished CDATA section wait for the next chunk (they might begin
// its `]]>`).

const SECRET_ELEMENTS = new Set(["auth", "response", "challenge", "success", "initial-response", "additional-data", "password"]);
const SECRET_FIELDS = new Set(["password", "password-verify"]);

interface Frame {
  name: string;
  secret: boolean;
}

type Mode = "text" | "open" | "tag" | "comment" | "pi" | "decl" | "cdata";

export class XmlRedactor {
  private readonly stack: Frame[] = [];
  private mode: Mode = "text";
  /** The markup being read (from its `<`), or a CDATA section's content not yet emitted. */
  private buf = "";
  private quote: string | null = null;
  private out = "";
  private secretBytes = 0;

  /** Returns `chunk` as it may be recorded. */
  push(chunk: string): string {
    this.out = "";
    for (const c of chunk) this.step(c);
    this.flushSecret();
    return this.out;
  }

  /** Emits what the last chunk left held back (the tail of an unfinished CDATA section). */
  end(): string {
    this.out = "";
    if (this.mode === "cdata") for (const c of this.buf) this.text(c);
    this.buf = "";
    this.flushSecret();
    return this.out;
  }

  private get secret(): boolean {
    return this.stack.at(-1)?.secret ?? false;
  }

  private step(c: string): void {
    switch (this.mode) {
      case "text":
        if (c === "<") {
          this.flushSecret();
          this.buf = "<";
          this.mode = "open";
          this.out += c;
        } else {
          this.text(c);
        }
        return;
      case "open": {
        this.out += c;
        this.buf += c;
        const b = this.buf;
        if (b === "<!--") this.enter("comment");
        else if (b === "<![CDATA[") this.enter("cdata");
        else if (b === "<?") this.enter("pi");
        else if ("<!--".startsWith(b) || "<![CDATA[".startsWith(b)) return;
        else if (b.startsWith("<!")) this.enter("decl");
        else {
          this.mode = "tag";
          this.tagChar(c);
        }
        return;
      }
      case "tag":
        this.out += c;
        this.buf += c;
        this.tagChar(c);
        return;
      case "comment":
      case "pi": {
        this.out += c;
        this.buf = (this.buf + c).slice(-3);
        const end = this.mode === "comment" ? this.buf === "-->" : this.buf.endsWith("?>");
        if (end) this.mode = "text";
        return;
      }
      case "decl":
        this.out += c;
        if (c === ">") this.mode = "text";
        return;
      case "cdata":
        this.buf += c;
        if (this.buf.endsWith("]]>")) {
          for (const t of this.buf.slice(0, -3)) this.text(t);
          this.flushSecret();
          this.out += "]]>";
          this.buf = "";
          this.mode = "text";
        } else if (this.buf.length > 2) {
          this.text(this.buf[0]!);
          this.buf = this.buf.slice(1);
        }
        return;
    }
  }

  private enter(mode: Mode): void {
    this.mode = mode;
    this.buf = "";
  }

  private text(c: string): void {
    if (this.secret) this.secretBytes += Buffer.byteLength(c, "utf8");
    else this.out += c;
  }

  private flushSecret(): void {
    if (this.secretBytes > 0) this.out += `[redacted ${this.secretBytes} bytes]`;
    this.secretBytes = 0;
  }

  private tagChar(c: string): void {
    if (this.quote) {
      if (c === this.quote) this.quote = null;
    } else if (c === '"' || c === "'") {
      this.quote = c;
    } else if (c === ">") {
      this.endOfTag(this.buf);
      this.buf = "";
      this.mode = "text";
    }
  }

  private endOfTag(tag: string): void {
    const name = /^<\/?\s*([^\s/>]+)/.exec(tag)?.[1];
    if (!name) return;
    if (tag.startsWith("</")) {
      // Unwinds to the element it closes; a stray end tag changes nothing.
      const at = this.stack.map((f) => f.name).lastIndexOf(name);
      if (at >= 0) this.stack.length = at;
      return;
    }
    if (/\/\s*>$/.test(tag)) return;
    this.stack.push({ name, secret: this.secret || isSecretElement(name, attributes(tag)) });
  }
}

function localName(name: string): string {
  return name.slice(name.indexOf(":") + 1);
}

function isSecretElement(name: string, attrs: Map<string, string>): boolean {
  const local = localName(name);
  if (SECRET_ELEMENTS.has(local)) return true;
  return local === "field" && (SECRET_FIELDS.has(attrs.get("var") ?? "") || attrs.get("type") === "text-private");
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/\s([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out.set(m[1]!, m[2] ?? m[3] ?? "");
  return out;
}

/** Redacts one complete piece of XML (an element's serialisation). */
export function redactXml(xml: string): string {
  const r = new XmlRedactor();
  return r.push(xml) + r.end();
}
