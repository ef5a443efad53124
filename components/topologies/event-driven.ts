import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ecs from "@pulumi/aws/ecs";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as route53 from "@pulumi/aws/route53";
import * as servicediscovery from "@pulumi/aws/servicediscovery";
import { z } from "zod";
import { SchemaEnv } from "../../stacks/schema";
import {
    commercialRegion,
    drRegionProblem,
    envVarName,
    fargateCpu,
    fargateMemory,
    fargateSizeProblem,
    imageReference,
    integer,
    nonEmptyString,
    originSettings,
    taskPostgresSettings,
    derivedNames,
    SchemaContext,
    strictObject,
    withCrossChecks,
    physicalNamesFit,
    stackLabelFix,
    ReportIssue,
    viewerDomainSettings,
    cidrBlock,
    arnRegion,
    certificateArn,
    cacheNodeType,
    hostName,
    regionalCertificateArn,
    healthCheckCommand,
} from "../../stacks/schema-kit";
import { AlarmTopic, alarmSettings, alarmsReachSomeone } from "../blocks/alarms";
import { BlueGreenDeployment, LIFECYCLE_EVENTS, LifecycleEvent, ecsLifecycleHookRole } from "../blocks/blue-green";
import { Bucket } from "../blocks/bucket";
import { Cdn, originHeader } from "../blocks/cdn";
import { replicatingSecrets } from "../blocks/secret";
import {
    applicationSecrets,
    imageSources,
    imageTag,
    kmsKeyArn,
    operationsOutputs,
    releaseSettings,
    resolveImage,
    secretSettings,
    rollingDeployProgresses,
    serviceOperations,
} from "../blocks/operations";
import { ContainerSpec, FargateService, serviceDefaults } from "../blocks/fargate-service";
import { afterBootstrap, applicationLogin } from "../blocks/db-bootstrap";
import { LoadBalancer, balancerDefaults, cloudFrontOrigin, cloudFrontOriginFacing } from "../blocks/load-balancer";
import { Queue } from "../blocks/messaging";
import { databaseIdentifiers, workloadDatabase } from "../blocks/postgres";
import { RedisCache } from "../blocks/redis";
import { SecurityGroup, connectGroups } from "../blocks/security-group";
import { WorkloadContext } from "../context";
import { PolicyStatement, multiRegionKeyReplica } from "../iam";
import { KONG_HEALTH_PATH, KONG_REDIS_AUTH_VARIABLE, renderKongConfig } from "./kong-config";
import { SettingsOf, WorkloadOutputs, defineTopology } from "../topology";
import { nameFor } from "../names";
import { Network } from "../network";

/** Port of the integration service and the webhook receiver; Kong's proxy port. */
const SERVICE_PORT = 8080;
const DOCUMENT_ACCESS = ["none", "read", "readWrite"] as const;
/** GET /health with whichever of wget and curl the image ships. */
const HTTP_HEALTH_CHECK = [
    "CMD-SHELL",
    `wget -q -O /dev/null http://127.0.0.1:${SERVICE_PORT}/health || curl -fsS -o /dev/null http://127.0.0.1:${SERVICE_PORT}/health || exit 1`,
];
const KONG_PORT = 8000;
/** The HTTP services' production and test listeners on the services' internal balancer (Kong's upstreams). */
const SERVICE_LISTENERS = { integration: { port: 8081, testPort: 9081 }, webhook: { port: 8082, testPort: 9082 } } as const;
/** The stages of an ECS deployment a lifecycle hook may run at (blue/green). */
const ECS_LIFECYCLE_STAGES = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
] as const;
/** A Lambda function's ARN (optionally a version or alias). */
const lambdaArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/,
        "expected a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
    );
const HTTP_SERVICES = ["integration", "webhook"] as const;

/** The DR region's private zone, where the standby finds the restored database: `<workload>.<stack>.dr.internal`. */
export const drZoneName = (workload: string, stack: string): string => `${workload}.${stack}.dr.internal`;
/** The DR region's namespace, where Kong finds the standby services' tasks: `services.<DR zone>`. */
export const drServicesNamespaceName = (workload: string, stack: string): string => `services.${drZoneName(workload, stack)}`;

