import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { OFFLINE_SECRET_PREFIX } from "../stacks/schema-kit";

/** A stack's config as the Pulumi CLI would hand it to the program, minus decryption. */
export interface StackFileConfig {
    project: string;
    stack: string;
    /** Fully qualified key -> value as a string (objects as JSON), like PULUMI_CONFIG. */
    config: Record<string, string>;
    /** Keys holding a `secure:` value anywhere inside them, like PULUMI_CONFIG_SECRET_KEYS. */
    secretKeys: string[];
}

/** The folder holding `Pulumi.yaml`, whether this runs from source or compiled into `bin/`. */
export function findProjectDir(from = __dirname): string {
    for (let dir = from; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
    }
}

export const PROJECT_DIR = findProjectDir();

/**
 * Stand-in for a `secure:` value: the plan never decrypts (it has no passphrase or KMS key), so a
 * secret becomes this placeholder, which the program still treats as a secret.
 */
export const secretPlaceholder = (keyPath: string) => `${OFFLINE_SECRET_PREFIX}${keyPath}`;

/** A stack or project file that is not valid YAML; the message names the file and the line. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/**
 * A file that cannot be a stack file at all (missing, binary, a list at the top): the command was
 * given the wrong file, so the plan stops with one line and exit code 2, as for a bad argument.
 */
export class NotAStackFileError extends StackFileError {
    constructor(message: string) {
        super(message);
        this.name = "NotAStackFileError";
    }
}

const kindOf = (doc: unknown) => (Array.isArray(doc) ? "a list" : typeof doc === "string" ? "plain text" : `a ${typeof doc}`);

/** A YAML file whose top level is a map (or empty); `what` names it in messages ("stack file", "project file"). */
function readYaml(file: string, what: string): Record<string, unknown> {
    const bytes = fs.readFileSync(file);
    let text: string;
    try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        text = "\0";
    }
    if (text.includes("\0")) throw new NotAStackFileError(`${file}: not a ${what}: binary content, not YAML text`);
    let doc: unknown;
    try {
        doc = parse(text) as unknown;
    } catch (err) {
        throw new StackFileError(`${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc))
        throw new NotAStackFileError(`${file}: not a ${what}: its top level is ${kindOf(doc)}, not a map of keys`);
    return doc as Record<string, unknown>;
}

/** Replaces `{ secure: ... }` with placeholders; reports whether any were found. */
function replaceSecrets(value: unknown, keyPath: string): { value: unknown; secret: boolean } {
    if (Array.isArray(value)) {
        const items = value.map((v, i) => replaceSecrets(v, `${keyPath}[${i}]`));
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return { value: secretPlaceholder(keyPath), secret: true };
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            const r = replaceSecrets(v, `${keyPath}.${k}`);
            out[k] = r.value;
            secret ||= r.secret;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}

/**
 * Reads `Pulumi.yaml` (project config defaults) and a stack file (`Pulumi.<stack>.yaml`, or
 * `configFile`), merging them as the CLI does: stack values win, keys without a namespace belong
 * to the project.
 */
export function readStackFiles(stack: string, configFile?: string, projectDir = PROJECT_DIR): StackFileConfig {
    const project = readYaml(path.join(projectDir, "Pulumi.yaml"), "project file");
    const projectName = String(project.name);
    const qualify = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);

    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const put = (key: string, raw: unknown) => {
        const { value, secret } = replaceSecrets(raw, key);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
        if (secret) secretKeys.add(key);
        else secretKeys.delete(key);
    };

    const declared = (project.config ?? {}) as Record<string, unknown>;
    for (const [key, decl] of Object.entries(declared)) {
        const d = decl as Record<string, unknown> | null;
        const value = d && typeof d === "object" && !Array.isArray(d) ? (d.default ?? d.value) : decl;
        if (value !== undefined) put(qualify(key), value);
    }

    const file = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new NotAStackFileError(`stack file not found: ${file}`);
    const stackDoc = readYaml(file, "stack file");
    const stackConfig = stackDoc.config ?? {};
    if (typeof stackConfig !== "object" || Array.isArray(stackConfig))
        throw new NotAStackFileError(`${file}: not a stack file: its config: is ${kindOf(stackConfig)}, not a map of keys`);
    for (const [key, value] of Object.entries(stackConfig as Record<string, unknown>)) put(qualify(key), value);

    return { project: projectName, stack, config, secretKeys: [...secretKeys] };
}

/** Stack names of the `Pulumi.<stack>.yaml` files shipped in the project. */
export function shippedStacks(projectDir = PROJECT_DIR): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
