import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

// The pack is only constructed here: constructing it starts the policy server, so tests and the
// offline plan import ./rules instead.
new PolicyPack("platform-policies", { policies: allPolicies });