const settingsSchema = (ctx: SchemaContext, { profile, environment, stack, workload }: SchemaEnv) => {
    const derived = derivedNames(workload);
    const service = (defaults: { cpu: number; memory: number; database: boolean; documents: (typeof DOCUMENT_ACCESS)[number] }) =>
        strictObject({
            /** The service's image. Required unless `imageTag` (with `repository.create`). */
            image: imageReference().optional(),
            /** The image's tag in the service's own repository (`repository.create: true`). */
            imageTag: imageTag.optional(),
            /** Task CPU units. Defaults: 512, the webhook receiver 256. */
            cpu: fargateCpu.default(defaults.cpu),
            /** Task memory, MiB. Defaults: 1024, the webhook receiver 512. */
            memory: fargateMemory.default(defaults.memory),
            /** Fewest running tasks. Default: the profile's `minTasks`. */
            minTasks: integer(1, 100).default(profile.minTasks),
            /** Most running tasks (on CPU; the worker on queue depth). Default: the profile's `maxTasks`. */
            maxTasks: integer(1, 100).default(profile.maxTasks),
            /** Plain environment variables of the service. Default `{}`. */
            environment: z.record(envVarName, z.string()).default({}),
            /** Overrides the image's command (e.g. the worker's entry point). */
            command: z.array(nonEmptyString("command word")).optional(),
            /**
             * The container's health check (`["CMD", ...]` or `["CMD-SHELL", "<one command line>"]`): ECS replaces a task that fails it, and in
             * the DR region reports it to Cloud Map, so Kong stops resolving the task. Default for the
             * HTTP services: `GET /health` on 8080 with wget or curl; the worker: none unless given.
             */
            healthCheck: healthCheckCommand.optional(),
            /** Reaches the database (network and credentials). Defaults: the integration service and the worker yes, the internet-facing webhook receiver no. */
            database: z.boolean().default(defaults.database),
            /** Access to the documents bucket: `none`, `read` or `readWrite`. Defaults: `readWrite`, the webhook receiver `none`. */
            documents: z.enum(DOCUMENT_ACCESS).default(defaults.documents),
            // Each service its own credentials (an integration's API keys never reach the webhook receiver).
            ...secretSettings(ctx),
        });
    const object = strictObject({
        /** The integration service, the webhook receiver and the queue worker. Images required. */
        integration: service({ cpu: 512, memory: 1024, database: true, documents: "readWrite" }),
        // Internet-facing: it takes webhooks in and queues them, and needs neither the database nor the documents.
        webhook: service({ cpu: 256, memory: 512, database: false, documents: "none" }),
        worker: service({ cpu: 512, memory: 1024, database: true, documents: "readWrite" }),
        gateway: strictObject({
            /**
             * Kong image, run DB-less. Default `public.ecr.aws/docker/library/kong:3.9`: Docker's official
             * image through ECR Public, since Docker Hub limits anonymous pulls (every scale-out and
             * blue/green deploy pulls it) to a few per hour per NAT address. A private copy in ECR in the
             * stack's region (an ECR pull-through cache of ECR Public, for one: the execution role may
             * create its repository and import the image, as its first pull does) lets the gateway start
             * without an internet route (`network.natStrategy: none` with the ECR endpoints).
             */
            image: imageReference().default("public.ecr.aws/docker/library/kong:3.9"),
            /** Task CPU units. Default 512. */
            cpu: fargateCpu.default(512),
            /** Task memory, MiB. Default 1024. */
            memory: fargateMemory.default(1024),
            /** Fewest running Kong tasks. Default: the profile's `minTasks`. */
            minTasks: integer(1, 100).default(profile.minTasks),
            /** Most running Kong tasks, scaled on CPU. Default: the profile's `maxTasks`. */
            maxTasks: integer(1, 100).default(profile.maxTasks),
            /** Requests per minute per client IP, counted in Redis. Default 600. */
            rateLimitPerMinute: integer(1, 1_000_000).default(600),
            /** Path prefixes and the service each goes to. Default `/api` -> integration, `/webhooks` -> webhook. */
            routes: z
                .array(strictObject({ path: z.string().regex(/^\/[a-zA-Z0-9/_-]*$/, "expected a path such as /api"), service: z.enum(HTTP_SERVICES) }))
                .min(1)
                .default([
                    { path: "/api", service: "integration" },
                    { path: "/webhooks", service: "webhook" },
                ]),
        }).default({}),
        /** The ALB's HTTPS name (CloudFront's origin) and its regional ACM certificate. Required. */
        api: originSettings(ctx),
        /**
         * HTTPS between Kong and the services: the services' internal balancer serves this name (a
         * private Route 53 zone of exactly that name, in the stack's network, points it at the balancer)
         * under this regional ACM certificate on its production and test listeners, and Kong verifies the
         * certificate. Required in production; without it (staging) Kong reaches the services over HTTP.
         */
        internalTls: strictObject({
            /** The services' balancer's name inside the VPC (e.g. `services.integrations.example.com`). Required. */
            domainName: hostName,
            /** ACM certificate for that name, issued in the stack's region. Required. */
            certificateArn: regionalCertificateArn(ctx),
        }).optional(),
        // Shell access, deploy bounds and external deploys for every service; migrations run with the integration service's image.
        ...releaseSettings(),
        /** Custom viewer domain names and their us-east-1 certificate. Default: the cloudfront.net name. */
        domain: viewerDomainSettings().optional(),
        /** Database name and master user (default: the workload's name, `_` for `-`), instance class (default: the profile's), major version (default 16). */
        database: taskPostgresSettings({ name: derived.database, username: derived.username, instanceClass: profile.dbInstanceClass }),
        queue: strictObject({
            /** Seconds a message stays hidden while the worker processes it. Default 300. */
            visibilityTimeoutSeconds: integer(0, 43200).default(300),
            /** Visible messages above which the worker scales out. Default 500 (the system's own). */
            scaleOutAbove: integer(1, 1_000_000).default(500),
            /** Minutes of an empty queue before the worker scales in. Default 10 (the system's own). */
            scaleInAfterIdleMinutes: integer(1, 60).default(10),
        }).default({}),
        auditLogs: strictObject({
            /** Days audit logs are kept. Default 365 in production, 30 elsewhere. */
            retentionDays: integer(1, 36500).default(environment === "production" ? 365 : 30),
            /** S3 Object Lock for the retention period. Default off. */
            objectLock: z.enum(["off", "GOVERNANCE", "COMPLIANCE"]).default("off"),
        }).default({}),
        blueGreen: strictObject({
            /** Port of the test listener CodeDeploy routes test traffic through. Default 8443. */
            testListenerPort: integer(1, 65535).default(8443),
            /** Who may send test traffic to the test listener (a deployment's checks; they too need the origin header). Default: nobody. */
            testCidrs: z.array(cidrBlock()).default([]),
            /**
             * Lambda functions CodeDeploy runs at each deployment's lifecycle events (the AppSpec's hooks,
             * e.g. `AfterAllowTestTraffic` to test the new tasks through the test listener). Default: none.
             */
            hooks: strictObject(
                Object.fromEntries(LIFECYCLE_EVENTS.map((event) => [event, lambdaArn.optional()])) as Record<LifecycleEvent, z.ZodOptional<typeof lambdaArn>>,
            ).default({}),
            /**
             * Blue/green of the integration service and the webhook receiver, by ECS itself: green tasks
             * take test traffic (their test listener, open to Kong and `testCidrs`), then production; the
             * blue ones stay `bakeTimeMinutes`. `hooks`: Lambda functions ECS invokes at lifecycle
             * stages (e.g. `POST_TEST_TRAFFIC_SHIFT` to test the green tasks). Default: 5 minutes, no hooks.
             */
            services: strictObject({
                /** Minutes the blue tasks stay after production traffic moved to green. Default 5. */
                bakeTimeMinutes: integer(0, 1440).default(5),
                /** Lambda functions ECS invokes, each `{ lambdaArn, stages }`. Default: none. */
                hooks: z.array(strictObject({ lambdaArn, stages: z.array(z.enum(ECS_LIFECYCLE_STAGES)).min(1) })).default([]),
            }).default({}),
            /** CodeDeploy deployment configuration. Default all at once after the test. */
            deploymentConfig: z
                .enum(["CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", "CodeDeployDefault.ECSCanary10Percent5Minutes"])
                .default("CodeDeployDefault.ECSAllAtOnce"),
            /** Minutes the old (blue) tasks keep running after the switch, for a quick manual rollback. Default 5. */
            terminationWaitMinutes: integer(0, 2880).default(5),
        }).default({}),
        disasterRecovery: strictObject({
            /** Replicate RDS backups and the documents bucket. Default: on in production. */
            enabled: z.boolean().default(environment === "production"),
            /** The DR region, other than the stack's (with `enabled`, a stack in eu-west-1 names another). Default eu-west-1. */
            region: commercialRegion.default("eu-west-1"),
            /** Node type of the DR region's cache (running, Multi-AZ as the profile says). Default `cache.t4g.micro`; scale it at failover. */
            cacheNodeType: cacheNodeType.default("cache.t4g.micro"),
            /** CIDR of the pilot light's network in the DR region. Default 10.210.0.0/16. */
            cidr: cidrBlock(16, 22).default("10.210.0.0/16"),
            /**
             * ACM certificate issued in the DR region for `api.originDomainName`: the standby gateway's
             * load balancer serves it once the origin's DNS points there. Required with `enabled`.
             */
            certificateArn: certificateArn.optional(),
            /**
             * The services' `existingSecrets` also exist in `region` under the same name (replicated by
             * you: the program does not own them), so the standby tasks, which read them there, can
             * start. Required (true) when DR is on and any service names an existing secret. Default false.
             */
            existingSecretsReplicated: z.boolean().default(false),
            /**
             * The customer managed KMS keys (key ARNs in `region`) that encrypt the replicas of the
             * services' `existingSecrets` there. A replica is encrypted by a key of its own region: the
             * `KmsKeyId` its owner gave it (`replicate-secret-to-regions --add-replica-regions
             * Region=<region>,KmsKeyId=<key>`), else Secrets Manager's AWS managed key there
             * (`aws/secretsmanager`), which needs no grant. The standby services that read existing
             * secrets get `kms:Decrypt` on these keys through Secrets Manager in `region`; the keys'
             * policies must allow their execution roles. A multi-Region key of a service's
             * `existingSecretsKeys` (`key/mrk-...`) needs no entry: its replica in `region` (the same key
             * ID) is granted too. Default: none (the replicas are under `aws/secretsmanager`).
             */
            existingSecretsKeys: z.array(kmsKeyArn).default([]),
        }).default({}),
        ...alarmSettings(ctx),
    });
    return withCrossChecks(object, [
        alarmsReachSomeone(environment),
        (s: z.output<typeof object>, issue: ReportIssue) =>
            environment === "production" &&
            !s.internalTls &&
            issue(
                ["internalTls"],
                "production encrypts Kong's traffic to the services: set internalTls.domainName (a name for the services' internal balancer) and internalTls.certificateArn (an ACM certificate for it in the stack's region)",
            ),
        ...(["integration", "webhook", "worker", "gateway"] as const).flatMap((key) => [
            (s: z.output<typeof object>, issue: ReportIssue) => {
                const size = fargateSizeProblem(s[key].cpu, s[key].memory);
                if (size) issue([key, "memory"], size);
            },
            (s: z.output<typeof object>, issue: ReportIssue) =>
                s[key].minTasks > s[key].maxTasks && issue([key, "minTasks"], `must not exceed ${key}.maxTasks (${s[key].maxTasks})`),
        ]),
        imageSources((s: z.output<typeof object>) => (["integration", "webhook", "worker"] as const).map((key) => [[key], s[key]])),
        // The worker rolls (the HTTP services deploy blue/green, the gateway through CodeDeploy).
        rollingDeployProgresses((s: z.output<typeof object>) => ({ tasks: s.worker.minTasks, what: "the worker's minTasks" })),
        // The pilot light's region differs from the stack's; without one (staging's default), the default
        // region may be the stack's own: nothing is created there.
        (s: z.output<typeof object>, issue: ReportIssue) =>
            s.disasterRecovery.enabled && s.disasterRecovery.region === ctx.region && issue(["disasterRecovery", "region"], drRegionProblem(ctx)),
        // One listener per port and balancer (CreateListener's DuplicateListener): the gateway's balancer
        // listens on 443 only (CloudFront is its one client, over HTTPS).
        ({ blueGreen }: z.output<typeof object>, issue: ReportIssue) =>
            blueGreen.testListenerPort === 443 &&
            issue(
                ["blueGreen", "testListenerPort"],
                `443 is already the gateway load balancer's HTTPS listener: AWS refuses a second listener on a port (DuplicateListener); pick another, e.g. 8443`,
            ),
        // A replica is encrypted by a key of the DR region (a key never leaves its region).
        (s: z.output<typeof object>, issue: ReportIssue) => {
            const dr = s.disasterRecovery;
            // Keys for replicas nothing reads would be granted to no one: say so rather than ignore them.
            const readsExisting = (["integration", "webhook", "worker"] as const).some((key) => Object.keys(s[key].existingSecrets).length > 0);
            if (dr.existingSecretsKeys.length > 0 && (!dr.enabled || !readsExisting))
                issue(
                    ["disasterRecovery", "existingSecretsKeys"],
                    !dr.enabled
                        ? "names the keys of existing secrets' replicas the DR standby reads, but disasterRecovery.enabled is false: no standby, so nothing would use them; remove it, or turn disaster recovery on"
                        : "names the keys of existing secrets' replicas the DR standby reads, but no service names an existing secret (integration, webhook or worker existingSecrets): nothing would use them; remove it",
                );
            if (!dr.enabled) return;
            dr.existingSecretsKeys.forEach(
                (arn, i) =>
                    arnRegion(arn) !== dr.region &&
                    issue(
                        ["disasterRecovery", "existingSecretsKeys", i],
                        `is a key of ${arnRegion(arn)}, but the replicas the standby reads are in ${dr.region} (disasterRecovery.region), where only a key of that region encrypts them: give the ARN of the key each replica was given there (aws secretsmanager describe-secret --secret-id <secret ARN> --query "ReplicationStatus[?Region=='${dr.region}'].KmsKeyId" names it, as a key ID, ARN or alias; aws kms describe-key --region ${dr.region} --key-id <that> --query KeyMetadata.Arn gives its ARN), or none if the replicas use aws/secretsmanager`,
                    ),
            );
        },
        // The standby tasks read each existing secret in the DR region: only its owner can replicate it there.
        (s: z.output<typeof object>, issue: ReportIssue) => {
            if (!s.disasterRecovery.enabled || s.disasterRecovery.existingSecretsReplicated) return;
            for (const key of ["integration", "webhook", "worker"] as const)
                for (const variable of Object.keys(s[key].existingSecrets))
                    issue(
                        [key, "existingSecrets", variable],
                        `the DR standby reads this secret in ${s.disasterRecovery.region}, where nothing this program creates copies it: replicate it there (aws secretsmanager replicate-secret-to-regions --secret-id <arn> --add-replica-regions Region=${s.disasterRecovery.region}), then set disasterRecovery.existingSecretsReplicated: true (a replica given a KMS key there: name it in disasterRecovery.existingSecretsKeys)`,
                    );
        },
        ({ disasterRecovery: dr, api }: z.output<typeof object>, issue: ReportIssue) => {
            if (!dr.enabled) return;
            if (!dr.certificateArn)
                issue(
                    ["disasterRecovery", "certificateArn"],
                    `required with disasterRecovery.enabled: an ACM certificate issued in ${dr.region} for ${api?.originDomainName ?? "api.originDomainName"}, served by the standby gateway's load balancer after a failover`,
                );
            else if (arnRegion(dr.certificateArn) !== dr.region)
                issue(
                    ["disasterRecovery", "certificateArn"],
                    `is issued in ${arnRegion(dr.certificateArn)}; the standby load balancer in ${dr.region} (disasterRecovery.region) needs a certificate issued there`,
                );
        },
        physicalNamesFit((s: z.output<typeof object>) => [
            ...databaseIdentifiers(`${workload}-db`, stack, ["database", "identifier"], s.database.identifier, false),
            ...(s.disasterRecovery.enabled
                ? [
                      { type: "aws:route53/zone:Zone", what: "the DR region's private zone", name: drZoneName(workload, stack) },
                      {
                          type: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
                          what: "the DR services' DNS namespace",
                          name: drServicesNamespaceName(workload, stack),
                      },
                  ].map((n) => ({ ...n, key: [], fix: stackLabelFix(stack) }))
                : []),
        ]),
    ]);
};

