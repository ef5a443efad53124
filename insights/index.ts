import { StackFileConfig } from "../plan/stack-files";
import { USAGE_DEFAULTS, UsageAssumptions } from "../stacks/usage";
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

/** The usage assumptions of a stack: the defaults with its `platform:insights` overrides. */
export function usageOf(files: StackFileConfig): UsageAssumptions {
    const overrides = files.config["platform:insights"] ? (JSON.parse(files.config["platform:insights"]) as Partial<UsageAssumptions>) : {};
    return { ...USAGE_DEFAULTS, ...overrides };
}

export function estimate(plan: PlanLike, usage: UsageAssumptions, region: string): Estimate & { cost: CostEstimate } {
    const cost = estimateCost(plan, usage, region);
    return { monthlyUsd: cost.monthlyUsd, byWorkload: cost.byWorkload, byType: cost.byType, unpriced: cost.unpriced, deploy: estimateDeploy(plan), cost };
}

export const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
export const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
