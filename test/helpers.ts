import { createPlatform, Platform } from "../components/platform";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { PlanRecorder, installMocks, resolveOutputs } from "../testing/mocks";
import { PlatformConfig, RawStackConfig, parseStackConfig } from "../stacks/schema";

/** A raw stack config as the loader would produce it; `values` are the `platform:*` keys. */
export function rawStack(values: Record<string, unknown>, extra: Partial<RawStackConfig> = {}): RawStackConfig {
    return { project: "platform", stack: "test", region: "us-east-1", values, secretKeys: [], ...extra };
}

export interface BuiltStack {
    config: PlatformConfig;
    platform: Platform;
    recorder: PlanRecorder;
    outputs: Record<string, unknown>;
}

/** Validates a stack config and deploys it under mocks; resolves once every resource is registered. */
export async function buildStack(raw: RawStackConfig): Promise<BuiltStack> {
    const config = parseStackConfig(raw, TOPOLOGY_SCHEMAS);
    const recorder = installMocks({ project: raw.project, stack: raw.stack, region: config.region });
    const platform = createPlatform(config);
    const outputs = (await resolveOutputs({ network: { vpcId: platform.network.vpcId }, workloads: platform.workloads })) as Record<string, unknown>;
    await recorder.settle();
    return { config, platform, recorder, outputs };
}

/** Parses a JSON policy document recorded as a resource input. */
export function policyOf(value: unknown): { Statement: Array<Record<string, unknown>> } {
    if (typeof value !== "string") throw new Error(`expected a JSON policy string, got ${JSON.stringify(value)}`);
    return JSON.parse(value);
}
