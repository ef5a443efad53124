import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toolCommand, wantsHelp } from "../plan/cli";
import { PROJECT_DIR } from "../plan/stack-files";
import { writeSection } from "./doc-sections";

/**
 * `npm run bench [-- --json <file>]`: wall time and peak memory of the offline plan of the shipped
 * production stack and of 1, 5, 20 and 40 generated `fargate-rds` workloads, beside the floor
 * (Node loading the Pulumi SDKs the program uses, and nothing else) measured in the same run.
 * Each figure is the median of five runs, taken in rounds (the floor, then each plan, five times
 * over) so that a busy moment of the machine weighs on the floor and the plans alike. Writes the
 * table into docs/insights.md (the `bench` section), with the machine it ran on.
 */
const USAGE = "usage: npm run bench [-- --json <out.json>]";
const RUNS = 5;

interface Row {
    what: string;
    resources: number;
    wallSeconds: number;
    peakMemoryMb: number;
    ratioToFloor: number;
    /** Wall time above the floor, per planned resource. */
    msPerResourceAboveFloor: number;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "platform-bench-"));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Measured {
    seconds: number;
    peakBytes: number;
    stdout: string;
}

/** Runs `node args` once: wall time, peak RSS and stdout. */
function runOnce(args: string[]): Measured {
    const rssFile = path.join(scratch, "rss");
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ["--require", path.join(__dirname, "rss-probe"), ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: { ...process.env, PLATFORM_BENCH_RSS_FILE: rssFile },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.status !== 0) throw new Error(`node ${args.join(" ")} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
    return { seconds, peakBytes: Number(fs.readFileSync(rssFile, "utf8")), stdout: run.stdout };
}

/** Runs each command once per round, RUNS rounds; per command the median wall time and peak RSS, and its last stdout. */
function measureInRounds(commands: string[][]): Measured[] {
    const runs = commands.map((): Measured[] => []);
    for (let round = 0; round < RUNS; round++) commands.forEach((args, i) => runs[i].push(runOnce(args)));
    return runs.map((r) => ({ seconds: median(r.map((m) => m.seconds)), peakBytes: median(r.map((m) => m.peakBytes)), stdout: r[r.length - 1].stdout }));
}

const fixed = (n: number, digits: number) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The benchmark as the docs show it: the machine, then one row per plan beside the floor. */
export function benchTable(machine: string, floor: { seconds: number; peakBytes: number }, rows: Row[]): string {
    const lines = [
        `Measured on ${machine}.`,
        "",
        "| plan | resources | wall | × floor | ms/resource above floor | peak memory |",
        "|---|---|---|---|---|---|",
        `| floor | | ${fixed(floor.seconds, 2)} s | 1.00 | | ${fixed(floor.peakBytes / 2 ** 20, 0)} MB |`,
    ];
    for (const r of rows) {
        lines.push(
            `| ${r.what} | ${fixed(r.resources, 0)} | ${fixed(r.wallSeconds, 2)} s | ${fixed(r.ratioToFloor, 2)} | ${fixed(r.msPerResourceAboveFloor, 2)} | ${fixed(r.peakMemoryMb, 0)} MB |`,
        );
    }
    return lines.join("\n");
}

/** A stack file with `n` fargate-rds workloads. */
function generated(n: number): string {
    const lines = ["config:", "  aws:region: us-east-1", "  platform:environment: staging", "  platform:workloads:"];
    for (let i = 0; i < n; i++) {
        lines.push(
            `    w${i}:`,
            "      topology: fargate-rds",
            "      image: example/ledger:1",
            "      license:",
            "        token:",
            "          secure: v1:bench",
        );
    }
    const file = path.join(scratch, `Pulumi.bench${n}.yaml`);
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return file;
}

/** The SDK modules the program imports (components, stacks, index.ts), read from its source, with @pulumi/pulumi. */
export function sdkModules(): Set<string> {
    const found = new Set(["@pulumi/pulumi"]);
    const visit = (file: string) => {
        if (fs.statSync(file).isDirectory()) return fs.readdirSync(file).forEach((f) => visit(path.join(file, f)));
        if (!file.endsWith(".ts")) return;
        for (const m of fs.readFileSync(file, "utf8").matchAll(/from "(@pulumi\/(?!pulumi)[a-z0-9/-]+)"/g)) found.add(m[1]);
    };
    ["index.ts", "components", "stacks"].forEach((f) => visit(path.join(PROJECT_DIR, f)));
    return found;
}

function main(argv: string[]): void {
    if (wantsHelp(argv)) return console.log(USAGE);
    if (argv.length !== 0 && !(argv.length === 2 && argv[0] === "--json")) throw new Error(USAGE);
    const jsonFile = argv[1];
    const floorScript = [...sdkModules()].map((m) => `require(${JSON.stringify(m)});`).join("");
    const plans: { what: string; args: string[] }[] = [
        { what: "shipped production stack", args: ["--stack", "production"] },
        { what: "the same, writing the diagram (`--diagram-dir`)", args: ["--stack", "production", "--diagram-dir", path.join(scratch, "diagram")] },
        ...[1, 5, 20, 40].map((n) => ({
            what: `${n} fargate-rds workload${n === 1 ? "" : "s"}`,
            args: ["--stack", `bench${n}`, "--config-file", generated(n)],
        })),
    ];
    // The production plan's records, registered again through the SDK with nothing of the program.
    const recorded = path.join(scratch, "production.json");
    runOnce([...toolCommand("plan"), "--stack", "production", "--json", recorded]);
    plans.push({ what: "production's resources replayed through the SDK alone (no program, no checks)", args: [recorded] });
    const commands = plans.map((p, i) => [...toolCommand(i === plans.length - 1 ? "bench-replay" : "plan"), ...p.args]);
    const [floor, ...measured] = measureInRounds([["-e", floorScript], ...commands]);
    const rows: Row[] = plans.map(({ what }, i) => {
        const m = measured[i];
        const resources = Number(/(?:Planned|Replayed) (\d+) resources/.exec(m.stdout)?.[1] ?? NaN);
        return {
            what,
            resources,
            wallSeconds: m.seconds,
            peakMemoryMb: m.peakBytes / 2 ** 20,
            ratioToFloor: m.seconds / floor.seconds,
            msPerResourceAboveFloor: ((m.seconds - floor.seconds) * 1000) / resources,
        };
    });

    const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const table = benchTable(machine, floor, rows);
    console.log(table);
    console.log(`\n${writeSection("docs/insights.md", "bench", table)}`);
    if (jsonFile) {
        const floorJson = { wallSeconds: floor.seconds, peakMemoryMb: floor.peakBytes / 2 ** 20 };
        fs.writeFileSync(jsonFile, JSON.stringify({ machine, runsPerFigure: RUNS, floor: floorJson, plans: rows }, null, 2) + "\n");
        console.log(`\nWrote ${jsonFile}`);
    }
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (err) {
        // A bad command line or a failed run: one message, exit 2, not a stack trace.
        console.error(err instanceof Error ? err.message : err);
        process.exitCode = 2;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
