import { parse } from "yaml";
import { ecrRepositoryArn } from "../components/iam";
import { ELB_LOG_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE } from "../components/blocks/load-balancer";
import { PlannedResource, PrefixListLookup } from "./mocks";

/**
 * Deploy readiness: what the Pulumi engine or AWS would refuse in a real `pulumi up`, decided from
 * the offline plan's recorded resources. Mocks accept anything; these checks do not. Each rule
 * names the documentation it comes from.
 */

/** One reason `pulumi up` would fail. */
export interface ReadinessProblem {
    check: string;
    urn: string;
    message: string;
}

/** What the checks read: the recorded resources, the stack's region, the prefix lists looked up. */
export interface ReadinessInput {
    resources: PlannedResource[];
    region: string;
    prefixLists: Record<string, PrefixListLookup>;
}

type Report = (check: string, urn: string, message: string) => void;

export function checkReadiness(plan: ReadinessInput): ReadinessProblem[] {
    const problems: ReadinessProblem[] = [];
    const report: Report = (check, urn, message) => problems.push({ check, urn, message });
    const index = new PlanIndex(plan.resources);
    checkEngineRules(plan.resources, report);
    checkNames(plan.resources, report);
    checkSecurityGroupQuotas(index, plan.prefixLists, report);
    checkLoadBalancerQuotas(index, report);
    checkRegions(index, plan.region, report);
    checkCrossRegionReferences(index, plan.region, plan.prefixLists, report);
    checkTaskPermissions(index, report);
    checkHostPermissions(index, report);
    checkCreationOrder(index, report);
    checkReplacements(index, report);
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

// ---------------------------------------------------------------------------------------------
// Lookups over the plan

const T = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    policy: "aws:iam/policy:Policy",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    instance: "aws:ec2/instance:Instance",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    listeners: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    rules: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
    targetGroups: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
    loadBalancers: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketObject: "aws:s3/bucketObjectv2:BucketObjectv2",
} as const;

class PlanIndex {
    readonly byUrn = new Map<string, PlannedResource>();
    private readonly byType = new Map<string, PlannedResource[]>();
    private readonly children = new Map<string, PlannedResource[]>();
    private readonly closure = new Map<string, Set<string>>();

    constructor(readonly resources: PlannedResource[]) {
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
            if (r.parent) this.children.set(r.parent, [...(this.children.get(r.parent) ?? []), r]);
        }
    }

    of(...types: string[]): PlannedResource[] {
        return types.flatMap((t) => this.byType.get(t) ?? []);
    }

    /** The resource whose provider ID or ARN is `value`. */
    byIdOrArn(value: unknown, ...types: string[]): PlannedResource | undefined {
        if (typeof value !== "string") return undefined;
        return this.of(...types).find((r) => r.state.id === value || r.state.arn === value);
    }

    /**
     * Everything `r` waits for before it is created: its dependencies, theirs, and so on; a
     * dependency on a component waits for all of the component's descendants (Pulumi's rule).
     */
    waitsFor(r: PlannedResource): Set<string> {
        const cached = this.closure.get(r.urn);
        if (cached) return cached;
        const seen = new Set<string>();
        const stack = [...r.dependencies];
        while (stack.length > 0) {
            const urn = stack.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            const dep = this.byUrn.get(urn);
            if (!dep) continue;
            stack.push(...dep.dependencies);
            if (!dep.custom) stack.push(...(this.children.get(urn) ?? []).map((c) => c.urn));
        }
        this.closure.set(r.urn, seen);
        return seen;
    }

    /** The top-level component a resource belongs to (its workload, or the network). */
    root(r: PlannedResource): string {
        let current = r;
        while (current.parent && this.byUrn.has(current.parent)) current = this.byUrn.get(current.parent)!;
        return current.urn;
    }

    /** Every IAM statement attached to a role (inline, role policies, attached customer or known managed policies). */
    statementsOf(role: PlannedResource): { statements: Statement[]; sources: PlannedResource[] } {
        const roleName = role.state.id;
        const statements: Statement[] = [];
        const sources: PlannedResource[] = [];
        for (const inline of asArray(role.inputs.inlinePolicies)) statements.push(...parseStatements((inline as Record<string, unknown>).policy));
        for (const p of this.of(T.rolePolicy).filter((p) => p.inputs.role === roleName || p.inputs.role === role.state.arn)) {
            statements.push(...parseStatements(p.inputs.policy));
            sources.push(p);
        }
        const attached = [
            ...asArray(role.inputs.managedPolicyArns),
            ...this.of(T.attachment)
                .filter((a) => a.inputs.role === roleName || a.inputs.role === role.state.arn)
                .map((a) => {
                    sources.push(a);
                    return a.inputs.policyArn;
                }),
        ];
        for (const arn of attached) {
            const customer = this.byIdOrArn(arn, T.policy);
            if (customer) statements.push(...parseStatements(customer.inputs.policy));
            else statements.push(...(MANAGED_POLICIES[String(arn)] ?? []));
        }
        return { statements, sources };
    }
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