/** Who may send test traffic to a blue/green test listener: `blueGreen.testCidrs`. */
const testClientsOf = (s: EventDrivenSettings) =>
    s.blueGreen.testCidrs.map((cidr) => ({ key: nameFor(cidr), peer: { cidr }, description: `test traffic from ${cidr}` }));

/** A service as its standby copy in the DR region starts from: its container and the secrets it reads, the cache's aside. */
interface StandbySpec {
    container: ContainerSpec;
    secretArns: pulumi.Input<string>[];
    /** The customer managed keys of its existing secrets in the stack's region (`existingSecretsKeys`). */
    secretKeyArns: string[];
    /** It reads existing secrets (whose replicas' keys the standby may need). */
    readsExistingSecrets: boolean;
}

/**
 * Kong, DB-less: its declarative configuration routes to each HTTP service's `upstreams` URL and
 * counts rate limits in Redis, whose AUTH token Kong reads through its env vault.
 */
function kongContainer(
    s: EventDrivenSettings,
    args: {
        upstreams: pulumi.Input<Record<string, string>>;
        redis: { host: pulumi.Input<string>; port: number; authSecretArn: pulumi.Input<string> };
        /** `trustedProxies()` of Kong's network. */
        trustedProxies: pulumi.Input<string>;
        /** The upstreams are HTTPS: Kong verifies their certificates against the image's system CA bundle. Default `false`. */
        verifyUpstreams?: boolean;
    },
): ContainerSpec {
    const config = pulumi.all([args.redis.host, args.upstreams]).apply(([host, upstreams]) =>
        JSON.stringify(
            renderKongConfig({
                routes: s.gateway.routes,
                upstreams,
                rateLimitPerMinute: s.gateway.rateLimitPerMinute,
                redis: { host, port: args.redis.port },
            }),
        ),
    );
    return {
        name: "kong",
        image: s.gateway.image,
        // A private copy of Kong is typically an ECR pull-through cache of ECR Public, as db-bootstrap's is.
        pullThroughCache: true,
        port: KONG_PORT,
        environment: {
            KONG_DATABASE: "off",
            KONG_DECLARATIVE_CONFIG_STRING: config,
            KONG_PROXY_LISTEN: `0.0.0.0:${KONG_PORT}`,
            KONG_ADMIN_LISTEN: "off",
            KONG_PROXY_ACCESS_LOG: "/dev/stdout",
            KONG_PROXY_ERROR_LOG: "/dev/stderr",
            // The viewer's address, for rate limits: X-Forwarded-For read from the right, skipping
            // only hops we know; what a client wrote to the left of its own address is never trusted.
            KONG_TRUSTED_IPS: args.trustedProxies,
            KONG_REAL_IP_HEADER: "X-Forwarded-For",
            KONG_REAL_IP_RECURSIVE: "on",
            // Upstream verification (a service's tls_verify) needs nginx's trusted certificates: the
            // system bundle of Kong's Debian-based image, where ACM's Amazon roots are.
            ...(args.verifyUpstreams ? { KONG_NGINX_PROXY_PROXY_SSL_TRUSTED_CERTIFICATE: "/etc/ssl/certs/ca-certificates.crt" } : {}),
        },
        secrets: { [KONG_REDIS_AUTH_VARIABLE]: args.redis.authSecretArn },
    };
}

