import * as pulumi from "@pulumi/pulumi";
import * as sns from "@pulumi/aws/sns";
import { z } from "zod";
import { SchemaEnv } from "../../stacks/schema";
import {
    regionalCertificateArn,
    clientsSchema,
    envVarName,
    fargateCpu,
    fargateMemory,
    fargateSizeProblem,
    integer,
    nonEmptyString,
    taskPostgresSettings,
    derivedNames,
    presetDefaults,
    presetKey,
    secretString,
    SchemaContext,
    strictObject,
    allowPlaintext,
    httpsInProduction,
    withCrossChecks,
    physicalNamesFit,
    urlPath,
    healthCheckCommand,
    inStackRegion,
} from "../../stacks/schema-kit";
import { AlarmTopic, alarmSettings, alarmsReachSomeone } from "../blocks/alarms";
import { ContainerSpec, FargateService, serviceDefaults } from "../blocks/fargate-service";
import { LoadBalancer, balancerDefaults, clientPeers } from "../blocks/load-balancer";
import { QUEUE_RETENTION_SECONDS, Queue, encryptedTopic } from "../blocks/messaging";
import { PostgresDatabase, databaseIdentifiers, workloadDatabase } from "../blocks/postgres";
import { ImageRepository } from "../blocks/repository";
import { afterBootstrap, applicationLogin } from "../blocks/db-bootstrap";
import {
    applicationSecrets,
    oneSourcePerVariable,
    operationsOutputs,
    operationsSettings,
    rollingDeployProgresses,
    serviceOperations,
    withoutRepository,
} from "../blocks/operations";
import { storeSecret } from "../blocks/secret";
import { SecurityGroup } from "../blocks/security-group";
import { PolicyStatement, decryptSecretsStatements, policyDocument } from "../iam";
import { WorkloadContext } from "../context";
import { SettingsOf, WorkloadOutputs, defineTopology } from "../topology";

const PORT = 8080;

/** Where the audit worker runs: in the API's task, nowhere, or as its own ECS service. */
export const WORKER_MODES = ["sidecar", "none", "service"] as const;

/** The variables the program sets (`environment` may not set them), each `<PREFIX>_<suffix>`. */
const VARIABLE_SUFFIXES = [
    "ENVIRONMENT",
    "LOG_LEVEL",
    "LOG_JSON",
    "SQL_ECHO",
    "REDIS_CACHE_PREFIX",
    "REDIS_CACHE_TTL",
    "DOCUMENT_VAULT_TOPIC_ARN",
    "AUDIT_SQS_URL",
    "AUDIT_SQS_MAX_MESSAGES",
    "AUDIT_SQS_WAIT_TIME",
    "AUDIT_SQS_VISIBILITY_TIMEOUT",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_TOKEN",
] as const;
type Suffix = (typeof VARIABLE_SUFFIXES)[number];

/** The variable names under a prefix: `{ AUDIT_SQS_URL: "EPR_AUDIT_SQS_URL", ... }`. */
const variablesOf = (prefix: string) => Object.fromEntries(VARIABLE_SUFFIXES.map((suffix) => [suffix, `${prefix}_${suffix}`])) as Record<Suffix, string>;

/**
 * Documented systems this topology models, chosen with `preset`. `epr`: the entity & permissions
 * service (variables `EPR_*`, database `epr_db` with master user `epr`, cache prefix `epr`).
 */
export const ECS_AUDIT_WORKER_PRESETS = {
    epr: { variablePrefix: "EPR", database: "epr_db", username: "epr", cachePrefix: "epr" },
} as const;

/** An ECS cluster, service, family or container name. */
const ecsName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, "letters, digits, - and _ (up to 255)");
/** An IAM role (up to 64) or inline policy (up to 128) name. */
const iamName = (max: number) => z.string().regex(new RegExp(`^[\\w+=,.@-]{1,${max}}$`), `letters, digits and + = , . @ _ - (up to ${max})`);

