import { z } from "zod";
import { USAGE_DEFAULTS, UsageAssumptions, insightsSchema } from "./usage";
import { PolicySettings, productionSuppressionProblems, suppressionsSchema } from "./policy-config";
import { zoneShortage } from "./zones";
import {
    ENVIRONMENTS,
    EnvironmentName,
    EnvironmentProfile,
    INTERFACE_ENDPOINTS,
    InterfaceEndpoint,
    LOG_RETENTION_DAYS,
    NAT_STRATEGIES,
    NatStrategy,
    PROFILES,
} from "./profiles";
import { Acknowledgement, acknowledgementsSchema, productionAcknowledgementProblems } from "./acknowledge";
import { DEFAULT_QUOTAS, RegionalQuotas } from "./quotas";
import {
    OFFLINE_SECRET_PREFIX,
    acceptCliScalars,
    commercialRegion,
    crossFieldProblems,
    isAwsRegion,
    partitionProblem,
    namePattern,
    nameRule,
    cacheNodeType,
    secretPaths,
    ConfigProblem,
    ec2InstanceType,
    fargateCpu,
    fargateMemory,
    SchemaContext,
    cidrBlock,
    closestKey,
    foldTypos,
    formatIssues,
    integer,
    numberIn,
    oneOf,
    rdsInstanceClass,
    strictObject,
} from "./schema-kit";

/** The config namespace of this project (`platform:<key>`). */
export const NAMESPACE = "platform";

/** A topology's settings schema (every workload key except `topology`), built per stack. */
export type SettingsSchema = (ctx: SchemaContext, env: SchemaEnv) => z.ZodTypeAny;

/** The stack a workload's settings are validated for. */
export interface SchemaEnv {
    profile: EnvironmentProfile;
    environment: EnvironmentName;
    stack: string;
    /** The workload's name (`platform:workloads.<name>`): every default that names something derives from it. */
    workload: string;
    /**
     * The workload's `preset`, read before validation: a documented system's own names replace the
     * name-derived defaults (the topology validates the key itself). Default: none.
     */
    preset?: string;
}

/** The topologies a workload may name, with their settings schemas (components/topologies/registry.ts). */
export type TopologySchemas = Readonly<Record<string, SettingsSchema>>;

export interface NetworkConfig {
    /** VPC CIDR block. Default `10.0.0.0/16`. */
    cidr: string;
    /** Availability zones. Default: the profile's `azCount` (staging 2, production 3). */
    azCount: number;
    /** NAT gateways. Default: the profile's `natStrategy` (staging `single`, production `perAz`). */
    natStrategy: NatStrategy;
    /** Flow-log retention in days. Default: the profile's `flowLogRetentionDays`. */
    flowLogRetentionDays: number;
    /** Interface endpoints the network creates (`network.endpoints`). Default none. */
    endpoints: InterfaceEndpoint[];
}

export interface WorkloadConfig {
    /** A key of the topology registry. */
    topology: string;
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
    /** Policy violations the stack accepts on purpose (`platform:policy.suppress`). */
    policy: PolicySettings;
    /** Stateful replacements and deletions the stack accepts on purpose (`platform:acknowledge`). */
    acknowledge: Acknowledgement[];
    /** The account's regional quotas the plan counts against (`platform:quotas`). */
    quotas: RegionalQuotas;
    /** Regions the account's ECR images are replicated to (`platform:imageReplication`). */
    imageReplication?: { regions: string[] };
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
    /** The stack's other config keys, fully qualified (`aws:profile`, a mistyped `platfrom:environment`), for "did you mean". */
    otherKeys?: readonly string[];
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

/** A workload name its derived names accept (RDS identifiers take no double or trailing hyphen): 20 characters at most. */
const WORKLOAD_NAME = namePattern(20);
/** A stack name every derived physical name accepts: lowercase letters and digits, in words joined by single hyphens. */
const STACK_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

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
    cacheNodeType,
    auroraInstanceClass: rdsInstanceClass,
    auroraMinReaders: integer(0, 15),
    auroraMaxReaders: integer(0, 15),
} satisfies Record<keyof EnvironmentProfile, z.ZodTypeAny>).partial();

