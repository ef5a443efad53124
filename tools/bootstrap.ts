import { wantsHelp } from "../plan/cli";
import * as fs from "fs";
import * as path from "path";
import { bootstrapSuppressions } from "../bootstrap/policy";
import { ProgramPlan, planProgram, renderTree } from "../plan/plan";
import { PolicyOutcome, applySuppressions, evaluatePolicies, renderSuppressions, renderViolations } from "../plan/policy";
import { packConfig } from "../plan/policy-config";
import { ReadinessProblem, checkReadiness, renderReadiness } from "../plan/readiness";
import { PROJECT_DIR, StackFileError, readStackFiles } from "../plan/stack-files";
import { ConfigValidationError } from "../stacks/schema";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run bootstrap -- [--stack bootstrap] [--config-file <bootstrap/Pulumi.x.yaml>] [--policy-config <out.json>]";
export const BOOTSTRAP_DIR = path.join(PROJECT_DIR, "bootstrap");

/** The offline plan of the bootstrap project: its resources, then the same readiness checks and pack as the platform's. */
export interface BootstrapPlan {
    plan: ProgramPlan;
    problems: ReadinessProblem[];
    policy: PolicyOutcome;
    /** The `--policy-pack-config` of the bootstrap's own `pulumi up --policy-pack ../policy`. */
    packConfig: ReturnType<typeof packConfig>;
}

export async function planBootstrap(stack = "bootstrap", configFile?: string): Promise<BootstrapPlan> {
    const plan = await planProgram(readStackFiles(stack, configFile, BOOTSTRAP_DIR), require.resolve("../bootstrap/index"));
    const stacks = Object.keys((plan.outputs.roles ?? {}) as Record<string, unknown>);
    const suppressions = bootstrapSuppressions(stacks);
    // The account's foundation: judged as production.
    const policy = applySuppressions(await evaluatePolicies(plan, { environment: "production" }), suppressions);
    return { plan, problems: checkReadiness(plan), policy, packConfig: packConfig("production", suppressions) };
}

/**
 * `npm run bootstrap`: the offline plan of `bootstrap/` (tree, readiness, policy with its accepted
 * findings, outputs); `--policy-config` writes the pack config its real `pulumi up` takes. Resolves
 * to the exit code: 1 on a readiness problem, a mandatory violation or an invalid config.
 */
export async function bootstrapCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    if (wantsHelp(argv)) {
        io.out(USAGE);
        return 0;
    }
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (!["--stack", "--config-file", "--policy-config"].includes(argv[i]) || argv[i + 1] === undefined) {
            io.err(`unexpected argument ${argv[i]}\n${USAGE}`);
            return 2;
        }
        args[argv[i].slice(2)] = argv[i + 1];
    }
    try {
        const { plan, problems, policy, packConfig: config } = await planBootstrap(args.stack, args["config-file"]);
        io.out(renderTree(plan));
        io.out(`\n${renderReadiness(problems)}`);
        io.out(`\n${renderViolations(policy.violations)}`);
        if (policy.suppressed.length || policy.unused.length) io.out(renderSuppressions(policy));
        io.out(`\nOutputs:\n${JSON.stringify(plan.outputs, null, 2)}`);
        if (args["policy-config"]) {
            fs.writeFileSync(args["policy-config"], JSON.stringify(config, null, 2) + "\n");
            io.out(`\nWrote ${args["policy-config"]}`);
        }
        const mandatory = policy.violations.filter((v) => v.level === "mandatory").length;
        io.out(`\n${problems.length} readiness problem(s), ${mandatory} mandatory policy violation(s).`);
        return problems.length || mandatory ? 1 : 0;
    } catch (err) {
        if (err instanceof ConfigValidationError || err instanceof StackFileError) {
            io.err(err.message);
            return 1;
        }
        throw err;
    }
}

if (require.main === module)
    bootstrapCommand(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(2);
        },
    );
