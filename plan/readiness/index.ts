import { PrefixListLookup, PlannedResource } from "../mocks";
import { PlanIndex, ReadinessProblem, Report } from "./kit";
import { checkEngineRules } from "./engine";
import { checkNames } from "./names";
import { checkSecurityGroupQuotas, checkLoadBalancerQuotas, checkRegionalQuotas } from "./quotas";
import { DEFAULT_QUOTAS, RegionalQuotas } from "../../stacks/quotas";
import { checkRegions, checkCrossRegionReferences } from "./regions";
import { checkTaskPermissions, checkHostPermissions, checkFlowLogPermissions, checkAlarmTopicKeys } from "./permissions";
import { checkCreationOrder } from "./order";
import { checkReplacements } from "./replacements";
import { checkNameCollisions } from "./collisions";
import { checkDataPaths, checkNetworkPaths, checkTargetPaths } from "./paths";
import { checkGlobalDatabaseClasses, checkZones } from "./combinations";
import { checkStandbySources } from "./standby";
import { checkCloudflare } from "./cloudflare";
import { DayTwoInput, checkDayTwo } from "./day-two";

export type { ReadinessProblem } from "./kit";

/**
 * Deploy readiness: what the Pulumi engine or AWS would refuse in a real `pulumi up`, decided from
 * the offline plan's recorded resources. Mocks accept anything; these checks do not. Each rule
 * names the documentation it comes from.
 */

/** What the checks read: the recorded resources, the stack's region, the prefix lists looked up. */
export interface ReadinessInput {
    resources: PlannedResource[];
    region: string;
    prefixLists: Record<string, PrefixListLookup>;
    /** With a baseline (`--compare`, `--from`): what is deployed and what the change does to it. */
    dayTwo?: DayTwoInput;
    /** The account's regional quotas (`platform:quotas`); AWS's defaults when absent. */
    quotas?: RegionalQuotas;
}

export function checkReadiness(plan: ReadinessInput): ReadinessProblem[] {
    const problems: ReadinessProblem[] = [];
    const report: Report = (check, urn, message) => problems.push({ check, urn, message });
    const index = new PlanIndex(plan.resources);
    checkEngineRules(plan.resources, report);
    checkNames(plan.resources, report);
    checkNameCollisions(index, plan.region, report);
    checkSecurityGroupQuotas(index, plan.prefixLists, report);
    checkLoadBalancerQuotas(index, report);
    checkRegionalQuotas(index, plan.region, plan.quotas ?? DEFAULT_QUOTAS, report);
    checkRegions(index, plan.region, report);
    checkCrossRegionReferences(index, plan.region, plan.prefixLists, report);
    checkTaskPermissions(index, report, plan.region);
    checkHostPermissions(index, report, plan.region);
    checkFlowLogPermissions(index, report);
    checkAlarmTopicKeys(index, report);
    checkCreationOrder(index, report);
    checkNetworkPaths(index, plan.region, report);
    checkTargetPaths(index, report);
    checkDataPaths(index, report);
    checkZones(index, plan.region, report);
    checkGlobalDatabaseClasses(index, report);
    checkStandbySources(index, plan.region, report);
    checkReplacements(index, report);
    checkCloudflare(index, report);
    if (plan.dayTwo) checkDayTwo(index, plan.dayTwo, report);
    return problems;
}

/** Prints the problems the way the policy violations are printed. */
export function renderReadiness(problems: ReadinessProblem[]): string {
    if (problems.length === 0) return "Deploy readiness: no problems.";
    return [
        `Deploy readiness: ${problems.length} problem(s) pulumi up would meet:`,
        ...problems.map((p) => `  [${p.check}] ${p.urn}\n      ${p.message}`),
    ].join("\n");
}
