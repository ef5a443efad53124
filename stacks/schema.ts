import { z } from "zod";
import { USAGE_DEFAULTS, UsageAssumptions, insightsSchema } from "../insights/assumptions";
import {
    ENVIRONMENTS,
    EnvironmentName,
    EnvironmentProfile,
    LOG_RETENTION_DAYS,
    NAT_STRATEGIES,
    NatStrategy,
    PROFILES,
} from "./profiles";
import {
    AWS_REGION,
    ConfigProblem,
    ec2InstanceType,
    fargateCpu,
    fargateMemory,
    SchemaContext,
    cidrBlock,
    formatIssues,
    integer,
    numberIn,
    oneOf,
    rdsInstanceClass,
    strictObject,
} from "./schema-kit";

/** The config namespace of this project (`platform:<key>`). */
export const NAMESPACE = "platform";

/** Every topology the program knows; each lands with its own component. */
export const TOPOLOGIES = ["fargate-rds", "ecs-audit-worker", "aurora-web", "compose-host", "event-driven"] as const;
export type TopologyName = (typeof TOPOLOGIES)[number];

/** A topology's settings schema (every workload key except `topology`), built per stack. */
export type SettingsSchema = (ctx: SchemaContext, env: { profile: EnvironmentProfile; environment: EnvironmentName; stack: string }) => z.ZodTypeAny;

/** Which topologies are available, with their settings schemas; `undefined` = not yet available. */
export type TopologySchemas = Readonly<Record<TopologyName, SettingsSchema | undefined>>;

export interface NetworkConfig {
    /** VPC CIDR block. Default `10.0.0.0/16`. */
    cidr: string;
    /** Availability zones. Default: the profile's `azCount` (staging 2, production 3). */
    azCount: number;
    /** NAT gateways. Default: the profile's `natStrategy` (staging `single`, production `perAz`). */
    natStrategy: NatStrategy;
    /** Flow-log retention in days. Default: the profile's `flowLogRetentionDays`. */
    flowLogRetentionDays: number;
}

export interface WorkloadConfig {
    topology: TopologyName;
    /** The topology's validated settings (its schema's output). */
    settings: unknown;
}

/** The validated, merged configuration of one stack: `createPlatform`'s only input. */
export interface PlatformConfig {
    project: string;
    stack: string;
    environment: EnvironmentName;
    region: string;
    /** The environment's profile with the stack's overrides applied. */
    profile: EnvironmentProfile;
    network: NetworkConfig;
    workloads: Record<string, WorkloadConfig>;
    /** Usage assumptions of the cost estimate: the defaults with the stack's overrides. */
    usage: UsageAssumptions;
}

/** What the loader read from the stack: the project's config keys without their namespace. */
export interface RawStackConfig {
    project: string;
    stack: string;
    /** `aws:region`. */
    region: unknown;
    /** `platform:*` keys, namespace stripped, objects already parsed from JSON. */
    values: Record<string, unknown>;
    /** Fully qualified keys set with `--secret`. */
    secretKeys: readonly string[];
}