/** The hops in front of Kong: its balancer (in the VPC's `cidr`) and CloudFront's origin-facing servers. */
function trustedProxies(cidr: string, parent: pulumi.Resource, region?: string): pulumi.Output<string> {
    return cloudFrontOriginFacing(parent, region).entries.apply((entries) => [cidr, ...entries.map((e) => e.cidr)].join(","));
}

/** What each service may do with the queue and the buckets of its region (the primary's, or the DR copies). */
function serviceTaskPolicy(
    key: (typeof HTTP_SERVICES)[number] | "worker",
    documentsAccess: (typeof DOCUMENT_ACCESS)[number],
    targets: { work: { arn: pulumi.Input<string> }; documents: Bucket; auditLogs: Bucket },
): PolicyStatement[] {
    const consume = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
    const documents = {
        none: [],
        read: [targets.documents.readStatement("ReadDocuments")],
        readWrite: [targets.documents.readWriteStatement("Documents")],
    } satisfies Record<(typeof DOCUMENT_ACCESS)[number], PolicyStatement[]>;
    return [
        key === "worker"
            ? { Sid: "ConsumeWork", Action: consume, Resource: targets.work.arn }
            : { Sid: "SendWork", Action: "sqs:SendMessage", Resource: targets.work.arn },
        ...documents[documentsAccess],
        { Sid: "WriteAuditLogs", Action: "s3:PutObject", Resource: pulumi.interpolate`${targets.auditLogs.arn}/*` },
    ];
}

/** What a workload of this topology deploys from: its validated settings. */
export type EventDrivenSettings = SettingsOf<typeof settingsSchema>;

/**
 * The integration platform: CloudFront -> ALB -> Kong (DB-less, blue/green through
 * CodeDeploy) -> the integration service and the webhook receiver (blue/green by ECS behind an
 * internal balancer), a queue worker scaled on queue depth, RDS PostgreSQL, ElastiCache Redis,
 * SQS, S3; with DR, replicated backups, buckets and secrets and a pilot light in the DR region.
 */
export class EventDriven extends pulumi.ComponentResource {
    readonly outputs: WorkloadOutputs;

