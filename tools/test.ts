import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../plan/stack-files";

/**
 * `npm test` (after `npm run build` compiled everything into `bin/`): the strict type check and
 * lint, the mocha suite on the compiled tests in parallel, then the offline plan of every shipped stack.
 * Ends with one "N passed, N failed" line counting tests and stack plans. Everything the run
 * writes goes under one temporary folder (TMPDIR for every step), removed at the end.
 */
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-test-"));
// Readable by the unprivileged user the PostgreSQL test runs its server as when this runs as root.
fs.chmodSync(scratch, 0o755);
const env = { ...process.env, TMPDIR: scratch };

interface StepResult {
    status: number;
    stdout: string;
}

function step(title: string, args: string[]): Promise<StepResult> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => {
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            console.log(`\n=== ${title}\n${stdout}${stderr}=== ${title}: ${code === 0 ? "ok" : `FAILED (exit ${code})`} in ${seconds} s`);
            resolve({ status: code ?? 1, stdout });
        });
    });
}

async function main(): Promise<number> {
    const started = Date.now();
    const mocha = [require.resolve("mocha/bin/mocha.js"), "--no-config", "--parallel", "--jobs", "2", "--timeout", "60000", "bin/test/**/*.test.js"];
    const tsc = [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"];
    const eslint = [path.join(PROJECT_DIR, "node_modules/eslint/bin/eslint.js"), "."];
    const prettier = [path.join(PROJECT_DIR, "node_modules/prettier/bin/prettier.cjs"), "--check", "."];
    // The type check and lint need no output of the suite: they overlap it, one after the other.
    const checks = async () => {
        const typecheck = await step("type check (tsc --noEmit, strict)", tsc);
        const lint = await step("lint (eslint)", eslint);
        return { typecheck, lint };
    };
    // Two lanes of about equal length on two cores: the type check and lint, and the suite then the
    // format check. The suite plans every shipped stack in-process and asserts on it; with CI set,
    // each is also planned the way a user runs `npm run plan` (a process per stack).
    const suite = async () => {
        const unit = await step("unit tests (mocha, compiled, 2 workers)", mocha);
        const format = await step("format (prettier --check)", prettier);
        if (!process.env.CI) {
            console.log("\n=== offline plan of every shipped stack, one process each: with CI set (the suite plans them in-process)");
            return { unit, format, plans: { status: 0, stdout: "" } };
        }
        const plans = await step("offline plan of every shipped stack", [path.join(__dirname, "plan-all.js")]);
        return { unit, format, plans };
    };
    const [{ typecheck, lint: eslintRun }, { unit, format, plans }] = await Promise.all([checks(), suite()]);
    const lint = { status: eslintRun.status || format.status };

    const count = (text: string, word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);
    const failing = count(unit.stdout, "failing");
    const passed = count(unit.stdout, "passing") + (plans.stdout.match(/: ok,/g)?.length ?? 0) + (typecheck.status === 0 ? 1 : 0) + (lint.status === 0 ? 1 : 0);
    const failed =
        failing + (plans.status === 0 ? 0 : 1) + (typecheck.status === 0 ? 0 : 1) + (lint.status === 0 ? 0 : 1) + (unit.status !== 0 && failing === 0 ? 1 : 0);
    console.log(`\nTotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`${passed} passed, ${failed} failed`);
    return typecheck.status === 0 && lint.status === 0 && unit.status === 0 && plans.status === 0 ? 0 : 1;
}

main()
    .then((code) => {
        fs.rmSync(scratch, { recursive: true, force: true });
        process.exit(code);
    })
    .catch((err: unknown) => {
        fs.rmSync(scratch, { recursive: true, force: true });
        console.error(err);
        process.exit(1);
    });
