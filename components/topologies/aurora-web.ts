import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms";
import { z } from "zod";
import { LOG_RETENTION_DAYS } from "../../stacks/profiles";
import { SchemaEnv } from "../../stacks/schema";
import {
    drRegion,
    cidrBlock,
    envVarName,
    fargateCpu,
    fargateMemory,
    fargateSizeProblem,
    bootstrapImageSetting,
    imageReference,
    integer,
    numberIn,
    originSettings,
    pgIdentifier,
    derivedNames,
    presetDefaults,
    presetKey,
    rdsIdentifier,
    pgUsername,
    rdsInstanceClass,
    SchemaContext,
    strictObject,
    withCrossChecks,
    physicalNamesFit,
    urlPath,
    viewerDomainSettings,
} from "../../stacks/schema-kit";
import { AlarmTopic, alarmSettings, alarmsReachSomeone } from "../blocks/alarms";
import { AURORA_INSTANCE_MEMORY_GIB, AuroraPostgres, GLOBAL_DATABASE_CLASS, auroraMaxConnections } from "../blocks/aurora";
import { defaultDatabaseIdentifier } from "../blocks/postgres";
import { Bucket } from "../blocks/bucket";
import { Cdn, originHeader } from "../blocks/cdn";
import { afterBootstrap, applicationLogin } from "../blocks/db-bootstrap";
import {
    applicationSecrets,
    imageSources,
    imageTag,
    oneSourcePerVariable,
    rollingDeployProgresses,
    operationsOutputs,
    operationsSettings,
    resolveImage,
    serviceOperations,
} from "../blocks/operations";
import { FargateService, serviceDefaults } from "../blocks/fargate-service";
import { CLOUDFRONT_ORIGIN_STRICT_POLICY, LoadBalancer, cloudFrontOrigin } from "../blocks/load-balancer";
import { WorkloadContext } from "../context";
import { Network } from "../network";
import { SettingsOf, WorkloadOutputs, defineTopology } from "../topology";

/**
 * Documented systems this topology models, chosen with `preset`. `braidmgr`: the project-management
 * app (database and master user `braidmgr`, attachments bucket `braidmgr-<stack>-attachments-<account>`).
 */
export const AURORA_WEB_PRESETS = {
    braidmgr: { database: "braidmgr", username: "braidmgr", bucketPrefix: "braidmgr" },
} as const;

/**
 * The first minor version AWS offers of each Aurora PostgreSQL major the topology takes: the Aurora
 * class table gives every class "17.4 and higher, 16.1 and higher, 15.2 and higher" (16.0 was a
 * preview, no longer offered).
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.SupportAurora.html
 */
const AURORA_FIRST_MINOR: Readonly<Record<string, number>> = { "15": 2, "16": 1, "17": 4 };

