import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as dlm from "@pulumi/aws/dlm";
import * as ebs from "@pulumi/aws/ebs";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as lb from "@pulumi/aws/lb";
import * as s3 from "@pulumi/aws/s3";
import { getParameterOutput } from "@pulumi/aws/ssm/getParameter";
import * as random from "@pulumi/random";
import { z } from "zod";
import { SchemaEnv } from "../../stacks/schema";
import {
    regionalCertificateArn,
    cidrBlock,
    ec2InstanceType,
    envVarName,
    imageReference,
    integer,
    nonEmptyString,
    postgresSettings,
    derivedNames,
    SchemaContext,
    strictObject,
    withCrossChecks,
    physicalNamesFit,
    rdsIdentifier,
    urlPath,
    healthCheckCommand,
    namePattern,
    nameRule,
} from "../../stacks/schema-kit";
import { AlarmTopic, alarmSettings, alarmsReachSomeone } from "../blocks/alarms";
import { CloudflareEdge, cloudflareChecks, cloudflareSettings } from "../blocks/cloudflare";
import { Bucket } from "../blocks/bucket";
import { repositorySettings, resolveImage, secretSettings } from "../blocks/operations";
import { LoadBalancer, MAX_ROUTES, RouteArgs, balancerDefaults, elbLogicalName } from "../blocks/load-balancer";
import {
    PostgresDatabase,
    RDS_INSTANCE_MEMORY_GIB,
    databaseIdentifiers,
    defaultDatabaseIdentifier,
    postgresMaxConnections,
    workloadDatabase,
} from "../blocks/postgres";
import { storeSecret } from "../blocks/secret";
import { SecurityGroup } from "../blocks/security-group";
import { WorkloadContext } from "../context";
import { PolicyStatement, decryptSecretsStatements, ecrPullStatements, ecrRegistry, ecrRepositoryArn, policyDocument, serviceTrustPolicy } from "../iam";
import { ComposeService, HOST_METRICS, USER_DATA_LIMIT_BYTES, envFiles, renderCompose, renderUserData } from "./compose-render";
import { SettingsOf, WorkloadOutputs, defineTopology } from "../topology";
import { nameFor } from "../names";
import { Architecture, instanceArchitecture, instanceVcpus, isA1, isMac } from "../../stacks/instance-types";

/**
 * Amazon Linux 2023's current AMI per architecture, as AWS publishes it in SSM Parameter Store
 * (https://docs.aws.amazon.com/linux/al2023/ug/ec2.html#launch-via-aws-cli).
 */
export const AL2023_AMI_PARAMETERS: Record<Architecture, string> = {
    x86_64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    arm64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
};

/** Cloudflare's published IPv4 ranges (https://www.cloudflare.com/ips-v4, as of 2026-11). */
export const CLOUDFLARE_IPV4 = [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
];

/** The platform's services and their backing containers (its "backing services"). */
export const DEFAULT_SERVICES = {
    ticketing: { port: 8081, cache: true, broker: true },
    payments: { port: 8082, cache: true, broker: true },
    identity: { port: 8083, cache: true, broker: false },
    notifications: { port: 8084, cache: false, broker: true },
} as const;

const serviceName = z.string().regex(namePattern(20), nameRule("service names", 20));

