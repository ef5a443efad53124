import * as pulumi from "@pulumi/pulumi";
import * as servicediscovery from "@pulumi/aws/servicediscovery";
import { z } from "zod";
import { SchemaEnv } from "../../stacks/schema";
import {
    regionalCertificateArn,
    cidrBlock,
    clientsSchema,
    envVarName,
    fargateCpu,
    fargateMemory,
    fargateSizeProblem,
    imageReference,
    integer,
    nonEmptyString,
    OFFLINE_SECRET_PREFIX,
    postgresSettings,
    secretString,
    SchemaContext,
    strictObject,
    allowPlaintext,
    httpsInProduction,
    withCrossChecks,
    urlPath,
} from "../../stacks/schema-kit";
import { FargateService, serviceDefaults } from "../blocks/fargate-service";
import { LoadBalancer, balancerDefaults, clientPeers } from "../blocks/load-balancer";
import { workloadDatabase } from "../blocks/postgres";
import { storeSecret } from "../blocks/secret";
import { afterBootstrap, applicationLogin } from "../blocks/db-bootstrap";
import {
    applicationSecrets,
    imageSources,
    imageTag,
    oneSourcePerVariable,
    operationsOutputs,
    operationsSettings,
    resolveImage,
    serviceOperations,
} from "../blocks/operations";
import { WorkloadContext } from "../context";
import { verifyLicense } from "../license";
import { SettingsOf, WorkloadOutputs, defineTopology } from "../topology";
import { nameFor } from "../names";

/** Container port of the ledger service (API and /metrics), as the vendor ships it. */
const PORT = 8080;

/** The database connection the program hands the service, and the variable each goes in by default. */
export const DEFAULT_VARIABLES = {
    writerHost: "LEDGER_DB_WRITER_HOST",
    readerHost: "LEDGER_DB_READER_HOST",
    port: "LEDGER_DB_PORT",
    name: "LEDGER_DB_NAME",
    tls: "LEDGER_DB_TLS",
    user: "LEDGER_DB_USER",
    password: "LEDGER_DB_PASSWORD",
} as const;
type ConnectionVariables = Record<keyof typeof DEFAULT_VARIABLES, string>;

/** Variables the program sets itself (config may not set them): the connection's, as configured. */
const providedVariables = (variables: ConnectionVariables): string[] => Object.values(variables);