const settingsSchema = (ctx: SchemaContext, { profile, environment, stack, workload, preset }: SchemaEnv) => {
    const names = derivedNames(workload);
    const derived = { ...names, cachePrefix: names.slug, ...presetDefaults(ECS_AUDIT_WORKER_PRESETS, preset) };
    return withCrossChecks(
        strictObject({
            /** A documented system's own names instead of the workload-derived defaults: `epr` (see the topology's page). Default: none. */
            preset: presetKey(ECS_AUDIT_WORKER_PRESETS),
            /**
             * Prefix of the variables the program sets (`<prefix>_DATABASE_URL`, `<prefix>_AUDIT_SQS_URL`, ...).
             * Default: the workload's name upper-cased, `_` for `-` (the `epr` preset: `EPR`).
             */
            variablePrefix: z
                .string()
                .regex(/^[A-Z][A-Z0-9_]{0,39}$/, "an upper-case letter, then upper-case letters, digits or _ (40 at most)")
                .default(derived.variablePrefix),
            /** Tag of the image in the workload's ECR repository (both containers run it). Required. */
            imageTag: nonEmptyString("image tag").regex(/^[\w][\w.-]{0,127}$/, "expected an image tag (letters, digits, _ . -)"),
            /** Images the repository keeps. Default 20. */
            keepImages: integer(1, 1000).default(20),
            /** Task CPU. Default 512 (the service's TASK_CPU). */
            cpu: fargateCpu.default(512),
            /** Task memory, MiB. Default 1024 (the service's TASK_MEMORY). */
            memory: fargateMemory.default(1024),
            /** API tasks: autoscaling on CPU between min and max. Defaults 1, 10, 70%. */
            autoscaling: strictObject({
                /** Fewest API tasks. Default 1. */
                min: integer(1, 100).default(1),
                /** Most API tasks. Default 10. */
                max: integer(1, 100).default(10),
                /** Average CPU the scaling keeps the API tasks at, percent. Default 70. */
                cpuTargetPercent: integer(10, 95).default(70),
            }).default({}),
            /** Readiness path probed through the load balancer. Default `/healthz`. */
            healthCheckPath: urlPath.default("/healthz"),
            /** Internet-facing (needs `certificateArn`) or internal. Default internal. */
            public: z.boolean().default(false),
            /** ACM certificate: HTTPS on 443 (plain HTTP then only redirects). Without it the internal listener is HTTP on 80. */
            certificateArn: regionalCertificateArn(ctx).optional(),
            /** Accept plain HTTP inside the VPC in production (without `certificateArn`). Default `false`: production requires HTTPS. */
            allowPlaintext: allowPlaintext(),
            /** Who may reach the load balancer. Default: nobody (a public balancer: anyone). */
            clients: clientsSchema(),
            // Every key but `repository`: this topology always runs from its own repository (`imageTag`, `keepImages`).
            ...withoutRepository(operationsSettings(ctx)),
            worker: strictObject({
                /** `sidecar` (non-essential container in the API task), `none`, or `service` (its own ECS service). Default `sidecar`. */
                mode: z.enum(WORKER_MODES).default("sidecar"),
                /** The worker's command (same image as the API). Required unless mode is `none`. */
                command: z.array(nonEmptyString("command word")).min(1, "give at least the executable").optional(),
                /** The worker's health check (`["CMD", ...]` or `["CMD-SHELL", "<one command line>"]`), when its image can tell. Default: none; ECS restarts it when it exits. */
                healthCheck: healthCheckCommand.optional(),
                /** CPU units of the separate worker service (`mode: service`). Default 256. */
                cpu: fargateCpu.default(256),
                /** Memory of the separate worker service, MiB. Default 512. */
                memory: fargateMemory.default(512),
            }).default({}),
            /** Database name and master user (default: the workload's name, `_` for `-`; the `epr` preset: `epr_db`, `epr`), instance class (default: the profile's), major version (default 16). */
            database: taskPostgresSettings({ name: derived.database, username: derived.username, instanceClass: profile.dbInstanceClass }),
            /** Upstash Redis (external): URL and token, both secrets. Required. */
            redis: strictObject({
                /** `<prefix>_REDIS_URL`: the Upstash database URL (`https://<db>.upstash.io`). Required, secret. */
                url: secretString(ctx, "platform:workloads", "the Redis URL"),
                /** `<prefix>_REDIS_TOKEN`: the Upstash access token. Required, secret. */
                token: secretString(ctx, "platform:workloads", "the Redis token"),
            }),
            /** The application's log level (the service's own settings follow, with its defaults). */
            logLevel: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]).default("INFO"),
            /** `<prefix>_LOG_JSON`: logs as JSON lines. Default `true`. */
            logJson: z.boolean().default(true),
            /** `<prefix>_SQL_ECHO`: log every SQL statement. Default `false`. */
            sqlEcho: z.boolean().default(false),
            /** The application's Redis key prefix. Default: the workload's name (the `epr` preset: `epr`). */
            redisCachePrefix: nonEmptyString("cache prefix").default(derived.cachePrefix),
            /** The application's cache entries' lifetime, seconds. Default 300. */
            redisCacheTtlSeconds: integer(1, 86400 * 30).default(300),
            audit: strictObject({
                /** `<prefix>_AUDIT_SQS_MAX_MESSAGES` (SQS allows 1..10). Default 5. */
                maxMessages: integer(1, 10).default(5),
                /** `<prefix>_AUDIT_SQS_WAIT_TIME`, long polling (0..20 s). Default 20. */
                waitTimeSeconds: integer(0, 20).default(20),
                /** `<prefix>_AUDIT_SQS_VISIBILITY_TIMEOUT` and the queue's visibility timeout (0..43200 s). Default 60. */
                visibilityTimeoutSeconds: integer(0, 43200).default(60),
                /** An existing SNS topic of the stack's region the audit queue subscribes to, instead of a topic of its own. Default: its own. */
                topicArn: inStackRegion(
                    z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, "expected an SNS topic ARN"),
                    ctx,
                    // https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html
                    "the stack subscribes its audit queue from its own region, and SNS takes a subscription only in the topic's region",
                ).optional(),
                /** Deliver the message itself, not SNS's JSON envelope, to the worker. Default false. */
                rawMessageDelivery: z.boolean().default(false),
                /** IAM roles or users that may publish audit events to the topic of its own. Default: none. */
                publishers: z.array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, "expected an IAM role or user ARN")).default([]),
                /**
                 * Alarm when the oldest audit message has waited this long (the worker is down or behind): less
                 * than the queue's 4-day retention, after which SQS deletes the message. Default 900 s.
                 */
                maxMessageAgeSeconds: integer(60, 1209600)
                    .refine((age) => age < QUEUE_RETENTION_SECONDS, {
                        message: `must be under the audit queue's retention (${QUEUE_RETENTION_SECONDS} s, 4 days): SQS deletes an older message, so the alarm would never fire and the audit trail would lose it silently`,
                    })
                    .default(900),
            }).default({}),
            /**
             * The physical names the service's runbook types (`omen-production`, `omen-epr-service`,
             * family and container `omen-epr`, `/ecs/omen-epr`, `omenEprTaskRole` with its policy
             * `SQSAccess`). Default: every name auto-named by Pulumi, but family `<name>-<stack>`,
             * container `api`, log group `/ecs/<family>`. Renaming one of a deployed stack replaces it.
             */
            names: strictObject({
                /** The ECS cluster's name. Default: auto-named. */
                cluster: ecsName.optional(),
                /** The API service's name. Default: auto-named. */
                service: ecsName.optional(),
                /** The task definition's family. Default `<name>-<stack>`. */
                family: ecsName.optional(),
                /** The API container's name. Default `api`. */
                container: ecsName.optional(),
                /** The log group of both containers. Default `/ecs/<family>`. */
                logGroup: z
                    .string()
                    .regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, "a CloudWatch log group name")
                    .optional(),
                /** The role holding the audit queue's rights (the API task's as sidecar, the worker's as a service). Default: auto-named. */
                taskRole: iamName(64).optional(),
                /** That role's inline policy. Default: auto-named. */
                taskPolicy: iamName(128).optional(),
                /** The API's execution role (ECR pull, logs, secrets). Default: auto-named (an account's shared `ecsTaskExecutionRole` is not taken over). */
                executionRole: iamName(64).optional(),
                /** The execution role's inline policy. Default: auto-named. */
                executionPolicy: iamName(128).optional(),
                /** The worker's service when `worker.mode` is `service` (the runbook's `omen-epr-audit-worker`). Default: auto-named. */
                workerService: ecsName.optional(),
                /** The worker's task family when `worker.mode` is `service` (the runbook's `omen-epr-worker`). Default `<name>-worker-<stack>`. */
                workerFamily: ecsName.optional(),
            }).default({}),
            ...alarmSettings(ctx),
            /** Further plain variables of both containers. Default `{}`. */
            environment: z.record(envVarName, z.string()).default({}),
        }),
        [
            httpsInProduction(environment),
            alarmsReachSomeone(environment),
            (s, issue) =>
                s.audit.topicArn &&
                s.audit.publishers.length > 0 &&
                issue(["audit", "publishers"], "an existing topic's publishers are allowed by its owner's topic policy, not here; drop publishers or topicArn"),
            (s, issue) => {
                const size = fargateSizeProblem(s.cpu, s.memory);
                if (size) issue(["memory"], size);
            },
            (s, issue) => {
                const workerSize = s.worker.mode === "service" ? fargateSizeProblem(s.worker.cpu, s.worker.memory) : undefined;
                if (workerSize) issue(["worker", "memory"], workerSize);
            },
            (s, issue) => {
                if (s.worker.mode !== "none" && !s.worker.command) {
                    issue(
                        ["worker", "command"],
                        `the ${s.worker.mode} worker needs its command (e.g. ["python", "-m", "app.audit_consumer"]); or set worker.mode to none`,
                    );
                }
            },
            (s, issue) => s.autoscaling.min > s.autoscaling.max && issue(["autoscaling", "min"], `must not exceed autoscaling.max (${s.autoscaling.max})`),
            (s, issue) => s.public && !s.certificateArn && issue(["certificateArn"], "a public load balancer needs an ACM certificate (HTTPS only)"),
            oneSourcePerVariable((s) => Object.values(variablesOf(s.variablePrefix))),
            // The API's fewest tasks, and the worker's one task in its own service.
            rollingDeployProgresses((s) =>
                s.worker.mode === "service"
                    ? { tasks: 1, what: "the worker's own service, worker.mode: service" }
                    : { tasks: s.autoscaling.min, what: "autoscaling.min" },
            ),
            physicalNamesFit((s) => databaseIdentifiers(`${workload}-db`, stack, ["database", "identifier"], s.database.identifier, false)),
        ],
    );
};

