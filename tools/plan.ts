import * as fs from "fs";
import { writeDiagram } from "../insights/diagram";
import { PlanDiff, diffPlans } from "../insights/diff";
import { summariseChanges } from "../plan/changes";
import { estimate, minutes, usd } from "../insights/index";
import { BaselineError, BaselinePlan, planAtRef, readBaseline } from "../plan/baseline";
import { ConfigValidationError, PreflightError, planStack, renderTree, topLevelNames } from "../plan/plan";
import { applySuppressions, evaluatePolicies, renderSuppressions, renderViolations } from "../plan/policy";
import { checkReadiness, renderReadiness } from "../plan/readiness";
import { unusedAcknowledgements } from "../plan/readiness/day-two";
import { NotAStackFileError, StackFileError, readStackFiles } from "../plan/stack-files";
import { UsageError, checkWritable, checkWritableFolder } from "../plan/cli";
import { closestKey } from "../stacks/schema-kit";

const HELP = `usage: npm run plan -- --stack <name> [options]

The offline plan: the program run under mocks with the stack's file, without an AWS account or the
Pulumi CLI. It prints the verdict, the resource tree, what pulumi up would refuse, the policy pack's
violations, the monthly cost and the deploy's critical path, then the verdict again (the diagram
with --diagram-dir).
Exit 0: ready; 1: a readiness problem or a mandatory policy violation; 2: bad arguments or baseline.

options:
  --stack <name>          the stack: plans Pulumi.<name>.yaml (required)
                            npm run plan -- --stack staging
  --config-file <file>    a stack file elsewhere (the stack is still named by --stack)
                            npm run plan -- --stack acme-prod --config-file test/fixtures/Pulumi.acme-prod.yaml
  --json <file>           writes the plan (resources, readiness, policy, estimate; changes with a baseline)
                            npm run plan -- --stack production --json production.json
  --diagram-dir <dir>     writes the architecture diagram there (architecture.mmd and .svg); without it, none
                            npm run plan -- --stack staging --diagram-dir /tmp/diagram
  --compare <plan.json>   the baseline: a plan of what is deployed; marks each resource + ~ +- -+ -
                            npm run plan -- --stack production --compare deployed.json
  --from <git-ref>        the baseline: the program and stack file at that commit, planned in a
                          temporary folder (the work tree is not touched)
                            npm run plan -- --stack production --from origin/main
  --workload <name>       shows only that workload's part of the tree (repeatable; the verdict stays the stack's)
                            npm run plan -- --stack production --workload ledger --workload network
  --help                  this text
                            npm run plan -- --help`;

interface PlanArgs {
    stack: string;
    configFile?: string;
    json?: string;
    diagramDir?: string;
    compare?: string;
    from?: string;
    workloads: string[];
    help: boolean;
}

