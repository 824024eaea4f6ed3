// The one list of the server's protocol modules, in load order (which is the order
// their disco and stream features appear in), and the union of their faults and the core's.
import { CORE_FAULTS } from "../core-faults.js";
import { S2S_FAULTS } from "../s2s/faults.js";
import type { FaultSpec, ServerModule } from "../module.js";
import adminCommands from "./admin-commands.js";
import caps from "./caps.js";
import carbons from "./carbons.js";
import csi from "./csi.js";
import disco from "./disco.js";
import legacySession from "./legacy-session.js";
import pam from "./pam.js";
import ping from "./ping.js";
import presence from "./presence.js";
import pubsub from "./pubsub/index.js";
import register from "./register.js";
import roster from "./roster.js";
import rsf from "./rsf.js";
import sm from "./sm/index.js";

export const MODULES: readonly ServerModule[] = [disco, ping, roster, register, legacySession, sm, csi, carbons, presence, caps, pubsub, rsf, pam, adminCommands];

/** Every fault switch, by name, with the rules it breaks: the core's and each module's. */
export const FAULTS: Readonly<Record<string, FaultSpec>> = Object.assign({ ...CORE_FAULTS, ...S2S_FAULTS }, ...MODULES.map((m) => m.faults));