const settingsSchema = (ctx: SchemaContext, { profile, environment, stack, workload }: SchemaEnv) => {
    const derived = derivedNames(workload);
    const service = strictObject({
        /** Image. Default `<imagePrefix>/<service>:<imageTag>`. */
        image: imageReference().optional(),
        /** Host port the API listens on (the load balancer's target). */
        port: integer(1024, 65535),
        /** A Redis container of its own. */
        cache: z.boolean().default(false),
        /** A RabbitMQ container of its own. */
        broker: z.boolean().default(false),
        /** Plain environment variables of the API container. Default `{}`. */
        environment: z.record(envVarName, z.string()).default({}),
        ...secretSettings(ctx),
        /** A one-off `<service>-migrate` container (same image, env files and networks) the API waits for; it runs again when its image or command changes. Default: none. */
        migrations: strictObject({
            /** The migration's command, as a list of words; it runs in the service's image. */
            command: z.array(nonEmptyString("command word")).min(1, "give at least the executable"),
        }).optional(),
        /** Path the load balancer and the container's default health check probe. Default `/health`. */
        healthCheckPath: urlPath.default("/health"),
        /**
         * The container's health check, as Compose takes it (`["CMD", ...]` or `["CMD-SHELL", "..."]`).
         * Default: `wget` of `healthCheckPath` on the service's port (the image must ship wget).
         */
        healthCheck: healthCheckCommand.optional(),
        /** Memory limit of the API container, MiB. Default 512. */
        memoryMb: integer(64, 131072).default(512),
        /** CPU limit of the API container. Default 1. */
        cpus: z.number().positive().max(192).default(1),
        /** Its own RDS instance instead of a database on the shared one (the platform's scaling path). */
        dedicatedDatabase: z.boolean().default(false),
        /**
         * The identifier of that instance (with `dedicatedDatabase`), unique in the account and region: RDS
         * takes 63 characters, which long workload, service and stack names outgrow; it names the
         * exported log groups too. Default `<workload>-<service>-db-<stack>`. A new value renames the
         * instance in place (its endpoint with it) and replaces those log groups, which production
         * protects: the plan against the deployed stack says how to accept that.
         */
        databaseIdentifier: rdsIdentifier.optional(),
    });
    return withCrossChecks(
        strictObject({
            /** Registry and tag of images not given per service: `<imagePrefix>/<service>:<imageTag>` (or, with `repository.create`, the tag in each service's own repository). */
            imagePrefix: nonEmptyString("image prefix").optional(),
            /** The tag of those images (see `imagePrefix`). */
            imageTag: nonEmptyString("image tag").optional(),
            ...repositorySettings(),
            /** The API services. Default: ticketing, payments, identity, notifications as the platform runs them. */
            services: z
                .record(serviceName, service)
                .refine((services) => Object.keys(services).length <= MAX_ROUTES, {
                    message: `at most ${MAX_ROUTES} services: each is a listener rule and a target group of one load balancer, and AWS allows ${MAX_ROUTES} of each`,
                })
                .default(DEFAULT_SERVICES),
            /** Host instance type. Default: the profile's `hostInstanceType`. */
            instanceType: ec2InstanceType.default(profile.hostInstanceType),
            /** The host's encrypted gp3 root volume, GiB. Default 30. */
            rootVolumeGb: integer(8, 1024).default(30),
            /** Redis and RabbitMQ data, on a volume that outlives the host. Default 50 GiB. */
            dataVolumeGb: integer(1, 16384).default(50),
            /** ACM certificate of the load balancer, issued in the stack's region. Required. */
            certificateArn: regionalCertificateArn(ctx),
            /** Route by path (`/<service>/*`) or by host (`<service>.<domain>`). Default path. */
            routing: strictObject({
                /** `path`: `/<service>/*`; `host`: `<service>.<domain>`. Default `path`. */
                mode: z.enum(["path", "host"]).default("path"),
                /** The domain of `host` routing; required when `mode` is `host`. */
                domain: z
                    .string()
                    .regex(/^([a-z0-9-]+\.)+[a-z]{2,63}$/, "expected a domain such as tickets.example.com")
                    .optional(),
            }).default({}),
            /** Accept HTTPS only from Cloudflare. Default false (from anywhere). */
            behindCloudflare: z.boolean().default(false),
            /** The ranges `behindCloudflare` admits. Default: Cloudflare's published IPv4 ranges. */
            cloudflareCidrs: z.array(cidrBlock()).min(1).default(CLOUDFLARE_IPV4),
            /**
             * Cloudflare authenticated origin pulls: the PEM of the CA that signs the client certificate
             * Cloudflare presents. The ALB then verifies it (mutual TLS), so only Cloudflare reaches the
             * origin; a zone-level certificate from your own CA admits only your zone, Cloudflare's
             * shared origin-pull CA admits every Cloudflare account. Requires `behindCloudflare`. Default: none.
             */
            originPullCa: z
                .string()
                .regex(/^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, "expected PEM certificates (-----BEGIN CERTIFICATE----- ...)")
                .optional(),
            /**
             * The Cloudflare zone in front of the host, as code (needs `behindCloudflare` and
             * `originPullCa`): proxied DNS records on the static IPs, the managed WAF rules, a rate limit
             * per client IP, and zone-level authenticated origin pulls with a client certificate issued by
             * `originPullCa`. Default: none (Cloudflare configured by hand).
             */
            cloudflare: cloudflareSettings(ctx).optional(),
            /** The shared RDS instance: its database and admin user (default: the workload's name, `_` for `-`) and class (default: the profile's). */
            database: postgresSettings({ name: derived.database, username: derived.username, instanceClass: profile.dbInstanceClass }),
            images: strictObject({
                /** Image of each service's Redis container. Default `redis:7.2-alpine`. */
                redis: imageReference().default("redis:7.2-alpine"),
                /** Image of each service's RabbitMQ container. Default `rabbitmq:3.13-alpine`. */
                rabbitmq: imageReference().default("rabbitmq:3.13-alpine"),
                /** Image of each service's one-off `<service>-db-init` container (`psql` creating its database and login). Default `postgres:16-alpine`. */
                postgres: imageReference().default("postgres:16-alpine"),
            }).default({}),
            /** Memory limit of each service's Redis container, MiB. Default 256. */
            cacheMemoryMb: integer(32, 65536).default(256),
            /** Memory limit of each service's RabbitMQ container, MiB. Default 512. */
            brokerMemoryMb: integer(128, 65536).default(512),
            /**
             * Outbound connections the host may open beyond HTTPS and its databases (e.g. SMTP for
             * notifications): `{ port, cidr, description }`. Default none.
             */
            egress: z.array(strictObject({ port: integer(1, 65535), cidr: cidrBlock(), description: nonEmptyString("a description") })).default([]),
            /** Docker Compose plugin release installed on the host. */
            composeVersion: z
                .string()
                .regex(/^\d+\.\d+\.\d+$/, "expected a release such as 2.29.7")
                .default("2.29.7"),
            /** Minutes between two runs of the host's sync job. Default 5. */
            syncIntervalMinutes: integer(1, 60).default(5),
            ...alarmSettings(ctx),
        }),
        [
            alarmsReachSomeone(environment),
            cloudflareChecks(),
            (s, issue) => Object.keys(s.services).length === 0 && issue(["services"], "give at least one service"),
            (s, issue) => {
                const missingImage = Object.keys(s.services).filter((n) => !s.services[n].image);
                if (missingImage.length > 0 && !(s.imageTag && (s.imagePrefix || s.repository.create))) {
                    issue(
                        ["imagePrefix"],
                        `services ${missingImage.join(", ")} have no image: set imagePrefix and imageTag (or repository.create: true and imageTag), or services.<name>.image`,
                    );
                }
            },
            (s, issue) => {
                const ports = new Map<number, string>();
                for (const [n, svc] of Object.entries(s.services)) {
                    const other = ports.get(svc.port);
                    if (other) issue(["services", n, "port"], `port ${svc.port} is already used by ${other}`);
                    ports.set(svc.port, n);
                }
            },
            (s, issue) => s.routing.mode === "host" && !s.routing.domain && issue(["routing", "domain"], "required when routing.mode is host"),
            (s, issue) =>
                isMac(s.instanceType) &&
                issue(
                    ["instanceType"],
                    `${s.instanceType} is a Mac instance (macOS on a dedicated host): the host runs Amazon Linux 2023; pick an x86_64 or Graviton type`,
                ),
            (s, issue) =>
                isA1(s.instanceType) &&
                issue(
                    ["instanceType"],
                    `${s.instanceType} is an A1 instance, which Amazon Linux 2023 (the host's image) does not support; pick a later Graviton type (t4g, m7g...) or an x86_64 one`,
                ),
            // Docker refuses a container whose CPU limit exceeds the host's CPUs ("Range of CPUs is from
            // 0.01 to N"), so that service would never start.
            (s, issue) => {
                const vcpus = instanceVcpus(s.instanceType);
                for (const [name, svc] of Object.entries(s.services))
                    if (vcpus !== undefined && svc.cpus > vcpus)
                        issue(
                            ["services", name, "cpus"],
                            `${svc.cpus} is more than ${s.instanceType}'s ${vcpus} vCPUs: Docker refuses to start the container; at most ${vcpus}`,
                        );
            },
            (s, issue) => {
                for (const [name, svc] of Object.entries(s.services))
                    if (svc.databaseIdentifier !== undefined && !svc.dedicatedDatabase)
                        issue(
                            ["services", name, "databaseIdentifier"],
                            "names the service's own RDS instance, which it has only with dedicatedDatabase: true (the shared instance's is database.identifier)",
                        );
                const services = Object.entries(s.services);
                if (s.database.identifier !== undefined && services.length > 0 && services.every(([, svc]) => svc.dedicatedDatabase))
                    issue(
                        ["database", "identifier"],
                        `names the shared RDS instance, which no service uses (every service has dedicatedDatabase: true), so none is created: remove it, or name each service's own with services.<name>.databaseIdentifier`,
                    );
            },
            // RDS identifiers (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html): at most 63 characters, unique in the account and region.
            physicalNamesFit((s) =>
                databaseInstances(workload, s).flatMap((d) => databaseIdentifiers(d.logicalName, stack, d.key, d.identifier, false, d.what)),
            ),
            (s, issue) => {
                const seen = new Map<string, string>();
                for (const d of databaseInstances(workload, s)) {
                    const identifier = d.identifier ?? defaultDatabaseIdentifier(d.logicalName, stack);
                    const other = seen.get(identifier);
                    if (other)
                        issue(d.key, `${identifier} is also the identifier ${other} gives: RDS takes an identifier once per account and region; give another`);
                    else seen.set(identifier, d.identifier === undefined ? `${d.key.join(".")}'s default` : d.key.join("."));
                }
            },
            (s, issue) =>
                s.originPullCa !== undefined &&
                !s.behindCloudflare &&
                issue(["originPullCa"], "authenticated origin pulls need behindCloudflare: true (without it the ALB would refuse every other client)"),
        ],
    );
};

