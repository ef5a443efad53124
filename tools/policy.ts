import { wantsHelp } from "../plan/cli";
import * as fs from "fs";
import type { Plan } from "../plan/plan";
import { PolicyOutcome, applySuppressions, evaluatePolicies, renderSuppressions, renderViolations } from "../plan/policy";
import { ENVIRONMENTS, EnvironmentName } from "../stacks/profiles";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run policy -- --plan <plan.json>... [--environment staging|production] [--json <out.json>]";

interface PolicyArgs {
    plans: string[];
    environment?: EnvironmentName;
    json?: string;
}

function parseArgs(argv: string[]): PolicyArgs {
    const args: PolicyArgs = { plans: [] };
    for (let i = 0; i < argv.length; i++) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (flag === "--plan") {
            // --plan a.json b.json, or --plan a.json --plan b.json
            for (i++; i < argv.length && !argv[i].startsWith("--"); i++) args.plans.push(argv[i]);
            i--;
        } else if (flag === "--environment" && value !== undefined) {
            if (!(ENVIRONMENTS as readonly string[]).includes(value))
                throw new Error(`--environment must be one of ${ENVIRONMENTS.join(", ")}; got ${value}\n${USAGE}`);
            args.environment = value as EnvironmentName;
            i++;
        } else if (flag === "--json" && value !== undefined && !value.startsWith("--")) {
            args.json = value;
            i++;
        } else throw new Error(`unexpected argument ${flag}\n${USAGE}`);
    }
    if (args.plans.length === 0) throw new Error(`--plan needs at least one plan file (npm run plan -- --stack <s> --json <file> writes one)\n${USAGE}`);
    return args;
}

/** One plan file's result, as `--json` writes it. */
export interface PlanFileResult extends PolicyOutcome {
    file: string;
    stack: string;
    environment: EnvironmentName;
}

function readPlan(file: string): Plan {
    let plan: Partial<Plan>;
    try {
        plan = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Plan>;
    } catch (err) {
        throw new Error(`${file}: not a readable plan file (${err instanceof Error ? err.message : err})`, { cause: err });
    }
    if (!Array.isArray(plan.resources)) throw new Error(`${file}: no resources; write plan files with npm run plan -- --stack <s> --json ${file}`);
    return plan as Plan;
}

/**
 * `npm run policy -- --plan <plan.json>...`: the policy pack on plans `npm run plan -- --json` wrote,
 * without planning again (a CI job that holds the plans as artifacts). Each plan's suppressions
 * apply; `--environment` overrides the environment the plan recorded. Resolves to the exit code:
 * 1 when any plan has a mandatory violation.
 */
export async function policyCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    if (wantsHelp(argv)) {
        io.out(USAGE);
        return 0;
    }
    let args: PolicyArgs;
    const results: PlanFileResult[] = [];
    try {
        args = parseArgs(argv);
        for (const file of args.plans) {
            const plan = readPlan(file);
            const environment = args.environment ?? plan.environment ?? "production";
            const outcome = applySuppressions(await evaluatePolicies(plan, { environment }), plan.suppressions ?? []);
            results.push({ file, stack: plan.stack, environment, ...outcome });
            io.out(`${file} (${plan.stack}, ${environment}):\n${renderViolations(outcome.violations)}`);
            if (outcome.suppressed.length || outcome.unused.length) io.out(renderSuppressions(outcome));
        }
    } catch (err) {
        io.err(err instanceof Error ? err.message : String(err));
        return 2;
    }
    if (args.json) fs.writeFileSync(args.json, JSON.stringify({ plans: results }, null, 2) + "\n");
    const failing = results.filter((r) => r.violations.some((v) => v.level === "mandatory"));
    io.out(`\n${results.length} plan(s), ${failing.length} with mandatory violations${failing.length ? `: ${failing.map((r) => r.file).join(", ")}` : ""}.`);
    return failing.length > 0 ? 1 : 0;
}

if (require.main === module) policyCommand(process.argv.slice(2)).then((code) => process.exit(code));
