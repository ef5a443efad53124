import * as pulumi from "@pulumi/pulumi";
import * as rds from "@pulumi/aws/rds";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as random from "@pulumi/random";
import { EnvironmentProfile } from "../../stacks/profiles";
import { DerivedPhysicalName, POSTGRES_DEFAULT_MAJOR, PostgresSettings } from "../../stacks/schema-kit";
import { WorkloadContext } from "../context";
import { SecurityGroup, connectGroups } from "./security-group";
import type { BootstrapTarget } from "./db-bootstrap";
import { rdsExportLogGroups } from "./rds-logs";
import { storeSecret } from "./secret";

export interface PostgresArgs {
    /** The instance's identifier (the replica's is `<identifier>-replica`): stack-unique, it also names the exported log groups. */
    identifier: string;
    /** Retention of the exported logs, days. Default: the profile's `logRetentionDays`. */
    logRetentionDays: number;
    vpcId: pulumi.Input<string>;
    /** Subnets of the DB subnet group: the network's isolated data subnets. */
    subnetIds: pulumi.Input<string[]>;
    /** Database created on the master. */
    databaseName: string;
    /** Master user name. */
    username: string;
    /** PostgreSQL major version. Default `"16"` (minor versions upgrade automatically). */
    engineVersion?: string;
    /** The `db-bootstrap` container's image (see `BootstrapTarget.image`). Default: ECR Public's `postgres:<major>-alpine`. */
    bootstrapImage?: string;
    /** Instance class of master and replica. Default: the profile's `dbInstanceClass`. */
    instanceClass: string;
    /** Initial storage, GiB. Default: the profile's `dbAllocatedStorageGb`. */
    allocatedStorageGb: number;
    /** Storage autoscaling ceiling, GiB. Default: the profile's `dbMaxAllocatedStorageGb`. */
    maxAllocatedStorageGb: number;
    /** Standby in a second AZ. Default: the profile's `multiAz` (production only). */
    multiAz: boolean;
    /** Automated backups, days. Default: the profile's `backupRetentionDays`. */
    backupRetentionDays: number;
    /** Deletion protection and a final snapshot on delete. Default: the profile's `deletionProtection`. */
    deletionProtection: boolean;
    /** Refuse non-TLS connections (`rds.force_ssl=1`). Default: the profile's `requireDbTls`. */
    requireTls: boolean;
    /** Performance Insights and log exports. Default: the profile's `databaseInsights`. */
    insights: boolean;
    /** A read replica with its own security group. Default: the profile's `readReplica`. */
    readReplica: boolean;
    /** Pulumi `protect`/`retainOnDelete` on the instances and the secret. Default: the profile's `protectStatefulResources`. */
    protect: boolean;
}

/** The profile's database defaults, for topologies to spread into `PostgresArgs`. */
export function postgresDefaults(profile: EnvironmentProfile) {
    return {
        instanceClass: profile.dbInstanceClass,
        allocatedStorageGb: profile.dbAllocatedStorageGb,
        maxAllocatedStorageGb: profile.dbMaxAllocatedStorageGb,
        multiAz: profile.multiAz,
        backupRetentionDays: profile.backupRetentionDays,
        deletionProtection: profile.deletionProtection,
        requireTls: profile.requireDbTls,
        insights: profile.databaseInsights,
        readReplica: profile.readReplica,
        protect: profile.protectStatefulResources,
    };
}

/** The identifier of a workload's database that its settings name none for: `<logical name>-<stack>` (`orders-db-prod`). */
export const defaultDatabaseIdentifier = (logicalName: string, stack: string): string => `${logicalName}-${stack}`;
/** A read replica's identifier: its master's, and `-replica`. */
export const replicaIdentifier = (identifier: string): string => `${identifier}-replica`;

/**
 * The identifiers `workloadDatabase` gives a database (and its replica), for the settings' check
 * (`physicalNamesFit`): `key` is the setting naming the instance, `identifier` its value if set.
 */
export function databaseIdentifiers(
    logicalName: string,
    stack: string,
    key: (string | number)[],
    identifier: string | undefined,
    readReplica: boolean,
    what = "the database's",
): DerivedPhysicalName[] {
    const master = identifier ?? defaultDatabaseIdentifier(logicalName, stack);
    const given = identifier !== undefined;
    const type = "aws:rds/instance:Instance";
    return [
        { type, what: `${what} identifier`, name: master, key, part: master, given },
        ...(readReplica ? [{ type, what: `${what} read replica's identifier`, name: replicaIdentifier(master), key, part: master, given }] : []),
    ];
}

/**
 * A workload's database in the stack's data subnets, from its `database` settings and the
 * profile's defaults; `overrides` for what the topology decides (a replica, TLS).
 */
