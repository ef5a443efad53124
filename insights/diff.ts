import { ResourceDiff, diffResources } from "../plan/changes";
import { UsageAssumptions } from "../stacks/usage";
import { PlanLike, estimateCost } from "./cost";
import { estimateDeploy } from "./deploy";

/** The change between two plans: each resource's action (plan/changes.ts), with the cost and deploy-time deltas. */
export interface PlanDiff extends ResourceDiff {
    monthlyUsd: { base: number; head: number; delta: number };
    criticalPathSeconds: { base: number; head: number; delta: number };
}

/** The stack's region a plan's JSON records (`region`), where it does. */
const regionOf = (plan: PlanLike): string | undefined => {
    const region = (plan as { region?: unknown }).region;
    return typeof region === "string" ? region : undefined;
};

/** What a change does to a stack: each resource's action (see `diffResources`), with the cost and deploy-time deltas. */
export function diffPlans(base: PlanLike, head: PlanLike, usage: UsageAssumptions, region: string): PlanDiff {
    const delta = (a: number, b: number) => ({ base: a, head: b, delta: Math.round((b - a) * 100) / 100 });
    return {
        ...diffResources(base.resources, head.resources, { base: regionOf(base) ?? region, head: regionOf(head) ?? region }),
        monthlyUsd: delta(estimateCost(base, usage, region).monthlyUsd, estimateCost(head, usage, region).monthlyUsd),
        criticalPathSeconds: delta(estimateDeploy(base).criticalPathSeconds, estimateDeploy(head).criticalPathSeconds),
    };
}
