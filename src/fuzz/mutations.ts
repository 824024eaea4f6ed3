// What the fuzzer does to a real client stream. Each mutation turns the stream's units
// into the bytes of one hostile connection; `replay` keeps the stream as recorded, so
// a run also proves the corpus still reaches deep into a session.
import { NS, SM_NAMESPACES } from "../xmpp/ns.js";
import type { Random } from "./random.js";
import { joinUnits, type Unit } from "./units.js";

type Mutation = (r: Random, units: Unit[]) => Buffer;

const DECLARATION = "<?xml version='1.0'?>";

export const MUTATIONS = {
  replay: (_, units) => bytes(joinUnits(units)),

  truncate: (r, units) => {
    const all = bytes(joinUnits(units));
    return all.subarray(0, r.int(all.length));
  },

  "byte-flip": (r, units) => {
    const all = Buffer.from(bytes(joinUnits(units)));
    for (let n = r.logInt(16); n > 0; n--) {
      const i = r.int(all.length);
      all[i] = r.chance(0.5) ? all[i]! ^ (1 << r.int(8)) : r.int(256);
    }
    return all;
  },

  duplicate: (r, units) => {
    const i = pickUnit(r, units, r.chance(0.8) ? "element" : undefined);
    const copies = Array.from({ length: r.logInt(50) }, () => units[i]!);
    return bytes(joinUnits([...units.slice(0, i), ...copies, ...units.slice(i)]));
  },

  reorder: (r, units) => {
    const out = [...units];
    const i = r.int(out.length);
    const j = r.int(out.length);
    if (r.chance(0.5)) [out[i], out[j]] = [out[j]!, out[i]!];
    else out.splice(j, 0, ...out.splice(i, 1));
    return bytes(joinUnits(out));
  },

  "deep-nesting": (r, units) => {
    const levels = r.pick([8, 63, 64, 65, 66, 500, 5000, 40_000, 200_000]);
    const name = r.pick(["a", "p:a"]);
    const open = name === "p:a" ? `<p:a xmlns:p='urn:p'>${"<p:a>".repeat(levels - 1)}` : "<a>".repeat(levels);
    return insert(r, units, open + (r.chance(0.5) ? `</${name}>`.repeat(levels) : ""));
  },

  "attribute-flood": (r, units) => {
    const n = r.logInt(100_000);
    let attrs = "";
    for (let i = 0; i < n; i++) attrs += ` a${i}='${i}'`;
    // Sometimes a repeated name too: not well-formed, found only at the end of the tag.
    if (r.chance(0.1)) attrs += " a0='again'";
    return intoStartTag(r, units, attrs);
  },

  "namespace-flood": (r, units) => {
    const n = r.logInt(50_000);
    let decls = "";
    for (let i = 0; i < n; i++) decls += ` xmlns:p${i}='urn:p${i}'`;
    if (r.chance(0.3)) for (let i = 0; i < n; i += 1 + r.int(8)) decls += ` p${i}:x='1'`;
    if (r.chance(0.2)) decls += r.pick([" xmlns=''", " xmlns='urn:elsewhere'", ` xmlns='${NS.stream}'`]);
    return intoStartTag(r, units, decls);
  },

  "bad-utf8": (r, units) => {
    const sequences = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00], [0x01], [0xef, 0xbf, 0xbe], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    return insert(r, units, Buffer.from(r.pick(sequences)));
  },

  dtd: (r, units) =>
    insert(
      r,
      units,
      r.pick([
        "<!DOCTYPE stream>",
        `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>`,
        `<!ENTITY x SYSTEM "file:///etc/passwd">`,
        "<!-- a comment -->",
        "<?pi data?>",
        "<![CDATA[<x/>]]>",
        "&nosuch;",
        "&c;",
        "&#0;",
        "&#x1;",
        "&#xD800;",
      ]),
    ),

  "stream-restart": (r, units) => {
    // The stream's own header, so that the domain is the one the corpus was recorded for.
    const recorded = units.find((u) => u.kind === "header")?.text ?? `<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' version='1.0'>`;
    const tag = recorded.slice(recorded.indexOf("<stream"));
    const header = DECLARATION + tag;
    const attr = (name: string) => new RegExp(`\\s${name}=(["'])[^"']*\\1`);
    return insert(
      r,
      units,
      r.pick([
        header,
        DECLARATION + tag.replace(attr("to"), " to='elsewhere.example'"),
        DECLARATION + tag.replace(attr("version"), ""),
        DECLARATION + tag.replace(attr("version"), " version='2.0'"),
        DECLARATION + tag.replace(attr("xmlns:stream"), " xmlns:stream='urn:wrong'"),
        DECLARATION + tag.replace(attr("xmlns"), ` xmlns='${NS.server}'`),
        "</stream:stream>",
        `</stream:stream>${header}`,
      ]),
    );
  },

  "sm-misplaced": (r, units) => {
    let out = units;
    for (let n = r.logInt(5); n > 0; n--) out = withSmElement(r, out);
    return bytes(joinUnits(out));
  },
} satisfies Record<string, Mutation>;

