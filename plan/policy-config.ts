import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { allPolicies } from "../policy/rules";
import { AcceptedViolation } from "../policy/suppress";
import { parseValue } from "../stacks/load";
import { EnvironmentName } from "../stacks/profiles";
import { Suppression } from "../stacks/policy-config";
import { NAMESPACE, PlatformConfig, parseStackConfig } from "../stacks/schema";
import { StackFileConfig } from "./stack-files";

/**
 * The policy config `pulumi preview/up --policy-pack policy --policy-pack-config <file>` takes,
 * generated from a stack file so that the pack gives the offline plan's verdict: `environment` for
 * every rule whose schema reads it, and each `platform:policy.suppress` entry under the rule it names.
 */
export type PackConfig = Record<string, { environment?: EnvironmentName; suppress?: AcceptedViolation[] }>;

/** The pack config of a stack's environment and accepted violations (keys sorted, so the file is stable). */
export function packConfig(environment: EnvironmentName, suppressions: readonly Suppression[]): PackConfig {
    const config: PackConfig = {};
    for (const policy of [...allPolicies].sort((a, b) => a.name.localeCompare(b.name))) {
        const entry: PackConfig[string] = {};
        if (policy.configSchema?.properties.environment) entry.environment = environment;
        const accepted = suppressions.filter((s) => s.rule === policy.name).map(({ resource, reason }) => ({ resource, reason }));
        if (accepted.length) entry.suppress = accepted;
        if (Object.keys(entry).length) config[policy.name] = entry;
    }
    return config;
}

/**
 * Validates a stack file as the program does (every problem at once, `ConfigValidationError`) and
 * returns its validated config; secrets stay undecrypted placeholders, as in the offline plan.
 */
export function validateStackFile(files: StackFileConfig): PlatformConfig {
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(files.config)) if (key.startsWith(`${NAMESPACE}:`)) values[key.slice(NAMESPACE.length + 1)] = parseValue(value);
    return parseStackConfig(
        { project: files.project, stack: files.stack, region: files.config["aws:region"], values, secretKeys: files.secretKeys },
        TOPOLOGY_SCHEMAS,
    );
}

/** The pack config of one stack file. */
export function stackPackConfig(files: StackFileConfig): PackConfig {
    const config = validateStackFile(files);
    return packConfig(config.environment, config.policy.suppress);
}