export class ConfigValidationError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(
            `Stack configuration is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
                problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

const WORKLOAD_NAME = /^[a-z][a-z0-9-]{0,19}$/;

const profileOverrides = strictObject({
    azCount: integer(2, 6),
    natStrategy: oneOf(NAT_STRATEGIES),
    logRetentionDays: numberIn(LOG_RETENTION_DAYS),
    flowLogRetentionDays: numberIn(LOG_RETENTION_DAYS),
    protectStatefulResources: z.boolean(),
    deletionProtection: z.boolean(),
    multiAz: z.boolean(),
    backupRetentionDays: integer(1, 35),
    dbInstanceClass: rdsInstanceClass,
    dbAllocatedStorageGb: integer(20, 65536),
    dbMaxAllocatedStorageGb: integer(20, 65536),
    requireDbTls: z.boolean(),
    databaseInsights: z.boolean(),
    readReplica: z.boolean(),
    taskCpu: fargateCpu,
    taskMemory: fargateMemory,
    minTasks: integer(1, 100),
    maxTasks: integer(1, 100),
    containerInsights: z.boolean(),
    hostInstanceType: ec2InstanceType,
    cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "expected an ElastiCache node type such as cache.t4g.micro"),
    auroraInstanceClass: rdsInstanceClass,
    auroraMinReaders: integer(0, 15),
    auroraMaxReaders: integer(0, 15),
} satisfies Record<keyof EnvironmentProfile, z.ZodTypeAny>).partial();

const networkSchema = strictObject({
    // /16../22: room for public, private and data subnets in up to six AZs.
    cidr: cidrBlock(16, 22).default("10.0.0.0/16"),
    azCount: integer(2, 6).optional(),
    natStrategy: oneOf(NAT_STRATEGIES).optional(),
    flowLogRetentionDays: numberIn(LOG_RETENTION_DAYS).optional(),
});

const stackSchema = strictObject({
    environment: oneOf(ENVIRONMENTS),
    /** Usage assumptions of the plan's cost estimate (insights/assumptions.ts). */
    insights: insightsSchema,
    profile: profileOverrides.default({}),
    network: networkSchema.default({}),
    workloads: z
        .record(
            z.string().regex(WORKLOAD_NAME, "workload names are 1-20 characters: a lowercase letter, then lowercase letters, digits or -"),
            z.object({ topology: oneOf(TOPOLOGIES) }).passthrough(),
        )
        .default({}),
});

/**
 * Validates a stack's raw config against the schema of the whole stack and of each workload's
 * topology, and merges the environment profile. Throws a `ConfigValidationError` listing every
 * problem at once; returns a config nothing else needs to check.
 */
export function parseStackConfig(raw: RawStackConfig, topologies: TopologySchemas): PlatformConfig {
    const region = typeof raw.region === "string" && AWS_REGION.test(raw.region) ? raw.region : undefined;
    const validRegion = region !== undefined;
    const ctx: SchemaContext = { secretKeys: new Set(raw.secretKeys), ...(region ? { region } : {}) };
    const problems: ConfigProblem[] = [];

    if (!validRegion) {
        problems.push({
            path: "aws:region",
            message: `expected an AWS region such as us-east-1 (pulumi config set aws:region us-east-1); got ${JSON.stringify(raw.region ?? null)}`,
        });
    }

    const parsed = stackSchema.safeParse(raw.values);
    if (!parsed.success) problems.push(...formatIssues(parsed.error, raw.values, NAMESPACE));

    // Merge what is valid even when other keys are not, so that every problem is found in one run.
    const environmentResult = oneOf(ENVIRONMENTS).safeParse(raw.values.environment);
    const environment: EnvironmentName = environmentResult.success ? environmentResult.data : "staging";
    const overridesResult = profileOverrides.safeParse(raw.values.profile ?? {});
    const profile: EnvironmentProfile = { ...PROFILES[environment], ...(overridesResult.success ? overridesResult.data : {}) };
    const rawProfile = { ...PROFILES[environment], ...(isRecord(raw.values.profile) ? raw.values.profile : {}) };
    if (typeof rawProfile.minTasks === "number" && typeof rawProfile.maxTasks === "number" && rawProfile.minTasks > rawProfile.maxTasks) {
        problems.push({
            path: `${NAMESPACE}:profile.minTasks`,
            message: `must not exceed maxTasks (${rawProfile.maxTasks}); got ${rawProfile.minTasks}`,
        });
    }
    const { dbAllocatedStorageGb: storage, dbMaxAllocatedStorageGb: maxStorage } = rawProfile;
    if (typeof storage === "number" && typeof maxStorage === "number" && maxStorage < storage) {
        problems.push({
            path: `${NAMESPACE}:profile.dbMaxAllocatedStorageGb`,
            message: `must be at least dbAllocatedStorageGb (${storage}); got ${maxStorage}`,
        });
    }

    const workloads: Record<string, WorkloadConfig> = {};
    const rawWorkloads = (raw.values.workloads ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, workload] of Object.entries(parsed.success ? parsed.data.workloads : {})) {
        const topology = workload.topology;
        const settingsSchema = topologies[topology];
        if (!settingsSchema) {
            const available = TOPOLOGIES.filter((t) => topologies[t]);
            problems.push({
                path: `${NAMESPACE}:workloads.${name}.topology`,
                message: `topology "${topology}" is not yet available in this version of the program; available: ${available.join(", ") || "none"}`,
            });
            continue;
        }
        const { topology: _topology, ...settings } = rawWorkloads[name];
        const result = settingsSchema(ctx, { profile, environment, stack: raw.stack }).safeParse(settings);
        if (result.success) {
            workloads[name] = { topology, settings: result.data };
        } else {
            const issues = result.error.issues.map((issue) => ({ ...issue, path: ["workloads", name, ...issue.path] }));
            problems.push(...formatIssues(new z.ZodError(issues), raw.values, NAMESPACE));
        }
    }

    if (problems.length > 0 || !parsed.success) throw new ConfigValidationError(problems);

    const network = parsed.data.network;
    return {
        project: raw.project,
        stack: raw.stack,
        environment,
        region: raw.region as string,
        profile,
        network: {
            cidr: network.cidr,
            azCount: network.azCount ?? profile.azCount,
            natStrategy: network.natStrategy ?? profile.natStrategy,
            flowLogRetentionDays: network.flowLogRetentionDays ?? profile.flowLogRetentionDays,
        },
        workloads,
        usage: { ...USAGE_DEFAULTS, ...(parsed.data.insights as Partial<UsageAssumptions>) },
    };
}
