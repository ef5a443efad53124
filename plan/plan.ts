import * as pulumi from "@pulumi/pulumi";
import { PreflightError, observePlatform } from "../components/platform";
import { UsageAssumptions } from "../stacks/usage";
import { EnvironmentName } from "../stacks/profiles";
import { Suppression } from "../stacks/policy-config";
import { RegionalQuotas } from "../stacks/quotas";
import { Acknowledgement } from "../stacks/acknowledge";
import { ResourceChange, marker, summariseChanges } from "./changes";
import { REPLACEMENT_RULES } from "./replacement";
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
    /** Stateful replacements and deletions the stack accepts (`platform:acknowledge`). */
    acknowledgements: Acknowledgement[];
    /** The account's regional quotas (`platform:quotas`). */
    quotas: RegionalQuotas;
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
        acknowledgements: deployed.acknowledge,
        quotas: deployed.quotas,
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

/** What the tree shows: the changes against a baseline (markers), and which workloads. */
export interface TreeOptions {
    /** The changes against the baseline; without them the plan is a first deploy and nothing is marked. */
    changes?: { changes: ResourceChange[]; unchanged: number; moved?: { urn: string; from: string }[] };
    /** The baseline's resources: where a deleted resource sat. */
    base?: readonly PlannedResource[];
    /** Only these top-level components (workloads, or `network`) and what they hold. */
    workloads?: string[];
}

/** The legend of the tree's markers, as `pulumi preview` uses them. */
export function legend(withBaseline: boolean): string {
    if (!withBaseline) return "No baseline (--compare or --from): every resource is listed without a marker, as a first `pulumi up` would create it.";
    return "Legend: + create, ~ update (changed inputs), +- replace (create the new one, then delete the old), -+ replace (delete first: deleteBeforeReplace), - delete; unchanged resources are counted, not listed.";
}

/** The top-level components of the plan by name (the network and one per workload). */
export function topLevelNames(plan: Pick<Plan, "resources">): string[] {
    return plan.resources.filter((r) => r.parent === null && !r.custom).map((r) => r.name);
}

/**
 * Prints the resource tree (component -> children) and a count by type. Against a baseline, each
 * changed resource carries Pulumi's marker and unchanged ones are counted under their parent; a
 * deleted resource shows under its old parent when that still exists.
 */
export function renderTree(plan: Pick<Plan, "project" | "stack" | "resources">, options: TreeOptions = {}): string {
    const changes = new Map((options.changes?.changes ?? []).map((c) => [c.urn, c]));
    const deleted = (options.changes?.changes ?? []).filter((c) => c.action === "delete");
    const known = new Set(plan.resources.map((r) => r.urn));
    type Node = { urn: string; name: string; type: string; parent: string | null; flags: string[] };
    const nodes: Node[] = plan.resources.map((r) => ({
        urn: r.urn,
        name: r.name,
        type: r.type,
        parent: r.parent,
        flags: [r.options.protect ? "protected" : "", r.options.retainOnDelete ? "retained" : ""].filter(Boolean),
    }));
    // A deleted resource shows under its old parent, when that is still planned or deleted too.
    // A parent that moved through an alias is found under its new URN.
    const movedTo = new Map((options.changes?.moved ?? []).map((m) => [m.from, m.urn]));
    const baseParent = new Map((options.base ?? []).map((r) => [r.urn, r.parent && (movedTo.get(r.parent) ?? r.parent)]));
    const gone = new Set(deleted.map((c) => c.urn));
    for (const c of deleted) {
        const parent = baseParent.get(c.urn) ?? null;
        nodes.push({ urn: c.urn, name: c.name, type: c.type, parent: parent && (known.has(parent) || gone.has(parent)) ? parent : null, flags: [] });
    }
    const children = new Map<string | null, Node[]>();
    for (const n of nodes) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
    const byUrn = new Map(nodes.map((n) => [n.urn, n]));

    const wanted = options.workloads ? new Set(options.workloads) : undefined;
    const rootOf = (n: Node): Node => {
        let current = n;
        while (current.parent && byUrn.has(current.parent)) current = byUrn.get(current.parent)!;
        return current;
    };
    const shown = (n: Node) => !wanted || wanted.has(rootOf(n).name);
    const withBaseline = options.changes !== undefined;
    // With a baseline, a subtree without changes collapses into its parent's count.
    const changedBelow = new Map<string, boolean>();
    const hasChange = (n: Node): boolean => {
        const cached = changedBelow.get(n.urn);
        if (cached !== undefined) return cached;
        const result = changes.has(n.urn) || (children.get(n.urn) ?? []).some(hasChange);
        changedBelow.set(n.urn, result);
        return result;
    };
    const count = (n: Node): number => 1 + (children.get(n.urn) ?? []).reduce((sum, c) => sum + count(c), 0);

    const shownNodes = nodes.filter(shown);
    const scope = wanted ? ` (workloads: ${[...wanted].join(", ")}; ${shownNodes.length} of ${nodes.length})` : "";
    const lines: string[] = [`${plan.project}/${plan.stack}: ${plan.resources.length} resources${scope}`];
    const walk = (parent: string | null, depth: number) => {
        let quiet = 0;
        for (const n of children.get(parent) ?? []) {
            if (!shown(n)) continue;
            if (withBaseline && !hasChange(n)) {
                quiet += count(n);
                continue;
            }
            const c = changes.get(n.urn);
            const mark = withBaseline ? (c ? marker(c) : "").padEnd(3) : "";
            // A type the replacement table does not cover: the provider may replace what shows as an update.
            const untabled = c?.action === "update" && !(c.type in REPLACEMENT_RULES) ? " (no replacement rules for this type: it may be replaced)" : "";
            const inputs = c && c.inputs.length ? ` changed: ${c.inputs.join(", ")}${untabled}` : "";
            lines.push(`${"  ".repeat(depth)}${mark}${n.name} (${n.type})${n.flags.length ? ` [${n.flags.join(", ")}]` : ""}${inputs}`);
            walk(n.urn, depth + 1);
        }
        if (quiet > 0) lines.push(`${"  ".repeat(depth)}${"".padEnd(3)}(${quiet} unchanged)`);
    };
    walk(null, 1);
    // Resources whose parent was not recorded (should not happen) still show up.
    for (const [parent, list] of children) {
        if (parent !== null && !byUrn.has(parent)) list.forEach((r) => lines.push(`  ? ${r.name} (${r.type}) parent ${parent}`));
    }
    const counts = new Map<string, number>();
    shownNodes.filter((n) => known.has(n.urn)).forEach((r) => counts.set(r.type, (counts.get(r.type) ?? 0) + 1));
    lines.push("", "By type:");
    [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).forEach(([type, n]) => lines.push(`  ${String(n).padStart(4)}  ${type}`));
    if (options.changes) lines.push("", `Changes: ${summariseChanges(options.changes)}`);
    lines.push("", legend(withBaseline));
    return lines.join("\n");
}

export { ConfigValidationError, PreflightError };
