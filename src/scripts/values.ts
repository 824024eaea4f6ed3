// What a script may write inside attribute values and text: the variables
// `${Name's full JID}` and `${Name's JID}`, and the special values `{scansion:any}` and
// `{scansion:capture:NAME}`, which stand for a whole value.

export type JidProperty = "full JID" | "JID";

export interface Variable {
  actor: string;
  property: JidProperty;
}

export type Special = { kind: "any" } | { kind: "capture"; name: string };

const VARIABLE = /\$\{([^}]*)\}/g;
const SPECIAL = /\{scansion:([^}]*)\}/;
const PROPERTIES: readonly string[] = ["full JID", "JID"];

/**
 * `Juliet's phone's full JID`: the actor is everything before the last `'s `, since an
 * actor's name may itself contain `'s`.
 */
export function parseVariable(inner: string): Variable {
  const at = inner.lastIndexOf("'s ");
  if (at <= 0) throw new Error(`\${${inner}}: expected \${NAME's full JID} or \${NAME's JID}`);
  const property = inner.slice(at + 3);
  if (!PROPERTIES.includes(property)) {
    throw new Error(`\${${inner}}: unknown property '${property}' (known: full JID, JID)`);
  }
  return { actor: inner.slice(0, at), property: property as JidProperty };
}

/** The variables a value uses, in order. */
export function variablesIn(value: string): Variable[] {
  return [...value.matchAll(VARIABLE)].map((m) => parseVariable(m[1]!));
}

/** The special value a value is, if any; one that is not a whole value, or unknown, is refused. */
export function specialValue(value: string): Special | undefined {
  const m = SPECIAL.exec(value);
  if (!m) return undefined;
  if (m[0] !== value) throw new Error(`${m[0]} must be the whole value, not part of '${value}'`);
  if (m[1] === "any") return { kind: "any" };
  const capture = /^capture:([\w.-]+)$/.exec(m[1]!);
  if (capture) return { kind: "capture", name: capture[1]! };
  throw new Error(`unknown special value ${m[0]} (known: {scansion:any}, {scansion:capture:NAME})`);
}

/** Replaces every variable in `value` with what `resolve` gives for it. */
export function substitute(value: string, resolve: (v: Variable) => string): string {
  return value.replace(VARIABLE, (_, inner: string) => resolve(parseVariable(inner)));
}