    constructor(name: string, s: EventDrivenSettings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions) {
        // With DR on, every secret of the workload (database, cache, applications) is replicated there.
        super("platform:topologies:EventDriven", name, {}, s.disasterRecovery.enabled ? replicatingSecrets(opts, s.disasterRecovery.region) : opts);
        const data = this.createDataStores(name, s, ctx);
        const { services, repositories, servicesBalancer, standby } = this.createServices(name, s, ctx, data);
        // Only this distribution reaches the balancer: CloudFront's addresses and its secret header (a WAF gate).
        const gate = originHeader(name, this);
        const { gateway, balancer } = this.createGateway(name, s, ctx, data, services, servicesBalancer, gate);
        const cdn = new Cdn(`${name}-cdn`, { api: { domainName: s.api.originDomainName, originHeaders: [gate] }, domain: s.domain }, { parent: this });
        const alarms = new AlarmTopic(`${name}-alarms`, { accountId: ctx.accountId, region: ctx.platform.region, destinations: s }, { parent: this });
        alarms.alarm(
            `${name}-dead-letters`,
            {
                alarmDescription: "messages reached the dead-letter queue",
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                statistic: "Maximum",
                dimensions: { QueueName: data.work.deadLetterQueue.name },
                period: 300,
                evaluationPeriods: 1,
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
            },
            this,
        );
        // Blue/green for what sits behind the load balancer (Kong): CodeDeploy switches the listeners.
        const blueGreen = new BlueGreenDeployment(
            `${name}-gateway`,
            {
                service: gateway,
                balancer,
                accountId: ctx.accountId,
                deploymentConfig: s.blueGreen.deploymentConfig,
                terminationWaitMinutes: s.blueGreen.terminationWaitMinutes,
                hooks: s.blueGreen.hooks,
                container: { name: "kong", port: KONG_PORT },
                alarms,
            },
            { parent: this },
        );
        const dr = s.disasterRecovery.enabled ? this.createDisasterRecovery(name, s, ctx, data, standby, gate) : undefined;

        this.outputs = {
            cloudFrontUrl: cdn.url,
            albDnsName: balancer.dnsName,
            workQueueUrl: data.work.url,
            deadLetterQueueUrl: data.work.deadLetterQueue.url,
            documentsBucket: data.documents.name,
            auditLogsBucket: data.auditLogs.name,
            redisEndpoint: data.redis.primaryEndpoint,
            databaseEndpoint: data.database.writerAddress,
            codeDeployApplication: blueGreen.application.name,
            codeDeployDeploymentGroups: [blueGreen.deploymentGroup.deploymentGroupName],
            codeDeployAppSpec: blueGreen.appSpec,
            gatewayTaskFamily: gateway.taskDefinition.family,
            ...(Object.keys(repositories).length ? { repositoryUrls: repositories } : {}),
            // Per service: what an external deploy script needs, and the migration task (the integration service's).
            services: Object.fromEntries(
                Object.entries(services).map(([key, service]) => [
                    key,
                    operationsOutputs(service, key, { deployments: s.deployments, migrations: key === "integration" ? s.migrations : undefined }),
                ]),
            ),
            ...(dr
                ? {
                      drRegion: s.disasterRecovery.region,
                      drDocumentsBucket: dr.documents.name,
                      drAuditLogsBucket: dr.auditLogs.name,
                      drCluster: dr.cluster.name,
                      drVpcId: dr.network.vpcId,
                      drPrivateSubnetIds: dr.network.privateSubnetIds,
                      drDbSubnetGroup: dr.dbSubnets.name,
                      drWorkQueueUrl: dr.work.url,
                      drZone: dr.zone.name,
                      drDbSecurityGroup: dr.databaseGroup.id,
                      drRedisEndpoint: dr.cache.primaryEndpoint,
                      drServices: Object.fromEntries(Object.entries(dr.standbyServices).map(([key, svc]) => [key, svc.service.name])),
                      drAlbDnsName: dr.balancer.dnsName,
                      drServiceNamespace: dr.namespace.name,
                  }
                : {}),
        };
        this.registerOutputs(this.outputs);
    }

    /** The database, the cache, the work queue and the two buckets: only the services reach them. */
    private createDataStores(name: string, s: EventDrivenSettings, ctx: WorkloadContext) {
        const protect = ctx.platform.profile.protectStatefulResources;
        const parent = { parent: this };
        const database = workloadDatabase(`${name}-db`, ctx, s.database, {}, this);
        const profile = ctx.platform.profile;
        const redis = new RedisCache(
            `${name}-redis`,
            {
                vpcId: ctx.network.vpcId,
                subnetIds: ctx.network.dataSubnetIds,
                nodeType: profile.cacheNodeType,
                multiAz: profile.multiAz,
                snapshotRetentionDays: profile.backupRetentionDays,
                protect,
            },
            parent,
        );
        const work = new Queue(`${name}-work`, { visibilityTimeoutSeconds: s.queue.visibilityTimeoutSeconds, protect }, parent);
        const documents = new Bucket(`${name}-documents`, { noncurrentVersionExpirationDays: 90, protect }, parent);
        documents.applyPolicy();
        const lock = s.auditLogs.objectLock === "off" ? undefined : { mode: s.auditLogs.objectLock, days: s.auditLogs.retentionDays };
        const auditLogs = new Bucket(
            `${name}-audit-logs`,
            { expirationDays: s.auditLogs.retentionDays, noncurrentVersionExpirationDays: 1, objectLock: lock, protect },
            parent,
        );
        auditLogs.applyPolicy();
        return { database, redis, work, documents, auditLogs };
    }

