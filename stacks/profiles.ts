/**
 * Environment profiles: the defaults each environment brings. A stack picks one with
 * `platform:environment` and may override any key with `platform:profile`; every topology
 * reads its defaults from the merged result, never from literals of its own.
 */

export const ENVIRONMENTS = ["staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;
/** `none`: no internet egress from private subnets; `single`: one NAT gateway; `perAz`: one per AZ. */
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/**
 * The services a workload of this program may reach through an interface endpoint instead of NAT:
 * image pulls (`ecr.api`, `ecr.dkr`, with S3's gateway for the layers), logs, secrets, Session
 * Manager and ECS Exec (`ssm`, `ssmmessages`, `ec2messages`), queues and topics, KMS, STS, metrics.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html
 */
export const INTERFACE_ENDPOINTS = [
    "ecr.api",
    "ecr.dkr",
    "logs",
    "secretsmanager",
    "ssm",
    "ssmmessages",
    "ec2messages",
    "sqs",
    "sns",
    "kms",
    "sts",
    "monitoring",
] as const;
export type InterfaceEndpoint = (typeof INTERFACE_ENDPOINTS)[number];

/** The retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export interface EnvironmentProfile {
    /** Availability zones the network spans (2..6). */
    azCount: number;
    /** How private subnets reach the internet. */
    natStrategy: NatStrategy;
    /** Retention of application and service log groups, in days. */
    logRetentionDays: number;
    /** Retention of the VPC flow log group, in days. */
    flowLogRetentionDays: number;
    /** Pulumi `protect` and `retainOnDelete` on stateful resources (databases, buckets, queues, volumes). */
    protectStatefulResources: boolean;
    /** AWS-side deletion protection (RDS, Aurora, load balancers) and final snapshots on delete. */
    deletionProtection: boolean;
    /** Multi-AZ databases and caches. */
    multiAz: boolean;
    /** Automated backup retention of databases, in days (1..35). */
    backupRetentionDays: number;
    /** RDS instance class of PostgreSQL databases. */
    dbInstanceClass: string;
    /** Initial RDS storage in GiB; storage autoscaling grows it up to `dbMaxAllocatedStorageGb`. */
    dbAllocatedStorageGb: number;
    /** Upper bound of RDS storage autoscaling, in GiB. */
    dbMaxAllocatedStorageGb: number;
    /** Databases refuse non-TLS connections (`rds.force_ssl=1`) and clients are told to use TLS. */
    requireDbTls: boolean;
    /** RDS Performance Insights and log exports to CloudWatch. */
    databaseInsights: boolean;
    /** Databases get a read replica where the topology supports one. */
    readReplica: boolean;
    /** Fargate task CPU units. */
    taskCpu: number;
    /** Fargate task memory, MiB. */
    taskMemory: number;
    /** Tasks per service when no autoscaling range is set, and the autoscaling minimum. */
    minTasks: number;
    /** Autoscaling maximum of tasks per service. */
    maxTasks: number;
    /** CloudWatch Container Insights on ECS clusters. */
    containerInsights: boolean;
    /** EC2 instance type of single-host topologies. */
    hostInstanceType: string;
    /** ElastiCache node type. */
    cacheNodeType: string;
    /** Aurora instance class of writer and readers. */
    auroraInstanceClass: string;
    /** Aurora readers created with the cluster (the autoscaler's floor). */
    auroraMinReaders: number;
    /** Aurora readers the autoscaler may grow to. */
    auroraMaxReaders: number;
}

export const PROFILES: Readonly<Record<EnvironmentName, Readonly<EnvironmentProfile>>> = {
    staging: {
        azCount: 2,
        natStrategy: "single",
        logRetentionDays: 14,
        flowLogRetentionDays: 14,
        protectStatefulResources: false,
        deletionProtection: false,
        multiAz: false,
        backupRetentionDays: 1,
        dbInstanceClass: "db.t4g.micro",
        dbAllocatedStorageGb: 20,
        dbMaxAllocatedStorageGb: 50,
        requireDbTls: false,
        databaseInsights: false,
        readReplica: false,
        taskCpu: 256,
        taskMemory: 512,
        minTasks: 1,
        maxTasks: 2,
        containerInsights: true,
        hostInstanceType: "t3.medium",
        cacheNodeType: "cache.t4g.micro",
        auroraInstanceClass: "db.t4g.medium",
        auroraMinReaders: 0,
        auroraMaxReaders: 0,
    },
    production: {
        azCount: 3,
        natStrategy: "perAz",
        logRetentionDays: 90,
        flowLogRetentionDays: 365,
        protectStatefulResources: true,
        deletionProtection: true,
        multiAz: true,
        backupRetentionDays: 14,
        dbInstanceClass: "db.m7g.large",
        dbAllocatedStorageGb: 100,
        dbMaxAllocatedStorageGb: 1000,
        requireDbTls: true,
        databaseInsights: true,
        readReplica: true,
        taskCpu: 512,
        taskMemory: 1024,
        minTasks: 2,
        maxTasks: 10,
        containerInsights: true,
        hostInstanceType: "m7i.large",
        cacheNodeType: "cache.m7g.large",
        auroraInstanceClass: "db.r6g.large",
        auroraMinReaders: 1,
        auroraMaxReaders: 3,
    },
};