/** What a workload of this topology deploys from: its validated settings. */
export type ComposeHostSettings = SettingsOf<typeof settingsSchema>;

/**
 * The workload's RDS instances: the shared one (while any service uses it) and each dedicated one,
 * with its logical name, the key naming it and the identifier that key sets.
 */
function databaseInstances(
    workload: string,
    s: { database: { identifier?: string }; services: Record<string, { dedicatedDatabase: boolean; databaseIdentifier?: string }> },
): { logicalName: string; key: string[]; identifier?: string; what: string }[] {
    const services = Object.entries(s.services);
    return [
        ...(services.some(([, svc]) => !svc.dedicatedDatabase)
            ? [{ logicalName: `${workload}-db`, key: ["database", "identifier"], identifier: s.database.identifier, what: "the shared database's" }]
            : []),
        ...services
            .filter(([, svc]) => svc.dedicatedDatabase)
            .map(([name, svc]) => ({
                logicalName: `${workload}-${name}-db`,
                key: ["services", name, "databaseIdentifier"],
                identifier: svc.databaseIdentifier,
                what: "the dedicated database's",
            })),
    ];
}

/** Longest values the user data can hold (bucket name, key prefix, volume ID): its size is checked with them. */
const LONGEST = { bucket: "b".repeat(63), prefix: "p".repeat(100), volume: "vol-0123456789abcdef0" };

/**
 * The ticketing platform: one EC2 host in a private subnet running Docker Compose
 * (per-service APIs, Redis and RabbitMQ), RDS PostgreSQL with a database per service, an ALB with
 * TLS, and an internet-facing network load balancer on Elastic IPs as the stable public address.
 */
type ServiceSettings = ComposeHostSettings["services"][string];

/** What the host reads from S3 and Secrets Manager, and where its containers log. */
interface HostConfig {
    bucket: Bucket;
    prefix: string;
    secretArns: pulumi.Output<string>[];
    /** Customer managed keys of the services' existing secrets, which the host may decrypt with. */
    secretKeyArns: string[];
    logGroups: cloudwatch.LogGroup[];
    serviceSecretArns: Record<string, pulumi.Output<string>>;
    databaseEndpoints: Record<string, pulumi.Output<string>>;
    sharedDatabase?: PostgresDatabase;
    /** Every database instance, by logical name (the shared one and the dedicated ones). */
    databases: Record<string, PostgresDatabase>;
    /** Each service's image, resolved (from its own repository with `repository.create`). */
    images: Record<string, pulumi.Input<string>>;
    /** The repositories the workload created, by service. */
    repositories: Record<string, pulumi.Output<string>>;
}

export class ComposeHost extends pulumi.ComponentResource {
    readonly outputs: WorkloadOutputs;

