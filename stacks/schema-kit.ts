import * as pulumi from "@pulumi/pulumi";
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { physicalNameProblem } from "./physical-names";

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
    /**
     * The values come from a stack file read without decrypting it (the offline plan, CI): every
     * `secure:` value is a placeholder, so a secret field holding anything else is plain text.
     */
    readonly undecrypted?: boolean;
}

/** An object schema that rejects keys it does not declare, listing the allowed ones. */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).join(", ");
    return z
        .object(shape, {
            errorMap: (issue, ctx) =>
                issue.code === z.ZodIssueCode.unrecognized_keys ? { message: `unknown key; allowed keys: ${allowed}` } : { message: ctx.defaultError },
        })
        .strict();
}

/** Reports one problem of a cross-field rule at `path` (relative to the object the rule checks). */
export type ReportIssue = (path: (string | number)[], message: string) => void;
/** One rule across several fields of an object (e.g. memory against CPU). */
export type CrossRule<S> = (settings: S, issue: ReportIssue) => void;

interface CrossChecked {
    object: z.ZodTypeAny;
    rules: CrossRule<never>[];
}
const CROSS_CHECKED = new WeakMap<z.ZodTypeAny, CrossChecked>();
const SKIP = Symbol("a field this rule reads is invalid");

/**
 * An object schema with rules across its fields. Each rule runs on its own; and when a field is
 * invalid, `crossFieldProblems` still runs every rule that does not read it, so one mistake never
 * hides another.
 */
export function withCrossChecks<T extends z.ZodTypeAny>(object: T, rules: CrossRule<z.output<T>>[]): z.ZodEffects<T, z.output<T>, z.input<T>> {
    // A transform, not a refinement: zod runs a refinement on an object with invalid fields too
    // (`cpu: 300` would also blame `memory`), a transform only once every field parsed. The rules
    // that read no invalid field still run then, in `crossFieldProblems`.
    const schema = object.transform((settings: z.output<T>, ctx) => {
        runRules(rules as CrossRule<unknown>[], settings, (path, message) => ctx.addIssue({ code: "custom", path, message }));
        return settings;
    }) as z.ZodEffects<T, z.output<T>, z.input<T>>;
    CROSS_CHECKED.set(schema, { object, rules: rules as CrossRule<never>[] });
    return schema;
}

function runRules(rules: CrossRule<unknown>[], settings: unknown, issue: ReportIssue): void {
    for (const rule of rules) {
        try {
            rule(settings, issue);
        } catch (err) {
            if (err !== SKIP) throw err;
        }
    }
}

const unwrap = (schema: z.ZodTypeAny): z.ZodTypeAny =>
    schema instanceof z.ZodDefault
        ? unwrap(schema._def.innerType)
        : schema instanceof z.ZodOptional
          ? unwrap(schema._def.innerType)
          : schema instanceof z.ZodEffects
            ? unwrap(schema._def.schema)
            : schema;

/** Parses an object field by field: what parses is kept (defaults applied), what does not reads as SKIP. */
function lenientParse(schema: z.ZodTypeAny, value: unknown): unknown {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodRecord) return lenientRecord(schema, value);
    if (!(inner instanceof z.ZodObject) || value === null || typeof value !== "object" || Array.isArray(value)) {
        const parsed = schema.safeParse(value);
        return parsed.success ? parsed.data : SKIP;
    }
    const whole = schema.safeParse(value);
    if (whole.success) return whole.data;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(inner.shape as z.ZodRawShape)) out[key] = lenientParse(field, (value as Record<string, unknown>)[key]);
    return guard(out);
}

/** A map parsed entry by entry: its keys are all there (a rule may count them), an invalid entry's value reads as SKIP. */
function lenientRecord(schema: z.ZodTypeAny, value: unknown): unknown {
    const whole = schema.safeParse(value);
    if (whole.success) return whole.data;
    const inner = unwrap(schema);
    if (!(inner instanceof z.ZodRecord) || value === null || typeof value !== "object" || Array.isArray(value)) return SKIP;
    return guard(Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, lenientParse(inner._def.valueType, entry)])));
}

/** Reading a field that did not parse throws SKIP, which skips the rule reading it. */
function guard(object: Record<string, unknown>): Record<string, unknown> {
    return new Proxy(object, {
        get(target, key) {
            const value = target[key as string];
            if (value === SKIP) throw SKIP;
            return value;
        },
    });
}

/**
 * The cross-field problems of `value` under `schema` when other fields are invalid (zod runs an
 * object's refinements only once all of its fields parse), with paths relative to `value`.
 */
export function crossFieldProblems(schema: z.ZodTypeAny, value: unknown): { path: (string | number)[]; message: string }[] {
    const checked = CROSS_CHECKED.get(schema);
    if (!checked) return [];
    const settings = lenientParse(checked.object, value);
    if (settings === SKIP) return [];
    const found: { path: (string | number)[]; message: string }[] = [];
    runRules(checked.rules as CrossRule<unknown>[], settings, (path, message) => found.push({ path, message }));
    return found;
}