// ---------------------------------------------------------------------------------------------
// The engine's own rules

/**
 * The engine refuses a program that registers one URN twice ("Duplicate resource URN"), and a
 * parent or `dependsOn` that names a resource it never registered.
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#urns
 */
function checkEngineRules(resources: PlannedResource[], report: Report): void {
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

// ---------------------------------------------------------------------------------------------
// Names

interface NameRule {
    /** The input holding the physical name; absent means Pulumi auto-names it. */
    field: string;
    max: number;
    pattern: RegExp;
    /** Said when the pattern does not match. */
    allowed: string;
    /** Pulumi's auto-name lowercases the logical name for this type. */
    lowercase?: boolean;
    doc: string;
}

const ALNUM_HYPHEN = { pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, allowed: "letters, digits and hyphens, not starting or ending with a hyphen" };
const DB_IDENTIFIER = {
    pattern: /^[a-z](?:-?[a-z0-9])*$/,
    allowed: "a lowercase letter, then lowercase letters, digits and single hyphens, not ending with a hyphen",
    lowercase: true,
};
const IAM_NAME = { pattern: /^[\w+=,.@-]+$/, allowed: "letters, digits and + = , . @ _ -" };
const ECS_NAME = { pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" };

const S3_BUCKET: NameRule = {
    field: "bucket",
    max: 63,
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    allowed: "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
    lowercase: true,
    doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
};

/** Physical-name limits per resource type the program creates. */
export const NAME_RULES: Record<string, NameRule> = {
    "aws:lb/loadBalancer:LoadBalancer": {
        field: "name",
        max: 32,
        ...ALNUM_HYPHEN,
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html",
    },
    "aws:lb/targetGroup:TargetGroup": {
        field: "name",
        max: 32,
        ...ALNUM_HYPHEN,
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html",
    },
    "aws:rds/instance:Instance": {
        field: "identifier",
        max: 63,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    },
    "aws:rds/cluster:Cluster": {
        field: "clusterIdentifier",
        max: 63,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html",
    },
    "aws:rds/clusterInstance:ClusterInstance": {
        field: "identifier",
        max: 63,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    },
    "aws:rds/globalCluster:GlobalCluster": {
        field: "globalClusterIdentifier",
        max: 63,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html",
    },
    "aws:rds/subnetGroup:SubnetGroup": {
        field: "name",
        max: 255,
        pattern: /^[a-z0-9 ._-]+$/,
        allowed: "lowercase letters, digits, spaces, periods, underscores and hyphens",
        lowercase: true,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html",
    },
    "aws:rds/parameterGroup:ParameterGroup": {
        field: "name",
        max: 255,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
    },
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": {
        field: "name",
        max: 255,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBClusterParameterGroup.html",
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        field: "replicationGroupId",
        max: 40,
        ...DB_IDENTIFIER,
        doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
    },
    "aws:elasticache/subnetGroup:SubnetGroup": {
        field: "name",
        max: 255,
        pattern: /^[a-z0-9-]+$/,
        allowed: "lowercase letters, digits and hyphens",
        lowercase: true,
        doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html",
    },
    "aws:elasticache/parameterGroup:ParameterGroup": {
        field: "name",
        max: 255,
        pattern: /^[a-z0-9-]+$/,
        allowed: "lowercase letters, digits and hyphens",
        lowercase: true,
        doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
    },
    "aws:iam/role:Role": { field: "name", max: 64, ...IAM_NAME, doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html" },
    "aws:iam/policy:Policy": { field: "name", max: 128, ...IAM_NAME, doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html" },
    "aws:iam/rolePolicy:RolePolicy": {
        field: "name",
        max: 128,
        ...IAM_NAME,
        doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html",
    },
    "aws:iam/instanceProfile:InstanceProfile": {
        field: "name",
        max: 128,
        ...IAM_NAME,
        doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html",
    },
    "aws:s3/bucket:Bucket": S3_BUCKET,
    "aws:s3/bucketV2:BucketV2": S3_BUCKET,
    "aws:sqs/queue:Queue": {
        field: "name",
        max: 80,
        pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
        allowed: "letters, digits, hyphens and underscores (and .fifo)",
        doc: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    },
    "aws:sns/topic:Topic": {
        field: "name",
        max: 256,
        pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/,
        allowed: "letters, digits, hyphens and underscores (and .fifo)",
        doc: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        field: "name",
        max: 512,
        pattern: /^[.\-_/#A-Za-z0-9]+$/,
        allowed: "letters, digits and . - _ / #",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        field: "name",
        max: 255,
        pattern: /^[\x20-\x7e]+$/,
        allowed: "printable ASCII",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    },
    "aws:ecs/cluster:Cluster": {
        field: "name",
        max: 255,
        ...ECS_NAME,
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
    },
    "aws:ecs/service:Service": {
        field: "name",
        max: 255,
        ...ECS_NAME,
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    },
    "aws:ecs/taskDefinition:TaskDefinition": {
        field: "family",
        max: 255,
        ...ECS_NAME,
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html",
    },
    "aws:ecr/repository:Repository": {
        field: "name",
        max: 256,
        pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
        allowed: "lowercase path segments of letters and digits joined by . _ -",
        lowercase: true,
        doc: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    },
    "aws:secretsmanager/secret:Secret": {
        field: "name",
        max: 512,
        pattern: /^[A-Za-z0-9/_+=.@-]+$/,
        allowed: "letters, digits and / _ + = . @ -",
        doc: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    },
    "aws:codedeploy/application:Application": {
        field: "name",
        max: 100,
        pattern: /^[\x20-\x7e]+$/,
        allowed: "printable ASCII",
        doc: "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html",
    },
    "aws:codedeploy/deploymentGroup:DeploymentGroup": {
        field: "deploymentGroupName",
        max: 100,
        pattern: /^[\x20-\x7e]+$/,
        allowed: "printable ASCII",
        doc: "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html",
    },
    "aws:servicediscovery/service:Service": {
        field: "name",
        max: 63,
        pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
        allowed: "a DNS label",
        doc: "https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html",
    },
};

/** Pulumi's auto-name: the logical name, a hyphen and 7 random hex characters. */
export const AUTONAME_SUFFIX_LENGTH = 8;

function checkNames(resources: PlannedResource[], report: Report): void {
    for (const r of resources) {
        const rule = NAME_RULES[r.type];
        if (!rule) continue;
        const explicit = r.inputs[rule.field];
        if (explicit === "[unknown]" || explicit === "[secret]") continue;
        const auto = explicit === undefined || explicit === null;
        const logical = rule.lowercase ? r.name.toLowerCase() : r.name;
        const name = auto ? `${logical}-abcdef0` : String(explicit);
        const where = auto ? `the auto-name ${logical}-<7 random characters> (from the logical name)` : `${rule.field} "${name}"`;
        if (name.length > rule.max) report("aws-name-length", r.urn, `${where} has ${name.length} characters; AWS allows ${rule.max} (${rule.doc})`);
        else if (!rule.pattern.test(name)) report("aws-name-characters", r.urn, `${where} is not ${rule.allowed} (${rule.doc})`);
    }
}

// ---------------------------------------------------------------------------------------------
// Quotas

/**
 * Inbound and outbound rules per security group: 60 each by default; a rule referencing a
 * managed prefix list counts as many rules as the list's max entries.
 * https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
 */
export const RULES_PER_SECURITY_GROUP = 60;
/** Security groups per network interface (default quota 5). Same page. */
export const SECURITY_GROUPS_PER_INTERFACE = 5;

function checkSecurityGroupQuotas(index: PlanIndex, prefixLists: Record<string, PrefixListLookup>, report: Report): void {
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

/** Every target group ARN a listener or rule forwards to. */
function forwardedTargetGroups(r: PlannedResource): string[] {
    const actions = [...asArray(r.inputs.defaultActions), ...asArray(r.inputs.actions)] as Record<string, unknown>[];
    return actions.flatMap((a) => [
        ...(typeof a.targetGroupArn === "string" ? [a.targetGroupArn] : []),
        ...asArray((a.forward as Record<string, unknown> | undefined)?.targetGroups).map((t) => String((t as Record<string, unknown>).arn)),
    ]);
}

function checkLoadBalancerQuotas(index: PlanIndex, report: Report): void {
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

// ---------------------------------------------------------------------------------------------
// Regions

const certificateRegion = (arn: string) => /^arn:aws[\w-]*:acm:([a-z0-9-]+):/.exec(arn)?.[1];

/**
 * A load balancer's certificate must be in the balancer's region; CloudFront takes certificates
 * from us-east-1 only; outside the stack's own network, a resource that names its region is a
 * cross-region (disaster-recovery) copy, which must really be in another region.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 */
function checkRegions(index: PlanIndex, region: string, report: Report): void {
    for (const r of index.resources) {
        const own = typeof r.inputs.region === "string" ? r.inputs.region : region;
        if (T.listeners.includes(r.type as (typeof T.listeners)[number]) && typeof r.inputs.certificateArn === "string") {
            const at = certificateRegion(r.inputs.certificateArn);
            if (at && at !== own)
                report("aws-certificate-region", r.urn, `the listener's certificate is in ${at}; a load balancer in ${own} needs one issued in ${own}`);
        }
        if (r.type === "aws:cloudfront/distribution:Distribution") {
            const arn = (r.inputs.viewerCertificate as Record<string, unknown> | undefined)?.acmCertificateArn;
            const at = typeof arn === "string" ? certificateRegion(arn) : undefined;
            if (at && at !== "us-east-1") report("aws-certificate-region", r.urn, `CloudFront uses ACM certificates from us-east-1 only; this one is in ${at}`);
        }
        const inStackNetwork = index.byUrn.get(index.root(r))?.type === "platform:network:Network";
        if (r.custom && r.inputs.region === region && !inStackNetwork) {
            report("dr-region", r.urn, `placed explicitly in ${region}, the stack's own region: a disaster-recovery copy must be in another region`);
        }
    }
}

/** Types AWS keeps outside any region: a reference to or from them crosses no region. */
const GLOBAL_TYPE_PREFIXES = ["aws:iam/", "aws:route53/", "aws:cloudfront/", "aws:organizations/"];
/**
 * The inputs that name a resource in another region on purpose: a cross-region backup copy's
 * source, a replication destination, a global database's member, a cross-region replica's source.
 */
const CROSS_REGION_INPUTS: Record<string, string[]> = {
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ["sourceDbInstanceArn"],
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ["rules.destination.bucket"],
    "aws:rds/cluster:Cluster": ["globalClusterIdentifier", "replicationSourceIdentifier"],
    "aws:rds/instance:Instance": ["replicateSourceDb"],
};

/**
 * AWS resolves an ID or ARN in the caller's region: a resource that names one of another region
 * (a security group of another region's VPC, a listener of another region's balancer) fails to
 * create, except where the API crosses regions by design (`CROSS_REGION_INPUTS`). So do a security
 * group rule referencing a prefix list looked up in another region (its ID differs per region),
 * and an access-log bucket that admits another region's ELB account (logging fails to switch on).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
const ELB_ACCOUNT_IDS = new Set(Object.values(ELB_LOG_ACCOUNTS));

function checkCrossRegionReferences(index: PlanIndex, region: string, prefixLists: Record<string, PrefixListLookup>, report: Report): void {
    const regional = (r: PlannedResource) => r.custom && !GLOBAL_TYPE_PREFIXES.some((prefix) => r.type.startsWith(prefix));
    const regionOf = (r: PlannedResource) => (typeof r.inputs.region === "string" ? r.inputs.region : region);
    // ARNs and EC2-style IDs (vpc-…, sg-…) only: a name such as "integration" is no reference.
    const reference = (value: unknown): value is string => typeof value === "string" && (value.startsWith("arn:") || /^[a-z]{2,8}-[0-9a-f]{8,17}$/.test(value));
    const byReference = new Map<string, PlannedResource>();
    for (const r of index.resources)
        for (const value of [...(regional(r) ? [r.state.id, r.state.arn] : []), ...(r.state.networkIds ?? [])]) if (reference(value)) byReference.set(value, r);
    const walk = (value: unknown, path: string[], visit: (value: string, path: string) => void): void => {
        if (typeof value === "string") visit(value, path.join("."));
        else if (Array.isArray(value)) value.forEach((v) => walk(v, path, visit));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
    };
    for (const r of index.resources.filter(regional)) {
        const own = regionOf(r);
        const allowed = CROSS_REGION_INPUTS[r.type] ?? [];
        walk(r.inputs, [], (value, path) => {
            const target = byReference.get(value);
            if (!target || target === r || allowed.includes(path) || regionOf(target) === own) return;
            report(
                "cross-region-reference",
                r.urn,
                `${path} names ${target.name} (${target.type}) in ${regionOf(target)}; this resource is in ${own}, where AWS cannot find it`,
            );
        });
        if ([T.ingress, T.egress, T.sgRule].includes(r.type as typeof T.ingress))
            for (const id of asArray(r.inputs.prefixListId ?? r.inputs.prefixListIds)) {
                const list = prefixLists[String(id)];
                if (list && list.region !== own)
                    report(
                        "cross-region-reference",
                        r.urn,
                        `prefix list ${list.name} was looked up in ${list.region}; a rule in ${own} needs that region's ID of the list`,
                    );
            }
        if (r.type === T.bucketPolicy) {
            for (const st of parseStatements(r.inputs.policy))
                for (const principal of asArray(typeof st.Principal === "object" ? st.Principal.AWS : undefined)) {
                    const account = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(String(principal))?.[1];
                    if (account && ELB_ACCOUNT_IDS.has(account) && account !== ELB_LOG_ACCOUNTS[own])
                        report(
                            "cross-region-reference",
                            r.urn,
                            `admits the ELB log account ${account}, not ${own}'s (${ELB_LOG_ACCOUNTS[own] ?? `none: ${own} takes the ${ELB_LOG_DELIVERY_SERVICE} principal`}): the load balancer in ${own} cannot switch its access logs on`,
                        );
                }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// IAM sufficiency

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: string | Record<string, unknown>;
}

function parseStatements(policy: unknown): Statement[] {
    if (typeof policy !== "string" || policy.startsWith("[")) return [];
    try {
        const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
        return asArray(doc.Statement) as Statement[];
    } catch {
        return [];
    }
}

/**
 * AWS-managed policies the program may attach, reduced to what the checks ask of them.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryReadOnly.html
 */
/** Log in to ECR and read image layers: what both managed policies below grant for pulling. */
const ECR_READ_ACTIONS = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

const MANAGED_POLICIES: Record<string, Statement[]> = {
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy": [
        {
            Effect: "Allow",
            Action: [...ECR_READ_ACTIONS, "logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: "*",
        },
    ],
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly": [
        {
            Effect: "Allow",
            Action: [...ECR_READ_ACTIONS, "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetRepositoryPolicy", "ecr:ListImages"],
            Resource: "*",
        },
    ],
};

const glob = (pattern: string, value: string, ignoreCase: boolean) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
        ignoreCase ? "i" : "",
    ).test(value);

/** Whether the statements allow `action` on `resource` (an explicit deny wins; conditions are taken as met). */
export function allows(statements: Statement[], action: string, resource: string): boolean {
    const matches = (s: Statement) => {
        const actionOk =
            s.Action !== undefined
                ? asArray(s.Action).some((a) => glob(String(a), action, true))
                : !asArray(s.NotAction).some((a) => glob(String(a), action, true));
        const resourceOk =
            s.Resource !== undefined
                ? asArray(s.Resource).some((r) => glob(String(r), resource, false))
                : !asArray(s.NotResource).some((r) => glob(String(r), resource, false));
        return actionOk && resourceOk;
    };
    if (statements.some((s) => s.Effect === "Deny" && matches(s))) return false;
    return statements.some((s) => (s.Effect ?? "Allow") === "Allow" && matches(s));
}

const ECR_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

interface Container {
    name: string;
    image?: string;
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
    repositoryCredentials?: { credentialsParameter?: string };
}

/** What each kind of resource named in a container's environment needs from its task role. */
export const ENVIRONMENT_NEEDS: { type: string; suffix: string; actions: string[]; what: string }[] = [
    { type: "aws:sqs/queue:Queue", suffix: "", actions: ["sqs:SendMessage", "sqs:ReceiveMessage"], what: "send to or receive from the queue" },
    { type: "aws:sns/topic:Topic", suffix: "", actions: ["sns:Publish"], what: "publish to the topic" },
    { type: "aws:s3/bucketV2:BucketV2", suffix: "/*", actions: ["s3:GetObject", "s3:PutObject"], what: "read or write the bucket's objects" },
    { type: "aws:s3/bucket:Bucket", suffix: "/*", actions: ["s3:GetObject", "s3:PutObject"], what: "read or write the bucket's objects" },
];

/** The Secrets Manager secret of an ECS `valueFrom` (`<secret-arn>[:json-key:version-stage:version-id]`). */
const secretOf = (valueFrom: string) => valueFrom.split(":").slice(0, 7).join(":");

/**
 * Each task's execution role can pull its private ECR images, read its `secrets`, write its
 * `awslogs` group; its task role can use every queue, topic and bucket its environment names.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 */
function checkTaskPermissions(index: PlanIndex, report: Report): void {
    for (const task of index.of(T.taskDefinition)) {
        let containers: Container[];
        try {
            containers = JSON.parse(String(task.inputs.containerDefinitions)) as Container[];
        } catch {
            continue; // unknown at plan time
        }
        const executionRole = index.byIdOrArn(task.inputs.executionRoleArn, T.role);
        const taskRole = index.byIdOrArn(task.inputs.taskRoleArn, T.role);
        const execution = executionRole ? index.statementsOf(executionRole).statements : [];
        const app = taskRole ? index.statementsOf(taskRole).statements : [];
        for (const c of containers) {
            const who = `container ${c.name}`;
            const repository = c.image ? ecrRepositoryArn(c.image) : undefined;
            if (repository) {
                if (!executionRole)
                    report("iam-image-pull", task.urn, `${who} runs the private ECR image ${c.image} but the task has no execution role to pull it`);
                else {
                    const missing = [
                        ...(allows(execution, "ecr:GetAuthorizationToken", "*") ? [] : ["ecr:GetAuthorizationToken on *"]),
                        ...ECR_PULL.filter((a) => !allows(execution, a, repository)).map((a) => `${a} on ${repository}`),
                    ];
                    if (missing.length > 0)
                        report(
                            "iam-image-pull",
                            task.urn,
                            `${who} runs ${c.image}, but its execution role lacks ${missing.join(", ")}: ECS cannot pull the image`,
                        );
                }
            }
            for (const s of c.secrets ?? []) {
                const arn = s.valueFrom.startsWith("arn:aws:secretsmanager:") ? secretOf(s.valueFrom) : s.valueFrom;
                const action = arn.startsWith("arn:aws:ssm:") ? "ssm:GetParameters" : "secretsmanager:GetSecretValue";
                if (arn.includes("[unknown]")) continue;
                if (!allows(execution, action, arn))
                    report(
                        "iam-secret-read",
                        task.urn,
                        `${who} reads ${s.name} from ${arn}, but its execution role lacks ${action} on it: the task cannot start`,
                    );
            }
            const credentials = c.repositoryCredentials?.credentialsParameter;
            if (credentials && !allows(execution, "secretsmanager:GetSecretValue", secretOf(credentials))) {
                report("iam-image-pull", task.urn, `${who} pulls with the credentials in ${credentials}, but its execution role cannot read them`);
            }
            const logs = c.logConfiguration;
            if (logs?.logDriver === "awslogs" && logs.options?.["awslogs-group"]) {
                const region = logs.options["awslogs-region"];
                const group = logs.options["awslogs-group"];
                const stream = `arn:aws:logs:${region}:${accountOf(task)}:log-group:${group}:log-stream:x`;
                for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
                    if (!allows(execution, action, stream))
                        report("iam-log-write", task.urn, `${who} logs to ${group}, but its execution role lacks ${action} there`);
                }
            }
            for (const e of c.environment ?? []) {
                for (const need of ENVIRONMENT_NEEDS) {
                    const target = index.of(need.type).find((r) => [r.state.id, r.state.arn, r.inputs.bucket].includes(e.value));
                    if (!target?.state.arn) continue;
                    const arn = `${target.state.arn}${need.suffix}`;
                    if (!need.actions.some((a) => allows(app, a, arn))) {
                        report(
                            "iam-environment-resource",
                            task.urn,
                            `${who} is told ${e.name}=${e.value} but its task role may not ${need.what} (${need.actions.join(" or ")} on ${arn})`,
                        );
                    }
                }
            }
        }
    }
}

const accountOf = (r: PlannedResource) => /arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(String(r.state.arn))?.[1] ?? "*";

/**
 * A host that runs private ECR images needs the pull permissions on its instance role and a
 * Docker credential helper that uses them (Amazon Linux 2023 ships amazon-ecr-credential-helper).
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
 */
function checkHostPermissions(index: PlanIndex, report: Report): void {
    const imagesByWorkload = new Map<string, Set<string>>();
    for (const object of index.of(T.bucketObject)) {
        const content = object.inputs.content;
        if (typeof content !== "string" || !/^services:/m.test(content)) continue;
        let compose: { services?: Record<string, { image?: string }> };
        try {
            compose = parse(content) as typeof compose;
        } catch {
            continue;
        }
        const images = imagesByWorkload.get(index.root(object)) ?? new Set<string>();
        Object.values(compose.services ?? {}).forEach((s) => s.image && images.add(s.image));
        imagesByWorkload.set(index.root(object), images);
    }
    for (const host of index.of(T.instance)) {
        const images = [...(imagesByWorkload.get(index.root(host)) ?? [])].filter((i) => ecrRepositoryArn(i));
        if (images.length === 0) continue;
        const profile = index
            .of(T.instanceProfile)
            .find((p) => p.state.id === host.inputs.iamInstanceProfile || p.inputs.name === host.inputs.iamInstanceProfile);
        const role = profile ? index.of(T.role).find((r) => r.state.id === profile.inputs.role || r.state.arn === profile.inputs.role) : undefined;
        const statements = role ? index.statementsOf(role).statements : [];
        for (const image of images) {
            const repository = ecrRepositoryArn(image)!;
            const missing = ["ecr:GetAuthorizationToken", ...ECR_PULL].filter(
                (a) => !allows(statements, a, a === "ecr:GetAuthorizationToken" ? "*" : repository),
            );
            if (missing.length > 0) report("iam-image-pull", host.urn, `the host runs ${image}, but its instance role lacks ${missing.join(", ")}`);
        }
        if (!String(host.inputs.userData ?? "").includes("ecr-login")) {
            report("host-ecr-login", host.urn, "the host runs private ECR images but never configures Docker's ECR credential helper (credHelpers: ecr-login)");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Creation order

/**
 * Orders AWS needs that the inputs alone do not give Pulumi:
 * - an ECS service behind a target group is created after a listener or rule forwards to it
 *   ("The target group ... does not have an associated load balancer"):
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html
 * - an ECS service starts tasks at once: its execution and task roles' policies exist first, or
 *   the first tasks fail to pull or read secrets and the circuit breaker rolls the deploy back:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 * - an EC2 host reads its configuration at first boot: its instance role's policies exist first:
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
 * - a load balancer logging to a bucket needs the bucket policy first (AWS tests the write):
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
function checkCreationOrder(index: PlanIndex, report: Report): void {
    const routers = index.of(...T.listeners, ...T.rules);
    for (const service of index.of(T.service)) {
        const waits = index.waitsFor(service);
        for (const lb of asArray(service.inputs.loadBalancers) as Record<string, unknown>[]) {
            const group = String(lb.targetGroupArn);
            const forwarding = routers.filter((r) => forwardedTargetGroups(r).includes(group));
            if (!forwarding.some((r) => waits.has(r.urn))) {
                const names = forwarding.map((r) => r.name).join(", ") || "none in this plan";
                report(
                    "order-service-listener",
                    service.urn,
                    `registers with target group ${group} but does not wait for a listener or rule forwarding to it (${names}): ECS refuses a target group without a load balancer`,
                );
            }
        }
        const task = index.byIdOrArn(service.inputs.taskDefinition, T.taskDefinition);
        if (!task) continue;
        for (const field of ["executionRoleArn", "taskRoleArn"]) {
            const role = index.byIdOrArn(task.inputs[field], T.role);
            if (!role) continue;
            for (const policy of index.statementsOf(role).sources.filter((p) => !waits.has(p.urn))) {
                report(
                    "order-service-role-policy",
                    service.urn,
                    `starts tasks before ${policy.name} (a policy of its ${field === "executionRoleArn" ? "execution" : "task"} role) exists`,
                );
            }
        }
    }
    for (const host of index.of(T.instance)) {
        const profile = index.of(T.instanceProfile).find((p) => p.state.id === host.inputs.iamInstanceProfile);
        const role = profile ? index.of(T.role).find((r) => r.state.id === profile.inputs.role) : undefined;
        if (!role) continue;
        const waits = index.waitsFor(host);
        for (const policy of index.statementsOf(role).sources.filter((p) => !waits.has(p.urn))) {
            report("order-host-role-policy", host.urn, `boots before ${policy.name} (a policy of its instance role) exists`);
        }
    }
    for (const balancer of index.of(...T.loadBalancers)) {
        const logs = balancer.inputs.accessLogs as Record<string, unknown> | undefined;
        if (!logs?.enabled || typeof logs.bucket !== "string") continue;
        const policies = index.of(T.bucketPolicy).filter((p) => p.inputs.bucket === logs.bucket);
        if (!policies.some((p) => index.waitsFor(balancer).has(p.urn))) {
            report("order-access-log-policy", balancer.urn, `logs to ${logs.bucket} but is created before a bucket policy lets the balancer write there`);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Replacements

/**
 * A volume attaches to one instance at a time. When its instance is replaced, Pulumi creates the
 * new attachment before deleting the old one unless the attachment is `deleteBeforeReplace`, and
 * AttachVolume fails with VolumeInUse: the host is replaced, its data volume left behind.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachVolume.html
 */
function checkReplacements(index: PlanIndex, report: Report): void {
    for (const attachment of index.of("aws:ec2/volumeAttachment:VolumeAttachment")) {
        if (!attachment.options.deleteBeforeReplace) {
            report(
                "replace-volume-attachment",
                attachment.urn,
                "replacing the instance would attach the volume to the new host while the old one still holds it (VolumeInUse): set deleteBeforeReplace",
            );
        }
    }
}
