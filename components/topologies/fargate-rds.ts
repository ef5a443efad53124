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
    taskPostgresSettings,
    derivedNames,
    presetDefaults,
    presetKey,
    secretString,
    SchemaContext,
    strictObject,
    THIS_WORKLOAD,
    allowPlaintext,
    httpsInProduction,
    withCrossChecks,
    urlPath,
    physicalNamesFit,
    stackLabelFix,
} from "../../stacks/schema-kit";
import { FargateService, serviceDefaults } from "../blocks/fargate-service";
import { LoadBalancer, balancerDefaults, clientPeers } from "../blocks/load-balancer";
import { databaseIdentifiers, workloadDatabase } from "../blocks/postgres";
import { storeSecret } from "../blocks/secret";
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
import { WorkloadContext } from "../context";
import { verifyLicense } from "../license";
import { SettingsOf, WorkloadOutputs, defineTopology, warnOnce } from "../topology";
import { nameFor } from "../names";

/** Container port of the service (API and /metrics). */
const PORT = 8080;

/** The database connection the program hands the service, and the variable each goes in by default: `<PREFIX>_DB_WRITER_HOST` and so on. */
export const connectionVariables = (prefix: string) =>
    ({
        /** Variable holding the master's address. Default `<PREFIX>_DB_WRITER_HOST`. */
        writerHost: `${prefix}_DB_WRITER_HOST`,
        /** Variable holding the read replica's address (the master's without one). Default `<PREFIX>_DB_READER_HOST`. */
        readerHost: `${prefix}_DB_READER_HOST`,
        /** Variable holding the database port. Default `<PREFIX>_DB_PORT`. */
        port: `${prefix}_DB_PORT`,
        /** Variable holding the database name. Default `<PREFIX>_DB_NAME`. */
        name: `${prefix}_DB_NAME`,
        /** Variable saying whether TLS to the database is required (`dbTls`). Default `<PREFIX>_DB_TLS`. */
        tls: `${prefix}_DB_TLS`,
        /** Variable holding the service's database user (from Secrets Manager). Default `<PREFIX>_DB_USER`. */
        user: `${prefix}_DB_USER`,
        /** Variable holding its password (from Secrets Manager). Default `<PREFIX>_DB_PASSWORD`. */
        password: `${prefix}_DB_PASSWORD`,
    }) as const;
type ConnectionVariables = Record<keyof ReturnType<typeof connectionVariables>, string>;

/**
 * Documented systems this topology models, chosen with `preset`: their own names in place of the
 * workload-derived ones. `ledger`: the licensed ledger service (variables `LEDGER_*`, database and
 * user `ledger`, and it refuses to start without its license, so `license.token` is required).
 */
export const FARGATE_RDS_PRESETS = {
    ledger: { variablePrefix: "LEDGER", database: "ledger", username: "ledger", licenseRequired: true },
} as const;

/** Variables the program sets itself (config may not set them): the connection's, as configured. */
const providedVariables = (variables: ConnectionVariables): string[] => Object.values(variables);

/** The private DNS namespace the Prometheus scraper finds the tasks in: `<workload>.<stack>.internal`. */
export const metricsNamespaceName = (workload: string, stack: string): string => `${workload}.${stack}.internal`;