/**
 * A physical name a workload derives from its own name, its services' and the stack's (a database's
 * identifier, a private DNS zone), with the key that sets it: the settings refuse one AWS would
 * refuse, naming that key, before anything is created.
 */
export interface DerivedPhysicalName {
    /** The resource type it names (a key of `NAME_RULES`, stacks/physical-names.ts). */
    type: string;
    /** What it names, as the message says it: "the database's identifier". */
    what: string;
    name: string;
    /** The key, relative to the workload's settings, that sets the part of `name` that can shrink (`["database", "identifier"]`); `[]` when none can. */
    key: (string | number)[];
    /** That part as `name` holds it (the key's value, or its default when `given` is false). Absent when no key sets it: `fix` says what to change. */
    part?: string;
    /** Whether the stack sets the key (then it is shortened, else set). */
    given?: boolean;
    /** What to change when no key sets the name. */
    fix?: string;
}

/**
 * A rule refusing derived physical names too long for AWS (stacks/physical-names.ts: the whole name,
 * or a DNS label), each at the key that sets it; the readiness check of the plan stays the last net.
 * Characters are not its business: every part of such a name is checked at its own key (workload and
 * service names, the stack's, an identifier). One problem per key, the one needing the shortest value
 * (a replica's `<identifier>-replica` before the master's `<identifier>`).
 */
export const physicalNamesFit =
    <S>(derive: (settings: S) => DerivedPhysicalName[]): CrossRule<S> =>
    (settings, issue) => {
        const found = derive(settings).flatMap((n) => {
            const problem = physicalNameProblem(n.type, n.name);
            if (!problem || problem.kind === "characters") return [];
            const room = n.part === undefined ? undefined : problem.max - (n.name.length - n.part.length);
            const key = n.key.join(".");
            const fix =
                n.fix ??
                (room !== undefined && room > 0
                    ? n.given
                        ? `shorten ${key} to ${room} character${room === 1 ? "" : "s"} or fewer`
                        : `set ${key} to a name of at most ${room} character${room === 1 ? "" : "s"}`
                    : `no value of ${key} fits`);
            return [{ key: n.key, room: room ?? 0, message: `${n.what} ${n.name} ${problem.message}: ${fix}` }];
        });
        const reported = new Set<string>();
        for (const f of found.sort((a, b) => a.room - b.room)) {
            const key = JSON.stringify(f.key);
            if (reported.has(key)) continue;
            reported.add(key);
            issue(f.key, f.message);
        }
    };

/** The fix of a derived DNS name the stack's name is one label of: DNS takes 63 characters a label. */
export const stackLabelFix = (stack: string) =>
    `the stack's name (${stack.length} characters) is one of its labels, and no key of the workload shortens it: use a stack name of at most 63 characters (pulumi stack rename)`;

export const integer = (min: number, max: number) =>
    z
        .number({ invalid_type_error: `expected an integer (allowed: ${min}..${max})` })
        .int(`expected an integer (allowed: ${min}..${max})`)
        .min(min, `must be at least ${min} (allowed: ${min}..${max})`)
        .max(max, `must be at most ${max} (allowed: ${min}..${max})`);

export const oneOf = <T extends readonly [string, ...string[]]>(values: T, whenMissing?: string) =>
    z.enum(values as unknown as [T[number], ...T[number][]], {
        errorMap: (issue) => ({
            message:
                issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined" && whenMissing
                    ? whenMissing
                    : `must be one of: ${values.join(", ")}`,
        }),
    });

export const nonEmptyString = (what: string) => z.string({ invalid_type_error: `expected ${what} (a string)` }).min(1, `${what} must not be empty`);

/** A number out of a fixed list (e.g. CloudWatch retention days). */
export const numberIn = (values: readonly number[]) => z.number().refine((v) => values.includes(v), { message: `must be one of: ${values.join(", ")}` });

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
 * Stands for the workload's name in a message of its settings' schema (which is built without
 * it), e.g. a `pulumi config set --path 'workloads.${THIS_WORKLOAD}.environment.X'` hint;
 * `formatIssues` writes the name in.
 */
export const THIS_WORKLOAD = "<this workload>";

/** Stands for the key a message is about, as `pulumi config set --path` spells it (`workloads.ledger.license.token`); `formatIssues` writes it in. */
export const THIS_KEY = "<this key>";

/** Marks a schema whose value is a secret: never printed, and `secure:` in the stack file. */
export const SECRET_FIELD = "platform:secret";

/**
 * A value that must have been set with `pulumi config set --secret [--path]` under the given
 * top-level key; it comes out as a secret `Output` so it never appears in plain text.
 */
