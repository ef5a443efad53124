import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as appautoscaling from "@pulumi/aws/appautoscaling";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as random from "@pulumi/random";
import { PASSWORD_SPECIALS, postgresMaxConnections } from "./postgres";
import { SecurityGroup, connectGroups } from "./security-group";
import type { BootstrapTarget } from "./db-bootstrap";
import { rdsExportLogGroups } from "./rds-logs";
import { storeSecret } from "./secret";

/** Memory (GiB) of the Aurora instance classes this program sizes alarms for. */
export const AURORA_INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.r6g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r6g.2xlarge": 64,
    "db.r6g.4xlarge": 128,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
    "db.r7g.2xlarge": 64,
    "db.r7g.4xlarge": 128,
};

/**
 * The classes an Aurora global database's instances may have: memory-optimized (db.r*, db.x*).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.configuration.requirements.html
 */
export const GLOBAL_DATABASE_CLASS = /^db\.(r|x)\d/;

/** RDS identifiers: 63 characters (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateGlobalCluster.html). */
const GLOBAL_IDENTIFIER_MAX = 63;

/**
 * The global database's identifier: its primary cluster's, and `-global`. Where that exceeds 63
 * characters, the cluster's identifier is cut and a hash of it keeps the name unique, so turning
 * disaster recovery on never asks to rename (and so replace) a running cluster; such a name could
 * not have been deployed before, so no existing global database is renamed.
 */
export const globalClusterIdentifier = (clusterIdentifier: string): string => {
    const plain = `${clusterIdentifier}-global`;
    if (plain.length <= GLOBAL_IDENTIFIER_MAX) return plain;
    const hash = crypto.createHash("sha256").update(clusterIdentifier).digest("hex").slice(0, 6);
    const kept = clusterIdentifier.slice(0, GLOBAL_IDENTIFIER_MAX - "-global".length - hash.length - 1).replace(/-+$/, "");
    return `${kept}-${hash}-global`;
};

/** Aurora PostgreSQL's default max_connections for an instance class. */
export function auroraMaxConnections(instanceClass: string): number {
    const gib = AURORA_INSTANCE_MEMORY_GIB[instanceClass];
    if (gib === undefined) throw new Error(`unknown Aurora instance class ${instanceClass}`);
    return postgresMaxConnections(gib);
}

export interface AuroraPostgresArgs {
    /** The cluster's identifier: stack-unique, it also names the exported log group. */
    identifier: string;
    /** Retention of the exported `postgresql` log, days. */
    logRetentionDays: number;
    vpcId: pulumi.Input<string>;
    /** The network's isolated data subnets. */
    subnetIds: pulumi.Input<string[]>;
    databaseName: string;
    username: string;
    /** Aurora PostgreSQL version, e.g. `15.10`; its major picks the parameter-group family. */
    engineVersion: string;
    /** The `db-bootstrap` container's image (see `BootstrapTarget.image`). Default: ECR Public's `postgres:<major>-alpine`. */
    bootstrapImage?: string;
    /** Class of writer and readers. */
    instanceClass: string;
    /** Readers Pulumi creates (`min`) and the autoscaler's range; target tracking on reader CPU when `max > min`. */
    readers: { min: number; max: number; cpuTargetPercent: number };
    /** Automated backups and point-in-time recovery window, days. */
    backupRetentionDays: number;
    /** Deletion protection and a final snapshot on delete. */
    deletionProtection: boolean;
    /** Performance Insights and log exports. */
    insights: boolean;
    /** Pulumi `protect`/`retainOnDelete` on cluster, instances and secret. */
    protect: boolean;
    /** Cross-region disaster recovery: a global database with a secondary cluster there. Default: none. */
    disasterRecovery?: { region: string; vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string[]> };
}

/**
 * Aurora PostgreSQL in the data subnets: encrypted, SSL forced by the cluster parameter group, a
 * writer and `readers.min` readers auto-scaled up to `readers.max` on reader CPU, a generated
 * master password in Secrets Manager, and optionally an Aurora global database whose secondary
 * cluster lives in a DR region.
 */
export class AuroraPostgres extends pulumi.ComponentResource {
    readonly cluster: rds.Cluster;
    readonly writer: rds.ClusterInstance;
    readonly writerEndpoint: pulumi.Output<string>;
    readonly readerEndpoint: pulumi.Output<string>;
    /** Secrets Manager secret: JSON with username, password, host, port, dbname, engine. */
    readonly secretArn: pulumi.Output<string>;
    /** Where the database bootstrap creates the application's login (`applicationLogin`). */
    readonly bootstrapTarget: BootstrapTarget;
    readonly securityGroup: SecurityGroup;
    readonly secondaryCluster?: rds.Cluster;
    /** With disaster recovery: the global database's identifier (what a switchover or failover names). */
    globalClusterId?: pulumi.Output<string>;