    constructor(name: string, s: ComposeHostSettings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions) {
        super("platform:topologies:ComposeHost", name, {}, opts);
        checkUserDataSize(name, s, ctx.platform.region);
        const host = new SecurityGroup(`${name}-host`, { vpcId: ctx.network.vpcId, description: `${name} Compose host` }, { parent: this });
        host.allowHttpsEgress("images, packages, S3, Secrets Manager, SSM, CloudWatch Logs");
        for (const rule of s.egress)
            host.allowEgress(`${rule.port}-${nameFor(rule.cidr)}`, { port: rule.port, peer: { cidr: rule.cidr }, description: rule.description });
        const config = this.createServiceConfig(name, s, ctx, host);
        const instance = this.createHost(name, s, ctx, host, config);
        // Cloudflare presents its client certificate before the balancer starts asking for one.
        const cloudflareEdge = s.cloudflare ? new CloudflareEdge(`${name}-cloudflare`, { settings: s.cloudflare }, { parent: this }) : undefined;
        const balancer = this.createLoadBalancer(name, s, ctx, host, instance, config, cloudflareEdge?.originPulls);
        const edge = this.createStaticIpEdge(name, s, ctx, balancer);
        cloudflareEdge?.publish(edge.ips.map((ip) => ip.publicIp));
        this.createAlarms(name, s, ctx, instance, balancer, config.databases);

        this.outputs = {
            albDnsName: balancer.dnsName,
            staticIps: edge.ips.map((ip) => ip.publicIp),
            staticDnsName: edge.nlb.dnsName,
            instanceId: instance.id,
            databaseEndpoint: config.sharedDatabase ? config.sharedDatabase.writerAddress : pulumi.output("none (every service has a dedicated database)"),
            databaseEndpoints: config.databaseEndpoints,
            serviceSecretArns: config.serviceSecretArns,
            configBucket: config.bucket.name,
            ...(Object.keys(config.repositories).length ? { repositoryUrls: config.repositories } : {}),
        };
        this.registerOutputs(this.outputs);
    }