export const secretString = (ctx: SchemaContext, topLevelKey: string, what: string) =>
    // One transform (not refine + transform) so that a plain-text secret leaves the parent object
    // "dirty" rather than aborted, and its sibling checks still report in the same run.
    nonEmptyString(what)
        .transform((value, refinement) => {
            // Under Pulumi one `--secret --path` value marks its whole top-level key secret, so a
            // plain-text neighbour passes at run time: only the stack file itself tells them apart.
            if (!ctx.secretKeys.has(topLevelKey) || (ctx.undecrypted && !value.startsWith(OFFLINE_SECRET_PREFIX))) {
                refinement.addIssue({
                    code: "custom",
                    message: `${what} is a secret: set it with \`pulumi config set --secret --path '${THIS_KEY}' <value>\`, not in plain text`,
                });
            }
            return pulumi.secret(value);
        })
        .describe(SECRET_FIELD);

/** One validation problem, ready to print. */
export interface ConfigProblem {
    /** Key path as `pulumi config set --path` spells it, e.g. `platform:network.cidr`. */
    readonly path: string;
    readonly message: string;
}

type Path = readonly (string | number)[];

/** The schema under default/optional/nullable/effects wrappers, and whether any layer is a secret. */
function peel(schema: z.ZodTypeAny): { inner: z.ZodTypeAny; secret: boolean } {
    let secret = false;
    let inner = schema;
    for (;;) {
        secret ||= inner.description === SECRET_FIELD;
        if (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner._def.innerType;
        else if (inner instanceof z.ZodEffects) inner = inner._def.schema;
        else return { inner, secret };
    }
}

/**
 * Walks a value along its schema, calling `visit` at every node with the schema that applies
 * there; `visit` may return a replacement for the node (used for leaves).
 */
function walk(
    schema: z.ZodTypeAny,
    value: unknown,
    path: Path,
    visit: (leaf: { inner: z.ZodTypeAny; secret: boolean }, value: unknown, path: Path) => unknown,
): unknown {
    const peeled = peel(schema);
    const { inner } = peeled;
    const replaced = visit(peeled, value, path);
    if (replaced !== value) return replaced;
    if (value === null || typeof value !== "object") return value;
    if (inner instanceof z.ZodObject && !Array.isArray(value)) {
        const shape = inner.shape as z.ZodRawShape;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k in shape ? walk(shape[k], v, [...path, k], visit) : v]));
    }
    if (inner instanceof z.ZodRecord && !Array.isArray(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(inner._def.valueType, v, [...path, k], visit)]));
    }
    if (inner instanceof z.ZodArray && Array.isArray(value)) return value.map((v, i) => walk(inner._def.type, v, [...path, i], visit));
    return value;
}

/**
 * What `pulumi config set --path` stores: `true`/`false` as booleans and integers as numbers,
 * even for keys that mean text (an image tag `1042`, an engine version `17`, a variable `20`).
 * Such values become strings wherever the schema expects a string; nothing else changes.
 */
export function acceptCliScalars(schema: z.ZodTypeAny, value: unknown): unknown {
    return walk(schema, value, [], ({ inner }, v) => {
        const wantsString = inner instanceof z.ZodString || (inner instanceof z.ZodEnum && typeof inner.options[0] === "string");
        return wantsString && (typeof v === "number" || typeof v === "boolean") ? String(v) : v;
    });
}

/** Whether a schema is, or holds somewhere inside it, a secret field. */
function holdsSecret(schema: z.ZodTypeAny): boolean {
    const { inner, secret } = peel(schema);
    if (secret) return true;
    if (inner instanceof z.ZodObject) return Object.values(inner.shape as z.ZodRawShape).some(holdsSecret);
    if (inner instanceof z.ZodRecord) return holdsSecret(inner._def.valueType);
    if (inner instanceof z.ZodArray) return holdsSecret(inner._def.type);
    return false;
}

/**
 * The paths (relative to `value`) whose values must never be printed: secret fields, and values
 * given where the schema expects something holding one (a token written in place of its object).
 */
export function secretPaths(schema: z.ZodTypeAny, value: unknown): Path[] {
    const found: Path[] = [];
    walk(schema, value, [], (peeled, v, path) => {
        const scalarInPlaceOfSecrets = (v === null || typeof v !== "object") && holdsSecret(peeled.inner);
        if (v !== undefined && (peeled.secret || scalarInPlaceOfSecrets)) found.push(path);
        return v;
    });
    return found;
}

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((k, i) => String(path[i]) === String(k));