/** What a workload of this topology deploys from: its validated settings. */
export type EcsAuditWorkerSettings = SettingsOf<typeof settingsSchema>;

/**
 * The entity & permissions service: one ECS task with the essential FastAPI container
 * and a non-essential SQS audit worker from the same ECR image (or the worker as its own service,
 * its runbook's migration path, or none), RDS PostgreSQL, Upstash Redis secrets, an SNS topic for
 * document-vault events and an audit topic feeding the worker's queue.
 */
export class EcsAuditWorker extends pulumi.ComponentResource {
    readonly outputs: WorkloadOutputs;

    constructor(name: string, s: EcsAuditWorkerSettings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions) {
        super("platform:topologies:EcsAuditWorker", name, {}, opts);
        const protect = ctx.platform.profile.protectStatefulResources;
        const repository = new ImageRepository(`${name}-images`, { keepImages: s.keepImages, protect }, { parent: this });
        const image = pulumi.interpolate`${repository.url}:${s.imageTag}`;
        const stores = this.createStores(name, s, ctx);
        const balancer = this.createLoadBalancer(name, s, ctx);
        const { api, workerService, appSecrets } = this.createServices(name, s, ctx, image, stores, balancer);
        this.createAuditAlarms(name, s, ctx, stores.auditQueue);

        this.outputs = {
            apiUrl: balancer.url,
            repositoryUrl: repository.url,
            auditQueueUrl: stores.auditQueue.url,
            auditDeadLetterQueueUrl: stores.auditQueue.deadLetterQueue.url,
            auditTopicArn: stores.auditTopicArn,
            documentVaultTopicArn: stores.documentVault.arn,
            logGroupName: api.logGroup.name,
            databaseEndpoint: stores.database.writerAddress,
            databaseUrlSecretArn: stores.databaseUrl.arn,
            workerServiceName: workerService ? workerService.service.name : s.worker.mode,
            secretArns: appSecrets.stored,
            ...operationsOutputs(api, s.names.container ?? "api", s),
            ...(workerService && s.deployments.mode === "external" ? { workerDeploy: operationsOutputs(workerService, "audit-worker", s).deploy } : {}),
        };
        this.registerOutputs(this.outputs);
    }