    /** The integration service and the webhook receiver (blue/green behind the services' balancer) and the queue worker. */
    private createServices(name: string, s: EventDrivenSettings, ctx: WorkloadContext, data: ReturnType<EventDriven["createDataStores"]>) {
        const { database, redis, work, documents, auditLogs } = data;
        // Kong reaches each HTTP service through its listener on an internal balancer, where ECS
        // switches blue and green (and unhealthy tasks leave the target group).
        const servicesBalancer = new LoadBalancer(
            `${name}-services`,
            {
                ...balancerDefaults(ctx),
                vpcId: ctx.network.vpcId,
                subnetIds: ctx.network.privateSubnetIds,
                internal: true,
                clients: [],
                ...(s.internalTls ? { certificateArn: s.internalTls.certificateArn } : {}),
            },
            { parent: this },
        );
        if (s.internalTls) this.nameInternalBalancer(name, s.internalTls.domainName, ctx, servicesBalancer);
        const hookArns = [...new Set(s.blueGreen.services.hooks.map((h) => h.lambdaArn))];
        const hookRole = hookArns.length > 0 ? ecsLifecycleHookRole(`${name}-service-hooks`, ctx.accountId, hookArns, this) : undefined;
        const testClients = testClientsOf(s);
        // Every service's configuration: where the data stores it may use are, credentials only as
        // secrets; each service gets the database and the documents only if its settings say so.
        const common = {
            REDIS_HOST: redis.primaryEndpoint,
            REDIS_PORT: String(redis.port),
            REDIS_TLS: "true",
            WORK_QUEUE_URL: work.url,
            AUDIT_LOG_BUCKET: auditLogs.name,
        };
        const databaseEnvironment = {
            DB_HOST: database.writerAddress,
            DB_PORT: "5432",
            DB_NAME: s.database.name,
            DB_SSLMODE: ctx.platform.profile.requireDbTls ? "require" : "prefer",
        };
        // One login role for the workload's database; only the bootstrap containers see the master's credentials.
        const login = applicationLogin(name, database.bootstrapTarget, ctx.platform.profile.protectStatefulResources, this);
        const databaseSecrets = { DB_USER: login.user, DB_PASSWORD: login.password };

        const withDatabase = (database: boolean, container: ContainerSpec) => (database ? afterBootstrap(container, login) : [container]);
        const services = {} as Record<(typeof HTTP_SERVICES)[number] | "worker", FargateService>;
        const standby = {} as Record<(typeof HTTP_SERVICES)[number] | "worker", StandbySpec>;
        const repositories: Record<string, pulumi.Output<string>> = {};
        let first: FargateService | undefined;
        for (const key of [...HTTP_SERVICES, "worker"] as const) {
            const svc = s[key];
            const http = key !== "worker";
            const appSecrets = applicationSecrets(`${name}-${key}`, svc, ctx.platform.profile.protectStatefulResources, this);
            const { image, repository } = resolveImage(`${name}-${key}-images`, svc, s, ctx.platform.profile.protectStatefulResources, this);
            if (repository) repositories[key] = repository.url;
            const container: ContainerSpec = {
                name: key,
                image,
                command: svc.command,
                port: http ? SERVICE_PORT : undefined,
                environment: {
                    ...svc.environment,
                    ...common,
                    ...(svc.database ? databaseEnvironment : {}),
                    ...(svc.documents !== "none" ? { DOCUMENTS_BUCKET: documents.name } : {}),
                },
                secrets: { ...appSecrets.variables, ...(svc.database ? databaseSecrets : {}), REDIS_AUTH_TOKEN: redis.authTokenSecretArn },
                healthCheck: svc.healthCheck ?? (http ? HTTP_HEALTH_CHECK : undefined),
            };
            // The login secret only (no master): a restored database already holds the role. The DR
            // copy reads its own cache's token.
            standby[key] = {
                container,
                secretArns: [...(svc.database ? [login.secretArn] : []), ...appSecrets.arns],
                secretKeyArns: appSecrets.keyArns,
                readsExistingSecrets: Object.keys(svc.existingSecrets).length > 0,
            };
            const service = new FargateService(
                `${name}-${key}`,
                {
                    ...serviceDefaults(ctx, `${name}-${key}`),
                    ...serviceOperations({ ...s, migrations: key === "integration" ? s.migrations : undefined }),
                    cpu: svc.cpu,
                    memory: svc.memory,
                    desiredCount: svc.minTasks,
                    // HTTP services scale on CPU; the worker on the depth of its queue.
                    autoscaling: {
                        min: svc.minTasks,
                        max: svc.maxTasks,
                        ...(http
                            ? { cpuTargetPercent: 70 }
                            : {
                                  queueDepth: {
                                      queueName: work.queue.name,
                                      scaleOutAbove: s.queue.scaleOutAbove,
                                      scaleInAfterIdleMinutes: s.queue.scaleInAfterIdleMinutes,
                                  },
                              }),
                    },
                    secretArns: [...(svc.database ? login.secretArns : []), redis.authTokenSecretArn, ...appSecrets.arns],
                    secretKeyArns: appSecrets.keyArns,
                    containers: withDatabase(svc.database, container),
                    taskPolicy: serviceTaskPolicy(key, svc.documents, { work, documents, auditLogs }),
                    ...(http
                        ? {
                              loadBalancer: servicesBalancer.blueGreenTarget(key, key, {
                                  ...SERVICE_LISTENERS[key],
                                  target: { port: SERVICE_PORT, healthCheckPath: "/health", deregistrationDelaySeconds: 30 },
                                  clients: [],
                                  testClients,
                                  accountId: ctx.accountId,
                              }),
                              blueGreen: {
                                  bakeTimeMinutes: s.blueGreen.services.bakeTimeMinutes,
                                  hooks: s.blueGreen.services.hooks.map((h) => ({ lambdaArn: h.lambdaArn, stages: h.stages })),
                                  hookRoleArn: hookRole?.arn,
                              },
                          }
                        : {}),
                    shared: first ? { cluster: first.cluster, logGroup: first.logGroup } : undefined,
                },
                { parent: this },
            );
            first ??= service;
            services[key] = service;
            if (http) servicesBalancer.allowTargets(service.securityGroup, SERVICE_PORT, key);
            if (svc.database) database.connect(key, service.securityGroup, `${name} ${key}`);
            redis.connect(key, service.securityGroup, `${name} ${key}`);
            service.securityGroup.allowHttpsEgress("SQS, S3, Secrets Manager, ECR, CloudWatch Logs, integrations");
        }
        return { services, repositories, servicesBalancer, standby };
    }

    /** CloudFront -> ALB -> Kong (DB-less, routes to the services, rate limits in Redis); 30 s of draining per task. */
    private createGateway(
        name: string,
        s: EventDrivenSettings,
        ctx: WorkloadContext,
        data: ReturnType<EventDriven["createDataStores"]>,
        services: ReturnType<EventDriven["createServices"]>["services"],
        servicesBalancer: LoadBalancer,
        gate: ReturnType<typeof originHeader>,
    ) {
        const { redis } = data;
        const balancer = cloudFrontOrigin(
            `${name}-alb`,
            ctx,
            {
                certificateArn: s.api.certificateArn,
                target: { port: KONG_PORT, healthCheckPath: KONG_HEALTH_PATH, deregistrationDelaySeconds: 30 },
                blueGreen: {
                    testListenerPort: s.blueGreen.testListenerPort,
                    testClients: testClientsOf(s),
                },
                requireHeader: gate,
            },
            this,
        );
        // Over HTTPS to the balancer's own name when it has one (Kong verifies its certificate), else HTTP.
        const upstreams = servicesBalancer.dnsName.apply((dns) =>
            Object.fromEntries(
                HTTP_SERVICES.map((key) => [
                    key,
                    s.internalTls ? `https://${s.internalTls.domainName}:${SERVICE_LISTENERS[key].port}` : `http://${dns}:${SERVICE_LISTENERS[key].port}`,
                ]),
            ),
        );
        const gateway = new FargateService(
            `${name}-gateway`,
            {
                ...serviceDefaults(ctx, `${name}-gateway`),
                // CodeDeploy rolls Kong: of the release keys only shell access applies.
                enableExecuteCommand: s.executeCommand,
                cpu: s.gateway.cpu,
                memory: s.gateway.memory,
                desiredCount: s.gateway.minTasks,
                autoscaling: { min: s.gateway.minTasks, max: s.gateway.maxTasks, cpuTargetPercent: 70 },
                secretArns: [redis.authTokenSecretArn],
                containers: [
                    kongContainer(s, {
                        upstreams,
                        redis: { host: redis.primaryEndpoint, port: redis.port, authSecretArn: redis.authTokenSecretArn },
                        trustedProxies: trustedProxies(ctx.platform.network.cidr, this),
                        verifyUpstreams: s.internalTls !== undefined,
                    }),
                ],
                loadBalancer: balancer.serviceTarget("kong", KONG_PORT),
                deploymentController: "CODE_DEPLOY",
                shared: { cluster: services.integration.cluster, logGroup: services.integration.logGroup },
            },
            { parent: this },
        );
        balancer.allowTargets(gateway.securityGroup, KONG_PORT);
        // Kong reaches each service's production and test listeners on the services' balancer, nothing else.
        for (const key of HTTP_SERVICES)
            for (const port of [SERVICE_LISTENERS[key].port, SERVICE_LISTENERS[key].testPort])
                connectGroups(`gateway-${port}`, `services-${port}`, gateway.securityGroup, servicesBalancer.securityGroup, port, `${name} Kong to ${key}`);
        redis.connect("gateway", gateway.securityGroup, `${name} Kong rate limiting`);
        gateway.securityGroup.allowHttpsEgress("ECR, Secrets Manager, CloudWatch Logs");
        return { gateway, balancer };
    }

