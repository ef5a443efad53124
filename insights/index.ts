import { UsageAssumptions } from "../stacks/usage";
import { CostEstimate, PlanLike, estimateCost } from "./cost";
import { DeployEstimate, estimateDeploy } from "./deploy";

/** The `estimate` section of the plan's JSON. */
export interface Estimate {
    monthlyUsd: number;
    byWorkload: Record<string, number>;
    byType: Record<string, number>;
    unpriced: string[];
    deploy: DeployEstimate;
}

export function estimate(plan: PlanLike, usage: UsageAssumptions, region: string): Estimate & { cost: CostEstimate } {
    const cost = estimateCost(plan, usage, region);
    return { monthlyUsd: cost.monthlyUsd, byWorkload: cost.byWorkload, byType: cost.byType, unpriced: cost.unpriced, deploy: estimateDeploy(plan), cost };
}

export const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
// One formatter: toLocaleString builds a new one on every call, and the estimate formats thousands.
const dollars = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const usd = (n: number) => `$${dollars.format(n)}`;
