// XEP-0004 data forms as both sides use them: node configuration, publish-options,
// subscription authorization and metadata forms are all FORM_TYPE-keyed forms.
import { childElements, xml, type Element } from "./element.js";
import { NS } from "./ns.js";

export type FormValues = Record<string, string | string[]>;

/** A form of `type` with a hidden FORM_TYPE and one field per value (arrays become several values). */
export function dataForm(type: "form" | "submit" | "result" | "cancel", formType: string, values: FormValues = {}): Element {
  return xml(
    "x",
    { xmlns: NS.dataForms, type },
    xml("field", { var: "FORM_TYPE", type: "hidden" }, xml("value", {}, formType)),
    ...Object.entries(values).map(([name, v]) => xml("field", { var: name }, ...(Array.isArray(v) ? v : [v]).map((one) => xml("value", {}, one)))),
  );
}

/** The first data form among `parent`'s children whose FORM_TYPE is `formType` (any form when absent). */
export function findForm(parent: Element | undefined, formType?: string): Element | undefined {
  if (!parent) return undefined;
  return childElements(parent).find((c) => c.name === "x" && c.getNS() === NS.dataForms && (formType === undefined || formValues(c).FORM_TYPE?.[0] === formType));
}

/** Every field's values, by var. */
export function formValues(form: Element): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const field of form.getChildren("field")) {
    const name = field.attrs.var;
    if (name !== undefined) out[name] = field.getChildren("value").map((v) => v.getText());
  }
  return out;
}

/** xs:boolean as data forms carry it. */
export function formBoolean(value: string | undefined): boolean | undefined {
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return undefined;
}
