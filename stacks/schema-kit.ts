import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * Building blocks for stack-config schemas. Every schema reports all of its problems in one
 * pass (zod collects issues across siblings), rejects unknown keys naming the allowed ones,
 * and states what is allowed; `formatIssues` adds the key path and the offending value.
 */

/** What a schema needs to know about the stack it validates. */
export interface SchemaContext {
    /** Fully qualified config keys that were set with `--secret` (e.g. `platform:workloads`). */
    readonly secretKeys: ReadonlySet<string>;
    /** The stack's `aws:region`, where it is a valid region. */
    readonly region?: string;
}

/** An object schema that rejects keys it does not declare, listing the allowed ones. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z
        .object(shape, {
            errorMap: (issue, ctx) =>
                issue.code === z.ZodIssueCode.unrecognized_keys
                    ? { message: `unknown key; allowed keys: ${allowed}` }
                    : { message: ctx.defaultError },
        })
        .strict();
}

export const integer = (min: number, max: number) =>
    z
        .number({ invalid_type_error: `expected an integer (allowed: ${min}..${max})` })
        .int(`expected an integer (allowed: ${min}..${max})`)
        .min(min, `must be at least ${min} (allowed: ${min}..${max})`)
        .max(max, `must be at most ${max} (allowed: ${min}..${max})`);

export const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values as unknown as [T[number], ...T[number][]], {
        errorMap: () => ({ message: `must be one of: ${values.join(", ")}` }),
    });

export const nonEmptyString = (what: string) =>
    z.string({ invalid_type_error: `expected ${what} (a string)` }).min(1, `${what} must not be empty`);

/** A number out of a fixed list (e.g. CloudWatch retention days). */
export const numberIn = (values: readonly number[]) =>
    z.number().refine((v) => values.includes(v), { message: `must be one of: ${values.join(", ")}` });

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses `a.b.c.d/n`; returns undefined if malformed. */
export function parseCidr(value: string): { address: number; prefix: number } | undefined {
    const [ip, bits, ...rest] = value.split("/");
    if (rest.length > 0 || !ip || !bits || !ipv4.test(ip) || !/^\d{1,2}$/.test(bits)) return undefined;
    const prefix = Number(bits);
    if (prefix > 32) return undefined;
    const address = ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
    return { address, prefix };
}

/** An IPv4 CIDR block with its host bits zero, and a prefix length in [minPrefix, maxPrefix]. */
export const cidrBlock = (minPrefix = 0, maxPrefix = 32) =>
    z.string({ invalid_type_error: "expected an IPv4 CIDR block such as 10.0.0.0/16" }).superRefine((value, ctx) => {
        const parsed = parseCidr(value);
        if (!parsed) {
            ctx.addIssue({ code: "custom", message: "not an IPv4 CIDR block; write it as a.b.c.d/n, e.g. 10.0.0.0/16" });
            return;
        }
        if (parsed.prefix < minPrefix || parsed.prefix > maxPrefix) {
            ctx.addIssue({ code: "custom", message: `prefix length must be /${minPrefix} to /${maxPrefix}` });
            return;
        }
        const hostBits = 32 - parsed.prefix;
        if (hostBits > 0 && parsed.address % 2 ** hostBits !== 0) {
            ctx.addIssue({ code: "custom", message: "host bits must be zero (write the network address of the block)" });
        }
    });

/**
 * Prefix of the stand-ins the offline plan puts where a stack file has `secure:` values: it has
 * no key to decrypt them. Checks that need a secret's plaintext skip these and say so.
 */
export const OFFLINE_SECRET_PREFIX = "offline-plan-placeholder-for-";

/**
 * A value that must have been set with `pulumi config set --secret [--path]` under the given
 * top-level key; it comes out as a secret `Output` so it never appears in plain text.
 */
export const secretString = (ctx: SchemaContext, topLevelKey: string, what: string) =>
    // One transform (not refine + transform) so that a plain-text secret leaves the parent object
    // "dirty" rather than aborted, and its sibling checks still report in the same run.
    nonEmptyString(what).transform((value, refinement) => {
        if (!ctx.secretKeys.has(topLevelKey)) {
            refinement.addIssue({
                code: "custom",
                message: `${what} is a secret: set it with \`pulumi config set --secret --path <key> <value>\`, not in plain text`,
            });
        }
        return pulumi.secret(value);
    });

/** One validation problem, ready to print. */
export interface ConfigProblem {
    /** Key path as `pulumi config set --path` spells it, e.g. `platform:network.cidr`. */
    readonly path: string;
    readonly message: string;
}

function render(value: unknown): string {
    if (value === undefined) return "nothing (the key is missing)";
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    return path.reduce<unknown>(
        (node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined),
        root,
    );
}

function joinPath(namespace: string, path: readonly (string | number)[]): string {
    const [head, ...rest] = path;
    const tail = rest.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
    return head === undefined ? namespace : `${namespace}:${head}${tail}`;
}

/** Turns zod issues into problems naming the key path, what is allowed and the bad value. */
export function formatIssues(error: z.ZodError, input: unknown, namespace: string): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const issue of error.issues) {
        if (issue.code === z.ZodIssueCode.unrecognized_keys) {
            for (const key of issue.keys) {
                const path = [...issue.path, key];
                problems.push({ path: joinPath(namespace, path), message: `${issue.message}; got ${render(valueAt(input, path))}` });
            }
            continue;
        }
        const path = joinPath(namespace, issue.path);
        problems.push({ path, message: `${issue.message}; got ${render(valueAt(input, issue.path))}` });
    }
    return problems;
}

