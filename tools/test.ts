import { spawnSync } from "child_process";
import * as path from "path";

/**
 * `npm test`: the type check over everything, the mocha suite, then the offline plan of every
 * shipped stack; ends with one "N passed, N failed" line counting tests and stack plans.
 */
const root = path.resolve(__dirname, "..");
const tsNode = require.resolve("ts-node/dist/bin");

function step(title: string, command: string, args: string[]): { status: number; stdout: string } {
    const started = Date.now();
    console.log(`\n=== ${title}`);
    const run = spawnSync(command, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    process.stdout.write(run.stdout);
    console.log(`=== ${title}: ${run.status === 0 ? "ok" : `FAILED (exit ${run.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { status: run.status ?? 1, stdout: run.stdout };
}

const started = Date.now();
const typecheck = step("type check (tsc --noEmit, strict)", process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"]);
const mocha = step("unit tests (mocha)", process.execPath, [require.resolve("mocha/bin/mocha.js")]);
const plans = step("offline plan of every shipped stack", process.execPath, [tsNode, "--transpile-only", path.join(root, "tools/plan-all.ts")]);

const count = (text: string, word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(text)?.[1] ?? 0);
const passed = count(mocha.stdout, "passing") + (plans.stdout.match(/: ok,/g)?.length ?? 0) + (typecheck.status === 0 ? 1 : 0);
const failed =
    count(mocha.stdout, "failing") + (plans.stdout.match(/FAILED/g)?.length ?? 0) + (typecheck.status === 0 ? 0 : 1) + (mocha.status !== 0 && count(mocha.stdout, "failing") === 0 ? 1 : 0);
console.log(`\nTotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(typecheck.status === 0 && mocha.status === 0 && plans.status === 0 ? 0 : 1);