function parseArgs(argv: string[]): PlanArgs {
    const args: PlanArgs = { stack: "", workloads: [], help: false };
    const single: Record<string, keyof PlanArgs> = {
        "--stack": "stack",
        "--config-file": "configFile",
        "--json": "json",
        "--diagram-dir": "diagramDir",
        "--compare": "compare",
        "--from": "from",
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--help" || flag === "-h") {
            args.help = true;
            continue;
        }
        const value = argv[i + 1];
        const known = [...Object.keys(single), "--workload"];
        if (!known.includes(flag)) {
            const guess = closestKey(flag, [...known, "--help"]);
            throw new UsageError(`unexpected argument ${flag}${guess ? `; did you mean ${guess}?` : ""} (npm run plan -- --help lists the options)`);
        }
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value (npm run plan -- --help)`);
        i++;
        if (flag === "--workload") args.workloads.push(value);
        else (args as unknown as Record<string, string>)[single[flag]] = value;
    }
    if (args.help) return args;
    if (!args.stack) throw new UsageError("--stack is required: npm run plan -- --stack staging (npm run plan -- --help lists the options)");
    if (args.compare && args.from) throw new UsageError("give one baseline: --compare <plan.json> or --from <git-ref>, not both");
    return args;
}

/** Where the command writes: standard output and error, or a test's collectors. */
export interface PlanOutput {
    out(text: string): void;
    err(text: string): void;
}

/** `npm run plan -- <argv>`; resolves to the exit code. */
export async function planCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    const started = Date.now();
    let cleanup = () => {};
    try {
        const args = parseArgs(argv);
        if (args.help) {
            io.out(HELP);
            return 0;
        }
        if (args.json) checkWritable("--json", args.json);
        if (args.diagramDir) checkWritableFolder("--diagram-dir", args.diagramDir);
        const files = readStackFiles(args.stack, args.configFile);
        // The baseline is checked before anything is planned or written.
        let base: BaselinePlan | undefined;
        let baseLabel = "";
        if (args.compare) {
            base = readBaseline(args.compare, files);
            baseLabel = args.compare;
        } else if (args.from) {
            const at = planAtRef(args.from, args.stack, args.configFile);
            cleanup = at.cleanup;
            base = readBaseline(at.file, files, `--from ${args.from}`);
            baseLabel = `${args.from} (the program and stack file at that commit)`;
        }
        const baselineSeconds = (Date.now() - started) / 1000;
        const planning = Date.now();
        const plan = await planStack(files);
        const workloads = topLevelNames(plan);
        for (const w of args.workloads) {
            if (!workloads.includes(w)) {
                const guess = closestKey(w, workloads);
                throw new UsageError(
                    `--workload ${w}: no such workload in ${args.stack}${guess ? `; did you mean ${guess}?` : ""} (it has: ${workloads.join(", ")})`,
                );
            }
        }
        const region = files.config["aws:region"] ?? "us-east-1";
        const usage = plan.usage;
        const diff: PlanDiff | undefined = base ? diffPlans(base, plan, usage, region) : undefined;

        // What the engine or AWS would refuse in a real `pulumi up` (against the baseline: on this change).
        const problems = checkReadiness({
            ...plan,
            ...(diff && base
                ? {
                      dayTwo: {
                          base: base.resources,
                          changes: diff.changes,
                          moved: diff.moved,
                          acknowledgements: plan.acknowledgements,
                          regions: { base: typeof base.region === "string" ? base.region : region, head: region },
                      },
                  }
                : {}),
        });
        // The same rules CI runs with --policy-pack policy/, configured for this stack's environment.
        const policy = applySuppressions(await evaluatePolicies(plan, { environment: plan.environment }), plan.suppressions);
        const { violations } = policy;
        const mandatory = violations.filter((v) => v.level === "mandatory").length;
        const { cost, ...estimateJson } = estimate(plan, usage, region);
        const verdict = [
            `Verdict for ${plan.project}/${plan.stack}: ${mandatory > 0 || problems.length > 0 ? "NOT READY" : "ready"}`,
            `  readiness: ${problems.length} problem(s); policy: ${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s)`,
            `  cost: ${usd(cost.monthlyUsd)} a month; deploy critical path: ${minutes(estimateJson.deploy.criticalPathSeconds)}`,
            diff
                ? `  changes against ${baseLabel}: ${summariseChanges(diff)}`
                : "  changes: no baseline (--compare <plan.json> or --from <git-ref>): planned as a first deploy",
        ].join("\n");

        io.out(`${verdict}\n`);
        io.out(
            renderTree(plan, { ...(diff ? { changes: diff, base: base!.resources } : {}), ...(args.workloads.length ? { workloads: args.workloads } : {}) }),
        );
        io.out(`\n${renderReadiness(problems)}`);
        for (const a of diff ? unusedAcknowledgements(diff.changes, plan.acknowledgements) : [])
            io.out(`  unused acknowledgement: ${a.action} of ${a.resource} matches no change of this plan (remove it once deployed)`);
        io.out(`\n${renderViolations(violations)}`);
        if (policy.suppressed.length || policy.unused.length) io.out(renderSuppressions(policy));

        // Cost, deploy time, architecture diagram and, with a baseline, their change.
        io.out(
            `\nMonthly cost: ${usd(cost.monthlyUsd)} (${Object.entries(cost.byWorkload)
                .map(([w, v]) => `${w} ${usd(v)}`)
                .join(", ")})`,
        );
        if (cost.unpriced.length > 0) io.out(`  unpriced (not counted): ${cost.unpriced.join(", ")}`);
        io.out(`Deploy time: critical path ${minutes(estimateJson.deploy.criticalPathSeconds)}, serial ${minutes(estimateJson.deploy.serialSeconds)}`);
        if (diff) {
            io.out(
                `Against ${baseLabel}: cost ${usd(diff.monthlyUsd.base)} -> ${usd(diff.monthlyUsd.head)} (${diff.monthlyUsd.delta >= 0 ? "+" : ""}${usd(diff.monthlyUsd.delta)}), critical path ${minutes(diff.criticalPathSeconds.base)} -> ${minutes(diff.criticalPathSeconds.head)}`,
            );
            for (const m of diff.moved) io.out(`  moved by alias: ${m.from} -> ${m.urn}`);
        }
        // Laying the diagram out takes longer than the rest of the estimate: only when asked for.
        if (args.diagramDir) io.out(`Diagram: ${(await writeDiagram(plan, args.diagramDir)).join(" and ")}`);
        if (args.json) {
            const changes = diff ? { changes: diff.changes } : {};
            fs.writeFileSync(args.json, JSON.stringify({ ...plan, readiness: { problems }, policy, estimate: estimateJson, ...changes }, null, 2) + "\n");
            io.out(`\nWrote ${args.json}`);
        }
        io.out(
            `\nPlanned ${plan.resources.length} resources in ${((Date.now() - planning) / 1000).toFixed(1)} s (offline, under mocks${args.from ? `; the baseline at ${args.from} took ${baselineSeconds.toFixed(1)} s` : ""}); ${problems.length} readiness problem(s), ${mandatory} mandatory policy violation(s).`,
        );
        io.out(verdict);
        return mandatory > 0 || problems.length > 0 ? 1 : 0;
    } catch (err) {
        // The wrong file, or an output that cannot be written: one line, exit 2 as for a bad argument.
        if (err instanceof NotAStackFileError) {
            io.err(err.message);
            return 2;
        }
        if (err instanceof ConfigValidationError || err instanceof PreflightError || err instanceof StackFileError) {
            io.err(err.message);
            return 1;
        }
        if (err instanceof UsageError || err instanceof BaselineError) {
            io.err(err.message);
            return 2;
        }
        throw err;
    } finally {
        cleanup();
    }
}

if (require.main === module) {
    planCommand(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(2);
        },
    );
}
