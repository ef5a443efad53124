import { wantsHelp } from "../plan/cli";
import * as fs from "fs";
import { PROJECT_DIR, StackFileError, readStackFiles, shippedStacks } from "../plan/stack-files";
import { ENVIRONMENTS, EnvironmentName } from "../stacks/profiles";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run -s stacks [-- --github-output]";

/** One stack of the repository, as a workflow matrix entry. */
export interface StackEntry {
    stack: string;
    /** Its `platform:environment`: production stacks deploy after staging ones, behind reviewers. */
    environment: EnvironmentName;
}

/** The workflows' matrices: every `Pulumi.<stack>.yaml` of the project, and the same split by environment. */
export type StackMatrix = { all: StackEntry[] } & Record<EnvironmentName, StackEntry[]>;

/** Reads each stack file's `platform:environment`; a stack file without a valid one is an error naming it. */
export function stackMatrix(projectDir = PROJECT_DIR): StackMatrix {
    const all = shippedStacks(projectDir).map((stack): StackEntry => {
        // Pulumi's stack names, which also name the stack's GitHub environments.
        if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack))
            throw new StackFileError(`Pulumi.${stack}.yaml: a stack name holds only letters, digits, "-", "_" and "."; rename the file`);
        const environment = readStackFiles(stack, undefined, projectDir).config["platform:environment"];
        if (!(ENVIRONMENTS as readonly string[]).includes(environment))
            throw new StackFileError(
                `Pulumi.${stack}.yaml: platform:environment must be ${ENVIRONMENTS.join(" or ")} (got ${JSON.stringify(environment ?? null)}); it decides the policy config and whether the deploy waits for reviewers: pulumi config set -s ${stack} platform:environment production`,
            );
        return { stack, environment: environment as EnvironmentName };
    });
    return { all, staging: all.filter((s) => s.environment === "staging"), production: all.filter((s) => s.environment === "production") };
}

/**
 * `npm run -s stacks`: the stacks the workflows deploy, preview and drift-check, as JSON; with
 * `--github-output`, one `<key>=<json>` line per matrix appended to `$GITHUB_OUTPUT` (the first job
 * of each workflow). Resolves to the exit code.
 */
export function stacksCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }, projectDir = PROJECT_DIR): number {
    if (wantsHelp(argv)) {
        io.out(USAGE);
        return 0;
    }
    if (argv.length > 1 || (argv.length === 1 && argv[0] !== "--github-output")) {
        io.err(`unexpected argument ${argv.join(" ")}\n${USAGE}`);
        return 2;
    }
    let matrix: StackMatrix;
    try {
        matrix = stackMatrix(projectDir);
    } catch (err) {
        if (!(err instanceof StackFileError)) throw err;
        io.err(err.message);
        return 1;
    }
    if (argv[0] === "--github-output") {
        const file = process.env.GITHUB_OUTPUT;
        if (!file) {
            io.err("--github-output: GITHUB_OUTPUT is not set (it is, inside a GitHub Actions step)");
            return 2;
        }
        fs.appendFileSync(
            file,
            Object.entries(matrix)
                .map(([key, entries]) => `${key}=${JSON.stringify(entries)}\n`)
                .join(""),
        );
    }
    io.out(JSON.stringify(matrix));
    return 0;
}

if (require.main === module) process.exit(stacksCommand(process.argv.slice(2)));