export function workloadDatabase(
    name: string,
    ctx: WorkloadContext,
    settings: PostgresSettings,
    overrides: Partial<PostgresArgs> = {},
    parent?: pulumi.Resource,
): PostgresDatabase {
    return new PostgresDatabase(
        name,
        {
            ...postgresDefaults(ctx.platform.profile),
            identifier: settings.identifier ?? defaultDatabaseIdentifier(name, ctx.platform.stack),
            logRetentionDays: ctx.platform.profile.logRetentionDays,
            vpcId: ctx.network.vpcId,
            subnetIds: ctx.network.dataSubnetIds,
            databaseName: settings.name,
            username: settings.username,
            engineVersion: settings.engineVersion,
            bootstrapImage: settings.bootstrapImage,
            instanceClass: settings.instanceClass,
            readReplica: false,
            ...overrides,
        },
        { parent },
    );
}

/**
 * PostgreSQL's default max_connections on RDS and Aurora: LEAST(DBInstanceClassMemory / 9531392,
 * 5000) (AWS documentation), with the class's nominal memory (a little above what RDS counts).
 */
export const postgresMaxConnections = (memoryGib: number): number => Math.min(Math.floor((memoryGib * 1e9) / 9531392), 5000);

/** Memory (GiB) of the RDS instance classes whose connection alarm this program sizes. */
export const RDS_INSTANCE_MEMORY_GIB: Readonly<Record<string, number>> = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.m6g.large": 8,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.r6g.large": 16,
    "db.r7g.large": 16,
    "db.r6g.xlarge": 32,
    "db.r7g.xlarge": 32,
};

/** The logs each instance exports to CloudWatch when `insights` is on. */
const LOG_EXPORTS = ["postgresql", "upgrade"];

/** Characters RDS accepts in a master password (it refuses / @ " and space). */
export const PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?";