    /**
     * The services' internal balancer under `domainName` inside the stack's network: a private zone
     * of exactly that name (so nothing else of its parent domain is shadowed) with an alias at its apex.
     */
    private nameInternalBalancer(name: string, domainName: string, ctx: WorkloadContext, balancer: LoadBalancer): void {
        const zone = new route53.Zone(
            `${name}-services`,
            { name: domainName, vpcs: [{ vpcId: ctx.network.vpcId }], comment: `${name}: Kong's HTTPS name for the services' internal balancer` },
            { parent: this },
        );
        new route53.Record(
            `${name}-services`,
            {
                zoneId: zone.zoneId,
                name: domainName,
                type: "A",
                aliases: [{ name: balancer.dnsName, zoneId: balancer.balancer.zoneId, evaluateTargetHealth: false }],
            },
            { parent: this },
        );
    }

    /** The database's automated backups and the documents, replicated to the DR region. */
    private createDisasterRecovery(
        name: string,
        s: EventDrivenSettings,
        ctx: WorkloadContext,
        data: ReturnType<EventDriven["createDataStores"]>,
        standby: Record<(typeof HTTP_SERVICES)[number] | "worker", StandbySpec>,
        gate: ReturnType<typeof originHeader>,
    ) {
        const region = s.disasterRecovery.region;
        const profile = ctx.platform.profile;
        const protect = profile.protectStatefulResources;
        const key = new kms.Key(
            `${name}-dr-backups`,
            { region, description: `${name} replicated RDS backups`, enableKeyRotation: true, deletionWindowInDays: 30 },
            { parent: this, protect },
        );
        new rds.InstanceAutomatedBackupsReplication(
            `${name}-db-backups`,
            { region, sourceDbInstanceArn: data.database.instance.arn, retentionPeriod: profile.backupRetentionDays, kmsKeyId: key.arn },
            { parent: this },
        );
        const bucket = new Bucket(`${name}-documents-dr`, { region, noncurrentVersionExpirationDays: 90, protect }, { parent: this });
        bucket.applyPolicy();
        data.documents.replicateTo(bucket, ctx.accountId);
        // The audit trail too, under the same retention and lock.
        const lock = s.auditLogs.objectLock === "off" ? undefined : { mode: s.auditLogs.objectLock, days: s.auditLogs.retentionDays };
        const auditLogs = new Bucket(
            `${name}-audit-logs-dr`,
            { region, expirationDays: s.auditLogs.retentionDays, noncurrentVersionExpirationDays: 1, objectLock: lock, protect },
            { parent: this },
        );
        auditLogs.applyPolicy();
        data.auditLogs.replicateTo(auditLogs, ctx.accountId);

        // The pilot light: a network (no NAT until failover), a cluster, the cache, the database's
        // subnet group and the work queue, so that failing over restores only the database.
        const network = new Network(
            `${name}-dr`,
            {
                region,
                accountId: ctx.accountId,
                cidr: s.disasterRecovery.cidr,
                azCount: Math.min(profile.azCount, 3),
                natStrategy: "none",
                flowLogRetentionDays: profile.flowLogRetentionDays,
                protectLogs: protect,
            },
            { parent: this },
        );
        const cluster = new ecs.Cluster(
            `${name}-dr`,
            { region, settings: [{ name: "containerInsights", value: profile.containerInsights ? "enabled" : "disabled" }] },
            { parent: this },
        );
        // A cache of its own, running (small, but as available as the profile's): the services and
        // Kong verify its TLS name from the start, and a failover creates no cache.
        const cache = new RedisCache(
            `${name}-redis-dr`,
            {
                inRegion: region,
                vpcId: network.vpcId,
                subnetIds: network.dataSubnetIds,
                nodeType: s.disasterRecovery.cacheNodeType,
                multiAz: profile.multiAz,
                snapshotRetentionDays: profile.backupRetentionDays,
                protect,
            },
            { parent: this },
        );
        const dbSubnets = new rds.SubnetGroup(
            `${name}-db-dr`,
            { region, subnetIds: network.dataSubnetIds, description: `${name}: the database restored from the replicated backups` },
            { parent: this },
        );
        const work = new Queue(`${name}-work-dr`, { region, visibilityTimeoutSeconds: s.queue.visibilityTimeoutSeconds, protect }, { parent: this });
        const standbyServices = this.createStandbyServices(
            name,
            s,
            ctx,
            { region, network, cluster, work, documents: bucket, auditLogs, cache },
            standby,
            gate,
        );
        return { documents: bucket, auditLogs, network, cluster, cache, dbSubnets, work, ...standbyServices };
    }

