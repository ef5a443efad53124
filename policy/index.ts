import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";
import { honourSuppressions } from "./suppress";

// The pack is only constructed here: constructing it starts the policy server, so tests and the
// offline plan import ./rules instead. Each rule honours the stack's accepted violations, which
// `npm run policy-config` writes into its config (policy/suppress.ts).
new PolicyPack("platform-policies", { policies: allPolicies.map(honourSuppressions) });