    constructor(name: string, args: AuroraPostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:AuroraPostgres", name, {}, opts);
        const parent = { parent: this };
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const major = args.engineVersion.split(".")[0];

        const subnetGroup = new rds.SubnetGroup(name, { subnetIds: args.subnetIds, description: `${name}: isolated data subnets` }, parent);
        const parameters = new rds.ClusterParameterGroup(
            name,
            {
                family: `aurora-postgresql${major}`,
                description: `${name}: SSL required`,
                // Aurora PostgreSQL accepts plain connections unless told otherwise.
                parameters: [{ name: "rds.force_ssl", value: "1" }],
            },
            // Kept on delete where changes wait for the maintenance window (applyImmediately false): a new
            // family's group replaces this one at once, but the database still uses the old group until
            // its window, and RDS refuses to delete a group in use (InvalidDBParameterGroupState).
            { ...parent, retainOnDelete: args.protect },
        );
        this.securityGroup = new SecurityGroup(`${name}-cluster`, { vpcId: args.vpcId, description: `${name} Aurora PostgreSQL` }, parent);
        const password = new random.RandomPassword(name, { length: 32, special: true, overrideSpecial: PASSWORD_SPECIALS }, parent);
        const snapshotSuffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent);

        const exportLogs = rdsExportLogGroups(
            name,
            { kind: "cluster", identifier: args.identifier, exports: args.insights ? ["postgresql"] : [] },
            args.logRetentionDays,
            args.protect,
            this,
        );
        this.cluster = new rds.Cluster(
            name,
            {
                clusterIdentifier: args.identifier,
                engine: "aurora-postgresql",
                engineVersion: args.engineVersion,
                databaseName: args.databaseName,
                masterUsername: args.username,
                masterPassword: password.result,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [this.securityGroup.id],
                dbClusterParameterGroupName: parameters.name,
                storageEncrypted: true,
                backupRetentionPeriod: args.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: args.deletionProtection,
                skipFinalSnapshot: !args.deletionProtection,
                finalSnapshotIdentifier: pulumi.interpolate`${name}-final-${snapshotSuffix.hex}`,
                enabledCloudwatchLogsExports: args.insights ? ["postgresql"] : [],
                applyImmediately: !args.protect,
                // ModifyDBCluster refuses a new major engineVersion without it; a state-only change by itself.
                allowMajorVersionUpgrade: true,
            },
            // A global database adopts the cluster afterwards; AWS then reports its identifier. Its engine
            // version moves with the global database's (see addSecondary), as the provider documents.
            { ...stateful, ignoreChanges: args.disasterRecovery ? ["globalClusterIdentifier", "engineVersion"] : [], dependsOn: exportLogs },
        );

        const instance = (instanceName: string, promotionTier: number) =>
            new rds.ClusterInstance(
                instanceName,
                {
                    clusterIdentifier: this.cluster.id,
                    engine: "aurora-postgresql",
                    engineVersion: args.engineVersion,
                    instanceClass: args.instanceClass,
                    dbSubnetGroupName: subnetGroup.name,
                    publiclyAccessible: false,
                    promotionTier,
                    // The engine version is pinned to its minor (engineVersion): AWS upgrading it behind
                    // Pulumi's back would leave the stack trying to downgrade. Upgrade by changing it.
                    autoMinorVersionUpgrade: false,
                    performanceInsightsEnabled: args.insights,
                    performanceInsightsRetentionPeriod: args.insights ? 7 : undefined,
                    applyImmediately: !args.protect,
                },
                stateful,
            );
        this.writer = instance(`${name}-writer`, 0);
        const readers = Array.from({ length: args.readers.min }, (_, i) => instance(`${name}-reader-${i + 1}`, 1));

