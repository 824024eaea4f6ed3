// Faults of the core itself (the stream parser, stream errors, the listener), for the
// robustness suite; protocol modules declare their own.
import type { FaultSpec } from "./module.js";

export const CORE_FAULTS = {
  "robustness.restricted-xml-as-not-well-formed": { rules: ["RFC6120-restricted-xml"], description: "a DTD, comment or processing instruction is answered with not-well-formed" },
  "robustness.malformed-as-internal-error": { rules: ["RFC6120-not-well-formed"], description: "XML that is not well-formed is answered with internal-server-error" },
  "robustness.no-closing-tag": { rules: ["RFC6120-stream-error"], description: "a stream error is not followed by </stream:stream>" },
  "robustness.stop-listening-after-hostile": { rules: ["RFC6120-dos"], description: "after input the parser refuses, the server accepts no more connections" },
} satisfies Record<string, FaultSpec>;