    /** The database, the application's secrets, its document-vault and audit topics, and the audit queue. */
    private createStores(name: string, s: EcsAuditWorkerSettings, ctx: WorkloadContext) {
        const protect = ctx.platform.profile.protectStatefulResources;
        const database = workloadDatabase(`${name}-db`, ctx, s.database, {}, this);
        // <prefix>_DATABASE_URL carries the application's own login; only the bootstrap container sees the master's.
        const v = variablesOf(s.variablePrefix);
        const login = applicationLogin(name, database.bootstrapTarget, protect, this);
        const databaseUrl = database.storeConnectionUrl(`${name}-database-url`, login);
        const redisUrl = storeSecret(`${name}-redis-url`, { value: s.redis.url, description: `${name} ${v.REDIS_URL} (Upstash)`, protect }, this);
        const redisToken = storeSecret(`${name}-redis-token`, { value: s.redis.token, description: `${name} ${v.REDIS_TOKEN} (Upstash)`, protect }, this);
        const documentVault = encryptedTopic(`${name}-document-vault`, this);
        // The audit topic: an existing one, or its own, which only the listed publishers may publish to.
        const ownTopic = s.audit.topicArn ? undefined : encryptedTopic(`${name}-audit`, this);
        if (ownTopic && s.audit.publishers.length > 0) {
            const publish = { Sid: "AuditPublishers", Principal: { AWS: s.audit.publishers }, Action: "sns:Publish", Resource: ownTopic.arn };
            new sns.TopicPolicy(`${name}-audit`, { arn: ownTopic.arn, policy: policyDocument([publish]) }, { parent: this });
        }
        const auditTopicArn = s.audit.topicArn ?? ownTopic!.arn;
        const auditQueue = new Queue(
            `${name}-audit`,
            {
                visibilityTimeoutSeconds: s.audit.visibilityTimeoutSeconds,
                receiveWaitTimeSeconds: s.audit.waitTimeSeconds,
                protect,
                subscribeTo: [{ key: "audit-topic", topicArn: auditTopicArn, rawMessageDelivery: s.audit.rawMessageDelivery }],
            },
            { parent: this },
        );
        return { database, login, databaseUrl, redisUrl, redisToken, documentVault, auditTopicArn, auditQueue };
    }

