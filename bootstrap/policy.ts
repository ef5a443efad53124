import type { Suppression } from "../stacks/policy-config";

/**
 * The policy pack's findings the bootstrap accepts, with why: its pipeline roles provision and
 * read whole services, which the pack's `iam-no-wildcard-resource` (written for workload roles,
 * which name their resources) refuses by design. Everything else of the pack applies unchanged.
 */
export function bootstrapSuppressions(stacks: readonly string[]): Suppression[] {
    return stacks.flatMap((stack) => [
        {
            rule: "iam-no-wildcard-resource",
            resource: `platform-${stack}-preview`,
            reason: `The ${stack} preview role reads every service the stack uses with Describe, Get and List calls, most of which take no resource-level permission (AWS requires "*"); it writes nothing but the state lock, and only the ${stack}-preview and ${stack}-drift environments can assume it.`,
        },
        {
            rule: "iam-no-wildcard-resource",
            resource: `platform-${stack}-deploy`,
            reason: `The ${stack} deploy role creates resources whose names and IDs AWS assigns (VPCs, subnets, task definitions), so it cannot name their ARNs in advance; it is limited to the services and verbs written out in bootstrap/permissions.ts, denied the pipeline's own bucket, key and roles, and only the ${stack} environment can assume it.`,
        },
    ]);
}