export type MutationKind = keyof typeof MUTATIONS;
export const MUTATION_KINDS = Object.keys(MUTATIONS) as MutationKind[];

function bytes(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

function pickUnit(r: Random, units: Unit[], kind?: Unit["kind"]): number {
  const candidates = units.map((u, i) => (kind === undefined || u.kind === kind ? i : -1)).filter((i) => i >= 0);
  return candidates.length ? r.pick(candidates) : r.int(units.length);
}

/**
 * Inserts `piece` at a place chosen to hit different parser states: between top-level
 * units, just inside an element's start tag's content, or at any character.
 */
function insert(r: Random, units: Unit[], piece: string | Buffer): Buffer {
  const text = joinUnits(units);
  let at: number;
  const where = r.next();
  if (where < 0.5) {
    const i = r.int(units.length + 1);
    at = joinUnits(units.slice(0, i)).length;
  } else if (where < 0.85) {
    const i = pickUnit(r, units, "element");
    at = joinUnits(units.slice(0, i)).length + units[i]!.text.indexOf(">") + 1;
  } else {
    at = r.int(text.length + 1);
  }
  return Buffer.concat([bytes(text.slice(0, at)), typeof piece === "string" ? bytes(piece) : piece, bytes(text.slice(at))]);
}

/** Adds `attrs` to the start tag of an element or of a stream header. */
function intoStartTag(r: Random, units: Unit[], attrs: string): Buffer {
  const i = pickUnit(r, units, r.chance(0.7) ? "element" : "header");
  const unit = units[i]!;
  // The stream header follows its XML declaration.
  const tagStart = unit.kind === "header" ? unit.text.indexOf("<stream") : 0;
  const end = unit.text.indexOf(">", tagStart);
  const cut = unit.text[end - 1] === "/" ? end - 1 : end;
  const text = unit.text.slice(0, cut) + attrs + unit.text.slice(cut);
  return bytes(joinUnits([...units.slice(0, i), { kind: unit.kind, text }, ...units.slice(i + 1)]));
}

const SM_VALUES = ["0", "1", "-1", "4294967295", "4294967296", "99999999999999999999", "abc", "", "1.5", " 1"];

/** Adds one Stream Management element, valid or not, in any SM namespace or a wrong one, between any two units. */
function withSmElement(r: Random, units: Unit[]): Unit[] {
  const ns = r.pick([...SM_NAMESPACES, "urn:xmpp:sm:9"]);
  const v = () => r.pick(SM_VALUES);
  const previd = r.pick(["", "x", "AAAAAAAAAAAAAAAAAAAAAAAA", "a".repeat(5000)]);
  const el = r.pick([
    `<enable xmlns='${ns}'/>`,
    `<enable xmlns='${ns}' resume='true' max='${v()}'/>`,
    `<resume xmlns='${ns}' previd='${previd}' h='${v()}'/>`,
    `<resume xmlns='${ns}'/>`,
    `<r xmlns='${ns}'/>`,
    `<r xmlns='${ns}' u='${v()}'/>`,
    `<a xmlns='${ns}' h='${v()}'/>`,
    `<a xmlns='${ns}'/>`,
    `<enabled xmlns='${ns}' id='x' resume='true'/>`,
    `<resumed xmlns='${ns}' previd='x' h='0'/>`,
    `<failed xmlns='${ns}'/>`,
    `<sm xmlns='${ns}'/>`,
  ]);
  const i = r.int(units.length + 1);
  return [...units.slice(0, i), { kind: "element", text: el }, ...units.slice(i)];
}