const settingsSchema = (ctx: SchemaContext, { profile, stack, environment, workload, preset }: SchemaEnv) => {
    const names = derivedNames(workload);
    const derived = { ...names, bucketPrefix: names.slug, ...presetDefaults(AURORA_WEB_PRESETS, preset) };
    return withCrossChecks(
        strictObject({
            /** A documented system's own names instead of the workload-derived defaults: `braidmgr` (see the topology's page). Default: none. */
            preset: presetKey(AURORA_WEB_PRESETS),
            /** API container image. Required unless `imageTag` (with `repository.create`). */
            image: imageReference("container image").optional(),
            /** The image's tag in the workload's own repository (`repository.create: true`). */
            imageTag: imageTag.optional(),
            /** Port the API listens on. Default 8000. */
            containerPort: integer(1, 65535).default(8000),
            /** Task CPU units. Default 512 (the system's own). */
            cpu: fargateCpu.default(512),
            /** Task memory, MiB. Default 1024 (the system's own). */
            memory: fargateMemory.default(1024),
            /** API task range. Defaults: the profile's `minTasks` / `maxTasks` (production 2..10, staging 1..2). */
            tasks: strictObject({
                /** Fewest running tasks. Default: the profile's `minTasks`. */
                min: integer(1, 100).default(profile.minTasks),
                /** Most running tasks, scaled out on CPU. Default: the profile's `maxTasks`. */
                max: integer(1, 100).default(profile.maxTasks),
            }).default({}),
            /** Health check path. Default `/health`. */
            healthCheckPath: urlPath.default("/health"),
            /** API log retention in days. Default 30 (the system's own). */
            logRetentionDays: numberIn(LOG_RETENTION_DAYS).default(30),
            database: strictObject({
                /** The cluster's identifier (it names the exported log group). Default `<workload>-db-<stack>`; an existing cluster's keeps it. */
                identifier: rdsIdentifier.optional(),
                /** Database created on the cluster. Default: the workload's name, `_` for `-` (the `braidmgr` preset: `braidmgr`). */
                name: pgIdentifier.default(derived.database),
                /** Master user. Default: the workload's name, `_` for `-`, 16 characters at most (the `braidmgr` preset: `braidmgr`). */
                username: pgUsername.default(derived.username),
                /** Aurora PostgreSQL version, 15.2, 16.1, 17.4 or later in its major. Default `15.10` (the app runs PostgreSQL 15). */
                engineVersion: z
                    .string()
                    .regex(/^1[5-7]\.\d+$/, "expected an Aurora PostgreSQL version such as 15.10")
                    .refine(
                        (version) => Number(version.split(".")[1]) >= AURORA_FIRST_MINOR[version.split(".")[0]],
                        (version) => ({
                            message: `Aurora PostgreSQL ${version.split(".")[0]} starts at ${version.split(".")[0]}.${AURORA_FIRST_MINOR[version.split(".")[0]]}: AWS has no ${version} to create; give a version it lists (aws rds describe-db-engine-versions --engine aurora-postgresql)`,
                        }),
                    )
                    .default("15.10"),
                /** Instance class. Default: the profile's `auroraInstanceClass` (production db.r6g.large). */
                instanceClass: rdsInstanceClass
                    .refine((c) => c in AURORA_INSTANCE_MEMORY_GIB, {
                        message: `must be one of ${Object.keys(AURORA_INSTANCE_MEMORY_GIB).join(", ")} (the connection alarm is sized from it)`,
                    })
                    .default(profile.auroraInstanceClass),
                /** Readers: created (`min`) and auto-scaled up to `max` on reader CPU. Defaults: the profile's (production 1..3, staging 0..0). */
                minReaders: integer(0, 15).default(profile.auroraMinReaders),
                /** Most readers auto-scaling adds. Default: the profile's `auroraMaxReaders`. */
                maxReaders: integer(0, 15).default(profile.auroraMaxReaders),
                /** Average reader CPU auto-scaling keeps the readers at, percent. Default 70. */
                readerCpuTargetPercent: integer(10, 90).default(70),
                /** Backups and point-in-time recovery, days. Default 7 (the system's own). */
                backupRetentionDays: integer(1, 35).default(7),
                ...bootstrapImageSetting,
            }).default({}),
            /** Attachments bucket `<prefix>-<stack>-attachments-<account>`. Default prefix: the workload's name (the `braidmgr` preset: `braidmgr`). */
            bucketPrefix: z
                .string()
                .regex(/^[a-z0-9][a-z0-9-]{0,20}$/, "expected 1-21 lower-case letters, digits or -")
                .default(derived.bucketPrefix),
            /** The load balancer's HTTPS name (CloudFront's API origin) and its regional ACM certificate. Required. */
            api: originSettings(ctx),
            /** Custom viewer domain names and their us-east-1 ACM certificate. Default: the cloudfront.net name. */
            domain: viewerDomainSettings().optional(),
            /**
             * Oldest TLS version accepted: `1.3` serves viewers TLS 1.3 only (CloudFront's `TLSv1.3_2025`
             * on the custom domain) and gives the origin balancer the strictest policy CloudFront can still
             * reach (`ELBSecurityPolicy-TLS13-1-2-Res-2021-06`: CloudFront speaks TLS 1.2 to origins).
             * `1.2` keeps TLS 1.2 viewers. Default `1.3` (the app's own requirement: TLS 1.3 everywhere).
             */
            minimumTlsVersion: z.enum(["1.2", "1.3"]).default("1.3"),
            ...alarmSettings(ctx),
            /** Cross-region copy: Aurora global database + S3 replication. Off by default. */
            disasterRecovery: strictObject({
                /** Create the DR copy in `region`. Default `false`. */
                enabled: z.boolean().default(false),
                /** DR region, other than the stack's. Required when enabled. */
                region: drRegion(ctx).optional(),
                /** CIDR of the DR region's data network. Default 10.200.0.0/16. */
                cidr: cidrBlock(16, 22).default("10.200.0.0/16"),
            }).default({}),
            /** Further plain variables of the API. Default `{}`. */
            environment: z.record(envVarName, z.string()).default({}),
            ...operationsSettings(ctx),
        }),
        [
            alarmsReachSomeone(environment),
            oneSourcePerVariable(() => API_VARIABLES),
            rollingDeployProgresses((s) => ({ tasks: s.tasks.min, what: "tasks.min" })),
            imageSources((s) => [[[], s]]),
            (s, issue) => {
                const size = fargateSizeProblem(s.cpu, s.memory);
                if (size) issue(["memory"], size);
            },
            (s, issue) => s.tasks.min > s.tasks.max && issue(["tasks", "min"], `must not exceed tasks.max (${s.tasks.max})`),
            (s, issue) =>
                s.database.minReaders > s.database.maxReaders &&
                issue(["database", "minReaders"], `must not exceed database.maxReaders (${s.database.maxReaders})`),
            // S3 bucket names are 3-63 characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
            // the longest the workload names is the DR copy's, with an account ID's 12 digits.
            (s, issue) => {
                const suffix = `-${stack}-attachments${s.disasterRecovery.enabled ? "-dr" : ""}-123456789012`;
                const length = s.bucketPrefix.length + suffix.length;
                if (length <= 63) return;
                const room = 63 - suffix.length;
                issue(
                    ["bucketPrefix"],
                    `makes the ${s.disasterRecovery.enabled ? "DR copy's " : ""}bucket name <bucketPrefix>${suffix.replace("123456789012", "<account>")} ${length} characters; S3 allows 63: ` +
                        (room >= 1
                            ? `shorten bucketPrefix to ${room} character${room === 1 ? "" : "s"} or fewer`
                            : `the stack's name (${stack.length} characters) leaves no room for any prefix; use a stack name of at most ${stack.length + room - 1} characters`),
                );
            },
            physicalNamesFit((s) => {
                const cluster = s.database.identifier ?? defaultDatabaseIdentifier(`${workload}-db`, stack);
                // The global database's identifier always fits (globalClusterIdentifier shortens it).
                const named = { key: ["database", "identifier"], part: cluster, given: s.database.identifier !== undefined };
                return [{ type: "aws:rds/cluster:Cluster", what: "the cluster's identifier", name: cluster, ...named }];
            }),
            (s, issue) =>
                s.disasterRecovery.enabled &&
                !s.disasterRecovery.region &&
                issue(["disasterRecovery", "region"], "required when disasterRecovery.enabled is true"),
            // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.configuration.requirements.html
            (s, issue) =>
                s.disasterRecovery.enabled &&
                !GLOBAL_DATABASE_CLASS.test(s.database.instanceClass) &&
                issue(
                    ["database", "instanceClass"],
                    `${s.database.instanceClass} cannot join the global database disasterRecovery creates: AWS takes memory-optimized classes only there (e.g. db.r6g.large); pick one, or turn disasterRecovery off`,
                ),
        ],
    );
};

