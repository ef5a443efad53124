// Engine rules: what the Pulumi engine itself refuses.
import { PlannedResource } from "../mocks";
import { Report, workloadComponent } from "./kit";

/**
 * The engine refuses a program that registers one URN twice ("Duplicate resource URN"), and a
 * parent or `dependsOn` that names a resource it never registered.
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
export function checkEngineRules(resources: PlannedResource[], report: Report): void {
    const seen = new Map<string, number>();
    const first = new Map<string, PlannedResource>();
    for (const r of resources) {
        seen.set(r.urn, (seen.get(r.urn) ?? 0) + 1);
        if (!first.has(r.urn)) first.set(r.urn, r);
    }
    for (const [urn, count] of seen) {
        if (count <= 1) continue;
        // Registered by two workloads: a name one derives from its own (`tickets` + `-payments-db`) is the other's.
        const workloads = [...new Set(resources.filter((r) => r.urn === urn).map((r) => workloadComponent(r, first)?.name))].filter((w): w is string => !!w);
        const why =
            workloads.length > 1
                ? `, by workloads ${workloads.join(" and ")}: a name one derives from its own is the other's; rename one of ${workloads.map((w) => `platform:workloads.${w}`).join(", ")} (or the key of the part named after it, such as a Compose service)`
                : ": give each resource a unique name within its parent and type";
        report("engine-duplicate-urn", urn, `registered ${count} times; the engine refuses a duplicate resource URN${why}`);
    }
    for (const r of resources) {
        if (r.parent && !seen.has(r.parent)) report("engine-unknown-reference", r.urn, `its parent ${r.parent} was never registered`);
        for (const dep of r.dependencies) {
            if (!seen.has(dep)) report("engine-unknown-reference", r.urn, `depends on ${dep}, which was never registered`);
        }
    }
}
