import { PlannedResource } from "../plan/mocks";
import { UsageAssumptions } from "../stacks/usage";
import { PlanLike, estimateCost } from "./cost";
import { estimateDeploy } from "./deploy";

export interface PlanDiff {
    added: string[];
    removed: string[];
    /** Resources whose inputs differ, with the input keys that changed. */
    changed: { urn: string; inputs: string[] }[];
    monthlyUsd: { base: number; head: number; delta: number };
    criticalPathSeconds: { base: number; head: number; delta: number };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a change does to a stack: resources added, removed and changed (by input), cost and deploy-time deltas. */
export function diffPlans(base: PlanLike, head: PlanLike, usage: UsageAssumptions, region: string): PlanDiff {
    const baseByUrn = new Map<string, PlannedResource>(base.resources.map((r) => [r.urn, r]));
    const headByUrn = new Map<string, PlannedResource>(head.resources.map((r) => [r.urn, r]));
    const changed: PlanDiff["changed"] = [];
    for (const [urn, r] of headByUrn) {
        const before = baseByUrn.get(urn);
        if (!before) continue;
        const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(r.inputs)])].filter((k) => !same(before.inputs[k], r.inputs[k])).sort();
        if (keys.length > 0) changed.push({ urn, inputs: keys });
    }
    const delta = (a: number, b: number) => ({ base: a, head: b, delta: Math.round((b - a) * 100) / 100 });
    return {
        added: [...headByUrn.keys()].filter((u) => !baseByUrn.has(u)),
        removed: [...baseByUrn.keys()].filter((u) => !headByUrn.has(u)),
        changed,
        monthlyUsd: delta(estimateCost(base, usage, region).monthlyUsd, estimateCost(head, usage, region).monthlyUsd),
        criticalPathSeconds: delta(estimateDeploy(base).criticalPathSeconds, estimateDeploy(head).criticalPathSeconds),
    };
}