function render(value: unknown): string {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * The key schema of the map (`z.record`) whose entry `path` names, if it does: zod reports a bad
 * key and a bad value of a map entry at the same path, the entry's.
 */
function mapKeySchemaAt(schema: z.ZodTypeAny, path: Path): z.ZodTypeAny | undefined {
    let node = peel(schema).inner;
    for (const [i, key] of path.entries()) {
        if (node instanceof z.ZodRecord) {
            if (i === path.length - 1) return node._def.keyType as z.ZodTypeAny;
            node = peel(node._def.valueType).inner;
        } else if (node instanceof z.ZodObject && typeof key === "string" && key in node.shape) node = peel((node.shape as z.ZodRawShape)[key]).inner;
        else if (node instanceof z.ZodArray && typeof key === "number") node = peel(node._def.type).inner;
        else return undefined;
    }
    return undefined;
}

/** Whether `issue` is about the key of a map entry (its name), not its value: the key's own schema refuses it with that message. */
function isMapKeyIssue(schema: z.ZodTypeAny | undefined, issue: z.ZodIssue): boolean {
    const keySchema = schema && mapKeySchemaAt(schema, issue.path);
    if (!keySchema) return false;
    const parsed = keySchema.safeParse(String(issue.path[issue.path.length - 1]));
    return !parsed.success && parsed.error.issues.some((i) => i.message === issue.message);
}

function valueAt(root: unknown, path: Path): unknown {
    return path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), root);
}

function joinPath(namespace: string, path: Path): string {
    const [head, ...rest] = path;
    const tail = rest.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("");
    return head === undefined ? namespace : `${namespace}:${head}${tail}`;
}

/** Edit distance counting a swap of two neighbours as one edit (`imgae` is one from `image`), for "did you mean". */
function distance(a: string, b: string): number {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    const d = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= x.length; i++) {
        for (let j = 1; j <= y.length; j++) {
            const cost = x[i - 1] === y[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[x.length][y.length];
}

/** The allowed key closest to a mistyped one, if it is close. */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
    const best = allowed.map((k) => ({ k, d: distance(key, k) })).sort((a, b) => a.d - b.d)[0];
    return best && best.d <= Math.max(1, Math.floor(Math.min(key.length, best.k.length) / 3)) ? best.k : undefined;
}

/**
 * One mistake, one problem: a mistyped key (`imgae`, "did you mean image?") also leaves the key it
 * meant unset, and that key's "required" would send the reader to the wrong line. Drops those.
 */
export function foldTypos(problems: readonly ConfigProblem[]): ConfigProblem[] {
    const meant = new Set<string>();
    for (const p of problems) {
        const guess = /^unknown (?:key|namespace); did you mean "([^"]+)"/.exec(p.message)?.[1];
        // The sibling it meant: `platform:workloads.w.imgae` -> `platform:workloads.w.image`, `platform:netwrok` -> `platform:network`;
        // a guess with its namespace (`platfrom:environment` -> `platform:environment`) as it is.
        const cut = p.path.includes(".") ? p.path.lastIndexOf(".") : p.path.indexOf(":");
        if (guess) meant.add(guess.includes(":") ? guess : `${p.path.slice(0, cut + 1)}${guess}`);
    }
    return problems.filter((p) => !(meant.has(p.path) && p.message.startsWith("required")));
}

/**
 * Turns zod issues into problems naming the key path (as `pulumi config set --path` spells it),
 * what is allowed and the bad value: a map key's problem (a variable or service name) shows the
 * key, not its entry. The value of a secret field, or of anything holding one, is never shown, nor
 * the whole of `input` (a rule about all of it). `offset` is where `input` sits below the namespace
 * (e.g. a workload's settings); `schema` is what `input` was parsed with (it tells a map's keys).
 */
export function formatIssues(
    error: z.ZodError,
    input: unknown,
    namespace: string,
    secrets: Path[] = [],
    offset: Path = [],
    schema?: z.ZodTypeAny,
): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const show = (path: Path) => {
        if (secrets.some((secret) => startsWith(path, secret) || startsWith(secret, path))) return "; the value is a secret and not shown";
        const value = path.length === 0 ? undefined : valueAt(input, path);
        return value === undefined ? "" : `; got ${render(value)}`;
    };
    // Messages name the workload where they say THIS_WORKLOAD, and their own key where they say THIS_KEY.
    const named = (message: string, path: Path) => {
        const key = joinPath(namespace, [...offset, ...path]).slice(namespace.length + 1);
        const workload = offset[0] === "workloads" && offset[1] !== undefined ? String(offset[1]) : THIS_WORKLOAD;
        return message.split(THIS_WORKLOAD).join(workload).split(THIS_KEY).join(key);
    };
    for (const issue of error.issues) {
        if (issue.code === z.ZodIssueCode.unrecognized_keys) {
            const allowed = /allowed keys: (.*)$/.exec(issue.message)?.[1]?.split(", ") ?? [];
            for (const key of issue.keys) {
                const path = [...issue.path, key];
                const guess = closestKey(key, allowed);
                const message = guess ? `unknown key; did you mean "${guess}"? (allowed keys: ${allowed.join(", ")})` : issue.message;
                problems.push({ path: joinPath(namespace, [...offset, ...path]), message: `${message}${show(path)}` });
            }
            continue;
        }
        const got = isMapKeyIssue(schema, issue) ? `; got ${JSON.stringify(String(issue.path[issue.path.length - 1]))}` : show(issue.path);
        problems.push({ path: joinPath(namespace, [...offset, ...issue.path]), message: `${named(issue.message, issue.path)}${got}` });
    }
    return problems;
}

