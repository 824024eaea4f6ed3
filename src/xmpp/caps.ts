// XEP-0115 entity capabilities: the verification string both sides compute (the
// harness to advertise features such as NodeID+notify, the server to check what a
// client advertises before trusting it), and the checks on a disco#info answer.
import { createHash } from "node:crypto";
import { childElements, xml, type Element } from "./element.js";
import { NS } from "./ns.js";

export const CAPS_NS = "http://jabber.org/protocol/caps";

export interface Identity {
  category: string;
  type: string;
  lang?: string;
  name?: string;
}

export interface DiscoForm {
  formType: string;
  /** The fields other than FORM_TYPE. */
  fields: Array<{ var: string; values: string[] }>;
}

export interface DiscoInfoData {
  identities: Identity[];
  features: string[];
  forms: DiscoForm[];
}

/** Hash names of the IANA registry that XEP-0115 uses, as node:crypto calls them. */
const HASHES: Record<string, string> = { "sha-1": "sha1", "sha-224": "sha224", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512" };

export function isKnownCapsHash(hash: string): boolean {
  return hash in HASHES;
}

/** i;octet ordering: compare the UTF-8 bytes, not UTF-16 code units or locale order. */
function octetCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The string S of XEP-0115 §5.1 (steps 1 to 7). */
export function capsString(info: DiscoInfoData): string {
  const identities = info.identities
    .map((i) => `${i.category}/${i.type}/${i.lang ?? ""}/${i.name ?? ""}`)
    .sort(octetCompare);
  const features = [...info.features].sort(octetCompare);
  const forms = [...info.forms].sort((a, b) => octetCompare(a.formType, b.formType)).map((form) => {
    const fields = [...form.fields]
      .sort((a, b) => octetCompare(a.var, b.var))
      .map((f) => `${f.var}<${[...f.values].sort(octetCompare).map((v) => `${v}<`).join("")}`);
    return `${form.formType}<${fields.join("")}`;
  });
  return [...identities, ...features].map((s) => `${s}<`).join("") + forms.join("");
}

/** The ver attribute: base64 of the hash of S (XEP-0115 §5.1 step 8). */
export function capsVer(info: DiscoInfoData, hash = "sha-1"): string {
  const algorithm = HASHES[hash];
  if (!algorithm) throw new Error(`unknown caps hash ${hash}`);
  return createHash(algorithm).update(capsString(info), "utf8").digest("base64");
}

/** The <c/> element for presence. */
export function capsElement(node: string, info: DiscoInfoData, hash = "sha-1"): Element {
  return xml("c", { xmlns: CAPS_NS, hash, node, ver: capsVer(info, hash) });
}

/** The <query/> answering disco#info on `node#ver` with exactly `info`. */
export function discoInfoQuery(info: DiscoInfoData, node?: string): Element {
  return xml(
    "query",
    { xmlns: NS.discoInfo, node },
    ...info.identities.map((i) => xml("identity", { category: i.category, type: i.type, "xml:lang": i.lang, name: i.name })),
    ...info.features.map((f) => xml("feature", { var: f })),
    ...info.forms.map((form) =>
      xml(
        "x",
        { xmlns: NS.dataForms, type: "result" },
        xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, form.formType)),
        ...form.fields.map((f) => xml("field", { var: f.var }, ...f.values.map((v) => xml("value", {}, v)))),
      ),
    ),
  );
}

/**
 * Reads a disco#info <query/> for caps (XEP-0115 §5.4): a duplicate identity, feature or
 * FORM_TYPE, or a FORM_TYPE with several values, makes the answer ill-formed (the
 * reason is returned); forms without a hidden FORM_TYPE are ignored.
 */
export function readDiscoInfo(query: Element): DiscoInfoData | { illFormed: string } {
  const children = childElements(query);
  const identities: Identity[] = children
    .filter((c) => c.name === "identity")
    .map((c) => ({ category: c.attrs.category ?? "", type: c.attrs.type ?? "", lang: c.attrs["xml:lang"], name: c.attrs.name }));
  const features = children.filter((c) => c.name === "feature").map((c) => c.attrs.var ?? "");
  const forms: DiscoForm[] = [];
  for (const x of children.filter((c) => c.name === "x" && c.getNS() === NS.dataForms)) {
    const fields = x.getChildren("field");
    const formType = fields.filter((f) => f.attrs.var === "FORM_TYPE");
    if (formType.length !== 1 || formType[0]!.attrs.type !== "hidden") continue;
    const values = formType[0]!.getChildren("value");
    if (values.length !== 1) return { illFormed: "a FORM_TYPE with more than one value" };
    forms.push({
      formType: values[0]!.getText(),
      fields: fields
        .filter((f) => f.attrs.var !== "FORM_TYPE")
        .map((f) => ({ var: f.attrs.var ?? "", values: f.getChildren("value").map((v) => v.getText()) })),
    });
  }
  const duplicate = (list: string[]) => list.find((v, i) => list.indexOf(v) !== i);
  const dupIdentity = duplicate(identities.map((i) => `${i.category}/${i.type}/${i.lang ?? ""}`));
  if (dupIdentity !== undefined) return { illFormed: `duplicate identity ${dupIdentity}` };
  const dupFeature = duplicate(features);
  if (dupFeature !== undefined) return { illFormed: `duplicate feature ${dupFeature}` };
  const dupForm = duplicate(forms.map((f) => f.formType));
  if (dupForm !== undefined) return { illFormed: `duplicate FORM_TYPE ${dupForm}` };
  return { identities, features, forms };
}