/** Variables the program gives the API itself. */
const API_VARIABLES = [
    "DATABASE_WRITER_HOST",
    "DATABASE_READER_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_SSLMODE",
    "DATABASE_USER",
    "DATABASE_PASSWORD",
    "ATTACHMENTS_BUCKET",
    "JWT_SIGNING_KEY_ID",
    "JWT_ALGORITHM",
];

/** What a workload of this topology deploys from: its validated settings. */
export type AuroraWebSettings = SettingsOf<typeof settingsSchema>;

/**
 * The project-management app: API on Fargate behind an ALB that only CloudFront
 * reaches, Aurora PostgreSQL writer + auto-scaled readers, S3 attachments, the static front end
 * from a private bucket through CloudFront, alarms, and an optional cross-region DR copy.
 */
export class AuroraWeb extends pulumi.ComponentResource {
    readonly outputs: WorkloadOutputs;

    constructor(name: string, s: AuroraWebSettings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions) {
        super("platform:topologies:AuroraWeb", name, {}, opts);
        // Validation requires a region when DR is on.
        const { enabled: drEnabled, region: drRegion, cidr: drCidr } = s.disasterRecovery;
        const dr = drEnabled && drRegion ? { region: drRegion, cidr: drCidr } : undefined;
        const database = this.createDatabase(name, s, ctx, dr);
        const { attachments, replica } = this.createAttachments(name, s, ctx, dr);
        // The front end's build: rebuilt by every deploy, but kept in production like every bucket there.
        const site = new Bucket(
            `${name}-site`,
            { protect: ctx.platform.profile.protectStatefulResources, noncurrentVersionExpirationDays: 30 },
            { parent: this },
        );
        // Only CloudFront reaches the balancer (its addresses, and the secret header only this
        // distribution adds: any CloudFront distribution shares those addresses); HTTPS to the API's own name.
        const gate = originHeader(name, this);
        const balancer = cloudFrontOrigin(
            `${name}-api`,
            ctx,
            {
                certificateArn: s.api.certificateArn,
                accessLogRetentionDays: s.logRetentionDays,
                target: { port: s.containerPort, healthCheckPath: s.healthCheckPath, deregistrationDelaySeconds: 30 },
                requireHeader: gate,
                ...(s.minimumTlsVersion === "1.3" ? { tlsPolicy: CLOUDFRONT_ORIGIN_STRICT_POLICY } : {}),
            },
            this,
        );
        const cdn = new Cdn(
            `${name}-cdn`,
            {
                site,
                api: { domainName: s.api.originDomainName, pathPattern: "/api/*", originHeaders: [gate] },
                domain: s.domain,
                minimumProtocolVersion: s.minimumTlsVersion === "1.3" ? "TLSv1.3_2025" : "TLSv1.2_2021",
            },
            { parent: this },
        );
        const jwt = this.createJwtKey(name, ctx);
        const api = this.createApi(name, s, ctx, database, attachments, balancer, jwt);
        const alarms = this.createAlarms(name, s, ctx, database, balancer, api.api);

        this.outputs = {
            cloudFrontUrl: cdn.url,
            apiUrl: pulumi.interpolate`${cdn.url}/api`,
            loadBalancerDnsName: balancer.dnsName,
            apiOriginDomainName: s.api.originDomainName,
            writerEndpoint: database.writerEndpoint,
            readerEndpoint: database.readerEndpoint,
            databaseSecretArn: database.secretArn,
            applicationLoginSecretArn: api.login.secretArn,
            ...(api.repository ? { repositoryUrl: api.repository.url } : {}),
            attachmentsBucket: attachments.name,
            siteBucket: site.name,
            alarmTopicArn: alarms.arn,
            jwtSigningKeyAlias: jwt.alias.name,
            jwtPublicKeyPem: jwt.publicKeyPem,
            secretArns: api.appSecrets.stored,
            ...operationsOutputs(api.api, "api", s),
            ...(dr && database.secondaryCluster && replica
                ? {
                      drRegion: dr.region,
                      drClusterArn: database.secondaryCluster.arn,
                      drGlobalClusterId: database.globalClusterId!,
                      drAttachmentsBucket: replica.name,
                  }
                : {}),
        };
        this.registerOutputs(this.outputs);
    }