        if (args.readers.max > args.readers.min) {
            const target = new appautoscaling.Target(
                `${name}-readers`,
                {
                    serviceNamespace: "rds",
                    scalableDimension: "rds:cluster:ReadReplicaCount",
                    resourceId: pulumi.interpolate`cluster:${this.cluster.id}`,
                    minCapacity: args.readers.min,
                    maxCapacity: args.readers.max,
                },
                // The autoscaler adds readers only once the provisioned ones exist.
                { parent: this, dependsOn: [this.writer, ...readers] },
            );
            new appautoscaling.Policy(
                `${name}-readers-cpu`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType: "RDSReaderAverageCPUUtilization" },
                        targetValue: args.readers.cpuTargetPercent,
                        scaleOutCooldown: 300,
                        scaleInCooldown: 300,
                    },
                },
                parent,
            );
        }

        const secret = storeSecret(
            `${name}-credentials`,
            {
                description: `${name} Aurora PostgreSQL master credentials`,
                protect: args.protect,
                value: pulumi.jsonStringify({
                    engine: "postgres",
                    host: this.cluster.endpoint,
                    port: 5432,
                    dbname: args.databaseName,
                    username: args.username,
                    password: password.result,
                }),
            },
            this,
        );

        if (args.disasterRecovery) this.secondaryCluster = this.addSecondary(name, args, major, this.writer);

        this.writerEndpoint = this.cluster.endpoint;
        this.readerEndpoint = this.cluster.readerEndpoint;
        this.secretArn = secret.arn;
        this.bootstrapTarget = {
            host: this.writerEndpoint,
            masterSecretArn: this.secretArn,
            databaseName: args.databaseName,
            engineMajor: major,
            image: args.bootstrapImage,
        };
        this.registerOutputs({ writerEndpoint: this.writerEndpoint, readerEndpoint: this.readerEndpoint, secretArn: this.secretArn });
    }

    /** Opens 5432 from `client` to the cluster: ingress here, egress on the client. */
    connect(key: string, client: SecurityGroup, description: string): void {
        connectGroups(key, "aurora", client, this.securityGroup, 5432, description);
    }

    /** The global database and its secondary cluster (one instance) in the DR region. */
    private addSecondary(name: string, args: AuroraPostgresArgs, major: string, writer: rds.ClusterInstance): rds.Cluster {
        const dr = args.disasterRecovery!;
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const global = new rds.GlobalCluster(
            name,
            {
                globalClusterIdentifier: this.cluster.clusterIdentifier.apply(globalClusterIdentifier),
                sourceDbClusterIdentifier: this.cluster.arn,
                // The version of every member: the provider upgrades a global database here (ModifyGlobalCluster
                // for a major version, each member for a minor one), not through its clusters.
                engineVersion: args.engineVersion,
                deletionProtection: args.deletionProtection,
                forceDestroy: !args.protect,
            },
            { ...stateful, dependsOn: [writer] },
        );
        this.globalClusterId = global.id;
        // An encrypted secondary needs a key of its own region.
        const key = new kms.Key(
            `${name}-dr`,
            { region: dr.region, description: `${name} Aurora DR copy`, enableKeyRotation: true, deletionWindowInDays: 30 },
            stateful,
        );
        const subnetGroup = new rds.SubnetGroup(
            `${name}-dr`,
            { region: dr.region, subnetIds: dr.subnetIds, description: `${name}: DR data subnets` },
            { parent: this },
        );
        const parameters = new rds.ClusterParameterGroup(
            `${name}-dr`,
            {
                region: dr.region,
                family: `aurora-postgresql${major}`,
                description: `${name} DR: SSL required`,
                parameters: [{ name: "rds.force_ssl", value: "1" }],
            },
            // Kept on delete, as the primary's group is.
            { parent: this, retainOnDelete: args.protect },
        );
        const securityGroup = new SecurityGroup(
            `${name}-dr`,
            { region: dr.region, vpcId: dr.vpcId, description: `${name} Aurora DR copy (no clients until failover)` },
            { parent: this },
        );
        const secondary = new rds.Cluster(
            `${name}-dr`,
            {
                region: dr.region,
                engine: "aurora-postgresql",
                engineVersion: args.engineVersion,
                globalClusterIdentifier: global.id,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [securityGroup.id],
                dbClusterParameterGroupName: parameters.name,
                storageEncrypted: true,
                kmsKeyId: key.arn,
                backupRetentionPeriod: args.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: args.deletionProtection,
                skipFinalSnapshot: true,
            },
            // A global-database member as the provider documents it (rds.Cluster, rds.GlobalCluster):
            // AWS reports the primary's ARN as replicationSourceIdentifier once it joins, and the next
            // `up` removing it would promote this copy to a standalone cluster; the global database
            // upgrades its members' engine itself, so a version set here would fight it.
            { ...stateful, ignoreChanges: ["replicationSourceIdentifier", "engineVersion"] },
        );
        new rds.ClusterInstance(
            `${name}-dr-1`,
            {
                region: dr.region,
                clusterIdentifier: secondary.id,
                engine: "aurora-postgresql",
                engineVersion: args.engineVersion,
                instanceClass: args.instanceClass,
                dbSubnetGroupName: subnetGroup.name,
                publiclyAccessible: false,
                // Pinned like the primary's instances (see there).
                autoMinorVersionUpgrade: false,
            },
            stateful,
        );
        return secondary;
    }
}