const settingsSchema = (ctx: SchemaContext, { profile, environment }: SchemaEnv) =>
    withCrossChecks(
        strictObject({
            /** Container image (the vendor's image pushed to your registry). Required unless `imageTag` (with `repository.create`). */
            image: imageReference("container image").optional(),
            /** The image's tag in the workload's own repository (`repository.create: true`). */
            imageTag: imageTag.optional(),
            /** Task CPU units. Default: the profile's `taskCpu`. */
            cpu: fargateCpu.default(profile.taskCpu),
            /** Task memory, MiB. Default: the profile's `taskMemory`. */
            memory: fargateMemory.default(profile.taskMemory),
            /** Running tasks. Default: the profile's `minTasks`. */
            desiredCount: integer(1, 100).default(profile.minTasks),
            /** Readiness path the load balancer probes. Default `/health`. */
            healthCheckPath: urlPath.default("/health"),
            /** Startup (license, DB pools, crash recovery, heartbeat) before health checks count. Default 300 s. */
            healthCheckGracePeriodSeconds: integer(0, 7200).default(300),
            /** SIGTERM-to-SIGKILL time for draining batches; also the deregistration delay. Default 120 s (Fargate's max). */
            stopTimeoutSeconds: integer(2, 120).default(120),
            /** "Your services": who reaches the API on the internal load balancer. Default: nobody. */
            clients: clientsSchema(),
            /** ACM certificate for HTTPS on 443; without it the internal listener is HTTP on 8080. */
            certificateArn: regionalCertificateArn(ctx).optional(),
            /** Accept plain HTTP inside the VPC in production (without `certificateArn`). Default `false`: production requires HTTPS. */
            allowPlaintext: allowPlaintext(),
            /** Prometheus scraper CIDRs reaching the tasks' /metrics on 8080 directly. Default: none. */
            prometheusCidrs: z.array(cidrBlock()).default([]),
            /**
             * The variable names the vendor's image reads the database connection from (writerHost,
             * readerHost, port, name, tls, user, password). Default: `LEDGER_DB_WRITER_HOST` and so on.
             */
            variables: strictObject(
                Object.fromEntries(Object.entries(DEFAULT_VARIABLES).map(([key, variable]) => [key, envVarName.default(variable)])) as Record<
                    keyof typeof DEFAULT_VARIABLES,
                    z.ZodDefault<typeof envVarName>
                >,
            ).default({}),
            /** Read replica for all reads. Default: the profile's `readReplica` (on in production). */
            readReplica: z.boolean().default(profile.readReplica),
            /** `rds.force_ssl=1` and `LEDGER_DB_TLS=true`. Default: the profile's `requireDbTls` (on in production). */
            dbTls: z.boolean().default(profile.requireDbTls),
            /** Database name, master user, instance class (default: the profile's), major version (default 16). */
            database: postgresSettings({ name: "ledger", username: "ledger", instanceClass: profile.dbInstanceClass }),
            /** Plain environment variables of the service. Default `{}`. */
            environment: z.record(envVarName, z.string()).default({}),
            ...operationsSettings(ctx),
            /** Variables the service refuses to start without; each must be in environment or secrets. Default `[]`. */
            requiredVariables: z.array(envVarName).default([]),
            license: strictObject({
                /** The per-customer `license.jwt`. Required, secret. */
                token: secretString(ctx, "platform:workloads", "the license"),
                /** Claim holding the licensed AWS account ID. Default `aws_account_id`. */
                accountClaim: nonEmptyString("claim name").default("aws_account_id"),
                /** Vendor's Ed25519 public key (PEM); when set the signature is verified at preview. */
                publicKey: z.string().includes("BEGIN PUBLIC KEY", { message: "expected a PEM public key (-----BEGIN PUBLIC KEY-----)" }).optional(),
                /** Variable the container reads the license from. Default `LEDGER_LICENSE`. */
                variable: envVarName.default("LEDGER_LICENSE"),
            }),
        }),
        [
            httpsInProduction(environment),
            (s, issue) => {
                const size = fargateSizeProblem(s.cpu, s.memory);
                if (size) issue(["memory"], size);
            },
            (s, issue) => {
                const configured = new Set([...Object.keys(s.environment), ...Object.keys(s.secrets), ...Object.keys(s.existingSecrets), s.license.variable]);
                for (const name of s.requiredVariables) {
                    if (!configured.has(name) && !providedVariables(s.variables).includes(name)) {
                        issue(
                            ["requiredVariables"],
                            `${name} is required by the service but set in neither environment nor secrets (pulumi config set --path 'workloads.<name>.environment.${name}' <value>, or --secret under secrets)`,
                        );
                    }
                }
            },
            oneSourcePerVariable((s) => [...providedVariables(s.variables), s.license.variable]),
            imageSources((s) => [[[], s]]),
        ],
    );

/** What a workload of this topology deploys from: its validated settings. */
export type FargateRdsSettings = SettingsOf<typeof settingsSchema>;

/**
 * The ledger service: one container on Fargate in private subnets, RDS PostgreSQL
 * master + optional read replica, reached by "your services" through an internal load balancer
 * (which never forwards /metrics) and scraped by Prometheus directly on 8080.
 */
export class FargateRds extends pulumi.ComponentResource {
    readonly outputs: WorkloadOutputs;

