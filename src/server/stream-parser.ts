// Turns the bytes of one XML stream into a header, top-level elements and an end,
// using saxes because RFC 6120 section 11 needs a strict parser: ltx's accepts
// comments, processing instructions, DTDs and junk. A stream restart is a new parser.
// Every limit is checked while parsing, so a hostile input costs time linear in the
// bytes read up to the limit it breaks.
import { SaxesParser, type SaxesTagNS } from "saxes";
import { Element } from "../xmpp/element.js";
import type { StreamCondition } from "../xmpp/ns.js";

export interface StreamHeader {
  name: string;
  /** Namespace of the root element itself (the stream namespace when valid). */
  ns: string;
  /** The default namespace declared on the root (the content namespace). */
  defaultNs: string | undefined;
  attrs: Record<string, string>;
}

export interface StreamParserEvents {
  header(header: StreamHeader): void;
  /** `chunk` numbers the write() call the element ended in. */
  element(el: Element, chunk: number): void;
  end(): void;
  error(condition: StreamCondition, text: string): void;
}

/** Numbers every write() across all parsers, so chunk numbers survive restarts and resumption. */
let chunks = 0;

/** Characters fed to saxes per call, so the size limit is checked while a huge write is parsed. */
const SLICE = 8192;

export interface StreamLimits {
  /** Bytes of one top-level element, and of the stream header. */
  maxStanzaBytes: number;
  /** Element nesting below the stream root: a stanza is level 1, its children level 2. */
  maxDepth: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxStanzaBytes: 262144, maxDepth: 64 };

/**
 * Thrown out of a saxes handler once the parser is dead, so saxes stops at once instead of
 * parsing the rest of its slice: its namespace lookup walks the open-tag stack, so each
 * further tag of a deep input costs more than the last.
 */
const STOP = Symbol("stop");

export class StreamParser {
  private readonly sax = new SaxesParser({ xmlns: true, position: true });
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private stack: Element[] = [];
  private depth = 0;
  private dead = false;
  private chunk = 0;
  // Size accounting for the current top-level element, in bytes since `mark`
  // (a string index into everything fed so far).
  private mark = 0;
  private text = "";
  private textBase = 0;
  private fed = 0;
  private piece = "";
  private pieceBase = 0;
  private bytesBeforePiece = 0;

  private readonly maxStanzaBytes: number;
  private readonly maxDepth: number;

  constructor(
    private readonly events: StreamParserEvents,
    limits: Partial<StreamLimits> = {},
  ) {
    this.maxStanzaBytes = limits.maxStanzaBytes ?? DEFAULT_STREAM_LIMITS.maxStanzaBytes;
    this.maxDepth = limits.maxDepth ?? DEFAULT_STREAM_LIMITS.maxDepth;
    const sax = this.sax;
    // After each event: a parser that died during it (an error, a restart, a close) stops saxes.
    const on = <T>(handle: (arg: T) => void) => (arg: T) => {
      handle(arg);
      if (this.dead) throw STOP;
    };
    sax.on("xmldecl", () => undefined);
    sax.on("doctype", on(() => this.fail("restricted-xml", "DTDs are not allowed")));
    sax.on("comment", on(() => this.fail("restricted-xml", "comments are not allowed")));
    sax.on("processinginstruction", on(() => this.fail("restricted-xml", "processing instructions are not allowed")));
    sax.on("error", on((err: Error) => this.fail("not-well-formed", err.message)));
    sax.on("opentag", on((tag) => this.onOpen(tag as SaxesTagNS)));
    sax.on("closetag", on(() => this.onClose()));
    sax.on("text", on((text: string) => this.onText(text)));
    sax.on("cdata", on((text: string) => this.onText(text)));
  }