const settingsSchema = (ctx: SchemaContext, { profile, environment, stack, workload, preset: presetName }: SchemaEnv) => {
    const preset = presetDefaults(FARGATE_RDS_PRESETS, presetName);
    const derived = { ...derivedNames(workload), ...preset };
    const defaultVariables = connectionVariables(derived.variablePrefix);
    return withCrossChecks(
        strictObject({
            /** A documented system's own names instead of the workload-derived defaults: `ledger` (see the topology's page). Default: none. */
            preset: presetKey(FARGATE_RDS_PRESETS),
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
             * readerHost, port, name, tls, user, password). Default: `<NAME>_DB_WRITER_HOST` and so on, `<NAME>` the
             * workload's name upper-cased with `_` for `-` (the `ledger` preset: `LEDGER_DB_WRITER_HOST`).
             */
            variables: strictObject(
                Object.fromEntries(Object.entries(defaultVariables).map(([key, variable]) => [key, envVarName.default(variable)])) as Record<
                    keyof ConnectionVariables,
                    z.ZodDefault<typeof envVarName>
                >,
            ).default({}),
            /** Read replica for all reads. Default: the profile's `readReplica` (on in production). */
            readReplica: z.boolean().default(profile.readReplica),
            /** `rds.force_ssl=1` and `<NAME>_DB_TLS=true`. Default: the profile's `requireDbTls` (on in production). */
            dbTls: z.boolean().default(profile.requireDbTls),
            /** Database name and master user (default: the workload's name, `_` for `-`), instance class (default: the profile's), major version (default 16). */
            database: taskPostgresSettings({ name: derived.database, username: derived.username, instanceClass: profile.dbInstanceClass }),
            /** Plain environment variables of the service. Default `{}`. */
            environment: z.record(envVarName, z.string()).default({}),
            ...operationsSettings(ctx),
            /** Variables the service refuses to start without; each must be in environment or secrets. Default `[]`. */
            requiredVariables: z.array(envVarName).default([]),
            /**
             * A per-customer license (a JWT naming the AWS account) the image reads at start: checked
             * against the stack's account at preview, stored in Secrets Manager. Optional (required by
             * the `ledger` preset). Default: none.
             */
            license: strictObject({
                /** The per-customer `license.jwt`. Required with `license`, secret. */
                token: secretString(ctx, "platform:workloads", "the license"),
                /** Claim holding the licensed AWS account ID. Default `aws_account_id`. */
                accountClaim: nonEmptyString("claim name").default("aws_account_id"),
                /** Vendor's Ed25519 public key (PEM); when set the signature is verified at preview. */
                publicKey: z.string().includes("BEGIN PUBLIC KEY", { message: "expected a PEM public key (-----BEGIN PUBLIC KEY-----)" }).optional(),
                /** Variable the container reads the license from. Default `<NAME>_LICENSE` (the `ledger` preset: `LEDGER_LICENSE`). */
                variable: envVarName.default(`${derived.variablePrefix}_LICENSE`),
            }).optional(),
        }),
        [
            httpsInProduction(environment),
            (s, issue) =>
                preset?.licenseRequired &&
                !s.license &&
                issue(
                    ["license", "token"],
                    `the ${s.preset} preset's service refuses to start without its license: pulumi config set --secret --path 'workloads.${workload}.license.token' "$(cat license.jwt)"`,
                ),
            (s, issue) => {
                const size = fargateSizeProblem(s.cpu, s.memory);
                if (size) issue(["memory"], size);
            },
            (s, issue) => {
                const configured = new Set([
                    ...Object.keys(s.environment),
                    ...Object.keys(s.secrets),
                    ...Object.keys(s.existingSecrets),
                    ...licenseVariable(s),
                ]);
                for (const name of s.requiredVariables) {
                    if (!configured.has(name) && !providedVariables(s.variables).includes(name)) {
                        issue(
                            ["requiredVariables"],
                            `${name} is required by the service but set in neither environment nor secrets (pulumi config set --path 'workloads.${THIS_WORKLOAD}.environment.${name}' <value>, or --secret under secrets)`,
                        );
                    }
                }
            },
            oneSourcePerVariable((s) => [...providedVariables(s.variables), ...licenseVariable(s)]),
            rollingDeployProgresses((s) => ({ tasks: s.desiredCount, what: "desiredCount" })),
            imageSources((s) => [[[], s]]),
            physicalNamesFit((s) => [
                ...databaseIdentifiers(`${workload}-db`, stack, ["database", "identifier"], s.database.identifier, s.readReplica),
                {
                    type: "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
                    what: "the Prometheus scraper's DNS namespace",
                    name: metricsNamespaceName(workload, stack),
                    key: [],
                    fix: stackLabelFix(stack),
                },
            ]),
        ],
    );
};

/** The license's variable, when the workload has a license. */
const licenseVariable = (s: { license?: { variable: string } }): string[] => (s.license ? [s.license.variable] : []);

/** What a workload of this topology deploys from: its validated settings. */
export type FargateRdsSettings = SettingsOf<typeof settingsSchema>;

/**
 * One container on Fargate in private subnets, RDS PostgreSQL
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
        const license = s.license && storeSecret(`${name}-license`, { value: s.license.token, description: `${name} license.jwt`, protect }, this);
        const appSecrets = applicationSecrets(name, s, protect, this);
        const { image, repository } = resolveImage(`${name}-images`, s, s, protect, this);
        // The service logs in as its own role; only the bootstrap container sees the master's credentials.
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
            ...(s.license && license ? { [s.license.variable]: license.arn } : {}),
            ...appSecrets.variables,
        };
        // The scraper finds the tasks by DNS (one A record per task): Prometheus' dns_sd_configs.
        const namespace = new servicediscovery.PrivateDnsNamespace(
            `${name}-metrics`,
            { name: metricsNamespaceName(name, ctx.platform.stack), vpc: ctx.network.vpcId, description: `${name}: tasks for the Prometheus scraper` },
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
                secretArns: [...login.secretArns, ...(license ? [license.arn] : []), ...appSecrets.arns],
                secretKeyArns: appSecrets.keyArns,
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
        tasks.allowHttpsEgress(s.license ? "license heartbeat, ECR, Secrets Manager, CloudWatch Logs" : "ECR, Secrets Manager, CloudWatch Logs");

        this.outputs = {
            apiUrl: balancer.url,
            writerEndpoint: database.writerAddress,
            readerEndpoint: database.readerAddress,
            databaseSecretArn: database.secretArn,
            applicationLoginSecretArn: login.secretArn,
            ...(repository ? { repositoryUrl: repository.url } : {}),
            ...(license ? { licenseSecretArn: license.arn } : {}),
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
        if (!settings.license) return;
        const license = settings.license;
        const token = await new Promise<string>((resolve) => license.token.apply(resolve));
        const where = `platform:workloads.${name}.license`;
        if (token.startsWith(OFFLINE_SECRET_PREFIX)) {
            warnOnce(`${where}: not checked (the offline plan cannot decrypt secrets); pulumi preview checks it`);
            return;
        }
        verifyLicense(token, { accountId: ctx.accountId, accountClaim: license.accountClaim, publicKeyPem: license.publicKey, now: ctx.now }, where);
    },
});