    constructor(name: string, s: FargateRdsSettings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions) {
        super("platform:topologies:FargateRds", name, {}, opts);
        const { platform, network } = ctx;
        const profile = platform.profile;

        const database = workloadDatabase(`${name}-db`, ctx, s.database, { readReplica: s.readReplica, requireTls: s.dbTls }, this);

        const protect = profile.protectStatefulResources;
        const license = storeSecret(`${name}-license`, { value: s.license.token, description: `${name} license.jwt`, protect }, this);
        const appSecrets = applicationSecrets(name, s, protect, this);
        const { image, repository } = resolveImage(`${name}-images`, s, s, protect, this);
        // The ledger logs in as its own role; only the bootstrap container sees the master's credentials.
        const login = applicationLogin(name, database.bootstrapTarget, protect, this);

        // An internal ALB rather than service discovery: it is the only place a path can be
        // refused, so clients on 8080 never reach the unauthenticated /metrics.
        const balancer = new LoadBalancer(
            `${name}-api`,
            {
                ...balancerDefaults(ctx),
                vpcId: network.vpcId,
                subnetIds: network.privateSubnetIds,
                internal: true,
                certificateArn: s.certificateArn,
                httpPort: PORT,
                clients: clientPeers(s.clients),
                target: { port: PORT, healthCheckPath: s.healthCheckPath, deregistrationDelaySeconds: s.stopTimeoutSeconds },
                blockedPaths: ["/metrics", "/metrics/*"],
            },
            { parent: this },
        );

        const secretArns = {
            [s.variables.user]: login.user,
            [s.variables.password]: login.password,
            [s.license.variable]: license.arn,
            ...appSecrets.variables,
        };
        // The scraper finds the tasks by DNS (one A record per task): Prometheus' dns_sd_configs.
        const namespace = new servicediscovery.PrivateDnsNamespace(
            `${name}-metrics`,
            { name: `${name}.${ctx.platform.stack}.internal`, vpc: ctx.network.vpcId, description: `${name}: tasks for the Prometheus scraper` },
            { parent: this },
        );
        const service = new FargateService(
            name,
            {
                ...serviceDefaults(ctx, name),
                serviceDiscovery: { namespaceId: namespace.id, name: "tasks" },
                cpu: s.cpu,
                memory: s.memory,
                desiredCount: s.desiredCount,
                secretArns: [...login.secretArns, license.arn, ...appSecrets.arns],
                ...serviceOperations(s),
                containers: afterBootstrap(
                    {
                        name,
                        image,
                        port: PORT,
                        stopTimeoutSeconds: s.stopTimeoutSeconds,
                        environment: {
                            ...s.environment,
                            [s.variables.writerHost]: database.writerAddress,
                            [s.variables.readerHost]: database.readerAddress,
                            [s.variables.port]: "5432",
                            [s.variables.name]: database.databaseName,
                            [s.variables.tls]: String(s.dbTls),
                        },
                        secrets: secretArns,
                    },
                    login,
                ),
                loadBalancer: balancer.serviceTarget(name, PORT),
                healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
            },
            { parent: this },
        );

        const tasks = service.securityGroup;
        balancer.allowTargets(tasks, PORT);
        s.prometheusCidrs.forEach((cidr) =>
            tasks.allowIngress(`prometheus-${nameFor(cidr)}`, { port: PORT, peer: { cidr }, description: `Prometheus scraper ${cidr}: /metrics` }),
        );
        database.connect("tasks", tasks, `${name} tasks`);
        tasks.allowHttpsEgress("license heartbeat, ECR, Secrets Manager, CloudWatch Logs");

        this.outputs = {
            apiUrl: balancer.url,
            writerEndpoint: database.writerAddress,
            readerEndpoint: database.readerAddress,
            databaseSecretArn: database.secretArn,
            applicationLoginSecretArn: login.secretArn,
            ...(repository ? { repositoryUrl: repository.url } : {}),
            licenseSecretArn: license.arn,
            secretArns: appSecrets.stored,
            ...operationsOutputs(service, name, s),
            logGroupName: service.logGroup.name,
            serviceName: service.service.name,
            /** For Prometheus: `dns_sd_configs: [{ names: [<this>], type: A, port: 8080 }]`. */
            metricsDnsName: pulumi.interpolate`tasks.${namespace.name}`,
        };
        this.registerOutputs(this.outputs);
    }
}

export const fargateRds = defineTopology({
    settings: settingsSchema,
    deploy: (name, settings, ctx, opts) => new FargateRds(name, settings, ctx, opts).outputs,
    async preflight(name, settings, ctx) {
        const token = await new Promise<string>((resolve) => settings.license.token.apply(resolve));
        const where = `platform:workloads.${name}.license`;
        if (token.startsWith(OFFLINE_SECRET_PREFIX)) {
            pulumi.log.warn(`${where}: not checked (the offline plan cannot decrypt secrets); pulumi preview checks it`);
            return;
        }
        verifyLicense(
            token,
            { accountId: ctx.accountId, accountClaim: settings.license.accountClaim, publicKeyPem: settings.license.publicKey, now: ctx.now },
            where,
        );
    },
});