const networkSchema = strictObject({
    /** The VPC's block, /16 to /22 (room for public, private and data subnets in up to six AZs), host bits zero. */
    cidr: cidrBlock(16, 22).default("10.0.0.0/16"),
    /** Availability zones. Default: the profile's `azCount`. */
    azCount: integer(2, 6).optional(),
    /** NAT gateways; `none` leaves private subnets without internet egress. Default: the profile's `natStrategy`. */
    natStrategy: oneOf(NAT_STRATEGIES).optional(),
    /** Flow-log group retention, days. Default: the profile's `flowLogRetentionDays`. */
    flowLogRetentionDays: numberIn(LOG_RETENTION_DAYS).optional(),
    /**
     * Interface endpoints (PrivateLink) for what workloads reach without NAT: `ecr.api`, `ecr.dkr`
     * (image pulls; S3's gateway endpoint, always there, serves the layers), `logs`, `secretsmanager`,
     * `ssm`, `ssmmessages`, `ec2messages` (ECS Exec, Session Manager), `sqs`, `sns`, `kms`, `sts`,
     * `monitoring`. Each is billed per zone-hour (the cost estimate counts them). Default: none.
     */
    endpoints: z
        .array(oneOf(INTERFACE_ENDPOINTS))
        .refine((list) => new Set(list).size === list.length, { message: "lists a service twice" })
        .default([]),
});

/** Every `platform:*` key of a stack file; workloads are validated by their topologies. */
export const stackSchema = strictObject({
    /** The environment profile the stack starts from. */
    environment: oneOf(ENVIRONMENTS, "required: every stack names its environment profile: pulumi config set platform:environment production (or staging)"),
    /** Usage assumptions of the plan's cost estimate (insights/assumptions.ts). */
    insights: insightsSchema,
    /** Overrides of single profile keys. */
    profile: profileOverrides.default({}),
    /** The stack's network. */
    network: networkSchema.default({}),
    /**
     * Replication of the account's private ECR images to other regions (a DR region's copies). ECR
     * keeps one replication configuration per registry: set this in one stack per account and region.
     * Default: none.
     */
    imageReplication: strictObject({
        /** Regions every image is copied to, other than the stack's. */
        regions: z.array(commercialRegion).min(1, "give at least one region"),
    }).optional(),
    /** How the plan treats the policy pack (docs/policy.md). */
    policy: strictObject({
        /**
         * Violations accepted on purpose, each `{ rule, resource, reason }` (the resource by the name the
         * plan prints, or its URN); still shown, as suppressed, with the reason. In production a
         * mandatory rule needs a reason of at least a sentence. Default: none.
         */
        suppress: suppressionsSchema,
    }).default({}),
    /**
     * Replacements and deletions of stateful resources accepted on purpose, each `{ resource, action,
     * reason }` (the resource by the name the plan prints, or its URN; `action`: `replace` or `delete`,
     * or `update` for a global database upgraded outside Pulumi first); without one, the plan against a
     * baseline refuses them. In production the reason is at least a sentence. Default: none.
     */
    acknowledge: acknowledgementsSchema,
    /**
     * The account's quotas per region, where you have raised them (Service Quotas): the plan counts
     * what the stack creates in each region against them. Default: AWS's defaults for a new account.
     */
    quotas: strictObject({
        /** Elastic IP addresses per region (quota L-0263D0A3): NAT gateways' and static addresses. Default 5. */
        elasticIpsPerRegion: z.number().int().min(1).default(DEFAULT_QUOTAS.elasticIpsPerRegion),
        /** VPCs per region (quota L-F678F1CE): the stack's network and disaster-recovery networks. Default 5. */
        vpcsPerRegion: z.number().int().min(1).default(DEFAULT_QUOTAS.vpcsPerRegion),
    }).default({}),
    /** The workloads, by name: each names its `topology` and takes that topology's settings. Default: none. */
    // Each workload is validated on its own below, so that a stack-level mistake hides none of its.
    workloads: z.record(z.unknown()).default({}),
});

/**
 * Which profile key a workload setting defaults to: when such a default is invalid, the problem
 * is the override in `platform:profile`, not a key the user never set.
 */
const PROFILE_DEFAULTS: Record<string, (keyof EnvironmentProfile)[]> = {
    cpu: ["taskCpu", "taskMemory"],
    memory: ["taskMemory", "taskCpu"],
    minTasks: ["minTasks", "maxTasks"],
    maxTasks: ["maxTasks", "minTasks"],
    minReaders: ["auroraMinReaders", "auroraMaxReaders"],
    maxReaders: ["auroraMaxReaders", "auroraMinReaders"],
};

const hasPlaceholder = (value: unknown): boolean =>
    typeof value === "string"
        ? value.startsWith(OFFLINE_SECRET_PREFIX)
        : value !== null && typeof value === "object"
          ? Object.values(value).some(hasPlaceholder)
          : false;

/** A problem with a workload key the user never set, whose default is a profile override, names the override. */
function blameProfile(problem: ConfigProblem, settings: Record<string, unknown>, overridden: Set<string>, workloadPath: string): ConfigProblem {
    const relative = problem.path.slice(workloadPath.length + 1).split(".");
    const key = relative[relative.length - 1];
    const profileKey = (PROFILE_DEFAULTS[key] ?? []).find((k) => overridden.has(k));
    let node: unknown = settings;
    for (const k of relative) node = isRecord(node) ? node[k] : undefined;
    if (node !== undefined || !profileKey) return problem;
    return { path: `${NAMESPACE}:profile.${profileKey}`, message: `${problem.message} (the default of ${problem.path})` };
}