  write(data: Buffer | string): void {
    if (this.dead) return;
    this.chunk = ++chunks;
    let text: string;
    try {
      text = typeof data === "string" ? data : this.decoder.decode(data, { stream: true });
    } catch {
      this.fail("not-well-formed", "invalid UTF-8");
      return;
    }
    this.text = text;
    this.textBase = this.fed;
    for (let off = 0; off < text.length && !this.dead; off += SLICE) {
      this.piece = text.slice(off, off + SLICE);
      this.pieceBase = this.fed;
      this.fed += this.piece.length;
      try {
        this.sax.write(this.piece);
      } catch (err) {
        if (err !== STOP) throw err;
      }
      // Before the root's start tag is complete (depth 0) this bounds the stream header.
      if (this.dead) continue;
      this.bytesBeforePiece = this.elementBytes(this.piece.length);
      this.mark = Math.max(this.mark, this.fed);
      if (this.bytesBeforePiece > this.maxStanzaBytes) this.tooBig();
    }
  }

  /** Stops all further events, e.g. on a stream restart or a closed connection. */
  stop(): void {
    this.dead = true;
  }

  /**
   * For a stream restart requested while an element event is being handled:
   * stops this parser and returns the input that followed the element in the
   * current write, which belongs to the next stream.
   */
  takeRest(): string {
    this.dead = true;
    return this.text.slice(this.sax.position - this.textBase);
  }

  private elementBytes(uptoInPiece: number): number {
    const from = Math.max(0, this.mark - this.pieceBase);
    return this.bytesBeforePiece + Buffer.byteLength(this.piece.slice(from, Math.max(from, uptoInPiece)));
  }

  private fail(condition: StreamCondition, text: string): void {
    if (this.dead) return;
    this.dead = true;
    this.stack = [];
    this.events.error(condition, text);
  }

  private tooBig(): void {
    this.fail("policy-violation", `${this.depth === 0 ? "stream header" : "stanza"} larger than ${this.maxStanzaBytes} bytes`);
  }

  private onText(text: string): void {
    if (this.depth === 1) {
      if (text.trim() !== "") this.fail("not-well-formed", "text at stream level");
      else this.setMark(this.sax.position - 1);
      return;
    }
    const top = this.stack[this.stack.length - 1];
    if (top) top.t(text);
  }

  private setMark(position: number): void {
    this.mark = position;
    this.bytesBeforePiece = 0;
  }

  private onOpen(tag: SaxesTagNS): void {
    this.depth++;
    if (this.depth === 1) {
      this.setMark(this.sax.position);
      const attrs: Record<string, string> = {};
      for (const a of Object.values(tag.attributes)) attrs[a.name] = a.value;
      this.events.header({ name: tag.local, ns: tag.uri, defaultNs: tag.ns[""], attrs });
      return;
    }
    if (this.depth - 1 > this.maxDepth) return this.fail("policy-violation", `elements nested more than ${this.maxDepth} levels deep`);
    const parent = this.stack[this.stack.length - 1];
    const el = new Element(tag.local, toAttrs(tag, parent));
    if (parent) parent.append(el);
    this.stack.push(el);
  }

  private onClose(): void {
    this.depth--;
    if (this.depth === 0) {
      this.dead = true;
      this.events.end();
      return;
    }
    const el = this.stack.pop();
    if (this.depth !== 1 || !el) return;
    if (this.elementBytes(this.sax.position - this.pieceBase) > this.maxStanzaBytes) {
      this.tooBig();
      return;
    }
    this.setMark(this.sax.position);
    this.events.element(el, this.chunk);
  }
}

/** Attributes with namespaces made explicit: xmlns only where it differs from the parent's. */
function toAttrs(tag: SaxesTagNS, parent: Element | undefined): Record<string, string> {
  const attrs: Record<string, string> = {};
  const ns = tag.uri;
  if (!parent || parent.getNS() !== ns) attrs.xmlns = ns;
  const usedPrefixes = new Map<string, string>();
  for (const a of Object.values(tag.attributes)) {
    if (a.name === "xmlns" || a.prefix === "xmlns") continue;
    if (a.prefix && a.prefix !== "xml") usedPrefixes.set(a.prefix, a.uri);
    attrs[a.name] = a.value;
  }
  // Names are normalised to local name + xmlns, so only declarations that a
  // prefixed attribute still needs are kept, with the namespace saxes resolved for
  // it (the prefix may have been declared on an ancestor, whose declaration is dropped).
  for (const [p, uri] of usedPrefixes) attrs[`xmlns:${p}`] = uri;
  return attrs;
}
