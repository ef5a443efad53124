import * as fs from "fs";
import { ConfigValidationError, PreflightError, planStack, renderTree } from "../testing/plan";
import { evaluatePolicies, renderViolations } from "../testing/policy";
import { readStackFiles } from "../testing/stack-files";

const USAGE = "usage: npm run plan -- --stack <name> [--config-file <Pulumi.x.yaml>] [--json <out.json>]";

function parseArgs(argv: string[]): { stack: string; configFile?: string; json?: string } {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (!["--stack", "--config-file", "--json"].includes(flag) || value === undefined || value.startsWith("--")) {
            throw new Error(`unexpected argument ${flag ?? ""}\n${USAGE}`);
        }
        args[flag.slice(2)] = value;
    }
    if (!args.stack) throw new Error(`--stack is required\n${USAGE}`);
    return { stack: args.stack, configFile: args["config-file"], json: args.json };
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const started = Date.now();
    try {
        const files = readStackFiles(args.stack, args.configFile);
        const plan = await planStack(files);
        console.log(renderTree(plan));
        // The same rules CI runs with --policy-pack policy/, configured for this stack's environment.
        const environment = files.config["platform:environment"] === "production" ? "production" : "staging";
        const violations = await evaluatePolicies(plan, { environment });
        console.log(`\n${renderViolations(violations)}`);
        if (args.json) {
            fs.writeFileSync(args.json, JSON.stringify({ ...plan, policy: { violations } }, null, 2) + "\n");
            console.log(`\nWrote ${args.json}`);
        }
        const mandatory = violations.filter((v) => v.level === "mandatory").length;
        console.log(`\nPlanned ${plan.resources.length} resources in ${((Date.now() - started) / 1000).toFixed(1)} s (offline, under mocks); ${mandatory} mandatory policy violation(s).`);
        return mandatory > 0 ? 1 : 0;
    } catch (err) {
        if (err instanceof ConfigValidationError || err instanceof PreflightError) {
            console.error(err.message);
            return 1;
        }
        throw err;
    }
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(2);
    },
);
