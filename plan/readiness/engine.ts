// Engine rules: what the Pulumi engine itself refuses.
import { PlannedResource } from "../mocks";
import { Report } from "./kit";

/**
 * The engine refuses a program that registers one URN twice ("Duplicate resource URN"), and a
 * parent or `dependsOn` that names a resource it never registered.
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
export function checkEngineRules(resources: PlannedResource[], report: Report): void {
    const seen = new Map<string, number>();
    for (const r of resources) seen.set(r.urn, (seen.get(r.urn) ?? 0) + 1);
    for (const [urn, count] of seen) {
        if (count > 1)
            report(
                "engine-duplicate-urn",
                urn,
                `registered ${count} times; the engine refuses a duplicate resource URN: give each resource a unique name within its parent and type`,
            );
    }
    for (const r of resources) {
        if (r.parent && !seen.has(r.parent)) report("engine-unknown-reference", r.urn, `its parent ${r.parent} was never registered`);
        for (const dep of r.dependencies) {
            if (!seen.has(dep)) report("engine-unknown-reference", r.urn, `depends on ${dep}, which was never registered`);
        }
    }
}