/** "give at least 1 item(s)", "must be at most 20 character(s)", "must be at least 2". */
const bound = (which: string, type: string, limit: number | bigint) =>
    type === "array" ? `give ${which} ${limit} item(s)` : type === "string" ? `must be ${which} ${limit} character(s)` : `must be ${which} ${limit}`;

/** zod's own wording, in the words the rest of the messages use. */
const errorMap: z.ZodErrorMap = (issue, ctx) => {
    switch (issue.code) {
        case z.ZodIssueCode.invalid_type:
            if (issue.received === "undefined") return { message: "required" };
            return {
                message: `expected ${issue.expected === "object" ? "an object (nested keys)" : issue.expected === "array" ? "a list" : `a ${issue.expected}`}, not a ${issue.received}`,
            };
        case z.ZodIssueCode.invalid_enum_value:
            return { message: `must be one of: ${issue.options.join(", ")}` };
        case z.ZodIssueCode.unrecognized_keys:
            return { message: "unknown key" };
        case z.ZodIssueCode.too_small:
            return { message: bound("at least", issue.type, issue.minimum) };
        case z.ZodIssueCode.too_big:
            return { message: bound("at most", issue.type, issue.maximum) };
        case z.ZodIssueCode.invalid_string:
            return { message: "has the wrong format" };
        default:
            return { message: ctx.defaultError };
    }
};
z.setErrorMap(errorMap);

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
    return valid
        ? undefined
        : `Fargate does not offer ${memory} MiB with ${cpu} CPU; allowed: ${min}..${max} MiB in steps of ${step}${cpu === 256 ? " except 1536" : ""}`;
}

/** An environment variable name. */
export const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "variable names are upper-case letters, digits and _");

/** A security group ID. */
export const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, "expected a security group ID such as sg-0123456789abcdef0");

/** An ElastiCache node type. */
export const cacheNodeType = z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, "expected an ElastiCache node type such as cache.t4g.micro");

/** The region an ARN names (its fourth field). */
export const arnRegion = (arn: string): string => arn.split(":")[3];

/** An ARN of a resource the stack uses from its own region only, `why` saying what refuses another region's. */
export const inStackRegion = (arn: z.ZodString, ctx: SchemaContext, why: string) =>
    arn.refine(
        (value) => !ctx.region || arnRegion(value) === ctx.region,
        (value) => ({ message: `is in ${arnRegion(value)}, not the stack's region ${ctx.region}: ${why}; give one of ${ctx.region}` }),
    );

/** An ACM certificate ARN. */
export const certificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, "expected an ACM certificate ARN");

