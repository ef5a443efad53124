// Quotas: security-group rules, listener rules, target groups per balancer, and the regional quotas.
import { PlannedResource, PrefixListLookup } from "../mocks";
import { RegionalQuotas } from "../../stacks/quotas";
import { asArray, forwardedTargetGroups, PlanIndex, Report, T, regionOf } from "./kit";

/**
 * Inbound and outbound rules per security group: 60 each by default; a rule referencing a
 * managed prefix list counts as many rules as the list's max entries.
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 */
export const RULES_PER_SECURITY_GROUP = 60;
/** Security groups per network interface (default quota 5). Same page. */
export const SECURITY_GROUPS_PER_INTERFACE = 5;

export function checkSecurityGroupQuotas(index: PlanIndex, prefixLists: Record<string, PrefixListLookup>, report: Report): void {
    const weights = new Map<string, { inbound: number; outbound: number }>();
    const weightOf = (rule: PlannedResource) => {
        const list = rule.inputs.prefixListId ?? rule.inputs.prefixListIds;
        if (list === undefined) return Math.max(1, asArray(rule.inputs.cidrBlocks).length);
        return asArray(list).reduce<number>((sum, id) => sum + (prefixLists[String(id)]?.maxEntries ?? 1), 0);
    };
    for (const rule of index.of(T.ingress, T.egress, T.sgRule)) {
        const group = String(rule.inputs.securityGroupId);
        const w = weights.get(group) ?? { inbound: 0, outbound: 0 };
        const inbound = rule.type === T.ingress || (rule.type === T.sgRule && rule.inputs.type === "ingress");
        if (inbound) w.inbound += weightOf(rule);
        else w.outbound += weightOf(rule);
        weights.set(group, w);
    }
    for (const [groupId, w] of weights) {
        const group = index.byIdOrArn(groupId, T.securityGroup);
        const urn = group?.urn ?? groupId;
        for (const [direction, count] of [
            ["inbound", w.inbound],
            ["outbound", w.outbound],
        ] as const) {
            if (count > RULES_PER_SECURITY_GROUP) {
                report(
                    "aws-security-group-rules",
                    urn,
                    `${count} ${direction} rules (a prefix list counts its max entries); the quota is ${RULES_PER_SECURITY_GROUP} per direction: drop rules, or use fewer prefix-list references`,
                );
            }
        }
    }
    const interfaces: [PlannedResource, unknown][] = [
        ...index
            .of(T.service)
            .map((s) => [s, (s.inputs.networkConfiguration as Record<string, unknown> | undefined)?.securityGroups] as [PlannedResource, unknown]),
        ...index.of(...T.loadBalancers).map((l) => [l, l.inputs.securityGroups] as [PlannedResource, unknown]),
        ...index
            .of(T.instance, "aws:rds/instance:Instance", "aws:rds/cluster:Cluster")
            .map((i) => [i, i.inputs.vpcSecurityGroupIds] as [PlannedResource, unknown]),
        ...index.of("aws:elasticache/replicationGroup:ReplicationGroup").map((c) => [c, c.inputs.securityGroupIds] as [PlannedResource, unknown]),
    ];
    for (const [r, groups] of interfaces) {
        const count = asArray(groups).length;
        if (count > SECURITY_GROUPS_PER_INTERFACE)
            report("aws-security-groups-per-interface", r.urn, `${count} security groups; a network interface takes at most ${SECURITY_GROUPS_PER_INTERFACE}`);
    }
}

/**
 * Rules per listener (100, the default action not counted) and target groups per load balancer (100).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 */
export const RULES_PER_LISTENER = 100;
export const TARGET_GROUPS_PER_LOAD_BALANCER = 100;

export function checkLoadBalancerQuotas(index: PlanIndex, report: Report): void {
    const rulesPerListener = new Map<string, number>();
    for (const rule of index.of(...T.rules))
        rulesPerListener.set(String(rule.inputs.listenerArn), (rulesPerListener.get(String(rule.inputs.listenerArn)) ?? 0) + 1);
    for (const [listenerArn, count] of rulesPerListener) {
        if (count > RULES_PER_LISTENER) {
            report(
                "aws-listener-rules",
                index.byIdOrArn(listenerArn, ...T.listeners)?.urn ?? listenerArn,
                `${count} rules; a listener takes at most ${RULES_PER_LISTENER} besides its default action`,
            );
        }
    }
    for (const balancer of index.of(...T.loadBalancers)) {
        const arn = balancer.state.arn ?? balancer.state.id;
        const groups = new Set<string>();
        for (const l of index.of(...T.listeners).filter((l) => l.inputs.loadBalancerArn === arn)) {
            forwardedTargetGroups(l).forEach((g) => groups.add(g));
            const listenerArn = l.state.arn ?? l.state.id;
            index
                .of(...T.rules)
                .filter((r) => r.inputs.listenerArn === listenerArn)
                .forEach((r) => forwardedTargetGroups(r).forEach((g) => groups.add(g)));
        }
        if (groups.size > TARGET_GROUPS_PER_LOAD_BALANCER)
            report("aws-target-groups", balancer.urn, `${groups.size} target groups; a load balancer takes at most ${TARGET_GROUPS_PER_LOAD_BALANCER}`);
    }
}

/**
 * What the stack creates per region against the account's regional quotas: Elastic IPs (NAT
 * gateways' and static addresses; AllocateAddress fails with AddressLimitExceeded past the quota)
 * and VPCs (VpcLimitExceeded). The quota holds for the whole account and region, other stacks
 * included: the plan sees this stack only.
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
 */
export function checkRegionalQuotas(index: PlanIndex, region: string, quotas: RegionalQuotas, report: Report): void {
    const counted: { type: string; what: string; key: keyof RegionalQuotas }[] = [
        { type: "aws:ec2/eip:Eip", what: "Elastic IP addresses", key: "elasticIpsPerRegion" },
        { type: "aws:ec2/vpc:Vpc", what: "VPCs", key: "vpcsPerRegion" },
    ];
    for (const { type, what, key } of counted) {
        const byRegion = new Map<string, PlannedResource[]>();
        for (const r of index.of(type)) {
            const at = regionOf(r, region);
            byRegion.set(at, [...(byRegion.get(at) ?? []), r]);
        }
        for (const [at, resources] of byRegion) {
            if (resources.length <= quotas[key]) continue;
            report(
                "aws-regional-quota",
                resources[quotas[key]].urn,
                `${resources.length} ${what} in ${at}, over the account's quota of ${quotas[key]} (${resources.map((r) => r.name).join(", ")}): request more through Service Quotas and say so in platform:quotas.${key}, or create fewer`,
            );
        }
    }
}