/**
 * RDS PostgreSQL in the data subnets: encrypted, never public, a generated master password kept
 * in Secrets Manager (our own secret: RDS-managed passwords do not support read replicas), an
 * optional read replica behind its own security group. Clients are let in with `allowClient`.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
    /** Writer endpoint host name. */
    readonly writerAddress: pulumi.Output<string>;
    /** Reader endpoint host name: the replica's, or the writer's when there is no replica. */
    readonly readerAddress: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** Secrets Manager secret: JSON with username, password, host, port, dbname, engine. */
    readonly secretArn: pulumi.Output<string>;
    readonly databaseName: string;
    /** Where the database bootstrap creates the application's login (`applicationLogin`). */
    readonly bootstrapTarget: BootstrapTarget;
    /** Instance class of master and replica. */
    readonly instanceClass: string;
    /** Storage allocated at creation, GiB (autoscaling may grow it up to `maxAllocatedStorageGb`). */
    readonly allocatedStorageGb: number;
    readonly hasReplica: boolean;
    readonly masterSecurityGroup: SecurityGroup;
    readonly replicaSecurityGroup?: SecurityGroup;
    readonly instance: rds.Instance;
    private readonly args: PostgresArgs;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:PostgresDatabase", name, {}, opts);
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const major = args.engineVersion ?? POSTGRES_DEFAULT_MAJOR;

        const subnetGroup = new rds.SubnetGroup(name, { subnetIds: args.subnetIds, description: `${name}: isolated data subnets` }, { parent: this });
        const parameters = new rds.ParameterGroup(
            name,
            {
                family: `postgres${major}`,
                description: `${name}: TLS ${args.requireTls ? "required" : "optional"}`,
                parameters: [
                    { name: "rds.force_ssl", value: args.requireTls ? "1" : "0" },
                    { name: "log_min_duration_statement", value: "1000" },
                ],
            },
            // Kept on delete where changes wait for the maintenance window (applyImmediately false): a new
            // family's group replaces this one at once, but the database still uses the old group until
            // its window, and RDS refuses to delete a group in use (InvalidDBParameterGroupState).
            { parent: this, retainOnDelete: args.protect },
        );
        this.masterSecurityGroup = new SecurityGroup(`${name}-master`, { vpcId: args.vpcId, description: `${name} PostgreSQL master` }, { parent: this });

        this.args = args;
        this.instanceClass = args.instanceClass;
        this.allocatedStorageGb = args.allocatedStorageGb;
        const password = new random.RandomPassword(name, { length: 32, special: true, overrideSpecial: PASSWORD_SPECIALS }, { parent: this });
        // Keeps the final-snapshot name unique across destroy/re-create cycles.
        const snapshotSuffix = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, { parent: this });

        // Settings master and replica share: private, encrypted, patched, observed per profile.
        const shared = {
            parameterGroupName: parameters.name,
            publiclyAccessible: false,
            storageEncrypted: true,
            storageType: "gp3",
            autoMinorVersionUpgrade: true,
            caCertIdentifier: "rds-ca-rsa2048-g1",
            performanceInsightsEnabled: args.insights,
            performanceInsightsRetentionPeriod: args.insights ? 7 : undefined,
            enabledCloudwatchLogsExports: args.insights ? LOG_EXPORTS : [],
            applyImmediately: !args.protect,
            // ModifyDBInstance refuses a new major engineVersion without it. It only permits the upgrade
            // the configured version asks for (that stays pinned), and the provider makes no AWS call
            // when it alone changes: the first `up` after adding it is a state-only update.
            allowMajorVersionUpgrade: true,
        };
        const exportLogs = (identifier: string, key: string) =>
            rdsExportLogGroups(key, { kind: "instance", identifier, exports: args.insights ? LOG_EXPORTS : [] }, args.logRetentionDays, args.protect, this);
        this.instance = new rds.Instance(
            name,
            {
                identifier: args.identifier,
                engine: "postgres",
                engineVersion: major,
                instanceClass: args.instanceClass,
                dbName: args.databaseName,
                username: args.username,
                password: password.result,
                port: 5432,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [this.masterSecurityGroup.id],
                allocatedStorage: args.allocatedStorageGb,
                maxAllocatedStorage: args.maxAllocatedStorageGb,
                multiAz: args.multiAz,
                backupRetentionPeriod: args.backupRetentionDays,
                copyTagsToSnapshot: true,
                deletionProtection: args.deletionProtection,
                skipFinalSnapshot: !args.deletionProtection,
                finalSnapshotIdentifier: pulumi.interpolate`${name}-final-${snapshotSuffix.hex}`,
                ...shared,
            },
            { ...stateful, dependsOn: exportLogs(args.identifier, name) },
        );

        let replica: rds.Instance | undefined;
        if (args.readReplica) {
            this.replicaSecurityGroup = new SecurityGroup(
                `${name}-replica`,
                { vpcId: args.vpcId, description: `${name} PostgreSQL read replica` },
                { parent: this },
            );
            replica = new rds.Instance(
                `${name}-replica`,
                {
                    identifier: replicaIdentifier(args.identifier),
                    replicateSourceDb: this.instance.identifier,
                    instanceClass: args.instanceClass,
                    vpcSecurityGroupIds: [this.replicaSecurityGroup.id],
                    maxAllocatedStorage: args.maxAllocatedStorageGb,
                    // Replicas have no automated backups or final snapshot of their own.
                    backupRetentionPeriod: 0,
                    skipFinalSnapshot: true,
                    deletionProtection: args.deletionProtection,
                    ...shared,
                },
                { ...stateful, dependsOn: exportLogs(replicaIdentifier(args.identifier), `${name}-replica`) },
            );
        }

        const secret = storeSecret(
            `${name}-credentials`,
            {
                description: `${name} PostgreSQL master credentials`,
                protect: args.protect,
                value: pulumi.jsonStringify({
                    engine: "postgres",
                    host: this.instance.address,
                    port: 5432,
                    dbname: args.databaseName,
                    username: args.username,
                    password: password.result,
                }),
            },
            this,
        );

        this.databaseName = args.databaseName;
        this.hasReplica = replica !== undefined;
        this.writerAddress = this.instance.address;
        this.readerAddress = replica ? replica.address : this.instance.address;
        this.port = this.instance.port;
        this.secretArn = secret.arn;
        this.bootstrapTarget = {
            host: this.writerAddress,
            masterSecretArn: this.secretArn,
            databaseName: this.databaseName,
            engineMajor: major,
            image: args.bootstrapImage,
        };
        this.registerOutputs({ writerAddress: this.writerAddress, readerAddress: this.readerAddress, secretArn: this.secretArn });
    }

    /** Opens 5432 from `client` to the master and the replica, if any: ingress here, egress on the client. */
    connect(key: string, client: SecurityGroup, description: string): void {
        connectGroups(key, "master", client, this.masterSecurityGroup, 5432, description);
        if (this.replicaSecurityGroup) connectGroups(key, "replica", client, this.replicaSecurityGroup, 5432, description);
    }

    /**
     * A Secrets Manager secret holding the writer's connection URL for a login (the application's,
     * never the master's), `postgresql://user:password@host:5432/db` (`?sslmode=require` when TLS is required).
     */
    storeConnectionUrl(name: string, login: { username: string; passwordValue: pulumi.Output<string> }): secretsmanager.Secret {
        const tls = this.args.requireTls ? "?sslmode=require" : "";
        const url = pulumi
            .all([login.passwordValue, this.writerAddress])
            .apply(([password, host]) => `postgresql://${login.username}:${encodeURIComponent(password)}@${host}:5432/${this.databaseName}${tls}`);
        return storeSecret(name, { value: url, description: `${name}: PostgreSQL connection URL`, protect: this.args.protect }, this);
    }
}