/** Who may reach a service: security groups and/or CIDR blocks. Default: nobody. */
export const clientsSchema = () =>
    strictObject({
        /** Security groups whose members may connect (e.g. the callers' own groups). Default: none. */
        securityGroupIds: z.array(securityGroupId).default([]),
        /** CIDR blocks that may connect (e.g. the VPC's or a peered network's). Default: none. */
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
/** The regions the AWS provider knows (its `Region` enum). */
export const AWS_REGIONS: readonly string[] = Object.values(Region);
export const isAwsRegion = (value: unknown): value is string => typeof value === "string" && AWS_REGIONS.includes(value);
export const awsRegion = z.string().refine(isAwsRegion, { message: "not a region the AWS provider knows (e.g. eu-west-1)" });

/**
 * The partition a region belongs to (what its ARNs start with), by the AWS SDK's partition table:
 * https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-endpoints/src/lib/aws/partitions.json
 * (each partition's `regionRegex`; GovCloud's `us-gov-` regions also match the commercial pattern, so the others are tried first).
 */
export function awsPartition(region: string): string {
    const partitions: [RegExp, string][] = [
        [/^cn-\w+-\d+$/, "aws-cn"],
        [/^us-gov-\w+-\d+$/, "aws-us-gov"],
        [/^us-iso-\w+-\d+$/, "aws-iso"],
        [/^us-isob-\w+-\d+$/, "aws-iso-b"],
        [/^eu-isoe-\w+-\d+$/, "aws-iso-e"],
        [/^us-isof-\w+-\d+$/, "aws-iso-f"],
        [/^eusc-de-\w+-\d+$/, "aws-eusc"],
    ];
    return partitions.find(([pattern]) => pattern.test(region))?.[1] ?? "aws";
}

/**
 * Why the program cannot deploy to `region`, or undefined. It deploys to the commercial partition
 * (`aws`) only: it names AWS-managed policies (`arn:aws:iam::aws:policy/...`) and CloudWatch's EC2
 * alarm actions (`arn:aws:automate:...`) by that partition's ARNs, which IAM and CloudWatch refuse
 * in another, and takes CloudFront's viewer certificates from us-east-1.
 */
export function partitionProblem(region: string): string | undefined {
    const partition = awsPartition(region);
    return partition === "aws"
        ? undefined
        : `${region} is in the ${partition} partition; this program deploys to the commercial partition (aws) only: it names AWS-managed policies and alarm actions by arn:aws: ARNs, which IAM and CloudWatch refuse in ${partition}, and takes CloudFront certificates from us-east-1; pick a commercial region (e.g. us-east-1, eu-west-1)`;
}

/** A region other stacks' resources replicate to: a region the provider knows, in the commercial partition (see `partitionProblem`). */
export const commercialRegion = awsRegion.superRefine((region, refinement) => {
    const problem = partitionProblem(region);
    if (problem) refinement.addIssue({ code: "custom", message: problem });
});

/**
 * A container image reference: `[registry/]repository[:tag][@sha256:digest]`, with no scheme, a
 * lowercase repository and a non-empty tag or a digest.
 * https://github.com/distribution/reference/blob/main/reference.go
 */
const IMAGE_REFERENCE =
    /^(?:[a-zA-Z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const imageReference = (what = "image") =>
    nonEmptyString(what).superRefine((value, refinement) => {
        const problem = value.includes("://")
            ? "an image reference has no scheme: write registry/repository:tag"
            : !IMAGE_REFERENCE.test(value)
              ? "expected [registry/]repository:tag or @sha256:digest, the repository in lowercase"
              : !/:[^/]+$|@sha256:/.test(value)
                ? "give a tag (repository:tag) or a digest (@sha256:...): an untagged image means whatever :latest is at deploy time"
                : /:latest$/.test(value)
                  ? "give a version tag or a digest (@sha256:...), not :latest: a task restarted later would run whatever was pushed last (the policy pack refuses it too)"
                  : undefined;
        if (problem) refinement.addIssue({ code: "custom", message: problem });
    });

/**
 * A container health check as a list of words: `CMD` and the command run directly, or `CMD-SHELL`
 * and a command for the container's shell. ECS's task definitions and the Compose specification
 * both take the list only in that form. Docker runs the words after `CMD-SHELL` as `/bin/sh -c
 * <word 2> <word 3>...`, so only the second is the command (`["CMD-SHELL", "curl", "-f", url]` runs
 * `curl` alone, which fails every time, and ECS replaces the task for ever): one command line. After
 * `CMD`, Docker executes the second word as the program itself, without a shell: a command line there
 * (`["CMD", "curl -f ... || exit 1"]`) names no file, and `||` as a word of its own reaches the
 * program as an argument: both fail every time too.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 * https://github.com/compose-spec/compose-spec/blob/main/05-services.md#healthcheck
 * https://github.com/moby/moby/blob/master/daemon/health.go
 */
/**
 * Words only a shell reads, which a health check's `CMD` form passes to its program unread (not `;`
 * or `>`, which `find -exec` and `test` take as arguments).
 */
const SHELL_OPERATORS = ["||", "&&", "|"];

/** A list of words as a stack file writes it: `["CMD-SHELL", "curl -f ... || exit 1"]`. */
const wordList = (words: string[]) => `[${words.map((w) => JSON.stringify(w)).join(", ")}]`;

export const healthCheckCommand = z
    .array(nonEmptyString("a health-check word"))
    .min(2, 'give CMD or CMD-SHELL and the command, e.g. ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]')
    .refine(
        (words) => words.length === 0 || words[0] === "CMD" || words[0] === "CMD-SHELL",
        (words) => {
            // `cmd-shell`, `Cmd`: Docker compares the first word exactly; the rest is the command.
            const marker = ["CMD", "CMD-SHELL"].find((m) => m === String(words[0]).toUpperCase());
            const suggestion = wordList(marker ? [marker, ...words.slice(1)] : ["CMD-SHELL", `${words.join(" ")} || exit 1`]);
            return {
                message: `starts with ${JSON.stringify(words[0])}: a health check starts with CMD (the command run directly) or CMD-SHELL (the command run by the container's shell), as ECS and Compose take it, e.g. ${suggestion}`,
            };
        },
    )
    .refine(
        (words) => words[0] !== "CMD-SHELL" || words.length === 2,
        (words) => ({
            message: `CMD-SHELL takes the command line as one word (the shell runs only the first one after it): write ${JSON.stringify(["CMD-SHELL", words.slice(1).join(" ")])}, or ${JSON.stringify(["CMD", ...words.slice(1)])}`,
        }),
    )
    // CMD runs its second word as the executable itself, without a shell: a whole command line there
    // names no file, and the check fails every time.
    .refine(
        (words) => words[0] !== "CMD" || !/\s/.test(String(words[1] ?? "").trim()),
        (words) => ({
            message: `CMD runs ${JSON.stringify(words[1])} as the name of the executable, without a shell (no file has that name): write ${wordList(["CMD-SHELL", words.slice(1).join(" ")])}`,
        }),
    )
    // Nor does it read `||`: the program gets it as an argument (curl as one more URL, and fails).
    .refine(
        (words) => words[0] !== "CMD" || !words.slice(2).some((w) => SHELL_OPERATORS.includes(w)),
        (words) => ({
            message: `CMD passes ${JSON.stringify(words.slice(2).find((w) => SHELL_OPERATORS.includes(w)))} to ${JSON.stringify(words[1])} as an argument, without a shell to read it: write ${wordList(["CMD-SHELL", words.slice(1).join(" ")])}`,
        }),
    );

/**
 * A name that begins derived physical names (`<workload>-db-<stack>`, `<workload>-<service>-db-<stack>`):
 * at most `max` characters, a lowercase letter, then lowercase letters, digits and single hyphens, not
 * ending with one, as RDS identifiers take them.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
 */
export const namePattern = (max: number) => new RegExp(`^(?=.{1,${max}}$)[a-z](?:-?[a-z0-9])*$`);
/** Says what `namePattern` takes. */
export const nameRule = (what: string, max: number) =>
    `${what} are 1-${max} characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with one`;

/** An EC2 instance type such as t3.medium. */
export const ec2InstanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type such as t3.medium");

/** An HTTP path such as /health. */
export const urlPath = z.string().regex(/^\/[^\s]*$/, "expected a path starting with /");

/** Alarm subscribers. Default: none. */
export const emailList = () => z.array(z.string().email("expected an e-mail address")).default([]);

/** A PostgreSQL database name, and a master user name as RDS accepts it. */
export const pgIdentifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "expected a PostgreSQL identifier");
/**
 * PostgreSQL's reserved key words (https://www.postgresql.org/docs/current/sql-keywords-appendix.html)
 * and role names: a role cannot be named after one unquoted, and RDS refuses such a master user.
 */
const PG_RESERVED_ROLES = new Set(
    (
        "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
        "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
        "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
        "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
        "select session_user some symmetric system_user table then to trailing true union unique user using variadic " +
        "when where window with public none"
    ).split(" "),
);

export const pgUsername = z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,15}$/, "expected 1-16 lower-case letters, digits or _")
    .refine(
        (name) => !PG_RESERVED_ROLES.has(name) && !name.startsWith("pg_") && !name.startsWith("rds_") && !["rdsadmin", "rdsrepladmin"].includes(name),
        (name) => ({
            message: `"${name}" is reserved (PostgreSQL keeps key words and pg_* role names, RDS its rds* roles), so RDS refuses it as the master user; set another (it defaults to the workload's name)`,
        }),
    );

/**
 * The names a workload's defaults derive from its own name, so that two workloads of one topology
 * never share one: `tickets-payments` gives the database and user `tickets_payments` (the user cut
 * to PostgreSQL-on-RDS's 16 characters), the variable prefix `TICKETS_PAYMENTS` and the lower-case
 * `slug` `tickets-payments` (bucket and cache prefixes).
 */
export function derivedNames(workload: string): { database: string; username: string; variablePrefix: string; slug: string } {
    // A name the stack schema refuses (`Ledger_1`) is reported there, once: its derivations stay valid.
    // (`<` and `>` stay: the settings tables show the defaults of a workload called `<name>`.)
    const slug = workload.toLowerCase().replace(/[^a-z0-9<>-]+/g, "-");
    const snake = slug.replace(/-/g, "_");
    return { database: snake, username: snake.slice(0, 16), variablePrefix: snake.toUpperCase(), slug };
}

/**
 * A topology's presets: each a documented system's own names, chosen with `preset: <name>`. The
 * defaults of the preset the workload names, or of none.
 */
export function presetDefaults<P extends string, D>(presets: Record<P, D>, preset: string | undefined): D | undefined {
    return preset !== undefined && Object.prototype.hasOwnProperty.call(presets, preset) ? presets[preset as P] : undefined;
}

/** The `preset` key of a topology with presets: one of their names. */
export const presetKey = <P extends string>(presets: Record<P, unknown>) => oneOf(Object.keys(presets) as [P, ...P[]]).optional();

/** An RDS instance or cluster identifier: a letter, then letters, digits and single hyphens, 63 at most. */
export const rdsIdentifier = z
    .string()
    .regex(/^[a-z](?!.*--)[a-z0-9-]{0,62}$/, "expected 1-63 lower-case letters, digits and single hyphens, starting with a letter")
    .refine((v) => !v.endsWith("-"), "must not end with a hyphen");

/** The keys of every workload's `database` settings. */
const postgresKeys = (defaults: { name: string; username: string; instanceClass: string }) => ({
    /** Database created on the master. */
    name: pgIdentifier.default(defaults.name),
    /** Master user. */
    username: pgUsername.default(defaults.username),
    /** RDS instance class. */
    instanceClass: rdsInstanceClass.default(defaults.instanceClass),
    /** PostgreSQL major version. Default 16. */
    engineVersion: z.enum(POSTGRES_VERSIONS).default(POSTGRES_DEFAULT_MAJOR),
    /** The instance's identifier (it names the exported log groups). Default `<workload>-db-<stack>`; an existing instance's keeps it. */
    identifier: rdsIdentifier.optional(),
});

/** A workload's `database` settings: name, master user, instance class, major version. */
export const postgresSettings = (defaults: { name: string; username: string; instanceClass: string }) => strictObject(postgresKeys(defaults)).default({});

/** `database.bootstrapImage`, shared by every database whose tasks run the `db-bootstrap` container. */
export const bootstrapImageSetting = {
    /** The image of the one-shot `db-bootstrap` container that creates the application's login with `psql`: a PostgreSQL image of the database's major version. Default `public.ecr.aws/docker/library/postgres:<major>-alpine` (ECR Public); a private copy in ECR in the stack's region (an ECR pull-through cache of ECR Public, for one: the execution role may create its repository and import the image, as its first pull does) lets tasks without an internet route (`network.natStrategy: none` with the ECR endpoints) start. */
    bootstrapImage: imageReference("bootstrapImage").optional(),
};

/** The `database` settings of a workload whose tasks create their login with the `db-bootstrap` container: the above, and that container's image. */
export const taskPostgresSettings = (defaults: { name: string; username: string; instanceClass: string }) =>
    strictObject({
        ...postgresKeys(defaults),
        ...bootstrapImageSetting,
    }).default({});

/** The output of `postgresSettings`. */
export interface PostgresSettings {
    name: string;
    username: string;
    instanceClass: string;
    engineVersion: string;
    identifier?: string;
    bootstrapImage?: string;
}

/** A DNS host name such as api-origin.example.com. */
export const hostName = z
    .string()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "expected a DNS name such as api-origin.example.com");

