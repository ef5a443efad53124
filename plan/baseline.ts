import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlannedResource } from "./mocks";
import { PROJECT_DIR } from "./stack-files";

/** A baseline that cannot be used: a file that is not a plan of this stack, a git ref that does not exist. */
export class BaselineError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "BaselineError";
    }
}

/** What the comparison needs of a plan written by `npm run plan -- --json`. */
export interface BaselinePlan {
    project: string;
    stack: string;
    resources: PlannedResource[];
    [key: string]: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isResource = (r: unknown) =>
    isRecord(r) && typeof r.urn === "string" && typeof r.type === "string" && typeof r.name === "string" && isRecord(r.inputs) && isRecord(r.options);

/**
 * Reads a plan JSON as the baseline of `project`/`stack`; throws a `BaselineError` naming the file
 * when it cannot be read, is not a plan, or is the plan of another stack or project.
 */
export function readBaseline(file: string, expected: { project: string; stack: string }, label = file): BaselinePlan {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new BaselineError(`${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch {
        throw new BaselineError(`${label}: not a plan (not JSON); write one with npm run plan -- --stack ${expected.stack} --json <file>`);
    }
    if (
        !isRecord(doc) ||
        typeof doc.project !== "string" ||
        typeof doc.stack !== "string" ||
        !Array.isArray(doc.resources) ||
        !doc.resources.every(isResource)
    ) {
        throw new BaselineError(
            `${label}: not a plan written by npm run plan -- --json (it needs project, stack and resources with urn, type, name, inputs and options)`,
        );
    }
    if (doc.project !== expected.project || doc.stack !== expected.stack) {
        throw new BaselineError(
            `${label}: a plan of ${doc.project}/${doc.stack}, not of ${expected.project}/${expected.stack}: compare a stack with a plan of the same stack`,
        );
    }
    return doc as BaselinePlan;
}

const git = (args: string[], cwd: string) => spawnSync("git", args, { cwd, encoding: "utf8" });

/**
 * The plan of the stack as it was deployed from a git ref: the program and the stack file of that
 * commit, taken with `git archive` into a temporary folder (the work tree and the index are not
 * touched), compiled there and planned with this checkout's node_modules. Returns the plan's JSON
 * (read with `readBaseline`); the folder is removed.
 */
export function planAtRef(ref: string, stack: string, configFile: string | undefined, projectDir = PROJECT_DIR): { file: string; cleanup: () => void } {
    const commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], projectDir);
    if (commit.error) throw new BaselineError(`--from ${ref}: git is not available (${commit.error.message})`);
    if (commit.status !== 0) throw new BaselineError(`--from ${ref}: no such commit in this repository (git rev-parse ${ref} failed)`);
    const sha = commit.stdout.trim();
    // The project may sit in a subfolder of the repository.
    const prefix = git(["rev-parse", "--show-prefix"], projectDir).stdout.trim();
    const stackFile = path.relative(projectDir, path.resolve(configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`)));
    if (stackFile.startsWith("..")) throw new BaselineError(`--from ${ref}: the stack file ${configFile} is outside the repository`);
    if (git(["cat-file", "-e", `${sha}:${prefix}${stackFile}`], projectDir).status !== 0) {
        throw new BaselineError(`--from ${ref}: ${stackFile} does not exist at ${ref} (${sha.slice(0, 12)}): nothing was deployed from it`);
    }

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-from-"));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
        const src = path.join(dir, "src");
        fs.mkdirSync(src);
        const archive = git(["archive", "--format=tar", "-o", path.join(dir, "src.tar"), prefix ? `${sha}:${prefix}` : sha], projectDir);
        if (archive.status !== 0) throw new BaselineError(`--from ${ref}: git archive failed: ${archive.stderr.trim()}`);
        const untar = spawnSync("tar", ["-xf", path.join(dir, "src.tar"), "-C", src], { encoding: "utf8" });
        if (untar.status !== 0) throw new BaselineError(`--from ${ref}: could not unpack the commit: ${untar.stderr.trim()}`);
        fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(src, "node_modules"), "dir");
        const build = spawnSync("npm", ["run", "-s", "build"], { cwd: src, encoding: "utf8" });
        if (build.status !== 0) throw new BaselineError(`--from ${ref}: the program at ${ref} does not compile: ${lastLine(build.stderr || build.stdout)}`);
        const file = path.join(dir, "baseline.json");
        const args = ["--stack", stack, "--json", file, ...(configFile ? ["--config-file", stackFile] : [])];
        const run = spawnSync(process.execPath, [path.join(src, "bin", "tools", "plan.js"), ...args], { cwd: src, encoding: "utf8" });
        if (!fs.existsSync(file)) throw new BaselineError(`--from ${ref}: the stack at ${ref} did not plan: ${lastLine(run.stderr || run.stdout)}`);
        return { file, cleanup };
    } catch (err) {
        cleanup();
        throw err;
    }
}

const lastLine = (text: string) =>
    text
        .trim()
        .split("\n")
        .filter((l) => l.trim())
        .pop() ?? "no output";
