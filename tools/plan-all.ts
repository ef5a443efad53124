import { spawnSync } from "child_process";
import * as path from "path";
import { shippedStacks } from "../testing/stack-files";

// Plans every shipped stack, each in its own process (the Pulumi runtime is process-global).
const root = path.resolve(__dirname, "..");
let failed = 0;
for (const stack of shippedStacks(root)) {
    const started = Date.now();
    const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(root, "tools/plan.ts"), "--stack", stack], {
        cwd: root,
        encoding: "utf8",
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (run.status === 0) {
        const summary = run.stdout.split("\n").find((l) => l.startsWith("Planned ")) ?? "";
        console.log(`plan ${stack}: ok, ${seconds} s wall. ${summary}`);
    } else {
        failed++;
        console.error(`plan ${stack}: FAILED (exit ${run.status})\n${run.stdout}${run.stderr}`);
    }
}
process.exit(failed === 0 ? 0 : 1);
