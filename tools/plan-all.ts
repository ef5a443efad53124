import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runTool } from "../plan/cli";
import { shippedStacks } from "../plan/stack-files";

// Plans every shipped stack, each in its own process (the Pulumi runtime is process-global), the
// way a user runs `npm run plan`; the diagrams go to a scratch folder that is removed afterwards.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-plan-all-"));
let failed = 0;
try {
    for (const stack of shippedStacks()) {
        const started = Date.now();
        const run = runTool("plan", ["--stack", stack, "--diagram-dir", path.join(scratch, stack)]);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (run.status === 0) {
            const summary = run.stdout.split("\n").find((l) => l.startsWith("Planned ")) ?? "";
            console.log(`plan ${stack}: ok, ${seconds} s wall. ${summary}`);
        } else {
            failed++;
            console.error(`plan ${stack}: FAILED (exit ${run.status})\n${run.stdout}${run.stderr}`);
        }
    }
} finally {
    fs.rmSync(scratch, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
