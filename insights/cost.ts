import { PlannedResource } from "../plan/mocks";
import { UsageAssumptions } from "../stacks/usage";
import { DEFAULT_REGION_FACTOR, INSTANCE_HOURLY, PRICES, REGION_FACTORS } from "./prices";

/** A plan as the insights read it (the offline plan's JSON shape). */
export interface PlanLike {
    resources: PlannedResource[];
}

export interface CostLine {
    urn: string;
    type: string;
    workload: string;
    monthlyUsd: number;
    /** How the figure was made, e.g. "2 x 0.5 vCPU x 730 h". */
    detail: string;
}

export interface CostEstimate {
    monthlyUsd: number;
    byWorkload: Record<string, number>;
    byType: Record<string, number>;
    /** Types the table has no price for (never counted as zero). */
    unpriced: string[];
    lines: CostLine[];
}

/** Types AWS does not charge for by themselves (their cost is in what they configure). */
export const FREE_TYPES = new Set([
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:rds/globalCluster:GlobalCluster",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:codedeploy/application:Application",
    "aws:codedeploy/deploymentGroup:DeploymentGroup",
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
    "random:index/randomPassword:RandomPassword",
    "random:index/randomId:RandomId",
]);

/** The workload a resource belongs to: its topmost component's name (the network is "network"). */
export function workloadOf(resource: PlannedResource, byUrn: Map<string, PlannedResource>): string {
    let current = resource;
    while (current.parent && byUrn.has(current.parent)) current = byUrn.get(current.parent)!;
    return current.name;
}

const regionFactor = (region: string) => REGION_FACTORS[region] ?? DEFAULT_REGION_FACTOR;
const num = (v: unknown, fallback = 0) => (typeof v === "number" ? v : typeof v === "string" && v !== "" && !isNaN(Number(v)) ? Number(v) : fallback);
const hourly = (table: string, cls: unknown) => INSTANCE_HOURLY[`${table}:${String(cls)}`];

