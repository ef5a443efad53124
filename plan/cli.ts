import { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./stack-files";

/**
 * The command line that starts `tools/<tool>` in its own process: the compiled JavaScript when this
 * module runs from `bin/` (`npm test`, `npm run plan`), ts-node on the source otherwise (a single
 * test file run with `npx mocha test/x.test.ts`).
 */
export function toolCommand(tool: string): string[] {
    if (__filename.endsWith(".js")) return [path.join(__dirname, "..", "tools", `${tool}.js`)];
    return [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "tools", `${tool}.ts`)];
}

/** Runs `tools/<tool>` with `args` from the project folder and waits for it. */
export function runTool(tool: string, args: string[], options: Partial<SpawnSyncOptionsWithStringEncoding> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [...toolCommand(tool), ...args], { cwd: PROJECT_DIR, encoding: "utf8", ...options });
}

/** `--help` (or `-h`) anywhere on the command line: the tool prints its usage and exits 0. */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes("--help") || argv.includes("-h");

/** A command line that cannot run as given (a file it cannot write): one line, exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Why nothing can be written in the existing path `dir`, or undefined when something can. */
function folderProblem(dir: string): string | undefined {
    if (!fs.statSync(dir).isDirectory()) return `${dir} is not a folder`;
    try {
        fs.accessSync(dir, fs.constants.W_OK);
        return undefined;
    } catch {
        return `the folder ${dir} is not writable`;
    }
}

/** Throws a `UsageError` naming `flag` and `file` unless `file` can be written (checked before the work, not after). */
export function checkWritable(flag: string, file: string): void {
    const dir = path.dirname(path.resolve(file));
    const problem = !fs.existsSync(dir)
        ? `the folder ${dir} does not exist`
        : fs.existsSync(file) && fs.statSync(file).isDirectory()
          ? "it is a folder"
          : folderProblem(dir);
    if (problem) throw new UsageError(`${flag} ${file}: cannot write there: ${problem}`);
}

/** That `dir` can be made (`mkdir -p`) and written: its nearest existing ancestor is a writable folder. */
export function checkWritableFolder(flag: string, dir: string): void {
    let at = path.resolve(dir);
    while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
    const problem = folderProblem(at);
    if (problem) throw new UsageError(`${flag} ${dir}: cannot write there: ${problem}`);
}