/** Memory (MiB) Fargate accepts for each CPU value: [min, max, step]. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
    256: [512, 2048, 512], // 512, 1024, 2048 (1536 is not offered; checked below)
    512: [1024, 4096, 1024],
    1024: [2048, 8192, 1024],
    2048: [4096, 16384, 1024],
    4096: [8192, 30720, 1024],
    8192: [16384, 61440, 4096],
    16384: [32768, 122880, 8192],
};

/** Why a Fargate CPU/memory pair is invalid, or undefined if AWS accepts it. */
export function fargateSizeProblem(cpu: number, memory: number): string | undefined {
    const range = FARGATE_MEMORY[cpu];
    if (!range) return `Fargate CPU must be one of ${Object.keys(FARGATE_MEMORY).join(", ")}`;
    const [min, max, step] = range;
    const valid = memory >= min && memory <= max && (memory - min) % step === 0 && !(cpu === 256 && memory === 1536);
    return valid ? undefined : `Fargate does not offer ${memory} MiB with ${cpu} CPU; allowed: ${min}..${max} MiB in steps of ${step}${cpu === 256 ? " except 1536" : ""}`;
}

/** An environment variable name. */
export const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "variable names are upper-case letters, digits and _");

/** A security group ID. */
export const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, "expected a security group ID such as sg-0123456789abcdef0");

/** An ACM certificate ARN. */
export const certificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, "expected an ACM certificate ARN");

/** Who may reach a service: security groups and/or CIDR blocks. Default: nobody. */
export const clientsSchema = () =>
    strictObject({
        securityGroupIds: z.array(securityGroupId).default([]),
        cidrs: z.array(cidrBlock()).default([]),
    }).default({});

/** Fargate CPU units. */
export const fargateCpu = numberIn([256, 512, 1024, 2048, 4096, 8192, 16384]);
/** Fargate memory, MiB (checked against the CPU with `fargateSizeProblem`). */
export const fargateMemory = integer(512, 122880);

/** An RDS instance class such as db.t4g.micro. */
export const rdsInstanceClass = z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected an RDS instance class such as db.t4g.micro");

/** PostgreSQL major versions RDS offers. */
export const POSTGRES_VERSIONS = ["14", "15", "16", "17"] as const;
/** The PostgreSQL major version deployed when a stack names none (the SQL tests run on this one). */
export const POSTGRES_DEFAULT_MAJOR = "16";

/** An AWS region name (commercial, GovCloud and ISO partitions). */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
export const awsRegion = z.string().regex(AWS_REGION, "expected an AWS region such as eu-west-1");

/** An EC2 instance type such as t3.medium. */
export const ec2InstanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type such as t3.medium");

/** An HTTP path such as /health. */
export const urlPath = z.string().regex(/^\/[^\s]*$/, "expected a path starting with /");

/** Alarm subscribers. Default: none. */
export const emailList = () => z.array(z.string().email("expected an e-mail address")).default([]);

/** A PostgreSQL database name, and a master user name as RDS accepts it. */
export const pgIdentifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "expected a PostgreSQL identifier");
export const pgUsername = z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, "expected 1-16 lower-case letters, digits or _");

/** A workload's `database` settings: name, master user, instance class, major version. */
export const postgresSettings = (defaults: { name: string; username: string; instanceClass: string }) =>
    strictObject({
        /** Database created on the master. */
        name: pgIdentifier.default(defaults.name),
        /** Master user. */
        username: pgUsername.default(defaults.username),
        /** RDS instance class. */
        instanceClass: rdsInstanceClass.default(defaults.instanceClass),
        /** PostgreSQL major version. Default 16. */
        engineVersion: z.enum(POSTGRES_VERSIONS).default(POSTGRES_DEFAULT_MAJOR),
    }).default({});

/** The output of `postgresSettings`. */
export interface PostgresSettings {
    name: string;
    username: string;
    instanceClass: string;
    engineVersion: string;
}

/** A DNS host name such as api-origin.example.com. */
export const hostName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "expected a DNS name such as api-origin.example.com");

/** An ACM certificate of a load balancer: ACM certificates are regional, so it is issued in the stack's region. */
export const regionalCertificateArn = (ctx: SchemaContext) =>
    certificateArn.superRefine((arn, refinement) => {
        const at = arn.split(":")[3];
        if (ctx.region && at !== ctx.region) {
            refinement.addIssue({ code: "custom", message: `is issued in ${at}; a load balancer in ${ctx.region} (aws:region) needs a certificate issued in ${ctx.region}` });
        }
    });

/** A disaster-recovery region: any region but the stack's own. */
export const drRegion = (ctx: SchemaContext) =>
    awsRegion.refine((region) => region !== ctx.region, { message: `must differ from the stack's own region (aws:region ${ctx.region}): a copy in the same region survives nothing the primary does not` });

/** The load balancer behind CloudFront: its own HTTPS name (CloudFront's origin) and regional certificate. */
export const originSettings = (ctx: SchemaContext) => strictObject({ originDomainName: hostName, certificateArn: regionalCertificateArn(ctx) });

/** Viewer domain names of a CloudFront distribution and their certificate, which CloudFront takes only from us-east-1. */
export const viewerDomainSettings = () =>
    strictObject({
        names: z.array(hostName).min(1, "give at least one name"),
        certificateArn: certificateArn.refine((arn) => arn.split(":")[3] === "us-east-1", { message: "CloudFront only uses ACM certificates from us-east-1" }),
    });