/** Price of one resource per month, or undefined when the table has no price for it. */
function priceOf(r: PlannedResource, plan: Map<string, PlannedResource>, u: UsageAssumptions): { usd: number; detail: string } | undefined {
    // Resource inputs are untyped JSON of whatever shape the resource type has.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const p = r.inputs as Record<string, any>;
    const h = u.hoursPerMonth;
    switch (r.type) {
        case "aws:ec2/natGateway:NatGateway":
            // Its Elastic IP is a resource of its own (priced as a public IPv4 address).
            return {
                usd: PRICES.natGatewayHour.usd * h + PRICES.natGatewayGb.usd * u.natGbPerGateway,
                detail: `NAT gateway ${h} h + ${u.natGbPerGateway} GB`,
            };
        case "aws:ec2/vpcEndpoint:VpcEndpoint": {
            // Gateway endpoints (S3, DynamoDB) are free; an interface endpoint is paid per zone it sits in.
            if (String(p.vpcEndpointType ?? "Gateway").toLowerCase() !== "interface") return { usd: 0, detail: "gateway endpoint (no charge)" };
            const zones = Array.isArray(p.subnetIds) ? p.subnetIds.length : 1;
            return { usd: zones * PRICES.interfaceEndpointHour.usd * h, detail: `interface endpoint in ${zones} zone(s) x ${h} h` };
        }
        case "aws:ecs/service:Service": {
            const task = r.dependencies.map((d) => plan.get(d)).find((d) => d?.type === "aws:ecs/taskDefinition:TaskDefinition");
            if (!task) return undefined;
            const vcpu = num(task.inputs.cpu) / 1024;
            const gb = num(task.inputs.memory) / 1024;
            const arm = (task.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture === "ARM64";
            const spot = JSON.stringify(p.capacityProviderStrategies ?? []).includes("FARGATE_SPOT");
            const count = num(p.desiredCount, 1);
            const perHour =
                vcpu * (arm ? PRICES.fargateVcpuHourArm : PRICES.fargateVcpuHourX86).usd + gb * (arm ? PRICES.fargateGbHourArm : PRICES.fargateGbHourX86).usd;
            const usd = count * perHour * h * (spot ? 1 - PRICES.fargateSpotDiscount.usd : 1);
            return { usd, detail: `${count} task(s) x (${vcpu} vCPU + ${gb} GB, ${arm ? "ARM" : "x86"}${spot ? ", Spot" : ""}) x ${h} h` };
        }
        case "aws:lb/loadBalancer:LoadBalancer":
        case "aws:alb/loadBalancer:LoadBalancer": {
            const network = p.loadBalancerType === "network";
            const azs = Array.isArray(p.subnetMappings) ? p.subnetMappings.length : Array.isArray(p.subnets) ? p.subnets.length : 2;
            const publicIps = p.internal === true || Array.isArray(p.subnetMappings) ? 0 : azs;
            const base = (network ? PRICES.nlbHour : PRICES.albHour).usd * h;
            const capacity = (network ? PRICES.nlbLcuHour : PRICES.albLcuHour).usd * u.loadBalancerCapacityUnits * h;
            return {
                usd: base + capacity + publicIps * PRICES.publicIpv4Hour.usd * h,
                detail: `${network ? "NLB" : "ALB"} ${h} h + ${u.loadBalancerCapacityUnits} capacity unit(s)${publicIps ? ` + ${publicIps} public IPv4` : ""}`,
            };
        }
        case "aws:ec2/eip:Eip":
            return { usd: PRICES.publicIpv4Hour.usd * h, detail: `public IPv4 x ${h} h` };
        case "aws:rds/instance:Instance": {
            const price = hourly("rds", p.instanceClass);
            if (!price) return undefined;
            const copies = p.multiAz === true ? 2 : 1;
            const storage = num(p.allocatedStorage, 20);
            return {
                usd: copies * (price.usd * h + storage * PRICES.rdsGp3GbMonth.usd),
                detail: `${p.instanceClass}${copies === 2 ? " Multi-AZ" : ""} x ${h} h + ${storage} GB gp3`,
            };
        }
        case "aws:rds/clusterInstance:ClusterInstance": {
            const price = hourly("aurora", p.instanceClass);
            return price && { usd: price.usd * h, detail: `${p.instanceClass} x ${h} h` };
        }
        case "aws:rds/cluster:Cluster":
            return {
                usd: u.auroraStorageGb * PRICES.auroraStorageGbMonth.usd + u.auroraIoMillions * PRICES.auroraIoMillion.usd,
                detail: `${u.auroraStorageGb} GB + ${u.auroraIoMillions} M I/O`,
            };
        case "aws:elasticache/replicationGroup:ReplicationGroup": {
            const price = hourly("cache", p.nodeType);
            const nodes = num(p.numCacheClusters, 1);
            return price && { usd: nodes * price.usd * h, detail: `${nodes} x ${p.nodeType} x ${h} h` };
        }
        case "aws:ec2/instance:Instance": {
            const price = hourly("ec2", p.instanceType);
            const root = num(p.rootBlockDevice?.volumeSize, 8);
            return price && { usd: price.usd * h + root * PRICES.ebsGp3GbMonth.usd, detail: `${p.instanceType} x ${h} h + ${root} GB gp3 root` };
        }
        case "aws:ebs/volume:Volume":
            return { usd: num(p.size) * PRICES.ebsGp3GbMonth.usd, detail: `${num(p.size)} GB gp3` };
        case "aws:cloudfront/distribution:Distribution":
            return {
                usd: u.cloudFrontGbPerDistribution * PRICES.cloudFrontGb.usd + (u.cloudFrontRequestsPerDistribution / 10_000) * PRICES.cloudFrontHttps10k.usd,
                detail: `${u.cloudFrontGbPerDistribution} GB + ${u.cloudFrontRequestsPerDistribution} requests`,
            };
        case "aws:s3/bucket:Bucket":
            return { usd: u.s3GbPerBucket * PRICES.s3GbMonth.usd, detail: `${u.s3GbPerBucket} GB Standard` };
        case "aws:sqs/queue:Queue":
            return { usd: (u.sqsRequestsPerQueue / 1e6) * PRICES.sqsMillion.usd, detail: `${u.sqsRequestsPerQueue} requests` };
        case "aws:sns/topic:Topic":
            return { usd: (u.snsPublishesPerTopic / 1e6) * PRICES.snsMillion.usd, detail: `${u.snsPublishesPerTopic} publishes` };
        case "aws:secretsmanager/secret:Secret":
            return { usd: PRICES.secretMonth.usd, detail: "1 secret" };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { usd: u.logGbPerGroup * (PRICES.logsIngestGb.usd + PRICES.logsStoredGbMonth.usd), detail: `${u.logGbPerGroup} GB ingested and kept` };
        case "aws:cloudwatch/metricAlarm:MetricAlarm": {
            const metrics = Array.isArray(p.metricQueries) ? p.metricQueries.filter((q: { metric?: unknown }) => q.metric).length : 1;
            return { usd: metrics * PRICES.alarmMetricMonth.usd, detail: `${metrics} alarm metric(s)` };
        }
        case "aws:kms/key:Key":
            return { usd: PRICES.kmsKeyMonth.usd, detail: "1 key" };
        case "aws:ecr/repository:Repository":
            return { usd: u.ecrGbPerRepository * PRICES.ecrGbMonth.usd, detail: `${u.ecrGbPerRepository} GB` };
        case "aws:servicediscovery/service:Service": {
            // One registered instance per running task of the service that registers here.
            const service = [...plan.values()].find((s) => s.type === "aws:ecs/service:Service" && s.dependencies.includes(r.urn));
            const tasks = num(service?.inputs.desiredCount, 1);
            return { usd: tasks * PRICES.cloudMapInstanceMonth.usd, detail: `${tasks} registered instance(s)` };
        }
        case "aws:wafv2/webAcl:WebAcl": {
            // It inspects what reaches the balancer: the API requests of one distribution.
            const rules = Array.isArray(p.rules) ? p.rules.length : 0;
            const requests = u.cloudFrontRequestsPerDistribution;
            return {
                usd: PRICES.wafWebAclMonth.usd + rules * PRICES.wafRuleMonth.usd + (requests / 1e6) * PRICES.wafMillion.usd,
                detail: `1 web ACL, ${rules} rule(s), ${requests} requests`,
            };
        }
        case "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication":
        case "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
            // Cross-region transfer and replicated storage depend on change volume: no list price to multiply.
            return undefined;
        default:
            return undefined;
    }
}

/** The plan's monthly cost: per resource, then by workload and by type; unknown types listed, never zero. */
export function estimateCost(plan: PlanLike, usage: UsageAssumptions, stackRegion: string): CostEstimate {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const unpriced = new Set<string>();
    for (const r of plan.resources) {
        const priceable = r.custom;
        if (!priceable || FREE_TYPES.has(r.type)) continue;
        const price = priceOf(r, byUrn, usage);
        if (!price) {
            unpriced.add(r.type);
            continue;
        }
        const region = typeof r.inputs.region === "string" ? r.inputs.region : stackRegion;
        const factor = regionFactor(region);
        lines.push({
            urn: r.urn,
            type: r.type,
            workload: workloadOf(r, byUrn),
            monthlyUsd: round(price.usd * factor),
            detail: factor === 1 ? price.detail : `${price.detail} x ${factor} (${region})`,
        });
    }
    const sum = (key: (l: CostLine) => string) =>
        Object.fromEntries(
            [...lines.reduce((m, l) => m.set(key(l), (m.get(key(l)) ?? 0) + l.monthlyUsd), new Map<string, number>())]
                .map(([k, v]) => [k, round(v)])
                .sort(([, a], [, b]) => Number(b) - Number(a)),
        );
    return {
        monthlyUsd: round(lines.reduce((t, l) => t + l.monthlyUsd, 0)),
        byWorkload: sum((l) => l.workload),
        byType: sum((l) => l.type),
        unpriced: [...unpriced].sort(),
        lines,
    };
}

const round = (usd: number) => Math.round(usd * 100) / 100;