    /** Aurora writer and autoscaled readers; with DR, a secondary cluster in a data-only network of the DR region. */
    private createDatabase(name: string, s: AuroraWebSettings, ctx: WorkloadContext, dr?: { region: string; cidr: string }): AuroraPostgres {
        const profile = ctx.platform.profile;
        // Data subnets only: the secondary cluster needs no internet egress.
        const drNetwork = dr
            ? new Network(
                  `${name}-dr`,
                  {
                      region: dr.region,
                      accountId: ctx.accountId,
                      cidr: dr.cidr,
                      azCount: Math.min(profile.azCount, 3),
                      natStrategy: "none",
                      flowLogRetentionDays: profile.flowLogRetentionDays,
                      protectLogs: profile.protectStatefulResources,
                  },
                  { parent: this },
              )
            : undefined;
        return new AuroraPostgres(
            `${name}-db`,
            {
                identifier: s.database.identifier ?? defaultDatabaseIdentifier(`${name}-db`, ctx.platform.stack),
                // Every log of the system is kept its logRetentionDays (30), the database's export too.
                logRetentionDays: s.logRetentionDays,
                vpcId: ctx.network.vpcId,
                subnetIds: ctx.network.dataSubnetIds,
                databaseName: s.database.name,
                username: s.database.username,
                engineVersion: s.database.engineVersion,
                bootstrapImage: s.database.bootstrapImage,
                instanceClass: s.database.instanceClass,
                readers: { min: s.database.minReaders, max: s.database.maxReaders, cpuTargetPercent: s.database.readerCpuTargetPercent },
                backupRetentionDays: s.database.backupRetentionDays,
                deletionProtection: profile.deletionProtection,
                insights: profile.databaseInsights,
                protect: profile.protectStatefulResources,
                disasterRecovery: dr && drNetwork ? { region: dr.region, vpcId: drNetwork.vpcId, subnetIds: drNetwork.dataSubnetIds } : undefined,
            },
            { parent: this },
        );
    }

