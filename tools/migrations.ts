import { spawnSync } from "child_process";
import * as fs from "fs";
import { Plan, planStack } from "../plan/plan";
import { readStackFiles } from "../plan/stack-files";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run migrations -- --stack <name> [--config-file <Pulumi.x.yaml> | --plan <plan.json>] [--dry-run]";

/** One migration the deploy runs first, as the workload's outputs describe it. */
export interface PendingMigration {
    /** Where in the outputs: `workloads.<w>.migrations` or `workloads.<w>.services.<s>.migrations`. */
    at: string;
    taskDefinition: string;
    /** The URN of the task definition `pulumi up --target` registers the new revision of. */
    urn: string;
}

interface MigrationOutput {
    cluster: string;
    subnets: string[];
    securityGroup: string;
    container: string;
    taskDefinition: string;
    runBeforeDeploy: boolean;
}

/** Every `migrations` output with `runBeforeDeploy`, wherever a topology puts it, with its path. */
function migrationOutputs(value: unknown, at: string, found: [string, MigrationOutput][] = []): [string, MigrationOutput][] {
    if (value === null || typeof value !== "object") return found;
    for (const [key, child] of Object.entries(value)) {
        const path = `${at}.${key}`;
        if (key === "migrations" && child && typeof child === "object" && "taskDefinition" in child) found.push([path, child as MigrationOutput]);
        else migrationOutputs(child, path, found);
    }
    return found;
}

/** The migrations to run before `pulumi up` rolls the services, from the offline plan of the stack's config (or a written one). */
export async function pendingMigrations(stack: string, source: { configFile?: string; planFile?: string } = {}): Promise<PendingMigration[]> {
    const plan: Pick<Plan, "outputs" | "resources"> = source.planFile
        ? (JSON.parse(fs.readFileSync(source.planFile, "utf8")) as Plan)
        : await planStack(readStackFiles(stack, source.configFile));
    return migrationOutputs(plan.outputs.workloads, "workloads")
        .filter(([, m]) => m.runBeforeDeploy)
        .map(([at, m]) => {
            const task = plan.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.inputs.family === m.taskDefinition);
            if (!task) throw new Error(`${at}: no task definition of family ${m.taskDefinition} in the plan`);
            return { at, taskDefinition: m.taskDefinition, urn: task.urn };
        });
}

/** Runs a command; its standard output, or an error naming it. */
function run(command: string, args: string[], io: PlanOutput): string {
    io.out(`$ ${command} ${args.join(" ")}`);
    const result = spawnSync(command, args, { encoding: "utf8", env: process.env });
    if (result.error) throw new Error(`${command}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 2).join(" ")} failed (exit ${result.status}): ${result.stderr.trim()}`);
    return result.stdout.trim();
}

/**
 * `npm run migrations -- --stack <s>`: what the deploy workflow runs before `pulumi up`. For every
 * workload whose config says `migrations.runBeforeDeploy`, registers the new revision of its
 * `<family>-migrate` task definition (`pulumi up --target`), runs it once with `aws ecs run-task`,
 * waits for it and fails unless the migration exited 0. On a stack's first deploy (no outputs yet)
 * it runs nothing: the services create the database role, and the next deploy migrates.
 */
export async function migrationsCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    const flag = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stack = flag("--stack");
    const known = ["--stack", "--config-file", "--plan", "--dry-run"];
    const unknown = argv.filter((a, i) => a.startsWith("--") && !known.includes(a) && !(i > 0 && ["--stack", "--config-file", "--plan"].includes(argv[i - 1])));
    if (!stack || unknown.length > 0) {
        io.err(`${unknown.length ? `unexpected argument ${unknown[0]}\n` : "--stack is required\n"}${USAGE}`);
        return 2;
    }
    try {
        const pending = await pendingMigrations(stack, { configFile: flag("--config-file"), planFile: flag("--plan") });
        if (pending.length === 0) {
            io.out(`${stack}: no migration runs before the deploy.`);
            return 0;
        }
        io.out(`${stack}: ${pending.length} migration(s) before the deploy: ${pending.map((p) => p.taskDefinition).join(", ")}`);
        if (argv.includes("--dry-run")) return 0;

        if (process.env.PULUMI_BACKEND_URL) run("pulumi", ["login", process.env.PULUMI_BACKEND_URL], io);
        const outputs = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets=false", "--stack", stack], { encoding: "utf8", env: process.env });
        const deployed = outputs.status === 0 ? migrationOutputs((JSON.parse(outputs.stdout || "{}") as { workloads?: unknown }).workloads, "workloads") : [];
        if (deployed.length === 0) {
            io.out(`${stack}: not deployed yet (no migration outputs): the first pulumi up creates everything; migrations run from the next deploy.`);
            return 0;
        }
        // The new revisions (new image, command, secrets), and nothing else yet.
        run("pulumi", ["up", "--yes", "--skip-preview", "--stack", stack, ...pending.flatMap((p) => ["--target", p.urn])], io);
        for (const p of pending) {
            const m = deployed.find(([at]) => at === p.at)?.[1];
            if (!m) {
                io.out(`${p.at}: new in this deploy: it runs from the next one.`);
                continue;
            }
            const network = `awsvpcConfiguration={subnets=[${m.subnets.join(",")}],securityGroups=[${m.securityGroup}],assignPublicIp=DISABLED}`;
            const task = run(
                "aws",
                [
                    "ecs",
                    "run-task",
                    "--cluster",
                    m.cluster,
                    "--task-definition",
                    m.taskDefinition,
                    "--launch-type",
                    "FARGATE",
                    "--network-configuration",
                    network,
                    "--started-by",
                    "platform-migrations",
                    "--query",
                    "tasks[0].taskArn",
                    "--output",
                    "text",
                ],
                io,
            );
            run("aws", ["ecs", "wait", "tasks-stopped", "--cluster", m.cluster, "--tasks", task], io);
            const exit = run(
                "aws",
                [
                    "ecs",
                    "describe-tasks",
                    "--cluster",
                    m.cluster,
                    "--tasks",
                    task,
                    "--query",
                    `tasks[0].containers[?name=='${m.container}'].exitCode | [0]`,
                    "--output",
                    "text",
                ],
                io,
            );
            if (exit !== "0") throw new Error(`${m.taskDefinition}: the migration exited ${exit}; the deploy stops here (logs: stream prefix migrate)`);
            io.out(`${m.taskDefinition}: migrated.`);
        }
        return 0;
    } catch (err) {
        io.err(err instanceof Error ? err.message : String(err));
        return 1;
    }
}

if (require.main === module) migrationsCommand(process.argv.slice(2)).then((code) => process.exit(code));
