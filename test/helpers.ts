import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createPlatform, Platform } from "../components/platform";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { PlanRecorder, PlannedResource, installMocks, resolveOutputs } from "../plan/mocks";
import { Plan, planStack } from "../plan/plan";
import { StackFileConfig } from "../plan/stack-files";
import { planCommand } from "../tools/plan";
import { ConfigValidationError, PlatformConfig, RawStackConfig, parseStackConfig } from "../stacks/schema";
import { ConfigProblem } from "../stacks/schema-kit";

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

// Deploying a stack under mocks takes 0.2-1 s and many tests assert on the same config: each
// distinct config is built once per process and shared. Tests only read what they get.
const built = new Map<string, Promise<BuiltStack>>();
const planned = new Map<string, Promise<Plan>>();

/** Validates a stack config and deploys it under mocks; resolves once every resource is registered. */
export function buildStack(raw: RawStackConfig): Promise<BuiltStack> {
    const key = JSON.stringify(raw);
    let stack = built.get(key);
    if (!stack) {
        stack = deploy(raw);
        built.set(key, stack);
    }
    return stack;
}

// One deployment at a time: the mocks are process-global.
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
}

function deploy(raw: RawStackConfig): Promise<BuiltStack> {
    return serialized(async () => {
        const config = parseStackConfig(raw, TOPOLOGY_SCHEMAS);
        const recorder = installMocks({ project: raw.project, stack: raw.stack, region: config.region });
        const platform = createPlatform(config);
        const outputs = (await resolveOutputs({ network: { vpcId: platform.network.vpcId }, workloads: platform.workloads })) as Record<string, unknown>;
        await recorder.settle();
        return { config, platform, recorder, outputs };
    });
}

/** The offline plan of a stack file (see `planStack`), planned once per process and shared. */
export function planOnce(files: StackFileConfig): Promise<Plan> {
    const key = JSON.stringify(files);
    let plan = planned.get(key);
    if (!plan) {
        plan = serialized(() => planStack(files));
        planned.set(key, plan);
    }
    return plan;
}

/**
 * `npm run plan -- <args>` run in this process (as the tests' other plans are): the exit code and
 * what it printed, as a spawned CLI would give them but without a second Node start.
 */
export function planCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    return serialized(async () => {
        let stdout = "";
        let stderr = "";
        const status = await planCommand(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
        return { status, stdout, stderr };
    });
}

/** The problems of a stack config that must be rejected (the test fails if it is accepted). */
export function configProblems(raw: RawStackConfig): readonly ConfigProblem[] {
    let problems: readonly ConfigProblem[] = [];
    expect(() => {
        try {
            parseStackConfig(raw, TOPOLOGY_SCHEMAS);
        } catch (err) {
            if (err instanceof ConfigValidationError) problems = err.problems;
            throw err;
        }
    }).to.throw(ConfigValidationError);
    return problems;
}

/** Parses a JSON policy document recorded as a resource input. */
export function policyOf(value: unknown): { Statement: Array<Record<string, unknown>> } {
    if (typeof value !== "string") throw new Error(`expected a JSON policy string, got ${JSON.stringify(value)}`);
    return JSON.parse(value);
}

const scratchDirs: string[] = [];
process.on("exit", () => scratchDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A new empty folder for one test's files, removed when the test process exits. */
export function scratchDir(prefix = "test"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `platform-${prefix}-`));
    scratchDirs.push(dir);
    return dir;
}

/** One recorded resource, made by hand: a check's input without planning a stack. */
export function plannedResource(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    options: Partial<PlannedResource["options"]> = {},
    state: PlannedResource["state"] = { id: name },
): PlannedResource {
    return {
        urn: `urn:pulumi:test::platform::${type}::${name}`,
        type,
        name,
        parent: null,
        custom: true,
        inputs,
        options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: [], ...options },
        dependencies: [],
        state,
    };
}
