import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PolicyConfig, allPolicies } from "../policy/rules";
import { namesResource } from "../policy/suppress";
import { Plan } from "./plan";
import { PlannedResource } from "./mocks";
import { Suppression } from "../stacks/policy-config";

/** One policy violation, as `npm run plan -- --json` reports it. */
export interface Violation {
    policy: string;
    level: "mandatory" | "advisory";
    urn: string;
    message: string;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Thrown by `notApplicable()`, as the policy SDK does. */
class NotApplicable extends Error {}

/** Which rules to run, and on which resources. */
export interface EvaluationScope {
    /** The rules. Default: the whole pack. */
    policies?: AnyPolicy[];
    /** Run resource rules on these URNs only (stack rules always see every resource). Default: all. */
    resources?: Set<string>;
}

/**
 * A resource's properties as a preview shows them to the stack's rules once it is deployed: its
 * inputs and its ARN (by which a role policy names it).
 */
export function previewProps(r: PlannedResource): Record<string, unknown> {
    return typeof r.state.arn === "string" && r.inputs.arn === undefined ? { ...r.inputs, arn: r.state.arn } : r.inputs;
}

/**
 * Runs the policy pack's rules on an offline plan, as `pulumi preview --policy-pack policy/` runs
 * them on a real one: resource rules on each custom resource, stack rules once on all of them.
 */
export async function evaluatePolicies(
    plan: Pick<Plan, "resources">,
    config: PolicyConfig,
    { policies = allPolicies, resources }: EvaluationScope = {},
): Promise<Violation[]> {
    const byUrn = new Map<string, PolicyResource>();
    for (const r of plan.resources) {
        byUrn.set(r.urn, {
            type: r.type,
            props: previewProps(r),
            urn: r.urn,
            name: r.name,
            opts: {
                protect: r.options.protect,
                ignoreChanges: r.options.ignoreChanges,
                aliases: [],
                additionalSecretOutputs: [],
                customTimeouts: {},
            } as unknown as PolicyResource["opts"],
            dependencies: [],
            propertyDependencies: {},
            stackTags: new Map(),
            isType: () => false,
            asType: () => undefined,
        } as unknown as PolicyResource);
    }
    for (const r of plan.resources) {
        const resource = byUrn.get(r.urn)!;
        resource.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
        resource.parent = r.parent ? byUrn.get(r.parent) : undefined;
    }

    const violations: Violation[] = [];
    const common = {
        getConfig: <T>() => config as T,
        notApplicable: (): never => {
            throw new NotApplicable();
        },
        stackTags: new Map<string, string>(),
    };
    // The arguments of each custom resource, built once for every policy.
    const custom = plan.resources
        .filter((x) => x.custom && (!resources || resources.has(x.urn)))
        .map((r) => ({ urn: r.urn, args: { ...byUrn.get(r.urn)!, ...common } as unknown as ResourceValidationArgs }));
    for (const policy of policies) {
        const level = policy.enforcementLevel ?? "advisory";
        if (level === "disabled" || level === "remediate") continue;
        const report = (urn: string) => (message: string, reportedUrn?: string) =>
            violations.push({ policy: policy.name, level: level as Violation["level"], urn: reportedUrn ?? urn, message });
        try {
            if ("validateStack" in policy) {
                await policy.validateStack({ resources: [...byUrn.values()], ...common }, report(""));
                continue;
            }
            const validations = [policy.validateResource ?? []].flat();
            for (const { urn, args } of custom) {
                for (const validate of validations) {
                    try {
                        // Rules are synchronous but may return a promise: await only those.
                        const result: unknown = validate(args, report(urn));
                        if (result instanceof Promise) await result;
                    } catch (err) {
                        if (!(err instanceof NotApplicable)) throw err;
                    }
                }
            }
        } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
        }
    }
    return violations;
}

/** A violation the stack accepts, with the reason its config gives. */
export interface SuppressedViolation extends Violation {
    reason: string;
}

/** What the pack found once the stack's suppressions are applied. */
export interface PolicyOutcome {
    /** Violations that count: mandatory ones fail the plan. */
    violations: Violation[];
    /** Violations accepted by `platform:policy.suppress`, shown with their reason. */
    suppressed: SuppressedViolation[];
    /** Suppressions that matched nothing (a renamed resource, a fixed problem): remove them. */
    unused: Suppression[];
}

/** Whether a suppression names this violation: its rule, and the resource by name or URN (as the pack matches it). */
const covers = (s: Suppression, v: Violation) => s.rule === v.policy && namesResource(s.resource, v.urn);

export function applySuppressions(violations: Violation[], suppressions: readonly Suppression[]): PolicyOutcome {
    const outcome: PolicyOutcome = { violations: [], suppressed: [], unused: suppressions.filter((s) => !violations.some((v) => covers(s, v))) };
    for (const v of violations) {
        const accepted = suppressions.find((s) => covers(s, v));
        if (accepted) outcome.suppressed.push({ ...v, reason: accepted.reason });
        else outcome.violations.push(v);
    }
    return outcome;
}

/** The suppressed violations and unused suppressions, for the terminal (nothing when there are none). */
export function renderSuppressions(outcome: PolicyOutcome): string {
    const lines: string[] = [];
    if (outcome.suppressed.length) lines.push(`Suppressed by platform:policy.suppress (${outcome.suppressed.length}):`);
    for (const v of outcome.suppressed) lines.push(`  [${v.level}] ${v.policy} on ${v.urn.split("::").pop()}: ${v.message}\n    reason: ${v.reason}`);
    for (const s of outcome.unused) lines.push(`  unused suppression: ${s.rule} on ${s.resource} matches no violation; remove it`);
    return lines.join("\n");
}

/** Violations grouped by resource, mandatory first, for the terminal. */
export function renderViolations(violations: Violation[]): string {
    if (violations.length === 0) return "Policy: no violations.";
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    const lines = [`Policy: ${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s)`];
    const byResource = new Map<string, Violation[]>();
    for (const v of violations) byResource.set(v.urn, [...(byResource.get(v.urn) ?? []), v]);
    const sorted = [...byResource.entries()].sort(
        ([, a], [, b]) => Number(b.some((v) => v.level === "mandatory")) - Number(a.some((v) => v.level === "mandatory")),
    );
    for (const [urn, list] of sorted) {
        lines.push(`  ${urn.split("::").slice(-1)[0]} (${urn.split("::")[2]?.split("$").pop()})`);
        for (const v of list) lines.push(`    [${v.level}] ${v.policy}: ${v.message}`);
    }
    return lines.join("\n");
}