    /** The attachments bucket (named as the system names it), replicated to the DR region when DR is on. */
    private createAttachments(name: string, s: AuroraWebSettings, ctx: WorkloadContext, dr?: { region: string }) {
        const protect = ctx.platform.profile.protectStatefulResources;
        const stack = ctx.platform.stack;
        const attachments = new Bucket(
            `${name}-attachments`,
            {
                bucketName: pulumi.interpolate`${s.bucketPrefix}-${stack}-attachments-${ctx.accountId}`,
                intelligentTiering: true,
                noncurrentVersionExpirationDays: 90,
                protect,
            },
            { parent: this },
        );
        attachments.applyPolicy();
        if (!dr) return { attachments };
        const replica = new Bucket(
            `${name}-attachments-dr`,
            {
                region: dr.region,
                bucketName: pulumi.interpolate`${s.bucketPrefix}-${stack}-attachments-dr-${ctx.accountId}`,
                noncurrentVersionExpirationDays: 90,
                protect,
            },
            { parent: this },
        );
        replica.applyPolicy();
        attachments.replicateTo(replica, ctx.accountId);
        return { attachments, replica };
    }

    /** The API on Fargate behind the balancer: 2..10 tasks on CPU and memory, the writer and reader endpoints, the bucket. */
    /**
     * The JWT signing key: RSA in KMS, used through kms:Sign, never exported. Rotation is a new key
     * behind the same alias (asymmetric keys cannot rotate automatically); verifiers fetch the
     * public key (output `jwtPublicKeyPem`).
     */
    private createJwtKey(name: string, ctx: WorkloadContext) {
        const protect = ctx.platform.profile.protectStatefulResources;
        const key = new kms.Key(
            `${name}-jwt`,
            { description: `${name}: signs the API's JWTs (RS256)`, customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY", deletionWindowInDays: 30 },
            { parent: this, protect, retainOnDelete: protect },
        );
        const alias = new kms.Alias(`${name}-jwt`, { name: `alias/${name}-${ctx.platform.stack}-jwt`, targetKeyId: key.keyId }, { parent: this });
        const publicKey = kms.getPublicKeyOutput({ keyId: key.arn }, { parent: this });
        return { key, alias, publicKeyPem: publicKey.publicKeyPem };
    }

    private createApi(
        name: string,
        s: AuroraWebSettings,
        ctx: WorkloadContext,
        database: AuroraPostgres,
        attachments: Bucket,
        balancer: LoadBalancer,
        jwt: ReturnType<AuroraWeb["createJwtKey"]>,
    ) {
        const appSecrets = applicationSecrets(name, s, ctx.platform.profile.protectStatefulResources, this);
        const { image, repository } = resolveImage(`${name}-images`, s, s, ctx.platform.profile.protectStatefulResources, this);
        // The API logs in as its own role; only the bootstrap container sees the master's credentials.
        const login = applicationLogin(name, database.bootstrapTarget, ctx.platform.profile.protectStatefulResources, this);
        const api = new FargateService(
            name,
            {
                ...serviceDefaults(ctx, name),
                ...serviceOperations(s),
                cpu: s.cpu,
                memory: s.memory,
                desiredCount: s.tasks.min,
                autoscaling: {
                    min: s.tasks.min,
                    max: s.tasks.max,
                    cpuTargetPercent: 70,
                    memoryTargetPercent: 80,
                    scaleOutCooldownSeconds: 60,
                    scaleInCooldownSeconds: 300,
                },
                logRetentionDays: s.logRetentionDays,
                secretArns: [...login.secretArns, ...appSecrets.arns],
                secretKeyArns: appSecrets.keyArns,
                containers: afterBootstrap(
                    {
                        name: "api",
                        image,
                        port: s.containerPort,
                        environment: {
                            ...s.environment,
                            DATABASE_WRITER_HOST: database.writerEndpoint,
                            DATABASE_READER_HOST: database.readerEndpoint,
                            DATABASE_PORT: "5432",
                            DATABASE_NAME: s.database.name,
                            DATABASE_SSLMODE: "require",
                            ATTACHMENTS_BUCKET: attachments.name,
                            // RS256 tokens are signed by KMS: the private key never leaves it.
                            JWT_SIGNING_KEY_ID: jwt.alias.arn,
                            JWT_ALGORITHM: "RS256",
                        },
                        secrets: {
                            ...appSecrets.variables,
                            DATABASE_USER: login.user,
                            DATABASE_PASSWORD: login.password,
                        },
                    },
                    login,
                ),
                taskPolicy: [
                    attachments.readWriteStatement("AttachmentsReadWrite"),
                    { Sid: "SignTokens", Action: ["kms:Sign", "kms:GetPublicKey"], Resource: jwt.key.arn },
                ],
                loadBalancer: balancer.serviceTarget("api", s.containerPort),
            },
            { parent: this },
        );
        balancer.allowTargets(api.securityGroup, s.containerPort);
        database.connect("api", api.securityGroup, `${name} API tasks`);
        api.securityGroup.allowHttpsEgress("S3, Secrets Manager, ECR, CloudWatch Logs");
        return { api, appSecrets, login, repository };
    }

    /** p99 latency, 5xx rate, ECS CPU, Aurora CPU and connections, to a topic with the e-mail subscribers. */
    private createAlarms(
        name: string,
        s: AuroraWebSettings,
        ctx: WorkloadContext,
        database: AuroraPostgres,
        balancer: LoadBalancer,
        api: FargateService,
    ): AlarmTopic {
        const alarms = new AlarmTopic(`${name}-alarms`, { accountId: ctx.accountId, region: ctx.platform.region, destinations: s }, { parent: this });
        const every = { period: 60, evaluationPeriods: 5, datapointsToAlarm: 3, comparisonOperator: "GreaterThanThreshold" };
        alarms.alarm(
            `${name}-api-p99-latency`,
            {
                ...every,
                alarmDescription: "API p99 response time above 2 s",
                namespace: "AWS/ApplicationELB",
                metricName: "TargetResponseTime",
                extendedStatistic: "p99",
                dimensions: { LoadBalancer: balancer.arnSuffix },
                threshold: 2,
            },
            this,
        );
        alarms.alarm(
            `${name}-api-5xx-rate`,
            {
                ...every,
                alarmDescription: "API 5xx responses above 1% of requests (the targets' own and the load balancer's, e.g. no healthy target)",
                threshold: 1,
                metricQueries: [
                    ...(["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"] as const).map((metricName, i) => ({
                        id: ["targetErrors", "balancerErrors", "requests"][i],
                        metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: balancer.arnSuffix }, period: 60, stat: "Sum" },
                    })),
                    {
                        id: "rate",
                        expression: "IF(requests > 0, 100 * (FILL(targetErrors, 0) + FILL(balancerErrors, 0)) / requests, 0)",
                        label: "5xx %",
                        returnData: true,
                    },
                ],
            },
            this,
        );
        alarms.alarm(
            `${name}-ecs-cpu`,
            {
                ...every,
                alarmDescription: "API service CPU above 85%",
                namespace: "AWS/ECS",
                metricName: "CPUUtilization",
                statistic: "Average",
                dimensions: { ClusterName: api.cluster.name, ServiceName: api.service.name },
                threshold: 85,
            },
            this,
        );
        alarms.alarm(
            `${name}-aurora-cpu`,
            {
                ...every,
                alarmDescription: "Aurora CPU above 80%",
                namespace: "AWS/RDS",
                metricName: "CPUUtilization",
                statistic: "Maximum",
                dimensions: { DBClusterIdentifier: database.cluster.clusterIdentifier },
                threshold: 80,
            },
            this,
        );
        const maxConnections = auroraMaxConnections(s.database.instanceClass);
        alarms.alarm(
            `${name}-aurora-connections`,
            {
                ...every,
                alarmDescription: `Aurora writer connections above 80% of ${maxConnections} (${s.database.instanceClass} default max_connections)`,
                namespace: "AWS/RDS",
                metricName: "DatabaseConnections",
                statistic: "Maximum",
                dimensions: { DBInstanceIdentifier: database.writer.identifier },
                threshold: Math.floor(maxConnections * 0.8),
            },
            this,
        );

        return alarms;
    }
}

export const auroraWeb = defineTopology({
    settings: settingsSchema,
    deploy: (name, settings, ctx, opts) => new AuroraWeb(name, settings, ctx, opts).outputs,
});
