// A client stream cut into the pieces mutations move around: stream headers (with their
// XML declaration), top-level elements, the closing tag and whitespace between them.
// Recorded streams are well-formed and escape '>' in attributes, so a tag scanner will do.
export interface Unit {
  kind: "header" | "element" | "close" | "text";
  text: string;
}

const TAG = /<[^>]*>|[^<]+/g;

export function splitUnits(stream: string): Unit[] {
  const units: Unit[] = [];
  let declaration = "";
  let element = "";
  let depth = 0;
  for (const [token] of stream.matchAll(TAG)) {
    if (depth > 0) {
      element += token;
      if (token.startsWith("</")) depth--;
      else if (token.startsWith("<") && !token.endsWith("/>")) depth++;
      if (depth === 0) units.push({ kind: "element", text: element });
    } else if (token.startsWith("<?")) {
      declaration += token;
    } else if (/^<(\w+:)?stream[\s>]/.test(token)) {
      units.push({ kind: "header", text: declaration + token });
      declaration = "";
    } else if (token.startsWith("</")) {
      units.push({ kind: "close", text: token });
    } else if (token.startsWith("<")) {
      element = token;
      if (token.endsWith("/>")) units.push({ kind: "element", text: element });
      else depth = 1;
    } else {
      units.push({ kind: "text", text: token });
    }
  }
  if (depth > 0) units.push({ kind: "element", text: element });
  if (declaration) units.push({ kind: "text", text: declaration });
  return units;
}

export function joinUnits(units: Unit[]): string {
  return units.map((u) => u.text).join("");
}