    /** Internal by default (the listed clients only), or public over HTTPS. */
    private createLoadBalancer(name: string, s: EcsAuditWorkerSettings, ctx: WorkloadContext): LoadBalancer {
        const { network } = ctx;
        const anyone = s.public && s.clients.cidrs.length === 0 && s.clients.securityGroupIds.length === 0;
        return new LoadBalancer(
            `${name}-api`,
            {
                ...balancerDefaults(ctx),
                vpcId: network.vpcId,
                subnetIds: s.public ? network.publicSubnetIds : network.privateSubnetIds,
                internal: !s.public,
                certificateArn: s.certificateArn,
                clients: anyone ? [{ key: "internet", peer: { cidr: "0.0.0.0/0" }, description: "public API" }] : clientPeers(s.clients),
                target: { port: PORT, healthCheckPath: s.healthCheckPath, deregistrationDelaySeconds: 30 },
            },
            { parent: this },
        );
    }

    /** The API with the audit worker beside it in the task (sidecar), in a service of its own, or none. */
    private createServices(
        name: string,
        s: EcsAuditWorkerSettings,
        ctx: WorkloadContext,
        image: pulumi.Input<string>,
        stores: ReturnType<EcsAuditWorker["createStores"]>,
        balancer: LoadBalancer,
    ) {
        const { database, login, databaseUrl, redisUrl, redisToken, documentVault, auditQueue } = stores;
        // Both containers run the same application code, so they get the same configuration (but see below).
        const v = variablesOf(s.variablePrefix);
        const environment: Record<string, pulumi.Input<string>> = {
            ...s.environment,
            [v.ENVIRONMENT]: ctx.platform.environment,
            [v.LOG_LEVEL]: s.logLevel,
            [v.LOG_JSON]: String(s.logJson),
            [v.SQL_ECHO]: String(s.sqlEcho),
            [v.REDIS_CACHE_PREFIX]: s.redisCachePrefix,
            [v.REDIS_CACHE_TTL]: String(s.redisCacheTtlSeconds),
            [v.DOCUMENT_VAULT_TOPIC_ARN]: documentVault.arn,
            [v.AUDIT_SQS_URL]: auditQueue.url,
            [v.AUDIT_SQS_MAX_MESSAGES]: String(s.audit.maxMessages),
            [v.AUDIT_SQS_WAIT_TIME]: String(s.audit.waitTimeSeconds),
            [v.AUDIT_SQS_VISIBILITY_TIMEOUT]: String(s.audit.visibilityTimeoutSeconds),
        };
        const appSecrets = applicationSecrets(name, s, ctx.platform.profile.protectStatefulResources, this);
        const secrets = { [v.DATABASE_URL]: databaseUrl.arn, [v.REDIS_URL]: redisUrl.arn, [v.REDIS_TOKEN]: redisToken.arn, ...appSecrets.variables };
        const common = { secretArns: [databaseUrl.arn, redisUrl.arn, redisToken.arn, ...appSecrets.arns], secretKeyArns: appSecrets.keyArns };
        const publishDocuments: PolicyStatement = { Sid: "PublishDocumentVaultEvents", Action: "sns:Publish", Resource: documentVault.arn };
        const consumeAudit: PolicyStatement = {
            Sid: "ConsumeAuditQueue",
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
            Resource: auditQueue.arn,
        };
        // The runbook lists "Secrets Manager read" on the task role: the application's own secrets only.
        const readSecrets: PolicyStatement[] = [
            { Sid: "ReadOwnSecrets", Action: "secretsmanager:GetSecretValue", Resource: common.secretArns },
            ...decryptSecretsStatements(appSecrets.keyArns, ctx.platform.region),
        ];
        const workerContainer: ContainerSpec | undefined = s.worker.command && {
            name: "audit-worker",
            image,
            essential: false,
            command: s.worker.command,
            environment,
            secrets,
            logStreamPrefix: "worker",
            // Non-essential: nothing else would bring a crashed worker back.
            restartOnExit: true,
            healthCheck: s.worker.healthCheck,
        };
        const sidecar = s.worker.mode === "sidecar" && workerContainer;
        // Without the worker beside it, the API is told only what its role may use: an empty queue URL is
        // how the service runs without the worker (<prefix>_AUDIT_SQS_URL=""); the worker publishes no documents.
        const apiEnvironment = sidecar ? environment : { ...environment, [v.AUDIT_SQS_URL]: "" };
        const container = s.names.container ?? "api";
        const { cluster, service, logGroup, taskRole, taskPolicy, executionRole, executionPolicy } = s.names;
        // The runbook's task role is the one that consumes the audit queue.
        const queueRole = { taskRole, taskPolicy };
        const api = new FargateService(
            name,
            {
                ...serviceDefaults(ctx, name),
                ...(s.names.family ? { family: s.names.family } : {}),
                names: { cluster, service, logGroup, executionRole, executionPolicy, ...(sidecar ? queueRole : {}) },
                ...common,
                cpu: s.cpu,
                memory: s.memory,
                desiredCount: s.autoscaling.min,
                autoscaling: { min: s.autoscaling.min, max: s.autoscaling.max, cpuTargetPercent: s.autoscaling.cpuTargetPercent },
                secretArns: [...common.secretArns, ...login.secretArns],
                containers: [
                    ...afterBootstrap({ name: container, image, port: PORT, environment: apiEnvironment, secrets, logStreamPrefix: "ecs" }, login),
                    ...(sidecar ? [{ ...sidecar, dependsOn: [{ containerName: login.container.name, condition: "SUCCESS" as const }] }] : []),
                ],
                taskPolicy: sidecar ? [publishDocuments, consumeAudit, ...readSecrets] : [publishDocuments, ...readSecrets],
                ...serviceOperations(s),
                loadBalancer: balancer.serviceTarget(container, PORT),
            },
            { parent: this },
        );
        balancer.allowTargets(api.securityGroup, PORT);
        this.allowEgress(api.securityGroup, database, "api");

        if (s.worker.mode !== "service" || !workerContainer) return { api, appSecrets };
        const workerService = new FargateService(
            `${name}-worker`,
            {
                ...serviceDefaults(ctx, `${name}-worker`),
                ...(s.names.workerFamily ? { family: s.names.workerFamily } : {}),
                names: { service: s.names.workerService, ...queueRole },
                ...common,
                cpu: s.worker.cpu,
                memory: s.worker.memory,
                desiredCount: 1,
                shared: { cluster: api.cluster, logGroup: api.logGroup },
                secretArns: [...common.secretArns, ...login.secretArns],
                containers: afterBootstrap({ ...workerContainer, essential: true, environment: { ...environment, [v.DOCUMENT_VAULT_TOPIC_ARN]: "" } }, login),
                taskPolicy: [consumeAudit, ...readSecrets],
                ...serviceOperations({ ...s, migrations: undefined }),
            },
            { parent: this },
        );
        this.allowEgress(workerService.securityGroup, database, "worker");
        return { api, workerService, appSecrets };
    }

