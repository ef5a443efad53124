import { spawn } from "child_process";
import { toolCommand } from "../plan/cli";
import { PROJECT_DIR, shippedStacks } from "../plan/stack-files";

// Plans every shipped stack, each in its own process (the Pulumi runtime is process-global) and all
// at once, the way a user runs `npm run plan` (without --diagram-dir, so it writes nothing).
function planInProcess(stack: string): Promise<{ stack: string; status: number | null; stdout: string; stderr: string; seconds: string }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [...toolCommand("plan"), "--stack", stack], { cwd: PROJECT_DIR });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ stack, status, stdout, stderr, seconds: ((Date.now() - started) / 1000).toFixed(1) }));
    });
}

async function main(): Promise<number> {
    const runs = await Promise.all(shippedStacks().map((stack) => planInProcess(stack)));
    for (const run of runs) {
        if (run.status === 0)
            console.log(`plan ${run.stack}: ok, ${run.seconds} s wall. ${run.stdout.split("\n").find((l) => l.startsWith("Planned ")) ?? ""}`);
        else console.error(`plan ${run.stack}: FAILED (exit ${run.status})\n${run.stdout}${run.stderr}`);
    }
    return runs.every((r) => r.status === 0) ? 0 : 1;
}

main().then((code) => process.exit(code));
