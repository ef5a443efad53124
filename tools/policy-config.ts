import { wantsHelp } from "../plan/cli";
import * as fs from "fs";
import { stackPackConfig } from "../plan/policy-config";
import { StackFileError, readStackFiles } from "../plan/stack-files";
import { ConfigValidationError } from "../stacks/schema";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run policy-config -- --stack <name> [--config-file <Pulumi.x.yaml>] [--out <policy-config.json>]";

/**
 * `npm run policy-config -- --stack S`: the `--policy-pack-config` file of a stack, generated from
 * its stack file (environment and `platform:policy.suppress`), so that `pulumi preview/up
 * --policy-pack policy` gives the offline plan's verdict. JSON on stdout, or in `--out`.
 * Resolves to the exit code: 1 on an invalid stack config (its problems on stderr, nothing
 * written), 2 on bad arguments.
 */
export function policyConfigCommand(argv: string[], io: PlanOutput = { out: (t) => process.stdout.write(t), err: (t) => console.error(t) }): number {
    if (wantsHelp(argv)) {
        io.out(`${USAGE}\n`);
        return 0;
    }
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (!["--stack", "--config-file", "--out"].includes(flag) || value === undefined || value.startsWith("--")) {
            io.err(`unexpected argument ${flag}\n${USAGE}`);
            return 2;
        }
        args[flag.slice(2)] = value;
    }
    if (!args.stack) {
        io.err(`--stack is required\n${USAGE}`);
        return 2;
    }
    try {
        const json = JSON.stringify(stackPackConfig(readStackFiles(args.stack, args["config-file"])), null, 2) + "\n";
        if (args.out) fs.writeFileSync(args.out, json);
        else io.out(json);
        return 0;
    } catch (err) {
        if (err instanceof ConfigValidationError || err instanceof StackFileError) {
            io.err(err.message);
            return 1;
        }
        throw err;
    }
}

if (require.main === module) process.exit(policyConfigCommand(process.argv.slice(2)));