/**
 * Validates a stack's raw config against the schema of the whole stack and of each workload's
 * topology, and merges the environment profile. Throws a `ConfigValidationError` listing every
 * problem at once; returns a config nothing else needs to check.
 */
export function parseStackConfig(raw: RawStackConfig, topologies: TopologySchemas): PlatformConfig {
    const problems: ConfigProblem[] = [];
    const region = isAwsRegion(raw.region) ? raw.region : undefined;
    const ctx: SchemaContext = {
        secretKeys: new Set(raw.secretKeys),
        ...(region ? { region } : {}),
        undecrypted: hasPlaceholder(raw.values),
    };
    // A key in a mistyped namespace (`platfrom:environment`) or a mistyped `aws:region` is the one problem to report.
    const mistyped = new Map<string, string>();
    for (const key of raw.otherKeys ?? []) {
        const [namespace, name] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
        if (namespace !== NAMESPACE && closestKey(namespace, [NAMESPACE]))
            problems.push({ path: key, message: `unknown namespace; did you mean "${NAMESPACE}:${name}"?` });
        else if (namespace === "aws" && raw.region === undefined && closestKey(name, ["region"])) mistyped.set("aws:region", key);
    }
    const partition = region ? partitionProblem(region) : undefined;
    if (partition) problems.push({ path: "aws:region", message: partition });
    if (!region) {
        const typo = mistyped.get("aws:region");
        problems.push({
            path: typo ?? "aws:region",
            message: typo
                ? 'unknown key; did you mean "aws:region"? (the stack has no aws:region)'
                : `${raw.region === undefined || raw.region === null || raw.region === "" ? "required" : `${JSON.stringify(raw.region)} is not a region the AWS provider knows`}: pulumi config set aws:region us-east-1 (or another region)`,
        });
    }

    // `platform:network.cidr: x` in a stack file is one key with a dot in its name, not a path.
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.values)) {
        if (key.includes(".")) {
            problems.push({
                path: `${NAMESPACE}:${key}`,
                message: `a key with a dot in its name; nest it instead (${key.split(".").join(": ")}: ...), or set it with pulumi config set --path '${NAMESPACE}:${key}' <value>`,
            });
        } else values[key] = value;
    }

    const stackInput = acceptCliScalars(stackSchema, values) as Record<string, unknown>;
    const parsed = stackSchema.safeParse(stackInput);
    if (!parsed.success) problems.push(...formatIssues(parsed.error, stackInput, NAMESPACE, [], [], stackSchema));

    // Merge what is valid even when other keys are not, so that every problem is found in one run.
    const environmentResult = oneOf(ENVIRONMENTS).safeParse(values.environment);
    const environment: EnvironmentName = environmentResult.success ? environmentResult.data : "staging";
    const overridesResult = profileOverrides.safeParse(stackInput.profile ?? {});
    const profile: EnvironmentProfile = { ...PROFILES[environment], ...(overridesResult.success ? overridesResult.data : {}) };
    const rawProfile = { ...PROFILES[environment], ...(isRecord(stackInput.profile) ? stackInput.profile : {}) };
    if (typeof rawProfile.minTasks === "number" && typeof rawProfile.maxTasks === "number" && rawProfile.minTasks > rawProfile.maxTasks) {
        problems.push({
            path: `${NAMESPACE}:profile.minTasks`,
            message: `must not exceed maxTasks (${rawProfile.maxTasks}); got ${rawProfile.minTasks}`,
        });
    }
    const { dbAllocatedStorageGb: storage, dbMaxAllocatedStorageGb: maxStorage } = rawProfile;
    // RDS storage autoscaling: the maximum threshold is at least 10% above the allocated storage
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
    if (typeof storage === "number" && typeof maxStorage === "number" && maxStorage < Math.ceil(storage * 1.1)) {
        problems.push({
            path: `${NAMESPACE}:profile.dbMaxAllocatedStorageGb`,
            message: `must be at least 10% above dbAllocatedStorageGb (${storage}), so ${Math.ceil(storage * 1.1)} or more, as RDS storage autoscaling requires; got ${maxStorage}`,
        });
    }
    const overridden = new Set(Object.keys(isRecord(stackInput.profile) ? stackInput.profile : {}));
    const networkInput = isRecord(stackInput.network) ? stackInput.network : {};
    const azCount = typeof networkInput.azCount === "number" ? networkInput.azCount : profile.azCount;
    // Only a count the schema accepts (2..6) is compared with the region's zones.
    const shortage = region && networkSchema.shape.azCount.safeParse(networkInput.azCount).success ? zoneShortage(region, azCount) : undefined;
    if (shortage) problems.push({ path: `${NAMESPACE}:${typeof networkInput.azCount === "number" ? "network" : "profile"}.azCount`, message: shortage });
    const replication = stackSchema.shape.imageReplication.safeParse(stackInput.imageReplication);
    if (replication.success && region && replication.data?.regions.includes(region)) {
        const index = replication.data.regions.indexOf(region);
        problems.push({
            path: `${NAMESPACE}:imageReplication.regions[${index}]`,
            message: `${region} is the stack's own region: images are replicated to other regions`,
        });
    }
    const policy = stackSchema.shape.policy.safeParse(stackInput.policy);
    if (policy.success && environment === "production")
        for (const { index, message } of productionSuppressionProblems(policy.data))
            problems.push({ path: `${NAMESPACE}:policy.suppress[${index}].reason`, message });
    const acknowledged = stackSchema.shape.acknowledge.safeParse(stackInput.acknowledge);
    if (acknowledged.success && environment === "production")
        for (const { index, message } of productionAcknowledgementProblems(acknowledged.data))
            problems.push({ path: `${NAMESPACE}:acknowledge[${index}].reason`, message });

    // Every workload's physical names end with the stack's: RDS identifiers (lowercase letters, digits,
    // single hyphens, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html),
    // ECS task families (no dots), S3 buckets (no underscores or capitals), KMS aliases (no dots).
    if (isRecord(values.workloads) && Object.keys(values.workloads).length > 0 && !STACK_NAME.test(raw.stack)) {
        const suggestion = raw.stack
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-+|-+$/g, "");
        problems.push({
            path: `stack ${JSON.stringify(raw.stack)}`,
            message:
                "the workloads' physical names end with the stack's name (database <workload>-db-<stack>, task family <workload>-<stack>, buckets), " +
                `which AWS takes only as lowercase letters, digits and single hyphens: rename the stack (pulumi stack rename ${suggestion || "<new-name>"})`,
        });
    }

    const workloads: Record<string, WorkloadConfig> = {};
    for (const [name, workload] of Object.entries(isRecord(values.workloads) ? values.workloads : {})) {
        const path = `${NAMESPACE}:workloads.${name}`;
        if (!WORKLOAD_NAME.test(name)) {
            problems.push({
                path,
                message: `${nameRule("workload names", 20)}; got "${name}"`,
            });
        }
        if (!isRecord(workload)) {
            problems.push({ path, message: "expected an object with at least a topology key" });
            continue;
        }
        const names = Object.keys(topologies);
        const topology = workload.topology;
        if (typeof topology !== "string" || !names.includes(topology)) {
            const guess = typeof topology === "string" ? closestKey(topology, names) : undefined;
            const message =
                topology === undefined
                    ? `required: one of ${names.join(", ")}`
                    : `${guess ? `did you mean "${guess}"? ` : ""}must be one of: ${names.join(", ")}; got ${JSON.stringify(topology)}`;
            problems.push({ path: `${path}.topology`, message });
            continue;
        }
        const settingsSchema = topologies[topology];
        const { topology: _topology, ...rawSettings } = workload;
        const preset = typeof rawSettings.preset === "string" ? rawSettings.preset : undefined;
        const schema = settingsSchema(ctx, { profile, environment, stack: raw.stack, workload: name, ...(preset ? { preset } : {}) });
        const settings = acceptCliScalars(schema, rawSettings) as Record<string, unknown>;
        const result = schema.safeParse(settings);
        if (result.success) {
            workloads[name] = { topology, settings: result.data };
            continue;
        }
        const offset = ["workloads", name];
        const found = formatIssues(result.error, settings, NAMESPACE, secretPaths(schema, settings), offset, schema);
        // Rules across fields, also where other fields are invalid (zod skips them then).
        const crossIssues = crossFieldProblems(schema, settings).map((c) => ({ ...c, code: z.ZodIssueCode.custom }));
        for (const extra of formatIssues(new z.ZodError(crossIssues), settings, NAMESPACE, secretPaths(schema, settings), offset, schema)) {
            if (!found.some((f) => f.path === extra.path && f.message === extra.message)) found.push(extra);
        }
        problems.push(...found.map((p) => blameProfile(p, settings, overridden, path)));
    }

    if (problems.length > 0 || !parsed.success) throw new ConfigValidationError(foldTypos(problems));

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
            endpoints: [...network.endpoints],
        },
        workloads,
        usage: { ...USAGE_DEFAULTS, ...(parsed.data.insights as Partial<UsageAssumptions>) },
        policy: parsed.data.policy,
        acknowledge: parsed.data.acknowledge,
        quotas: parsed.data.quotas,
        ...(parsed.data.imageReplication ? { imageReplication: parsed.data.imageReplication } : {}),
    };
}