/** An ACM certificate of a load balancer: ACM certificates are regional, so it is issued in the stack's region. */
export const regionalCertificateArn = (ctx: SchemaContext) =>
    certificateArn.superRefine((arn, refinement) => {
        const at = arnRegion(arn);
        if (ctx.region && at !== ctx.region) {
            refinement.addIssue({
                code: "custom",
                message: `is issued in ${at}; a load balancer in ${ctx.region} (aws:region) needs a certificate issued in ${ctx.region}`,
            });
        }
    });

/**
 * An API load balancer serves HTTPS in production; plain HTTP inside the VPC only when the stack
 * says so with `allowPlaintext: true`. A cross-field rule of every topology with such a balancer.
 */
export const httpsInProduction =
    (environment: string) =>
    (s: { certificateArn?: string; allowPlaintext: boolean }, issue: ReportIssue): void => {
        if (environment === "production" && !s.certificateArn && !s.allowPlaintext) {
            issue(
                ["certificateArn"],
                "production APIs serve HTTPS: set an ACM certificate issued in the stack's region, or allowPlaintext: true to accept plain HTTP inside the VPC",
            );
        }
    };

/** Accept plain HTTP on an internal API in production. Default `false`. */
export const allowPlaintext = () => z.boolean().default(false);

/** Why a disaster-recovery region may not be the stack's own. */
export const drRegionProblem = (ctx: SchemaContext) =>
    `must differ from the stack's own region (aws:region ${ctx.region}): a copy in the same region survives nothing the primary does not`;

/** A disaster-recovery region: any region but the stack's own. */
export const drRegion = (ctx: SchemaContext) => commercialRegion.refine((region) => region !== ctx.region, { message: drRegionProblem(ctx) });

/** The load balancer behind CloudFront: its own HTTPS name (CloudFront's origin) and regional certificate. */
export const originSettings = (ctx: SchemaContext) =>
    strictObject({
        /** The balancer's own HTTPS name (a DNS record pointing at it): CloudFront's origin, matching the certificate. Required. */
        originDomainName: hostName,
        /** ACM certificate for `originDomainName`, issued in the stack's region (the balancer's). Required. */
        certificateArn: regionalCertificateArn(ctx),
    });

/** Viewer domain names of a CloudFront distribution and their certificate, which CloudFront takes only from us-east-1. */
export const viewerDomainSettings = () =>
    strictObject({
        /** The names viewers use (CloudFront aliases), at least one. */
        names: z.array(hostName).min(1, "give at least one name"),
        /** ACM certificate covering `names`, issued in us-east-1 (CloudFront takes certificates only from there). */
        certificateArn: certificateArn.refine((arn) => arnRegion(arn) === "us-east-1", { message: "CloudFront only uses ACM certificates from us-east-1" }),
    });
