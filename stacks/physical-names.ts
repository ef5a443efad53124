// Physical names: the limits AWS puts on each named type the program creates. The readiness check
// (plan/readiness/names.ts) applies them to every planned resource; the topologies' settings apply
// them first to the names a workload derives from its own, its services' and the stack's names.

export interface NameRule {
    /** The input holding the physical name; absent means Pulumi auto-names it. */
    field: string;
    max: number;
    pattern: RegExp;
    /** Said when the pattern does not match. */
    allowed: string;
    /** Pulumi's auto-name lowercases the logical name for this type. */
    lowercase?: boolean;
    /** A DNS name's longest label (`pattern` refuses a longer one too). */
    maxLabel?: number;
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

/** A DNS name: labels of 1-63 letters, digits and hyphens (not at either end), 253 characters in all. */
const DNS_NAME = {
    pattern: /^(?!.*[^.]{64})[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/,
    allowed: "a DNS name: labels of at most 63 letters, digits and hyphens, joined by dots",
    maxLabel: 63,
    doc: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
};

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
    // A private DNS namespace is a Route 53 private hosted zone of that name.
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": { field: "name", max: 253, ...DNS_NAME },
    "aws:route53/zone:Zone": { field: "name", max: 253, ...DNS_NAME },
    "aws:servicediscovery/service:Service": {
        field: "name",
        max: 63,
        pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
        allowed: "a DNS label",
        doc: "https://docs.aws.amazon.com/cloud-map/latest/api/API_CreateService.html",
    },
};

/**
 * Why AWS refuses `name` for a resource of `type` (with the rule's page), undefined when it takes it
 * or the type has no rule: the name is too long, one of its DNS labels is, or a character is not allowed.
 */
export function physicalNameProblem(type: string, name: string): { kind: "length" | "label" | "characters"; max: number; message: string } | undefined {
    const rule = NAME_RULES[type];
    if (!rule) return undefined;
    if (name.length > rule.max) return { kind: "length", max: rule.max, message: `has ${name.length} characters; AWS allows ${rule.max} (${rule.doc})` };
    if (rule.pattern.test(name)) return undefined;
    const longLabel = rule.maxLabel !== undefined && name.split(".").some((label) => label.length > rule.maxLabel!);
    return { kind: longLabel ? "label" : "characters", max: rule.max, message: `is not ${rule.allowed} (${rule.doc})` };
}
