import { wantsHelp } from "../plan/cli";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { migrationScript } from "../components/blocks/fargate-service";
import { Plan, planStack } from "../plan/plan";
import { stackPackConfig } from "../plan/policy-config";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import type { PlanOutput } from "./plan";

const USAGE = "usage: npm run migrations -- --stack <name> [--config-file <Pulumi.x.yaml>] [--plan <plan.json>] [--policy-pack-config <file>] [--dry-run]";

/** One migration the deploy runs first, as the workload's outputs describe it. */
export interface PendingMigration {
    /** Where in the outputs: `workloads.<w>.migrations` or `workloads.<w>.services.<s>.migrations`. */
    at: string;
    taskDefinition: string;
    /** The URN of the task definition `pulumi up --target` registers the new revision of. */
    urn: string;
}

interface MigrationOutput {
    /** Absent in the outputs of a stack deployed before the output carried it: the stack's region then. */
    region?: string;
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

/** What runs before `pulumi up` rolls the services: the migrations, and the services a first deploy holds back until they ran. */
export interface MigrationPlan {
    region: string;
    migrations: PendingMigration[];
    /** URNs of the ECS services, which a stack's first deploy creates only after the migrations ran. */
    services: string[];
}

/** The migrations to run before `pulumi up` rolls the services, from the offline plan of the stack's config (or a written one). */
export async function pendingMigrations(stack: string, source: { configFile?: string; planFile?: string } = {}): Promise<MigrationPlan> {
    const plan: Pick<Plan, "outputs" | "resources" | "region"> = source.planFile
        ? (JSON.parse(fs.readFileSync(source.planFile, "utf8")) as Plan)
        : await planStack(readStackFiles(stack, source.configFile));
    const migrations = migrationOutputs(plan.outputs.workloads, "workloads")
        .filter(([, m]) => m.runBeforeDeploy)
        .map(([at, m]) => {
            const task = plan.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.inputs.family === m.taskDefinition);
            if (!task) throw new Error(`${at}: no task definition of family ${m.taskDefinition} in the plan`);
            return { at, taskDefinition: m.taskDefinition, urn: task.urn };
        });
    const services = plan.resources.filter((r) => r.type === "aws:ecs/service:Service").map((r) => r.urn);
    return { region: plan.region, migrations, services };
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
 * `<family>-migrate` task definition (`pulumi up --target`, with the policy pack), runs it once with
 * `aws ecs run-task` in its region, waits for it and fails unless the migration exited 0. On a
 * stack's first deploy, or for a workload new to the stack (no migration outputs yet), it first
 * creates everything but the ECS services (`pulumi up --exclude <services> --exclude-dependents`),
 * so the migrations run before any service takes traffic.
 */
export async function migrationsCommand(argv: string[], io: PlanOutput = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
    if (wantsHelp(argv)) {
        io.out(USAGE);
        return 0;
    }
    const flag = (name: string) => {
        const i = argv.indexOf(name);
        return i >= 0 ? argv[i + 1] : undefined;
    };
    const stack = flag("--stack");
    const valued = ["--stack", "--config-file", "--plan", "--policy-pack-config"];
    const known = [...valued, "--dry-run"];
    const unknown = argv.filter((a, i) => a.startsWith("--") && !known.includes(a) && !(i > 0 && valued.includes(argv[i - 1])));
    if (!stack || unknown.length > 0) {
        io.err(`${unknown.length ? `unexpected argument ${unknown[0]}\n` : "--stack is required\n"}${USAGE}`);
        return 2;
    }
    try {
        const { region, migrations: pending, services } = await pendingMigrations(stack, { configFile: flag("--config-file"), planFile: flag("--plan") });
        if (pending.length === 0) {
            io.out(`${stack}: no migration runs before the deploy.`);
            return 0;
        }
        io.out(`${stack}: ${pending.length} migration(s) before the deploy: ${pending.map((p) => p.taskDefinition).join(", ")}`);
        if (argv.includes("--dry-run")) return 0;

        // Every `pulumi up` of the deploy runs with the policy pack and the stack's own config.
        let packConfig = flag("--policy-pack-config");
        if (!packConfig) {
            packConfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "platform-migrations-")), "policy-config.json");
            fs.writeFileSync(packConfig, JSON.stringify(stackPackConfig(readStackFiles(stack, flag("--config-file")))));
        }
        const up = (...selection: string[]) =>
            run(
                "pulumi",
                [
                    "up",
                    "--yes",
                    "--skip-preview",
                    "--stack",
                    stack,
                    "--policy-pack",
                    path.join(PROJECT_DIR, "policy"),
                    "--policy-pack-config",
                    packConfig!,
                    ...selection,
                ],
                io,
            );

        if (process.env.PULUMI_BACKEND_URL) run("pulumi", ["login", process.env.PULUMI_BACKEND_URL], io);
        const deployedMigrations = () => {
            const outputs = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets=false", "--stack", stack], {
                encoding: "utf8",
                env: process.env,
            });
            return outputs.status === 0 ? migrationOutputs((JSON.parse(outputs.stdout || "{}") as { workloads?: unknown }).workloads, "workloads") : [];
        };
        let deployed = deployedMigrations();
        const fresh = pending.filter((p) => !deployed.some(([at]) => at === p.at));
        if (fresh.length > 0) {
            // A first deploy, or a workload new to the stack: its database does not exist yet. Everything
            // but the ECS services (and what depends on them) first, so that the database exists and is
            // migrated before any service takes traffic; the pulumi up after this tool rolls the services.
            io.out(
                `${stack}: ${deployed.length === 0 ? "first deploy" : `new migration(s) ${fresh.map((p) => p.taskDefinition).join(", ")}`}: everything but the ${services.length} ECS service(s) first, then the migrations, then the services.`,
            );
            up(...services.flatMap((urn) => ["--exclude", urn]), "--exclude-dependents");
            deployed = deployedMigrations();
        } else {
            // The new revisions (new image, command, secrets), and nothing else yet.
            up(...pending.flatMap((p) => ["--target", p.urn]));
        }
        for (const p of pending) {
            const m = deployed.find(([at]) => at === p.at)?.[1];
            if (!m) throw new Error(`${p.at}: not in the stack's outputs after pulumi up; the deploy stops here`);
            const script = migrationScript({
                region: m.region ?? region,
                cluster: m.cluster,
                family: m.taskDefinition,
                subnets: m.subnets,
                securityGroup: m.securityGroup,
                container: m.container,
            });
            io.out(`$ ${script}`);
            const result = spawnSync("sh", ["-c", script], { encoding: "utf8", env: process.env });
            if (result.status !== 0)
                throw new Error(`${m.taskDefinition}: ${result.stderr.trim() || `exit ${result.status}`}; the deploy stops here (logs: stream prefix migrate)`);
            io.out(result.stdout.trim());
        }
        return 0;
    } catch (err) {
        io.err(err instanceof Error ? err.message : String(err));
        return 1;
    }
}

if (require.main === module) migrationsCommand(process.argv.slice(2)).then((code) => process.exit(code));
