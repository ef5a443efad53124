import * as pulumi from "@pulumi/pulumi";
import { PreflightError, observePlatform } from "../components/platform";
import { UsageAssumptions } from "../stacks/usage";
import { EnvironmentName } from "../stacks/profiles";
import { Suppression } from "../stacks/policy-config";
import { ConfigValidationError, PlatformConfig } from "../stacks/schema";
import { PlannedResource, PrefixListLookup, installMocks, resolveOutputs } from "./mocks";
import { StackFileConfig } from "./stack-files";

/** The offline plan of one stack: what `pulumi preview` would create, with every input. */
export interface Plan {
    project: string;
    stack: string;
    /** The stack's `aws:region`. */
    region: string;
    resources: PlannedResource[];
    /** AWS-managed prefix lists the program looked up, by ID (their weights count against rule quotas). */
    prefixLists: Record<string, PrefixListLookup>;
    outputs: Record<string, unknown>;
    /** The cost estimate's usage assumptions, as the program validated them (`platform:insights`). */
    usage: UsageAssumptions;
    /** `platform:environment`: which policy config the pack runs with. */
    environment: EnvironmentName;
    /** Policy violations the stack accepts (`platform:policy.suppress`). */
    suppressions: Suppression[];
}

/**
 * Runs the real program (index.ts) under mocks with a stack's config. Throws the program's
 * `ConfigValidationError` untouched when the config is bad.
 */
export async function planStack(files: StackFileConfig): Promise<Plan> {
    const region = files.config["aws:region"] ?? "us-east-1";
    pulumi.runtime.setAllConfig(files.config, files.secretKeys);
    const recorder = installMocks({ project: files.project, stack: files.stack, region });

    // index.ts reads config when it loads: load it afresh for every stack.
    const entry = require.resolve("../index");
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(entry) as (() => Promise<Record<string, unknown>>) | Record<string, unknown>;

    // Each workload's registrations settle before the next starts (memory of one workload, not all).
    let deployed: PlatformConfig | undefined;
    observePlatform({ deploying: (config) => (deployed = config), pace: () => recorder.settle() });
    let exported: Record<string, unknown>;
    try {
        exported = typeof program === "function" ? await program() : program;
    } finally {
        observePlatform(undefined);
    }
    const outputs = (await resolveOutputs(exported)) as Record<string, unknown>;
    await recorder.settle();
    if (!deployed) throw new Error("the program never deployed its platform (index.ts calls deployPlatform)");
    return {
        project: files.project,
        stack: files.stack,
        region,
        resources: recorder.resources,
        prefixLists: recorder.prefixLists,
        outputs,
        usage: deployed.usage,
        environment: deployed.environment,
        suppressions: deployed.policy.suppress,
    };
}

/** What `planProgram` records of any Pulumi program: its resources, outputs and the prefix lists it looked up. */
export type ProgramPlan = Pick<Plan, "project" | "stack" | "region" | "resources" | "prefixLists" | "outputs">;

/**
 * Runs another Pulumi program of this repository (the `bootstrap/` project) under the same mocks
 * with a stack file of its own, for the same readiness checks and policy pack.
 */
export async function planProgram(files: StackFileConfig, entry: string): Promise<ProgramPlan> {
    const region = files.config["aws:region"] ?? "us-east-1";
    pulumi.runtime.setAllConfig(files.config, files.secretKeys);
    const recorder = installMocks({ project: files.project, stack: files.stack, region });
    delete require.cache[entry];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(entry) as (() => unknown) | Record<string, unknown>;
    const outputs = (await resolveOutputs(typeof program === "function" ? await program() : program)) as Record<string, unknown>;
    await recorder.settle();
    return { project: files.project, stack: files.stack, region, resources: recorder.resources, prefixLists: recorder.prefixLists, outputs };
}

/** Prints the resource tree (component -> children) and a count by type. */
export function renderTree(plan: Pick<Plan, "project" | "stack" | "resources">): string {
    const children = new Map<string | null, PlannedResource[]>();
    for (const r of plan.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const known = new Set(plan.resources.map((r) => r.urn));
    const lines: string[] = [`${plan.project}/${plan.stack}: ${plan.resources.length} resources`];
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            const flags = [r.options.protect ? "protected" : "", r.options.retainOnDelete ? "retained" : ""].filter(Boolean);
            lines.push(`${"  ".repeat(depth)}${r.custom ? "-" : "+"} ${r.name} (${r.type})${flags.length ? ` [${flags.join(", ")}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 1);
    // Resources whose parent was not recorded (should not happen) still show up.
    for (const [parent, list] of children) {
        if (parent !== null && !known.has(parent)) list.forEach((r) => lines.push(`  ? ${r.name} (${r.type}) parent ${parent}`));
    }
    const counts = new Map<string, number>();
    plan.resources.forEach((r) => counts.set(r.type, (counts.get(r.type) ?? 0) + 1));
    lines.push("", "By type:");
    [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).forEach(([type, n]) => lines.push(`  ${String(n).padStart(4)}  ${type}`));
    return lines.join("\n");
}

export { ConfigValidationError, PreflightError };