    /**
     * Per service: its database (on the shared instance or its own), credentials in a secret of its
     * own, env files and a log group; then the Compose file and the env-file list in S3.
     */
    private createServiceConfig(name: string, s: ComposeHostSettings, ctx: WorkloadContext, host: SecurityGroup): HostConfig {
        const parent = { parent: this };
        const protect = ctx.platform.profile.protectStatefulResources;
        const services = Object.entries(s.services);
        // The init containers connect over TLS in every environment.
        // `database.identifier` names the shared instance, `services.<name>.databaseIdentifier` a dedicated one.
        const newDatabase = (logicalName: string, identifier: string | undefined) =>
            workloadDatabase(logicalName, ctx, { ...s.database, identifier }, { requireTls: true }, this);
        const sharedDatabase = services.some(([, svc]) => !svc.dedicatedDatabase) ? newDatabase(`${name}-db`, s.database.identifier) : undefined;
        const databases: Record<string, PostgresDatabase> = sharedDatabase ? { [`${name}-db`]: sharedDatabase } : {};
        sharedDatabase?.connect("host", host, `${name} host`);

        const logGroupPrefix = `/compose/${ctx.platform.stack}/${name}`;
        // What the host runs (re-rendered by every deploy), kept in production like every bucket there.
        const bucket = new Bucket(`${name}-config`, { noncurrentVersionExpirationDays: 30, protect }, parent);
        bucket.applyPolicy();
        const config: HostConfig = {
            bucket,
            prefix: "compose",
            secretArns: [],
            secretKeyArns: [],
            logGroups: [],
            serviceSecretArns: {},
            databaseEndpoints: {},
            sharedDatabase,
            databases,
            images: {},
            repositories: {},
        };
        for (const [svcName, svc] of services) {
            // `<imagePrefix>/<service>:<imageTag>`, or the tag in the service's own repository.
            const source = {
                image: svc.image ?? (s.repository.create ? undefined : `${s.imagePrefix}/${svcName}:${s.imageTag}`),
                imageTag: svc.image ? undefined : s.imageTag,
            };
            const { image, repository } = resolveImage(`${name}-${svcName}-images`, source, s, protect, this);
            config.images[svcName] = image;
            if (repository) config.repositories[svcName] = repository.url;
        }
        const composeServices: pulumi.Output<ComposeService>[] = [];
        const envFileEntries: pulumi.Output<unknown>[] = [];

        for (const [svcName, svc] of services) {
            const database = svc.dedicatedDatabase ? newDatabase(`${name}-${svcName}-db`, svc.databaseIdentifier) : sharedDatabase!;
            // Keyed by service: the host's egress rules to each dedicated database are distinct resources.
            if (svc.dedicatedDatabase) {
                database.connect(`host-${svcName}`, host, `${name} host`);
                databases[`${name}-${svcName}-db`] = database;
            }
            config.databaseEndpoints[svcName] = database.writerAddress;

            const secret = this.createServiceSecret(name, svcName, svc, database, protect);
            config.serviceSecretArns[svcName] = secret.arn;
            config.secretArns.push(secret.arn, database.secretArn);
            const files = envFiles(svcName);
            envFileEntries.push(
                pulumi.output({ file: files.app, secretArn: secret.arn }),
                pulumi.output({ file: files.dbAdmin, secretArn: database.secretArn, map: { PGHOST: "host", PGUSER: "username", PGPASSWORD: "password" } }),
            );
            const existing = Object.entries(svc.existingSecrets);
            if (existing.length > 0) {
                // `arn:...:secret:name-AbCdEf:key::`: the secret's own ARN, and the JSON key to read.
                const values = existing.map(([variable, ref]) => {
                    const [arn, key] = [ref.split(":").slice(0, 7).join(":"), ref.split(":")[7]];
                    return { variable, secretArn: arn, ...(key ? { key } : {}) };
                });
                envFileEntries.push(pulumi.output({ file: files.existing, values }));
                config.secretArns.push(...values.map((v) => pulumi.output(v.secretArn)));
                config.secretKeyArns.push(...svc.existingSecretsKeys);
            }
            if (svc.broker) {
                const map = { RABBITMQ_DEFAULT_USER: "RABBITMQ_DEFAULT_USER", RABBITMQ_DEFAULT_PASS: "RABBITMQ_DEFAULT_PASS" };
                envFileEntries.push(pulumi.output({ file: files.broker, secretArn: secret.arn, map }));
            }
            const logName = `${logGroupPrefix}/${svcName}`;
            config.logGroups.push(
                new cloudwatch.LogGroup(
                    `${name}-${svcName}`,
                    { name: logName, retentionInDays: ctx.platform.profile.logRetentionDays },
                    { parent: this, protect, retainOnDelete: protect },
                ),
            );
            composeServices.push(
                pulumi.all([database.writerAddress, config.images[svcName]]).apply(([dbHost, image]): ComposeService => ({
                    name: svcName,
                    image,
                    port: svc.port,
                    cache: svc.cache,
                    broker: svc.broker,
                    environment: { ...svc.environment, PORT: String(svc.port), DB_HOST: dbHost, DB_PORT: "5432" },
                    healthCheck: svc.healthCheck ?? ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${svc.port}${svc.healthCheckPath} || exit 1`],
                    limits: { memoryMb: svc.memoryMb, cpus: svc.cpus },
                    migrationCommand: svc.migrations?.command,
                    existingSecrets: existing.length > 0,
                    cacheLimits: { memoryMb: s.cacheMemoryMb, cpus: 0.5 },
                    brokerLimits: { memoryMb: s.brokerMemoryMb, cpus: 1 },
                })),
            );
        }

        const region = ctx.platform.region;
        const composeFile = pulumi.all(composeServices).apply((list) => renderCompose({ services: list, region, logGroupPrefix, images: s.images }));
        const object = (key: string, file: string, content: pulumi.Input<string>, contentType: string) =>
            new s3.BucketObjectv2(key, { bucket: bucket.name, key: `${config.prefix}/${file}`, content, contentType, serverSideEncryption: "AES256" }, parent);
        object(`${name}-compose`, "docker-compose.yml", composeFile, "application/yaml");
        object(`${name}-env-files`, "env-files.json", pulumi.jsonStringify(pulumi.all(envFileEntries)), "application/json");
        return config;
    }

    /** A service's database login, broker login and its own secrets, in one Secrets Manager secret. */
    private createServiceSecret(name: string, svcName: string, svc: ServiceSettings, database: PostgresDatabase, protect: boolean) {
        const parent = { parent: this };
        const dbName = svcName.replace(/-/g, "_");
        const dbUser = `${dbName}_app`;
        const password = new random.RandomPassword(`${name}-${svcName}-db`, { length: 32, special: false }, parent);
        const brokerPassword = svc.broker ? new random.RandomPassword(`${name}-${svcName}-broker`, { length: 32, special: false }, parent) : undefined;
        const values = pulumi
            .all([database.writerAddress, password.result, brokerPassword?.result ?? pulumi.output(""), pulumi.all(svc.secrets)])
            .apply(([dbHost, dbPassword, amqpPassword, userSecrets]) => ({
                ...userSecrets,
                DB_NAME: dbName,
                DB_USER: dbUser,
                DB_PASSWORD: dbPassword,
                DATABASE_URL: `postgresql://${dbUser}:${dbPassword}@${dbHost}:5432/${dbName}?sslmode=require`,
                ...(svc.broker
                    ? {
                          RABBITMQ_DEFAULT_USER: dbName,
                          RABBITMQ_DEFAULT_PASS: amqpPassword,
                          AMQP_URL: `amqp://${dbName}:${amqpPassword}@${svcName}-rabbitmq:5672/`,
                      }
                    : {}),
            }));
        const description = `${name} ${svcName}: database, broker and application secrets`;
        return storeSecret(`${name}-${svcName}`, { value: pulumi.jsonStringify(values), description, protect }, this);
    }

    /** The EC2 host: its role, the data volume that outlives it, the instance and the attachment. */
    private createHost(name: string, s: ComposeHostSettings, ctx: WorkloadContext, host: SecurityGroup, config: HostConfig): ec2.Instance {
        const parent = { parent: this };
        const profile = ctx.platform.profile;
        const protect = profile.protectStatefulResources;
        const role = new iam.Role(
            `${name}-host`,
            { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com", ctx.accountId), description: `${name} Compose host` },
            parent,
        );
        // Session Manager (no SSH): AWS's managed policy for the SSM agent.
        const ssm = new iam.RolePolicyAttachment(
            `${name}-host-ssm`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
            parent,
        );
        // The CloudWatch agent's host metrics (memory, disk).
        const agent = new iam.RolePolicyAttachment(
            `${name}-host-cloudwatch-agent`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy" },
            parent,
        );
        // Every image the host runs (known from the settings alone, so the host need not wait for the
        // databases); the private ECR ones are pulled through the instance role.
        const images = pulumi.all([...Object.values(config.images), ...Object.values(s.images)]).apply((list) => [...new Set(list)]);
        const statements: PolicyStatement[] = [
            { Sid: "ReadComposeDefinition", Action: "s3:GetObject", Resource: pulumi.interpolate`${config.bucket.arn}/${config.prefix}/*` },
            { Sid: "ReadServiceSecrets", Action: "secretsmanager:GetSecretValue", Resource: config.secretArns },
            ...decryptSecretsStatements([...new Set(config.secretKeyArns)], ctx.platform.region),
            {
                Sid: "WriteContainerLogs",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: config.logGroups.map((g) => pulumi.interpolate`${g.arn}:*`),
            },
        ];
        const pulls = images.apply((list) => ecrPullStatements(list.map(ecrRepositoryArn).filter((arn): arn is string => arn !== undefined)));
        const hostPolicy = new iam.RolePolicy(`${name}-host`, { role: role.id, policy: pulls.apply((p) => policyDocument([...statements, ...p])) }, parent);
        const instanceProfile = new iam.InstanceProfile(`${name}-host`, { role: role.name }, parent);

        // The data volume is its own resource: replacing the host re-attaches it, data intact.
        const subnetId = ctx.network.privateSubnetIds.apply((ids) => ids[0]);
        const subnet = ec2.getSubnetOutput({ id: subnetId }, parent);
        const snapshotTag = { "platform:snapshots": `${name}-${ctx.platform.stack}-data` };
        const dataVolume = new ebs.Volume(
            `${name}-data`,
            { availabilityZone: subnet.availabilityZone, size: s.dataVolumeGb, type: "gp3", encrypted: true, tags: snapshotTag },
            { parent: this, protect, retainOnDelete: protect },
        );
        this.snapshotDataVolume(name, ctx, snapshotTag);
        // The AMI and the Compose plugin of the instance type's architecture (Graviton: arm64).
        const architecture = instanceArchitecture(s.instanceType);
        const ami = getParameterOutput({ name: AL2023_AMI_PARAMETERS[architecture] }, parent);
        const instance = new ec2.Instance(
            // The AMI is ignored after creation: a change of architecture is a new host (a name of its
            // own), so that the replacement boots its architecture's image; x86_64 keeps the first name.
            architecture === "x86_64" ? `${name}-host` : `${name}-host-${architecture}`,
            {
                ami: ami.value,
                instanceType: s.instanceType,
                subnetId,
                vpcSecurityGroupIds: [host.id],
                iamInstanceProfile: instanceProfile.name,
                associatePublicIpAddress: false,
                monitoring: true,
                disableApiTermination: profile.deletionProtection,
                // Hop limit 1: containers cannot reach the instance role's credentials.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: s.rootVolumeGb },
                userData: pulumi.all([config.bucket.name, dataVolume.id, images]).apply(([bucket, volume, list]) =>
                    renderUserData({
                        region: ctx.platform.region,
                        bucket,
                        prefix: config.prefix,
                        dataVolumeId: volume,
                        composeVersion: s.composeVersion,
                        syncIntervalMinutes: s.syncIntervalMinutes,
                        architecture,
                        ecrRegistries: [...new Set(list.map(ecrRegistry).filter((r): r is string => r !== undefined))].sort(),
                    }),
                ),
                userDataReplaceOnChange: true,
            },
            // A newer AMI is taken by replacing the host on purpose, not on every AWS release. The host
            // does not wait for the Compose object (which waits for the databases): its sync job retries
            // every few minutes, so it boots and installs Docker while RDS is still being created. It does
            // wait for its role's policies: the first boot reads S3 and pulls images with them.
            { parent: this, ignoreChanges: ["ami"], dependsOn: [hostPolicy, ssm, agent] },
        );
        // A volume attaches to one instance at a time: when the host is replaced, detach it from the
        // old host before attaching it to the new one (the default order would fail with VolumeInUse).
        new ec2.VolumeAttachment(
            `${name}-data`,
            { deviceName: "/dev/sdf", instanceId: instance.id, volumeId: dataVolume.id, stopInstanceBeforeDetaching: true },
            { parent: this, deleteBeforeReplace: true },
        );
        return instance;
    }

    /** Daily snapshots of the data volume (Data Lifecycle Manager), kept as long as the profile keeps backups. */
    private snapshotDataVolume(name: string, ctx: WorkloadContext, targetTags: Record<string, string>): void {
        const parent = { parent: this };
        const role = new iam.Role(
            `${name}-snapshots`,
            { assumeRolePolicy: serviceTrustPolicy("dlm.amazonaws.com", ctx.accountId), description: `${name}: snapshots of the data volume` },
            parent,
        );
        const managed = new iam.RolePolicyAttachment(
            `${name}-snapshots`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole" },
            parent,
        );
        new dlm.LifecyclePolicy(
            `${name}-snapshots`,
            {
                description: `${name}: daily snapshots of the Redis and RabbitMQ data volume`,
                executionRoleArn: role.arn,
                state: "ENABLED",
                policyDetails: {
                    resourceTypes: ["VOLUME"],
                    targetTags,
                    schedules: [
                        {
                            name: "daily",
                            createRule: { interval: 24, intervalUnit: "HOURS", times: "03:00" },
                            retainRule: { count: ctx.platform.profile.backupRetentionDays },
                            copyTags: true,
                        },
                    ],
                },
            },
            { parent: this, dependsOn: [managed] },
        );
    }

    /** HTTPS ingress: the ALB routes each service (by path or host name) to its port on the host. */
    private createLoadBalancer(
        name: string,
        s: ComposeHostSettings,
        ctx: WorkloadContext,
        host: SecurityGroup,
        instance: ec2.Instance,
        config: HostConfig,
        /** Cloudflare's authenticated origin pulls, switched on before the trust store asks for them. */
        originPulls?: pulumi.Resource,
    ): LoadBalancer {
        const services = Object.entries(s.services);
        const routes: RouteArgs[] = services.map(([svcName, svc]) => ({
            key: svcName,
            port: svc.port,
            healthCheckPath: svc.healthCheckPath,
            deregistrationDelaySeconds: 30,
            targetType: "instance",
            match: s.routing.mode === "host" ? { hostHeaders: [`${svcName}.${s.routing.domain}`] } : { pathPatterns: [`/${svcName}`, `/${svcName}/*`] },
        }));
        const edge = this.edgeGroup(name, ctx);
        const balancer = new LoadBalancer(
            `${name}-alb`,
            {
                ...balancerDefaults(ctx),
                vpcId: ctx.network.vpcId,
                subnetIds: ctx.network.publicSubnetIds,
                internal: false,
                certificateArn: s.certificateArn,
                clients: [
                    ...sourcesOf(s).map((cidr) => ({ key: `source-${nameFor(cidr)}`, peer: { cidr }, description: sourceName(s, cidr) })),
                    { key: "static-ip", peer: { securityGroupId: edge.id }, description: "the static-IP network load balancer" },
                ],
                routes,
                mutualTlsTrustStoreArn: s.originPullCa ? this.originPullTrustStore(name, s.originPullCa, config, originPulls).arn : undefined,
            },
            { parent: this },
        );
        for (const [svcName, svc] of services) {
            balancer.allowTargets(host, svc.port, svcName);
            const targetGroupArn = balancer.routeTargetGroups[svcName].arn;
            new lb.TargetGroupAttachment(`${name}-${svcName}`, { targetGroupArn, targetId: instance.id, port: svc.port }, { parent: this });
        }
        return balancer;
    }

    /** The ELB trust store of Cloudflare's origin-pull CA, read from the config bucket (versioned: a new PEM is a new version). */
    private originPullTrustStore(name: string, pem: string, config: HostConfig, originPulls?: pulumi.Resource): lb.TrustStore {
        const key = `${config.prefix}/mtls/origin-pull-ca.pem`;
        const object = new s3.BucketObjectv2(
            `${name}-origin-pull-ca`,
            { bucket: config.bucket.name, key, content: pem, contentType: "application/x-pem-file", serverSideEncryption: "AES256" },
            { parent: this },
        );
        return new lb.TrustStore(
            elbLogicalName(`${name}-origin-pull`),
            { caCertificatesBundleS3Bucket: config.bucket.name, caCertificatesBundleS3Key: key, caCertificatesBundleS3ObjectVersion: object.versionId },
            { parent: this, dependsOn: originPulls ? [originPulls] : [] },
        );
    }

    private edgeSecurityGroup?: SecurityGroup;
    /** The static-IP network load balancer's security group (made once: the ALB and the edge share it). */
    private edgeGroup(name: string, ctx: WorkloadContext): SecurityGroup {
        this.edgeSecurityGroup ??= new SecurityGroup(
            `${name}-edge`,
            { vpcId: ctx.network.vpcId, description: `${name} static-IP network load balancer` },
            { parent: this },
        );
        return this.edgeSecurityGroup;
    }

    /**
     * Static public IPs for DNS (and Cloudflare's origin): ALBs cannot hold Elastic IPs, so a network
     * load balancer on one Elastic IP per AZ forwards 443 and 80 to the ALB.
     */
    private createStaticIpEdge(name: string, s: ComposeHostSettings, ctx: WorkloadContext, balancer: LoadBalancer) {
        const parent = { parent: this };
        const network = ctx.network;
        const edge = this.edgeGroup(name, ctx);
        // The published addresses: kept in production, as DNS and Cloudflare point at them.
        const keep = ctx.platform.profile.protectStatefulResources;
        const ips = Array.from(
            { length: ctx.platform.network.azCount },
            (_, i) => new ec2.Eip(`${name}-ip-${i + 1}`, { domain: "vpc" }, { parent: this, protect: keep, retainOnDelete: keep }),
        );
        const nlb = new lb.LoadBalancer(
            elbLogicalName(`${name}-edge`),
            {
                loadBalancerType: "network",
                internal: false,
                securityGroups: [edge.id],
                enableDeletionProtection: ctx.platform.profile.deletionProtection,
                subnetMappings: ips.map((ip, i) => ({ subnetId: network.publicSubnetIds.apply((ids) => ids[i]), allocationId: ip.id })),
            },
            parent,
        );
        for (const port of [443, 80]) {
            sourcesOf(s).forEach((cidr) =>
                edge.allowIngress(`${port}-${nameFor(cidr)}`, { port, peer: { cidr }, description: `${sourceName(s, cidr)} on ${port}` }),
            );
            edge.allowEgress(`alb-${port}`, { port, peer: { securityGroupId: balancer.securityGroup.id }, description: `to the ALB on ${port}` });
            const group = new lb.TargetGroup(
                elbLogicalName(`${name}-edge-${port}`),
                {
                    vpcId: network.vpcId,
                    targetType: "alb",
                    protocol: "TCP",
                    port,
                    // An ALB target is checked over HTTP(S); port 80 only redirects, so it answers without
                    // the client certificate mutual TLS would demand on 443.
                    healthCheck: { protocol: "HTTP", port: "80", path: "/", matcher: "200-399" },
                },
                parent,
            );
            new lb.TargetGroupAttachment(`${name}-edge-${port}`, { targetGroupArn: group.arn, targetId: balancer.arn, port }, parent);
            const defaultActions = [{ type: "forward", targetGroupArn: group.arn }];
            new lb.Listener(`${name}-edge-${port}`, { loadBalancerArn: nlb.arn, port, protocol: "TCP", defaultActions }, parent);
        }
        return { ips, nlb };
    }

    /** Recover the host onto healthy hardware when AWS's system check fails; reboot it when its own check fails. */
    private createAlarms(
        name: string,
        s: ComposeHostSettings,
        ctx: WorkloadContext,
        instance: ec2.Instance,
        balancer: LoadBalancer,
        databases: Record<string, PostgresDatabase>,
    ): void {
        const alarms = new AlarmTopic(`${name}-alarms`, { accountId: ctx.accountId, region: ctx.platform.region, destinations: s }, { parent: this });
        const statusAlarm = (key: string, metricName: string, action: string, description: string) =>
            alarms.alarm(
                `${name}-${key}`,
                {
                    alarmDescription: description,
                    namespace: "AWS/EC2",
                    metricName,
                    statistic: "Maximum",
                    dimensions: { InstanceId: instance.id },
                    period: 60,
                    evaluationPeriods: 2,
                    threshold: 1,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    treatMissingData: "missing",
                },
                this,
                [`arn:aws:automate:${ctx.platform.region}:ec2:${action}`],
            );
        statusAlarm("recover", "StatusCheckFailed_System", "recover", "System status check failed: recover the host onto healthy hardware");
        statusAlarm("reboot", "StatusCheckFailed_Instance", "reboot", "Instance status check failed: reboot the host");

        // The host's memory and disks (the CloudWatch agent's metrics).
        const host = { namespace: HOST_METRICS.namespace, statistic: "Average", period: 300, evaluationPeriods: 3, comparisonOperator: "GreaterThanThreshold" };
        alarms.alarm(
            `${name}-host-memory`,
            { ...host, alarmDescription: "host memory above 90%", metricName: HOST_METRICS.memory, dimensions: { InstanceId: instance.id }, threshold: 90 },
            this,
        );
        for (const path of HOST_METRICS.paths) {
            alarms.alarm(
                `${name}-host-disk-${nameFor(path) || "root"}`,
                {
                    ...host,
                    alarmDescription: `host disk ${path} above 85%`,
                    metricName: HOST_METRICS.disk,
                    dimensions: { InstanceId: instance.id, path },
                    threshold: 85,
                },
                this,
            );
        }

        // Per service: its target is unhealthy, or it answers 5xx.
        const every = { period: 60, evaluationPeriods: 5, datapointsToAlarm: 3, comparisonOperator: "GreaterThanThreshold" };
        for (const [svcName, group] of Object.entries(balancer.routeTargetGroups)) {
            const dimensions = { LoadBalancer: balancer.arnSuffix, TargetGroup: group.arnSuffix };
            const elb = { ...every, namespace: "AWS/ApplicationELB", dimensions };
            alarms.alarm(
                `${name}-${svcName}-unhealthy`,
                {
                    ...elb,
                    alarmDescription: `${svcName}: its container fails the load balancer's health check`,
                    metricName: "UnHealthyHostCount",
                    statistic: "Maximum",
                    threshold: 0,
                },
                this,
            );
            alarms.alarm(
                `${name}-${svcName}-5xx`,
                {
                    ...elb,
                    alarmDescription: `${svcName}: more than 10 5xx responses a minute`,
                    metricName: "HTTPCode_Target_5XX_Count",
                    statistic: "Sum",
                    threshold: 10,
                },
                this,
            );
        }
        // Per database: CPU, and storage running out: under a tenth of what it was given free (RDS
        // storage autoscaling starts at that point; the alarm says it could not, or is still waiting).
        for (const [key, database] of Object.entries(databases)) {
            const rds = { ...every, namespace: "AWS/RDS", dimensions: { DBInstanceIdentifier: database.instance.identifier } };
            alarms.alarm(
                `${key}-cpu`,
                { ...rds, alarmDescription: `${key}: CPU above 80%`, metricName: "CPUUtilization", statistic: "Average", threshold: 80 },
                this,
            );
            alarms.alarm(
                `${key}-storage`,
                {
                    ...rds,
                    alarmDescription: `${key}: under ${freeStorageAlarmGib(database.allocatedStorageGb)} GiB free (10% of the ${database.allocatedStorageGb} GiB allocated)`,
                    metricName: "FreeStorageSpace",
                    statistic: "Minimum",
                    comparisonOperator: "LessThanThreshold",
                    threshold: freeStorageAlarmGib(database.allocatedStorageGb) * 2 ** 30,
                },
                this,
            );
            // Connections near PostgreSQL's limit for the class (every service's pool counts).
            const memory = RDS_INSTANCE_MEMORY_GIB[database.instanceClass];
            if (memory !== undefined) {
                const limit = postgresMaxConnections(memory);
                alarms.alarm(
                    `${key}-connections`,
                    {
                        ...rds,
                        alarmDescription: `${key}: over 80% of its ${limit} connections`,
                        metricName: "DatabaseConnections",
                        statistic: "Maximum",
                        threshold: Math.floor(limit * 0.8),
                    },
                    this,
                );
            }
        }
    }
}

/**
 * Free storage (GiB) under which a database's storage alarm fires: a tenth of its allocated
 * storage, the point where RDS storage autoscaling grows it (and it cannot when the maximum is reached).
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html
 */
export const freeStorageAlarmGib = (allocatedGib: number): number => allocatedGib / 10;

/** Who may reach the edge: Cloudflare's ranges, or anyone. */
const sourcesOf = (s: ComposeHostSettings) => (s.behindCloudflare ? s.cloudflareCidrs : ["0.0.0.0/0"]);
const sourceName = (s: ComposeHostSettings, cidr: string) => (s.behindCloudflare ? `Cloudflare ${cidr}` : "the internet");

/** The user data only installs tools and points at S3, so its size is known before anything is created. */
function checkUserDataSize(name: string, s: ComposeHostSettings, region: string): void {
    const size = Buffer.byteLength(
        renderUserData({
            region,
            bucket: LONGEST.bucket,
            prefix: LONGEST.prefix,
            dataVolumeId: LONGEST.volume,
            composeVersion: s.composeVersion,
            syncIntervalMinutes: s.syncIntervalMinutes,
        }),
    );
    if (size > USER_DATA_LIMIT_BYTES) throw new Error(`${name}: user data would be ${size} bytes; EC2 allows ${USER_DATA_LIMIT_BYTES}`);
}

export const composeHost = defineTopology({
    settings: settingsSchema,
    deploy: (name, settings, ctx, opts) => new ComposeHost(name, settings, ctx, opts).outputs,
});
