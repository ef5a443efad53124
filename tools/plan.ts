import * as fs from "fs";
import * as path from "path";
import { PlanLike } from "../insights/cost";
import { buildDiagram, renderMermaid, renderSvg } from "../insights/diagram";
import { diffPlans } from "../insights/diff";
import { estimate, minutes, usd } from "../insights/index";
import { ConfigValidationError, PreflightError, planStack, renderTree } from "../plan/plan";
import { applySuppressions, evaluatePolicies, renderSuppressions, renderViolations } from "../plan/policy";
import { checkReadiness, renderReadiness } from "../plan/readiness";
import { StackFileError, readStackFiles } from "../plan/stack-files";

const USAGE = "usage: npm run plan -- --stack <name> [--config-file <Pulumi.x.yaml>] [--json <out.json>] [--diagram-dir <dir>] [--compare <base.json>]";

function parseArgs(argv: string[]): { stack: string; configFile?: string; json?: string; diagramDir?: string; compare?: string } {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (!["--stack", "--config-file", "--json", "--diagram-dir", "--compare"].includes(flag) || value === undefined || value.startsWith("--")) {
            throw new Error(`unexpected argument ${flag ?? ""}\n${USAGE}`);
        }
        args[flag.slice(2)] = value;
    }
    if (!args.stack) throw new Error(`--stack is required\n${USAGE}`);
    return { stack: args.stack, configFile: args["config-file"], json: args.json, diagramDir: args["diagram-dir"], compare: args.compare };
}

/** Where the command writes: standard output and error, or a test's collectors. */
export interface PlanOutput {
    out(text: string): void;
    err(text: string): void;
}

/** `npm run plan -- <argv>`; resolves to the exit code. */
export async function planCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    const args = parseArgs(argv);
    const started = Date.now();
    try {
        const files = readStackFiles(args.stack, args.configFile);
        const plan = await planStack(files);
        io.out(renderTree(plan));
        // What the engine or AWS would refuse in a real `pulumi up`.
        const problems = checkReadiness(plan);
        io.out(`\n${renderReadiness(problems)}`);
        // The same rules CI runs with --policy-pack policy/, configured for this stack's environment.
        const policy = applySuppressions(await evaluatePolicies(plan, { environment: plan.environment }), plan.suppressions);
        const { violations } = policy;
        io.out(`\n${renderViolations(violations)}`);
        if (policy.suppressed.length || policy.unused.length) io.out(renderSuppressions(policy));

        // Cost, deploy time, architecture diagram and, with --compare, the change against a base plan.
        const region = files.config["aws:region"] ?? "us-east-1";
        const usage = plan.usage;
        const { cost, ...estimateJson } = estimate(plan, usage, region);
        io.out(
            `\nMonthly cost: ${usd(cost.monthlyUsd)} (${Object.entries(cost.byWorkload)
                .map(([w, v]) => `${w} ${usd(v)}`)
                .join(", ")})`,
        );
        if (cost.unpriced.length > 0) io.out(`  unpriced (not counted): ${cost.unpriced.join(", ")}`);
        io.out(`Deploy time: critical path ${minutes(estimateJson.deploy.criticalPathSeconds)}, serial ${minutes(estimateJson.deploy.serialSeconds)}`);
        const diagramDir = args.diagramDir ?? path.join("out", args.stack);
        fs.mkdirSync(diagramDir, { recursive: true });
        const diagram = buildDiagram(plan);
        fs.writeFileSync(path.join(diagramDir, "architecture.mmd"), renderMermaid(diagram));
        fs.writeFileSync(path.join(diagramDir, "architecture.svg"), renderSvg(diagram));
        io.out(`Diagram: ${path.join(diagramDir, "architecture.mmd")} and .svg`);
        if (args.compare) {
            const base = JSON.parse(fs.readFileSync(args.compare, "utf8")) as PlanLike;
            const diff = diffPlans(base, plan, usage, region);
            io.out(`\nAgainst ${args.compare}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`);
            for (const urn of diff.added) io.out(`  + ${urn}`);
            for (const urn of diff.removed) io.out(`  - ${urn}`);
            for (const c of diff.changed) io.out(`  ~ ${c.urn} (${c.inputs.join(", ")})`);
            io.out(
                `  cost ${usd(diff.monthlyUsd.base)} -> ${usd(diff.monthlyUsd.head)} (${diff.monthlyUsd.delta >= 0 ? "+" : ""}${usd(diff.monthlyUsd.delta)}), critical path ${minutes(diff.criticalPathSeconds.base)} -> ${minutes(diff.criticalPathSeconds.head)}`,
            );
        }
        if (args.json) {
            fs.writeFileSync(args.json, JSON.stringify({ ...plan, readiness: { problems }, policy, estimate: estimateJson }, null, 2) + "\n");
            io.out(`\nWrote ${args.json}`);
        }
        const mandatory = violations.filter((v) => v.level === "mandatory").length;
        io.out(
            `\nPlanned ${plan.resources.length} resources in ${((Date.now() - started) / 1000).toFixed(1)} s (offline, under mocks); ${problems.length} readiness problem(s), ${mandatory} mandatory policy violation(s).`,
        );
        return mandatory > 0 || problems.length > 0 ? 1 : 0;
    } catch (err) {
        if (err instanceof ConfigValidationError || err instanceof PreflightError || err instanceof StackFileError) {
            io.err(err.message);
            return 1;
        }
        throw err;
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