    /**
     * The services at zero tasks in the DR region: complete task definitions whose database is a
     * stable name in a private zone there (`db.`; the failover points it at the restored instance),
     * with the DR cache, queue and buckets, the replicated secrets and images; the security group
     * the restored database takes; and Kong in front of them (`createStandbyGateway`). A failover
     * scales them up instead of creating them.
     */
    private createStandbyServices(
        name: string,
        s: EventDrivenSettings,
        ctx: WorkloadContext,
        dr: { region: string; network: Network; cluster: ecs.Cluster; work: Queue; documents: Bucket; auditLogs: Bucket; cache: RedisCache },
        standby: Record<(typeof HTTP_SERVICES)[number] | "worker", StandbySpec>,
        gate: ReturnType<typeof originHeader>,
    ) {
        const { region } = dr;
        const primary = ctx.platform.region;
        const profile = ctx.platform.profile;
        const protect = profile.protectStatefulResources;
        const parent = { parent: this };
        const zoneName = drZoneName(name, ctx.platform.stack);
        const zone = new route53.Zone(
            `${name}-dr`,
            {
                name: zoneName,
                vpcs: [{ vpcId: dr.network.vpcId, vpcRegion: region }],
                comment: `${name}: the DR services' name for the restored database`,
            },
            parent,
        );
        // Kong finds the HTTP services' healthy tasks by name: ECS registers them, with their container health.
        const namespace = new servicediscovery.PrivateDnsNamespace(
            `${name}-dr-services`,
            {
                region,
                name: drServicesNamespaceName(name, ctx.platform.stack),
                vpc: dr.network.vpcId,
                description: `${name}: the DR services' tasks, for Kong`,
            },
            parent,
        );
        const logGroup = new cloudwatch.LogGroup(
            `${name}-standby`,
            { region, name: `/ecs/${name}-dr-${ctx.platform.stack}`, retentionInDays: profile.logRetentionDays },
            { parent: this, protect, retainOnDelete: protect },
        );
        const databaseGroup = new SecurityGroup(`${name}-db-dr`, { vpcId: dr.network.vpcId, description: `${name} restored database (DR)`, region }, parent);
        // The same secret or image ARN in the DR region: Secrets Manager replicas and ECR copies keep their
        // names. An image's region is in its host, of any form ECR serves (standard, FIPS, dual-stack).
        const ecrHost = new RegExp(`\\.(dkr\\.ecr(?:-fips)?|dkr-ecr)\\.${primary}\\.`, "g");
        const inDr = (value: pulumi.Input<string>) =>
            pulumi.output(value).apply((v) => v.split(`:${primary}:`).join(`:${region}:`).replace(ecrHost, `.$1.${region}.`));
        const services: Record<string, FargateService> = {};
        for (const key of [...HTTP_SERVICES, "worker"] as const) {
            const svc = s[key];
            const { container, secretArns, secretKeyArns, readsExistingSecrets } = standby[key];
            // The keys of the existing secrets' replicas here: a multi-Region key's replica, and the keys their
            // owner named for the replicas; a single-Region key of the stack's region encrypts nothing here, and
            // a replica under aws/secretsmanager needs no grant. The program's own secrets use aws/secretsmanager.
            const replicaKeys = readsExistingSecrets
                ? [...new Set([...secretKeyArns.flatMap((arn) => multiRegionKeyReplica(arn, region) ?? []), ...s.disasterRecovery.existingSecretsKeys])]
                : [];
            const environment: Record<string, pulumi.Input<string>> = {
                ...container.environment,
                REDIS_HOST: dr.cache.primaryEndpoint,
                WORK_QUEUE_URL: dr.work.url,
                AUDIT_LOG_BUCKET: dr.auditLogs.name,
                ...(svc.database ? { DB_HOST: `db.${zoneName}` } : {}),
                ...(svc.documents !== "none" ? { DOCUMENTS_BUCKET: dr.documents.name } : {}),
            };
            const service = new FargateService(
                `${name}-${key}-dr`,
                {
                    ...serviceDefaults(ctx, `${name}-${key}-dr`),
                    inRegion: region,
                    vpcId: dr.network.vpcId,
                    subnetIds: dr.network.privateSubnetIds,
                    cpu: svc.cpu,
                    memory: svc.memory,
                    desiredCount: 0,
                    shared: { cluster: dr.cluster, logGroup },
                    secretArns: [...secretArns.map(inDr), dr.cache.authTokenSecretArn],
                    secretKeyArns: replicaKeys,
                    containers: [
                        {
                            ...container,
                            image: inDr(container.image),
                            environment,
                            secrets: {
                                ...Object.fromEntries(Object.entries(container.secrets ?? {}).map(([n, v]) => [n, inDr(v)])),
                                REDIS_AUTH_TOKEN: dr.cache.authTokenSecretArn,
                            },
                        },
                    ],
                    taskPolicy: serviceTaskPolicy(key, svc.documents, { work: dr.work, documents: dr.documents, auditLogs: dr.auditLogs }),
                    ...(key !== "worker" ? { serviceDiscovery: { namespaceId: namespace.id, name: key } } : {}),
                },
                parent,
            );
            if (svc.database) connectGroups(key, "database", service.securityGroup, databaseGroup, 5432, `${name} ${key} (DR)`);
            dr.cache.connect(key, service.securityGroup, `${name} ${key} (DR)`);
            service.securityGroup.allowHttpsEgress("SQS, S3, Secrets Manager, ECR, CloudWatch Logs, integrations (once the DR network has NAT)");
            services[key] = service;
        }

        const { gateway, balancer } = this.createStandbyGateway(name, s, ctx, { ...dr, logGroup, namespace }, services, gate);
        services.gateway = gateway;
        return { zone, namespace, standbyServices: services, balancer, databaseGroup };
    }

    /** Kong at zero tasks in the DR region behind a balancer CloudFront alone reaches, gated by the same origin header. */
    private createStandbyGateway(
        name: string,
        s: EventDrivenSettings,
        ctx: WorkloadContext,
        dr: {
            region: string;
            network: Network;
            cluster: ecs.Cluster;
            cache: RedisCache;
            logGroup: cloudwatch.LogGroup;
            namespace: servicediscovery.PrivateDnsNamespace;
        },
        services: Record<(typeof HTTP_SERVICES)[number], FargateService>,
        gate: ReturnType<typeof originHeader>,
    ) {
        const { region } = dr;
        const balancer = cloudFrontOrigin(
            `${name}-alb-dr`,
            ctx,
            {
                inRegion: region,
                network: dr.network,
                certificateArn: s.disasterRecovery.certificateArn,
                target: { port: KONG_PORT, healthCheckPath: KONG_HEALTH_PATH, deregistrationDelaySeconds: 30 },
                requireHeader: gate,
            },
            this,
        );
        const gateway = new FargateService(
            `${name}-gateway-dr`,
            {
                ...serviceDefaults(ctx, `${name}-gateway-dr`),
                inRegion: region,
                vpcId: dr.network.vpcId,
                subnetIds: dr.network.privateSubnetIds,
                cpu: s.gateway.cpu,
                memory: s.gateway.memory,
                desiredCount: 0,
                shared: { cluster: dr.cluster, logGroup: dr.logGroup },
                secretArns: [dr.cache.authTokenSecretArn],
                containers: [
                    kongContainer(s, {
                        // The names ECS registers the healthy tasks under.
                        upstreams: dr.namespace.name.apply((ns) =>
                            Object.fromEntries(HTTP_SERVICES.map((key) => [key, `http://${key}.${ns}:${SERVICE_PORT}`])),
                        ),
                        redis: { host: dr.cache.primaryEndpoint, port: dr.cache.port, authSecretArn: dr.cache.authTokenSecretArn },
                        trustedProxies: trustedProxies(dr.network.cidr, this, region),
                    }),
                ],
                loadBalancer: balancer.serviceTarget("kong", KONG_PORT),
            },
            { parent: this },
        );
        balancer.allowTargets(gateway.securityGroup, KONG_PORT);
        for (const key of HTTP_SERVICES)
            connectGroups("gateway", key, gateway.securityGroup, services[key].securityGroup, SERVICE_PORT, `${name} Kong to ${key} (DR)`);
        dr.cache.connect("gateway", gateway.securityGroup, `${name} Kong rate limiting (DR)`);
        gateway.securityGroup.allowHttpsEgress("ECR, Secrets Manager, CloudWatch Logs (once the DR network has NAT)");
        return { gateway, balancer };
    }
}

export const eventDriven = defineTopology({
    settings: settingsSchema,
    deploy: (name, settings, ctx, opts) => new EventDriven(name, settings, ctx, opts).outputs,
});
