import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { shippedStacks } from "../testing/stack-files";

/**
 * `npm run bench`: wall time of the offline plan per shipped stack and for 1, 10 and 50 generated
 * workloads, each as a ratio to the floor (Node loading @pulumi/pulumi and the AWS modules the
 * program imports, doing nothing else). Median of three runs each.
 */
const root = path.resolve(__dirname, "..");
const tsNode = require.resolve("ts-node/dist/bin");

function wall(args: string[]): number {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
        if (run.status !== 0 && run.status !== 1) throw new Error(`${args.join(" ")} failed:\n${run.stderr}`);
        times.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    return times.sort((a, b) => a - b)[1];
}

const floorScript = `require("@pulumi/pulumi");${["ec2", "ecs", "iam", "lb", "rds", "s3", "sqs", "sns", "cloudwatch", "cloudfront", "elasticache", "secretsmanager", "appautoscaling"].map((m) => `require("@pulumi/aws/${m}");`).join("")}require("@pulumi/awsx/ec2");`;
const floor = wall(["-e", floorScript]);
const plan = (stack: string, configFile?: string) => wall([tsNode, "--transpile-only", "tools/plan.ts", "--stack", stack, "--diagram-dir", fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), ...(configFile ? ["--config-file", configFile] : [])]);

function generated(n: number): string {
    const lines = ["config:", "  aws:region: us-east-1", "  platform:environment: staging", "  platform:workloads:"];
    for (let i = 0; i < n; i++) {
        lines.push(`    w${i}:`, "      topology: fargate-rds", "      image: example/ledger:1", "      license:", "        token:", "          secure: v1:bench");
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), `Pulumi.bench${n}.yaml`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return file;
}

const rows: [string, number][] = shippedStacks(root).map((s) => [`stack ${s}`, plan(s)]);
for (const n of [1, 10, 50]) rows.push([`${n} generated workload(s)`, plan(`bench${n}`, generated(n))]);
console.log(`floor (load @pulumi/pulumi + AWS modules): ${floor.toFixed(2)} s`);
console.log("| plan | wall (s) | × floor |\n|---|---|---|");
for (const [what, seconds] of rows) console.log(`| ${what} | ${seconds.toFixed(2)} | ${(seconds / floor).toFixed(1)} |`);
