import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, PlatformConfig, RawStackConfig, TopologySchemas, parseStackConfig } from "./schema";

// The SDK knows which keys the CLI decrypted (PULUMI_CONFIG_SECRET_KEYS) but exports that check only
// internally; its typings omit it. A nested `--secret --path` value marks its whole top-level key.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** A config value as the CLI hands it over: objects and arrays as JSON, strings as they are. */
export function parseValue(value: string): unknown {
    // Objects and arrays arrive as JSON; plain strings may not be JSON at all.
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/** Reads the running stack's config (namespace `platform:` plus `aws:region`) without validating it. */
export function readRawStackConfig(): RawStackConfig {
    const all = pulumi.runtime.allConfig();
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(`${NAMESPACE}:`)) values[key.slice(NAMESPACE.length + 1)] = parseValue(value);
    }
    const secretKeys = Object.keys(all).filter((key) => isConfigSecret(key));
    const otherKeys = Object.keys(all).filter((key) => !key.startsWith(`${NAMESPACE}:`) && key !== "aws:region");
    return {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        region: all["aws:region"],
        values,
        secretKeys,
        otherKeys,
    };
}

/** Reads and validates the running stack's config; throws `ConfigValidationError` on any problem. */
export function loadStackConfig(topologies: TopologySchemas): PlatformConfig {
    return parseStackConfig(readRawStackConfig(), topologies);
}