    /** The audit trail is late or lost: the oldest message waits too long, or messages reach the dead-letter queue. */
    private createAuditAlarms(name: string, s: EcsAuditWorkerSettings, ctx: WorkloadContext, queue: Queue): void {
        const alarms = new AlarmTopic(`${name}-alarms`, { accountId: ctx.accountId, region: ctx.platform.region, destinations: s }, { parent: this });
        const sqs = { namespace: "AWS/SQS", statistic: "Maximum", period: 300, comparisonOperator: "GreaterThanThreshold" };
        alarms.alarm(
            `${name}-audit-age`,
            {
                ...sqs,
                alarmDescription: `an audit message has waited over ${s.audit.maxMessageAgeSeconds} s: the audit worker is down or behind`,
                metricName: "ApproximateAgeOfOldestMessage",
                dimensions: { QueueName: queue.queue.name },
                evaluationPeriods: 1,
                threshold: s.audit.maxMessageAgeSeconds,
            },
            this,
        );
        alarms.alarm(
            `${name}-audit-dead-letters`,
            {
                ...sqs,
                alarmDescription: "audit messages reached the dead-letter queue",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: queue.deadLetterQueue.name },
                evaluationPeriods: 1,
                threshold: 0,
            },
            this,
        );
    }

    /** Egress of a task group: PostgreSQL, Upstash Redis (6379) and HTTPS (AWS APIs, ECR), nothing else. */
    private allowEgress(tasks: SecurityGroup, database: PostgresDatabase, key: string): void {
        database.connect(key, tasks, `${key} tasks`);
        tasks.allowEgress("redis", { port: 6379, peer: { cidr: "0.0.0.0/0" }, description: "Upstash Redis (external)" });
        tasks.allowHttpsEgress("SQS, SNS, ECR, Secrets Manager, CloudWatch Logs, Upstash REST");
    }
}

export const ecsAuditWorker = defineTopology({
    settings: settingsSchema,
    deploy: (name, settings, ctx, opts) => new EcsAuditWorker(name, settings, ctx, opts).outputs,
});
