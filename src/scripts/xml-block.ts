// The indented XML block of a sends or receives action: one or more top-level elements,
// read with saxes (a strict, namespace-aware parser that knows line numbers) so that a
// mistake is reported at the script line it is on. Elements without an xmlns are in
// jabber:client, and the `scansion:` prefix is bound though scripts never declare it, as
// is `stream:` (an extension: a script can expect a <stream:error/>).
import { SaxesParser } from "saxes";
import { Element } from "../xmpp/element.js";
import { NS } from "../xmpp/ns.js";

/** What the `scansion:` prefix stands for; only its attributes' names matter (they are stripped). */
export const SCANSION_NS = "https://matthewwild.co.uk/projects/scansion";

export interface SourceLine {
  /** 1-based line number in the script. */
  line: number;
  text: string;
}

/** Thrown with the script line a block's mistake is on. */
export class BlockError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The top-level elements of a block, in order, as children of a wrapper that declares
 * the default namespace and the scansion and stream prefixes (so getNS() resolves as the script
 * means). Whitespace-only text is dropped. `check` sees every attribute (with its name)
 * and every text, and throws to refuse one; the error is reported at its line.
 */
export function parseBlock(lines: SourceLine[], check: (value: string, attribute?: string) => void): Element[] {
  const first = lines[0]!.line;
  // The wrapper's start tag sits alone on line 1, so saxes line N is script line first + N - 2.
  const toScript = (saxLine: number) => first + saxLine - 2;
  // The wrapper is the first element; the block's elements become its children.
  const stack: Element[] = [];
  let root: Element | undefined;
  const sax = new SaxesParser({ xmlns: true, position: true });
  let error: BlockError | undefined;
  const fail = (line: number, message: string) => {
    error ??= new BlockError(line, message);
  };
  sax.on("error", (err) => fail(toScript(sax.line), `not well-formed XML: ${err.message.replace(/^[^:]*:\d+:\d+: /, "")}`));
  // After the first mistake the tree is beyond repair: the rest is only read through.
  sax.on("opentag", (tag) => {
    if (error) return;
    const line = toScript(sax.line);
    const attrs: Record<string, string> = {};
    for (const [name, attr] of Object.entries(tag.attributes)) {
      const value = typeof attr === "string" ? attr : attr.value;
      attrs[name] = value;
      try {
        check(value, name);
      } catch (err) {
        fail(line, (err as Error).message);
      }
    }
    const el = new Element(tag.name, attrs);
    if (root) stack[stack.length - 1]!.append(el);
    else root = el;
    stack.push(el);
  });
  sax.on("closetag", () => {
    stack.pop();
  });
  sax.on("text", (text) => {
    if (error || text.trim() === "") return;
    // saxes reports text where it ends; the line is where its first visible character is.
    const line = toScript(sax.line) - (text.trimStart().match(/\n/g)?.length ?? 0);
    if (stack.length === 1) return fail(line, `text outside any element: '${text.trim()}'`);
    try {
      check(text);
    } catch (err) {
      fail(line, (err as Error).message);
    }
    stack[stack.length - 1]!.append(text);
  });
  sax.on("cdata", (text) => {
    if (error) return;
    if (stack.length === 1) return fail(toScript(sax.line), "CDATA outside any element");
    stack[stack.length - 1]!.append(text);
  });
  sax.write(`<block xmlns='${NS.client}' xmlns:scansion='${SCANSION_NS}' xmlns:stream='${NS.stream}'>\n`);
  sax.write(lines.map((l) => l.text).join("\n"));
  sax.write("\n</block>");
  sax.close();
  if (error) throw error;
  return root!.children as Element[];
}
