// Physical-name collisions: two resources of the plan that AWS would give one name (or one slot).
import { PlannedResource } from "../mocks";
import { PlanIndex, Report, regionOf, workloadComponent } from "./kit";

/** Where a name must be unique: everywhere (S3), in the account (IAM), or in the account and region. */
type Scope = "global" | "account" | "region";

interface UniqueRule {
    /** Types sharing one namespace (an ALB and an NLB cannot share a name). */
    types: string[];
    /** Inputs that together form the name (or the slot): the name, and what it is unique within. */
    fields: string[];
    scope: Scope;
    /** What the name is called, for the message. */
    what: string;
    /** AWS compares these names without regard to case. */
    caseInsensitive?: boolean;
    doc: string;
}

const BUCKET_SUBRESOURCES = [
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:s3/bucketNotification:BucketNotification",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
    "aws:s3/bucketLogging:BucketLogging",
];

/**
 * Every named (or one-per-target) type the program creates, with its uniqueness scope. A name
 * Pulumi generates (the logical name and a random suffix) is absent from the recorded inputs and
 * never collides; an explicit or derived one is checked.
 */
export const UNIQUE_NAMES: UniqueRule[] = [
    {
        types: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
        fields: ["bucket"],
        scope: "global",
        what: "bucket name",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    },
    ...BUCKET_SUBRESOURCES.map((type) => ({
        types: [type],
        fields: ["bucket"],
        scope: "global" as const,
        what: `bucket's ${type
            .split(":")[2]
            .replace(/^Bucket/, "")
            .replace(/([a-z])([A-Z])/g, "$1 $2")
            .toLowerCase()} (one per bucket)`,
        doc: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html",
    })),
    ...[
        ["aws:iam/role:Role", "role name", "API_CreateRole"],
        ["aws:iam/policy:Policy", "managed policy name", "API_CreatePolicy"],
        ["aws:iam/instanceProfile:InstanceProfile", "instance profile name", "API_CreateInstanceProfile"],
        ["aws:iam/user:User", "user name", "API_CreateUser"],
    ].map(([type, what, api]) => ({
        types: [type],
        fields: ["name"],
        scope: "account" as const,
        what,
        caseInsensitive: true,
        doc: `https://docs.aws.amazon.com/IAM/latest/APIReference/${api}.html (names are unique in the account, without regard to case)`,
    })),
    {
        types: ["aws:iam/rolePolicy:RolePolicy"],
        fields: ["role", "name"],
        scope: "account",
        what: "inline policy name of the role",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html (a second put replaces the first)",
    },
    {
        types: ["aws:rds/globalCluster:GlobalCluster"],
        fields: ["globalClusterIdentifier"],
        scope: "account",
        what: "global database identifier",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html",
    },
    {
        // A cluster's instances and standalone instances share one namespace of DB instance identifiers.
        types: ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
        fields: ["identifier"],
        scope: "region",
        what: "DB instance identifier",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    },
    {
        types: ["aws:rds/cluster:Cluster"],
        fields: ["clusterIdentifier"],
        scope: "region",
        what: "DB cluster identifier",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html",
    },
    ...[
        ["aws:rds/subnetGroup:SubnetGroup", "DB subnet group name", "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html"],
        [
            "aws:rds/parameterGroup:ParameterGroup",
            "DB parameter group name",
            "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBParameterGroup.html",
        ],
        [
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
            "DB cluster parameter group name",
            "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBClusterParameterGroup.html",
        ],
        [
            "aws:elasticache/subnetGroup:SubnetGroup",
            "cache subnet group name",
            "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheSubnetGroup.html",
        ],
        [
            "aws:elasticache/parameterGroup:ParameterGroup",
            "cache parameter group name",
            "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
        ],
    ].map(([type, what, doc]) => ({ types: [type], fields: ["name"], scope: "region" as const, what, caseInsensitive: true, doc })),
    {
        types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
        fields: ["replicationGroupId"],
        scope: "region",
        what: "replication group ID",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html",
    },
    {
        types: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
        fields: ["name"],
        scope: "region",
        what: "load balancer name",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html (unique per region per account)",
    },
    {
        types: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
        fields: ["name"],
        scope: "region",
        what: "target group name",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html (unique per region per account)",
    },
    {
        types: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
        fields: ["loadBalancerArn", "port"],
        scope: "region",
        what: "port of the load balancer",
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html (one listener per port)",
    },
    {
        // A public zone's name may repeat; a private zone's may not on the same VPC.
        types: ["aws:route53/zone:Zone"],
        fields: ["vpcs", "name"],
        scope: "account",
        what: "private hosted zone name on one VPC",
        caseInsensitive: true,
        doc: "https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html (ConflictingDomainExists)",
    },
    {
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        fields: ["name"],
        scope: "region",
        what: "log group name",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (unique within a region for an account)",
    },
    {
        types: ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/compositeAlarm:CompositeAlarm"],
        fields: ["name"],
        scope: "region",
        what: "alarm name",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (a second put overwrites the first)",
    },
    {
        types: ["aws:sqs/queue:Queue"],
        fields: ["name"],
        scope: "region",
        what: "queue name",
        doc: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
    },
    {
        types: ["aws:sqs/queuePolicy:QueuePolicy"],
        fields: ["queueUrl"],
        scope: "region",
        what: "queue's policy (one per queue)",
        doc: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
    },
    {
        types: ["aws:sns/topic:Topic"],
        fields: ["name"],
        scope: "region",
        what: "topic name",
        doc: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
    },
    {
        types: ["aws:sns/topicPolicy:TopicPolicy"],
        fields: ["arn"],
        scope: "region",
        what: "topic's policy (one per topic)",
        doc: "https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html",
    },
    {
        types: ["aws:secretsmanager/secret:Secret"],
        fields: ["name"],
        scope: "region",
        what: "secret name",
        doc: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
    },
    {
        types: ["aws:ssm/parameter:Parameter"],
        fields: ["name"],
        scope: "region",
        what: "parameter name",
        doc: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
    },
    {
        types: ["aws:kms/alias:Alias"],
        fields: ["name"],
        scope: "region",
        what: "KMS alias",
        doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (unique in the account and Region)",
    },
    {
        types: ["aws:ecs/cluster:Cluster"],
        fields: ["name"],
        scope: "region",
        what: "ECS cluster name",
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html",
    },
    {
        types: ["aws:ecs/service:Service"],
        fields: ["cluster", "name"],
        scope: "region",
        what: "ECS service name in the cluster",
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html (unique within a cluster)",
    },
    {
        // Not refused, but two stacks of revisions in one family: a deploy by family runs the other's.
        types: ["aws:ecs/taskDefinition:TaskDefinition"],
        fields: ["family"],
        scope: "region",
        what: "task definition family",
        doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html (a family's latest revision is what a deploy by family runs)",
    },
    {
        types: ["aws:ecr/repository:Repository"],
        fields: ["name"],
        scope: "region",
        what: "repository name",
        doc: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    },
    {
        types: ["aws:ecr/lifecyclePolicy:LifecyclePolicy"],
        fields: ["repository"],
        scope: "region",
        what: "repository's lifecycle policy (one per repository)",
        doc: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutLifecyclePolicy.html",
    },
    {
        types: ["aws:ecr/replicationConfiguration:ReplicationConfiguration"],
        fields: [],
        scope: "region",
        what: "registry's replication configuration (one per registry)",
        doc: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutReplicationConfiguration.html",
    },
    {
        types: ["aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "aws:servicediscovery/httpNamespace:HttpNamespace"],
        fields: ["name"],
        scope: "region",
        what: "Cloud Map namespace name",
        doc: "https://docs.aws.amazon.com/cloud-map/latest/api/API_CreatePrivateDnsNamespace.html",
    },
    {
        types: ["aws:servicediscovery/service:Service"],
        fields: ["namespaceId", "name"],
        scope: "region",
        what: "Cloud Map service name in the namespace",
        doc: "https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html",
    },
    {
        types: ["aws:wafv2/webAcl:WebAcl"],
        fields: ["scope", "name"],
        scope: "region",
        what: "web ACL name",
        doc: "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html (unique per scope and Region)",
    },
    {
        types: ["aws:wafv2/webAclAssociation:WebAclAssociation"],
        fields: ["resourceArn"],
        scope: "region",
        what: "resource's web ACL (one per resource)",
        doc: "https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html",
    },
    {
        types: ["aws:codedeploy/application:Application"],
        fields: ["name"],
        scope: "region",
        what: "CodeDeploy application name",
        doc: "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html",
    },
    {
        types: ["aws:codedeploy/deploymentGroup:DeploymentGroup"],
        fields: ["appName", "deploymentGroupName"],
        scope: "region",
        what: "deployment group name in the application",
        doc: "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html",
    },
    {
        types: ["aws:lambda/function:Function"],
        fields: ["name"],
        scope: "region",
        what: "function name",
        doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
    },
    {
        types: ["aws:ec2/launchTemplate:LaunchTemplate"],
        fields: ["name"],
        scope: "region",
        what: "launch template name",
        doc: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html",
    },
    {
        types: ["aws:cloudwatch/dashboard:Dashboard"],
        fields: ["dashboardName"],
        scope: "region",
        what: "dashboard name",
        doc: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (a second put overwrites the first)",
    },
    {
        types: ["aws:cloudwatch/eventRule:EventRule"],
        fields: ["eventBusName", "name"],
        scope: "region",
        what: "rule name on the event bus",
        doc: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    },
];

/**
 * The config key that renames a resource, by its workload's topology and its type; otherwise the
 * workload's name, which every default name derives from.
 */
const RENAMING_KEYS: Record<string, Record<string, string>> = {
    "platform:topologies:EcsAuditWorker": {
        "aws:ecs/cluster:Cluster": "names.cluster",
        "aws:ecs/service:Service": "names.service",
        "aws:ecs/taskDefinition:TaskDefinition": "names.family",
        "aws:cloudwatch/logGroup:LogGroup": "names.logGroup",
    },
    "platform:topologies:EventDriven": {
        "aws:route53/zone:Zone": "internalTls.domainName",
    },
    "platform:topologies:AuroraWeb": {
        "aws:s3/bucket:Bucket": "bucketPrefix",
        "aws:s3/bucketV2:BucketV2": "bucketPrefix",
        "aws:rds/cluster:Cluster": "database.identifier",
    },
};

const SKIPPED = new Set(["[unknown]", "[secret]"]);

/** The key to change so that `r` gets another name. */
function renamingKey(index: PlanIndex, r: PlannedResource, rule: UniqueRule): string {
    const workload = r.parent ? workloadComponent(index.byUrn.get(r.parent) ?? r, index.byUrn) : undefined;
    if (!workload) return "the stack's name (the network's resources are named after it)";
    const at = `platform:workloads.${workload.name}`;
    const key = RENAMING_KEYS[workload.type]?.[r.type];
    if (key) return `${at}.${key}`;
    // The workload's database and its read replica (<identifier>-replica) take database.identifier.
    if (rule.what.startsWith("DB instance") && (r.name === `${workload.name}-db` || r.name === `${workload.name}-db-replica`))
        return `${at}.database.identifier`;
    // A Compose service's dedicated database: services.<name>.databaseIdentifier (its default derives from the service's name).
    const service = workload.type === "platform:topologies:ComposeHost" ? new RegExp(`^${workload.name}-(.+)-db$`).exec(r.name)?.[1] : undefined;
    if (service && rule.what.startsWith("DB instance")) return `${at}.services.${service}.databaseIdentifier`;
    return `the workload's name (${at}), from which ${r.name}'s name derives`;
}

const SCOPE_WORDS: Record<Scope, string> = {
    global: "across all AWS accounts",
    account: "in an account",
    region: "in an account and region",
};

/**
 * No two resources may share a physical name within its uniqueness scope: the second create fails
 * (S3, IAM, RDS...) or silently takes over the first (an inline policy, an alarm, a bucket's
 * configuration). Explicit names and the names the program derives from workload names alike.
 */
export function checkNameCollisions(index: PlanIndex, region: string, report: Report): void {
    for (const rule of UNIQUE_NAMES) {
        const seen = new Map<string, PlannedResource>();
        for (const r of index.of(...rule.types)) {
            if (!r.custom) continue;
            const values = rule.fields.map((f) => r.inputs[f]);
            if (values.some((v) => v === undefined || v === null || v === "" || SKIPPED.has(String(v)))) continue;
            const at = rule.scope === "region" ? regionOf(r, region) : "";
            const joined = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\u0000");
            const key = `${at}\u0001${rule.caseInsensitive ? joined.toLowerCase() : joined}`;
            const first = seen.get(key);
            if (!first) {
                seen.set(key, r);
                continue;
            }
            const shown = values.length ? `"${String(values[values.length - 1])}"` : "";
            const keys = [...new Set([renamingKey(index, first, rule), renamingKey(index, r, rule)])];
            report(
                "aws-name-collision",
                r.urn,
                `${r.name} (${r.type}) and ${first.name} (${first.urn}) share the ${rule.what}${shown ? ` ${shown}` : ""}${
                    rule.scope === "region" ? ` in ${at}` : ""
                }, which must be unique ${SCOPE_WORDS[rule.scope]} (${rule.doc}); to tell them apart, change ${keys.join(" or ")}`,
            );
        }
    }
}
