import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { checkReadiness } from "../plan/readiness";
import { evaluatePolicies } from "../plan/policy";
import { PlannedResource } from "../plan/mocks";
import { stackPackConfig } from "../plan/policy-config";
import { migrationsCommand } from "../tools/migrations";
import { composeErrors } from "./validators";
import { configProblems, planOnce, policyOf, rawStack, scratchDir } from "./helpers";
import { parseStackConfig } from "../stacks/schema";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { EventDrivenSettings } from "../components/topologies/event-driven";

const SECRET = (what: string) => ({ secure: `v1:placeholder-ciphertext-${what}` });
const EXISTING = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-stripe-AbCdEf";
/** The multi-Region key that encrypts the existing secrets (event-driven's DR standby reads their replicas). */
const SECRETS_KEY = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab";
/** A single-Region key of the stack's region: it encrypts no replica in another region. */
const SINGLE_REGION_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/** The key of the DR region the existing secrets' replicas were given there (`KmsKeyId`). */
const DR_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321";

/** The production stack with every release-and-operations key switched on for every ECS workload. */
function operationsStack(): string {
    const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8"));
    const workloads = doc.config["platform:workloads"];
    const release = (extra: Record<string, unknown> = {}) => ({
        executeCommand: true,
        migrations: { command: ["./migrate", "up"], runBeforeDeploy: true },
        ...extra,
    });
    const secrets = {
        secrets: { PARTNER_API_KEY: SECRET("partner") },
        existingSecrets: { STRIPE_KEY: `${EXISTING}:key::` },
        existingSecretsKeys: [SECRETS_KEY],
    };
    // The ledger's single batch engine deploys stop-first; EPR's runbook rolls revisions itself.
    Object.assign(workloads.ledger, release({ deployment: { minimumHealthyPercent: 0, maximumPercent: 100 } }), { secrets: { PARTNER_API_KEY: SECRET("p") } });
    Object.assign(workloads.epr, release({ deployments: { mode: "external" } }), secrets);
    Object.assign(workloads.braidmgr, release(), secrets);
    Object.assign(workloads.integrations, release({ deployments: { mode: "external" } }));
    Object.assign(workloads.integrations.integration, secrets);
    // The worker's existing secret is under a single-Region key; its replica has a key of the DR region.
    Object.assign(workloads.integrations.worker, {
        existingSecrets: { PARTNER_TOKEN: EXISTING.replace("shared-stripe", "shared-partner") },
        existingSecretsKeys: [SINGLE_REGION_KEY],
    });
    // Its DR standby reads the existing secrets in the DR region: replicated there by their owner,
    // the replicas under the multi-Region key's replica or a key of that region.
    Object.assign(workloads.integrations.disasterRecovery, { existingSecretsReplicated: true, existingSecretsKeys: [DR_KEY] });
    // Images from repositories the workloads create: a tag instead of a whole image.
    for (const w of [workloads.ledger, workloads.braidmgr, workloads.integrations.integration]) {
        delete w.image;
        w.imageTag = "2026.11.2";
    }
    for (const w of [workloads.ledger, workloads.braidmgr, workloads.integrations]) w.repository = { create: true, keepImages: 50 };
    workloads.tickets.repository = { create: true };
    // The Compose host: a migration container and existing secrets per service.
    Object.assign(workloads.tickets.services.ticketing, {
        migrations: { command: ["./manage", "migrate"] },
        existingSecrets: { STRIPE_KEY: `${EXISTING}:key::`, SMTP_PASSWORD: EXISTING.replace("shared-stripe", "shared-smtp") },
        existingSecretsKeys: [SECRETS_KEY],
    });
    workloads.tickets.imageTag = "2026.11.2";
    delete workloads.tickets.imagePrefix;
    const file = path.join(scratchDir("operations"), "Pulumi.operations.yaml");
    fs.writeFileSync(file, stringify(doc));
    return file;
}

describe("release and operations keys on every ECS topology", () => {
    let plan: Awaited<ReturnType<typeof planOnce>>;
    const find = (type: string, name: string): PlannedResource => {
        const found = plan.resources.find((r) => r.type === type && r.name === name);
        if (!found) throw new Error(`no ${type} ${name}`);
        return found;
    };
    const TD = "aws:ecs/taskDefinition:TaskDefinition";
    const containers = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions));
    before(async () => {
        plan = await planOnce(readStackFiles("operations", operationsStack()));
    });

    it("plans with no readiness problem and no mandatory violation", async () => {
        expect(checkReadiness(plan)).to.deep.equal([]);
        expect((await evaluatePolicies(plan, { environment: "production" })).filter((v) => v.level === "mandatory")).to.deep.equal([]);
    });

    it("adds a <family>-migrate task per workload: the service's image, secrets and logs, the migration command, a task role of its own", () => {
        for (const [service, family] of [
            ["ledger", "ledger-operations"],
            // The shipped stack gives EPR its runbook's family.
            ["epr", "omen-epr"],
            ["braidmgr", "braidmgr-operations"],
            ["integrations-integration", "integrations-integration-operations"],
        ]) {
            const migrate = find(TD, `${service}-migrate`);
            const main = find(TD, service);
            expect(migrate.inputs.family).to.equal(`${family}-migrate`);
            expect(migrate.inputs.executionRoleArn).to.equal(main.inputs.executionRoleArn);
            expect(migrate.inputs.taskRoleArn).to.not.equal(main.inputs.taskRoleArn);
            const named = (list: { name: string }[], name: string) => list.find((c) => c.name === name)!;
            const container = named(containers(migrate), "migrate") as any;
            const app = containers(main)[0];
            // The migration waits for the database bootstrap, as the service does.
            expect(containers(migrate).map((c: { name: string }) => c.name)).to.deep.equal(["db-bootstrap", "migrate"]);
            expect(container.dependsOn).to.deep.equal([{ containerName: "db-bootstrap", condition: "SUCCESS" }]);
            expect(container).to.include({ name: "migrate", image: app.image });
            expect(container.command).to.deep.equal(["./migrate", "up"]);
            expect(container.secrets).to.deep.equal(app.secrets);
            expect(container.portMappings).to.deep.equal([]);
            expect(container.logConfiguration.options).to.include({
                "awslogs-group": app.logConfiguration.options["awslogs-group"],
                "awslogs-stream-prefix": "migrate",
            });
        }
        const outputs = plan.outputs.workloads as Record<string, any>;
        // One line for `| sh`: run in the stack's region, wait for the task, fail unless the migration exited 0.
        const runTask: string = outputs.ledger.migrations.runTask;
        expect(runTask).to.match(
            /^task=\$\(aws ecs run-task --region us-east-1 --cluster \S+ --task-definition ledger-operations-migrate --launch-type FARGATE --network-configuration "awsvpcConfiguration=\{subnets=\[subnet-[^\]]+\],securityGroups=\[sg-[0-9a-f]+\],assignPublicIp=DISABLED\}" /,
        );
        expect(runTask)
            .to.contain(" && aws ecs wait tasks-stopped --region us-east-1 --cluster ")
            .and.contain("tasks[0].containers[?name=='migrate'].exitCode");
        expect(outputs.ledger.migrations.region).to.equal("us-east-1");
        expect(outputs.ledger.migrations.runBeforeDeploy).to.equal(true);
        expect(outputs.integrations.services.integration.migrations.taskDefinition).to.equal("integrations-integration-operations-migrate");
        expect(outputs.integrations.services.webhook.migrations).to.equal(undefined);
    });

    it("creates an ECR repository per image given as a tag, runs the image from it, and pulls it with the execution role", () => {
        const outputs = plan.outputs.workloads as Record<string, any>;
        for (const [workload, repository, task] of [
            ["ledger", "ledger-images", "ledger"],
            ["braidmgr", "braidmgr-images", "braidmgr"],
        ]) {
            const repo = find("aws:ecr/repository:Repository", repository);
            expect(repo.inputs).to.include({ imageTagMutability: "IMMUTABLE" });
            expect(repo.options.protect).to.equal(true);
            expect(outputs[workload].repositoryUrl).to.match(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\//);
            const app = containers(find(TD, task)).find((c: { name: string }) => c.name !== "db-bootstrap");
            expect(app.image).to.equal(`${outputs[workload].repositoryUrl}:2026.11.2`);
            const pull = policyOf(find("aws:iam/rolePolicy:RolePolicy", `${task}-execution`).inputs.policy).Statement.find((x) => x.Sid === "PullImages")!;
            expect(pull.Resource).to.include(repo.state.arn);
            const lifecycle = JSON.parse(String(find("aws:ecr/lifecyclePolicy:LifecyclePolicy", repository).inputs.policy));
            expect(lifecycle.rules[0].selection.countNumber).to.equal(50);
        }
        expect(Object.keys(outputs.integrations.repositoryUrls)).to.deep.equal(["integration"]);
        // The Compose host: a repository per service, the images in the Compose file pulled with the host's role.
        expect(Object.keys(outputs.tickets.repositoryUrls).sort()).to.deep.equal(["identity", "notifications", "payments", "ticketing"]);
        const hostPull = policyOf(find("aws:iam/rolePolicy:RolePolicy", "tickets-host").inputs.policy).Statement.find((x) => x.Sid === "PullImages")!;
        expect(hostPull.Resource).to.include(find("aws:ecr/repository:Repository", "tickets-ticketing-images").state.arn);
    });

    it("runs a Compose service's migration before its API, and writes its existing secrets to an env file of their own", () => {
        const compose = parse(String(find("aws:s3/bucketObjectv2:BucketObjectv2", "tickets-compose").inputs.content), { version: "1.1" });
        expect(composeErrors(String(find("aws:s3/bucketObjectv2:BucketObjectv2", "tickets-compose").inputs.content))).to.deep.equal([]);
        const migrate = compose.services["ticketing-migrate"];
        expect(migrate).to.include({ image: compose.services.ticketing.image, restart: "no" });
        expect(migrate.command).to.deep.equal(["./manage", "migrate"]);
        expect(migrate.depends_on["ticketing-db-init"]).to.deep.equal({ condition: "service_completed_successfully" });
        expect(compose.services.ticketing.depends_on["ticketing-migrate"]).to.deep.equal({ condition: "service_completed_successfully" });
        expect(compose.services.payments.depends_on["payments-migrate"]).to.equal(undefined);
        expect(compose.services.ticketing.env_file).to.deep.equal(["/run/platform/ticketing.env", "/run/platform/ticketing-existing.env"]);
        const files = JSON.parse(String(find("aws:s3/bucketObjectv2:BucketObjectv2", "tickets-env-files").inputs.content));
        expect(files).to.deep.include({
            file: "/run/platform/ticketing-existing.env",
            values: [
                { variable: "STRIPE_KEY", secretArn: EXISTING, key: "key" },
                { variable: "SMTP_PASSWORD", secretArn: EXISTING.replace("shared-stripe", "shared-smtp") },
            ],
        });
        const reads = policyOf(find("aws:iam/rolePolicy:RolePolicy", "tickets-host").inputs.policy).Statement.find((x) => x.Sid === "ReadServiceSecrets")!;
        expect(reads.Resource).to.include.members([EXISTING, EXISTING.replace("shared-stripe", "shared-smtp")]);
    });

    it("deploys the ledger stop-first and leaves external revisions alone, giving the script its names", () => {
        const ledger = find("aws:ecs/service:Service", "ledger");
        expect(ledger.inputs).to.include({ deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 });
        expect(ledger.options.ignoreChanges).to.not.include("taskDefinition");
        for (const name of ["epr", "epr-worker", "integrations-integration", "integrations-webhook", "integrations-worker"])
            expect(find("aws:ecs/service:Service", name).options.ignoreChanges, name).to.include.members(["taskDefinition", "desiredCount"]);
        const epr = (plan.outputs.workloads as Record<string, any>).epr;
        // The runbook's own names, which its deploy script types.
        expect(epr.deploy).to.include({ family: "omen-epr", container: "omen-epr", cluster: "omen-production", service: "omen-epr-service" });
        expect(epr.workerDeploy).to.include({ container: "audit-worker" });
    });

    it("hands the master's credentials to the db-bootstrap containers only, in every task definition", () => {
        const masters = plan.resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret" && /-db-credentials$/.test(r.name)).map((r) => r.state.arn!);
        expect(masters.length).to.be.at.least(4);
        let bootstraps = 0;
        for (const task of plan.resources.filter((r) => r.type === TD)) {
            for (const c of containers(task) as { name: string; secrets?: { valueFrom: string }[]; dependsOn?: unknown[] }[]) {
                const usesMaster = (c.secrets ?? []).some((x) => masters.some((arn) => x.valueFrom.startsWith(arn)));
                if (c.name === "db-bootstrap") bootstraps++;
                expect(usesMaster, `${task.name}/${c.name}`).to.equal(c.name === "db-bootstrap");
            }
        }
        // ledger, epr, epr-worker, braidmgr, integrations' integration and worker, and their migrate tasks.
        expect(bootstraps).to.equal(10);
    });

    it("opens ECS Exec on every service, Kong included", () => {
        for (const name of [
            "ledger",
            "epr",
            "epr-worker",
            "braidmgr",
            "integrations-integration",
            "integrations-webhook",
            "integrations-worker",
            "integrations-gateway",
        ]) {
            expect(find("aws:ecs/service:Service", name).inputs.enableExecuteCommand, name).to.equal(true);
            const actions = policyOf(find("aws:iam/rolePolicy:RolePolicy", `${name}-task`).inputs.policy).Statement.flatMap((s) =>
                [s.Action as string | string[]].flat(),
            );
            expect(actions, name).to.include("ssmmessages:OpenDataChannel");
        }
        // Sessions are recorded in the service's log group, written with the task's own role.
        const cluster = find("aws:ecs/cluster:Cluster", "ledger");
        expect((cluster.inputs.configuration as any).executeCommandConfiguration).to.deep.equal({
            logging: "OVERRIDE",
            logConfiguration: { cloudWatchLogGroupName: "/ecs/ledger-operations" },
        });
        const audit = policyOf(find("aws:iam/rolePolicy:RolePolicy", "ledger-task").inputs.policy).Statement.find((x) => x.Sid === "EcsExecAuditLog")!;
        expect(audit.Resource).to.equal(`${find("aws:cloudwatch/logGroup:LogGroup", "ledger").state.arn}:*`);
    });

    it("delivers new and existing secrets through ECS secrets, readable only by that workload's execution role", () => {
        const [api] = containers(find(TD, "braidmgr"));
        const names = Object.fromEntries(api.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
        expect(names.STRIPE_KEY).to.equal(`${EXISTING}:key::`);
        const stored = find("aws:secretsmanager/secret:Secret", "braidmgr-partner-api-key");
        expect(names.PARTNER_API_KEY).to.equal(stored.state.arn);
        const reads = policyOf(find("aws:iam/rolePolicy:RolePolicy", "braidmgr-execution").inputs.policy).Statement.find(
            (s) => s.Sid === "ReadSecrets",
        )!.Resource;
        expect(reads).to.include.members([EXISTING, stored.state.arn]);
        // Event-driven: per service; the webhook receiver never gets the integration's credentials.
        const webhook = containers(find(TD, "integrations-webhook"))[0].secrets.map((s: { name: string }) => s.name);
        expect(webhook).to.not.include("PARTNER_API_KEY");
        expect(containers(find(TD, "integrations-integration"))[0].secrets.map((s: { name: string }) => s.name)).to.include("PARTNER_API_KEY");
    });

    it("lets every reader of an existing secret decrypt it with the customer managed key it names, through Secrets Manager only", () => {
        const decrypt = (policy: string) =>
            policyOf(find("aws:iam/rolePolicy:RolePolicy", policy).inputs.policy).Statement.find((x) => x.Sid === "DecryptSecrets");
        const through = (region: string) => ({ StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } });
        // The execution roles that inject it, the EPR task role that reads its own secrets, the Compose host.
        for (const policy of ["braidmgr-execution", "epr-execution", "epr-task", "integrations-integration-execution", "tickets-host"])
            expect(decrypt(policy), policy).to.deep.include({ Action: "kms:Decrypt", Resource: [SECRETS_KEY], Condition: through("us-east-1") });
        expect(decrypt("integrations-worker-execution")).to.deep.include({ Resource: [SINGLE_REGION_KEY], Condition: through("us-east-1") });
        // The DR standby decrypts the replicas with keys of its region: the multi-Region key's replica there
        // and the key the replicas were given there; never the single-Region key of the stack's region.
        expect(decrypt("integrations-integration-dr-execution")).to.deep.include({
            Resource: [SECRETS_KEY.replace("us-east-1", "eu-west-1"), DR_KEY],
            Condition: through("eu-west-1"),
        });
        expect(decrypt("integrations-worker-dr-execution")).to.deep.include({ Resource: [DR_KEY], Condition: through("eu-west-1") });
        // No key named, no grant: the ledger's and the webhook receiver's secrets are Secrets Manager's own key's,
        // and the webhook receiver's standby reads no existing secret.
        for (const policy of ["ledger-execution", "integrations-webhook-execution", "integrations-webhook-dr-execution"])
            expect(decrypt(policy), policy).to.equal(undefined);
    });

    it("refuses a plan-held secret, or its replica, under a customer managed key its reader may not decrypt through Secrets Manager there", () => {
        const partner = plan.resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.name === "integrations-integration-partner-api-key")!;
        const other = "arn:aws:kms:eu-west-1:123456789012:key/11112222-3333-4444-5555-666677778888";
        const keyProblems = (edit: (resources: PlannedResource[]) => void) => {
            const copy = structuredClone(plan.resources);
            edit(copy);
            return checkReadiness({ resources: copy, region: "us-east-1", prefixLists: {} })
                .filter((p) => p.check === "iam-secret-key")
                .map((p) => `${p.urn.split("::").pop()}: ${p.message}`);
        };
        const secretOf = (resources: PlannedResource[]) => resources.find((r) => r.urn === partner.urn)!;
        const replicaUnder = (kmsKeyId: string) => (resources: PlannedResource[]) => {
            secretOf(resources).inputs.replicas = [{ region: "eu-west-1", kmsKeyId }];
        };
        // A replica under aws/secretsmanager (the default, or named) needs no grant; under the key the
        // standby is granted, it reads it.
        expect(keyProblems(() => undefined)).to.deep.equal([]);
        expect(keyProblems(replicaUnder("alias/aws/secretsmanager"))).to.deep.equal([]);
        expect(keyProblems(replicaUnder(DR_KEY))).to.deep.equal([]);
        // Under a key of the DR region nobody granted the standby: it cannot start.
        const [problem, ...rest] = keyProblems(replicaUnder(other));
        expect(rest).to.deep.equal([]);
        expect(problem).to.equal(
            `integrations-integration-dr: container integration reads PARTNER_API_KEY from ${partner.state.arn!.replace("us-east-1", "eu-west-1")} (a replica in eu-west-1), encrypted with the customer managed key ${other}, but its execution role lacks kms:Decrypt on that key through secretsmanager.eu-west-1.amazonaws.com: the task cannot start`,
        );
        // A grant of the right key through another region's Secrets Manager does not count.
        const elsewhere = keyProblems((resources) => {
            replicaUnder(DR_KEY)(resources);
            const policy = resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "integrations-integration-dr-execution")!;
            policy.inputs.policy = String(policy.inputs.policy).replace("secretsmanager.eu-west-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com");
        });
        expect(elsewhere.map((p) => p.split(":")[0])).to.deep.equal(["integrations-integration-dr"]);
        // The primary under a key its readers (the service and its migration) are not granted.
        const primary = keyProblems((resources) => {
            secretOf(resources).inputs.kmsKeyId = SINGLE_REGION_KEY.replace("1234abcd-", "5678abcd-");
        });
        expect(primary.map((p) => p.split(":")[0]).sort()).to.deep.equal(["integrations-integration", "integrations-integration-migrate"]);
        // The Compose host's sync job reads the secrets its env files are written from the same way.
        const [first] = JSON.parse(String(find("aws:s3/bucketObjectv2:BucketObjectv2", "tickets-env-files").inputs.content)) as { secretArn: string }[];
        const host = keyProblems((resources) => {
            resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.state.arn === first.secretArn)!.inputs.kmsKeyId = SINGLE_REGION_KEY;
        });
        expect(host).to.have.length(1);
        expect(host[0]).to.match(
            /: its sync job writes an env file from \S+, encrypted with the customer managed key .+ but its instance role lacks kms:Decrypt/,
        );
    });

    it("refuses an alias for a secrets key, and a DR replicas' key that is an alias or outside the DR region", () => {
        const alias = "arn:aws:kms:us-east-1:123456789012:alias/shared-secrets";
        expect(configProblems(braid({ existingSecrets: { STRIPE_KEY: EXISTING }, existingSecretsKeys: [alias] })).map((p) => p.path)).to.deep.equal([
            "platform:workloads.braid.existingSecretsKeys[0]",
        ]);
        const integrations = () => {
            const doc = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8"));
            const w = doc.config["platform:workloads"].integrations;
            // A single-Region key in the primary, the replicas under aws/secretsmanager: nothing to grant there.
            Object.assign(w.integration, { existingSecrets: { STRIPE_KEY: EXISTING }, existingSecretsKeys: [SINGLE_REGION_KEY] });
            w.disasterRecovery.existingSecretsReplicated = true;
            return w;
        };
        const stack = (w: unknown) => rawStack({ environment: "production", workloads: { integrations: w } }, { secretKeys: ["platform:workloads"] });
        const accepted = parseStackConfig(stack(integrations()), TOPOLOGY_SCHEMAS).workloads.integrations.settings as EventDrivenSettings;
        expect(accepted.integration.existingSecretsKeys).to.deep.equal([SINGLE_REGION_KEY]);
        expect(accepted.disasterRecovery.existingSecretsKeys).to.deep.equal([]);

        const problemsWith = (keys: string[]) => {
            const w = integrations();
            w.disasterRecovery.existingSecretsKeys = keys;
            return configProblems(stack(w)).map((p) => `${p.path}: ${p.message}`);
        };
        expect(problemsWith([DR_KEY, "arn:aws:kms:eu-west-1:123456789012:alias/dr-secrets"])).to.deep.equal([
            `platform:workloads.integrations.disasterRecovery.existingSecretsKeys[1]: expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>; aws kms describe-key --key-id alias/<name> --query KeyMetadata.Arn): IAM grants kms:Decrypt on the key, not on an alias; got "arn:aws:kms:eu-west-1:123456789012:alias/dr-secrets"`,
        ]);
        const [outside, ...rest] = problemsWith([SINGLE_REGION_KEY, DR_KEY]);
        expect(rest).to.deep.equal([]);
        expect(outside).to.match(
            /^platform:workloads\.integrations\.disasterRecovery\.existingSecretsKeys\[0\]: is a key of us-east-1, but the replicas the standby reads are in eu-west-1 \(disasterRecovery\.region\)/,
        );
        // The way to the key's ARN works: DescribeSecret gives a replica's key as an ID, ARN or alias (its
        // ReplicationStatus), DescribeKey turns any of them into the ARN; the key is shown once.
        expect(outside).to.contain(`--query "ReplicationStatus[?Region=='eu-west-1'].KmsKeyId"`);
        expect(outside).to.contain("aws kms describe-key --region eu-west-1 --key-id <that> --query KeyMetadata.Arn");
        expect(outside.split(SINGLE_REGION_KEY)).to.have.length(2);
        // Keys nothing would use are refused, not ignored: with DR off, or with no existing secret to read.
        const unused = (change: (w: ReturnType<typeof integrations>) => void) => {
            const w = integrations();
            w.disasterRecovery.existingSecretsKeys = [DR_KEY];
            change(w);
            return configProblems(stack(w)).map((p) => `${p.path}: ${p.message}`);
        };
        expect(unused((w) => (w.disasterRecovery.enabled = false))).to.deep.equal([
            `platform:workloads.integrations.disasterRecovery.existingSecretsKeys: names the keys of existing secrets' replicas the DR standby reads, but disasterRecovery.enabled is false: no standby, so nothing would use them; remove it, or turn disaster recovery on; got ["${DR_KEY}"]`,
        ]);
        expect(unused((w) => (w.integration.existingSecrets = {})).map((m) => m.split(": ")[0])).to.deep.equal([
            "platform:workloads.integrations.disasterRecovery.existingSecretsKeys",
        ]);
    });

    /** A staging stack of one aurora-web workload with `settings` added to its minimal config. */
    const braid = (settings: Record<string, unknown>) =>
        rawStack({
            environment: "staging",
            workloads: {
                braid: {
                    topology: "aurora-web",
                    image: "reg/braid:1",
                    api: {
                        originDomainName: "api.example.com",
                        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
                    },
                    ...settings,
                },
            },
        });

    it("refuses an existing secret in another region, a variable given twice, and one the program sets", () => {
        const raw = braid({
            environment: { STRIPE_KEY: "x" },
            existingSecrets: { STRIPE_KEY: EXISTING.replace("us-east-1", "eu-west-1"), DATABASE_PASSWORD: EXISTING },
            deployment: { minimumHealthyPercent: 150 },
        });
        const messages = configProblems(raw).map((p) => `${p.path}: ${p.message}`);
        expect(messages.join("\n")).to.contain("existingSecrets.STRIPE_KEY: the secret must be in the stack's region (us-east-1)");
        expect(messages.join("\n")).to.contain("existingSecrets.DATABASE_PASSWORD: DATABASE_PASSWORD is set by the program");
        expect(messages.join("\n")).to.contain("deployment.minimumHealthyPercent");
    });

    it("refuses an existing secret named by a partial ARN (without Secrets Manager's six-character suffix), which no IAM grant of it matches", () => {
        const partial = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/stripe";
        const problems = configProblems(braid({ existingSecrets: { STRIPE_KEY: partial, STRIPE_WEBHOOK: `${partial}:webhook::`, SMTP_PASSWORD: EXISTING } }));
        expect(problems.map((p) => p.path).sort()).to.deep.equal([
            "platform:workloads.braid.existingSecrets.STRIPE_KEY",
            "platform:workloads.braid.existingSecrets.STRIPE_WEBHOOK",
        ]);
        expect(problems[0].message).to.contain("full ARN").and.contain("describe-secret");
    });
});

describe("npm run migrations: what the deploy runs before pulumi up rolls the services", () => {
    // Fake pulumi and aws on PATH record what the tool asks of them.
    // A stack not deployed yet has no outputs until the first (partial) pulumi up writes them.
    const fakeTools = (dir: string, outputs: unknown, exitCode: string, { deployed = true } = {}) => {
        const log = path.join(dir, "calls.log");
        const script = (body: string) => `#!/bin/sh\necho "$(basename "$0") $*" >> "${log}"\n${body}\n`;
        const current = path.join(dir, "outputs.json");
        fs.writeFileSync(path.join(dir, "after-up.json"), JSON.stringify(outputs));
        fs.writeFileSync(current, deployed ? JSON.stringify(outputs) : "{}");
        fs.writeFileSync(
            path.join(dir, "pulumi"),
            script(`case "$1 $2" in "stack output") cat "${current}";; up*) cp "${path.join(dir, "after-up.json")}" "${current}";; esac`),
            { mode: 0o755 },
        );
        fs.writeFileSync(
            path.join(dir, "aws"),
            script(`case "$2" in run-task) echo "arn:aws:ecs:us-east-1:123456789012:task/c/abc";; describe-tasks) echo "${exitCode}";; esac`),
            { mode: 0o755 },
        );
        return () => fs.readFileSync(log, "utf8").trim().split("\n");
    };
    const withPath = async <T>(dir: string, work: () => Promise<T>): Promise<T> => {
        const saved = { path: process.env.PATH, backend: process.env.PULUMI_BACKEND_URL };
        process.env.PATH = `${dir}:${saved.path}`;
        delete process.env.PULUMI_BACKEND_URL;
        try {
            return await work();
        } finally {
            process.env.PATH = saved.path;
            if (saved.backend !== undefined) process.env.PULUMI_BACKEND_URL = saved.backend;
        }
    };
    const cli = async (args: string[]) => {
        let stdout = "";
        let stderr = "";
        const status = await migrationsCommand(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
        return { status, stdout, stderr };
    };

    it("registers the migrate revisions, runs each migration once and waits for exit 0, before the rollout", async () => {
        const file = operationsStack();
        const plan = await planOnce(readStackFiles("operations", file));
        const dir = scratchDir("migrations");
        const calls = fakeTools(dir, plan.outputs, "0");
        // The plan the offline job wrote: nothing is planned again.
        const planFile = path.join(dir, "plan.json");
        fs.writeFileSync(planFile, JSON.stringify(plan));
        const run = await withPath(dir, () => cli(["--stack", "operations", "--config-file", file, "--plan", planFile]));
        expect(run.status, run.stdout + run.stderr).to.equal(0);
        const log = calls();
        const up = log.find((l) => l.startsWith("pulumi up"))!;
        const migrate = plan.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name.endsWith("-migrate"));
        expect(migrate).to.have.length(4);
        for (const r of migrate) expect(up).to.contain(`--target ${r.urn}`);
        // With the policy pack and the stack's own generated config, like every pulumi up of the deploy.
        const config = /--policy-pack (\S+) --policy-pack-config (\S+)/.exec(up)!;
        expect(config[1]).to.equal(path.join(PROJECT_DIR, "policy"));
        expect(JSON.parse(fs.readFileSync(config[2], "utf8"))).to.deep.equal(stackPackConfig(readStackFiles("operations", file)));
        const runTasks = log.filter((l) => l.startsWith("aws ecs run-task"));
        expect(runTasks).to.have.length(4);
        expect(runTasks[0]).to.match(
            /^aws ecs run-task --region us-east-1 --cluster \S+ --task-definition ledger-operations-migrate --launch-type FARGATE --network-configuration awsvpcConfiguration=\{subnets=\[subnet-/,
        );
        expect(log.filter((l) => l.startsWith("aws ecs wait tasks-stopped"))).to.have.length(4);
        // The rollout comes after: the tool never runs the full pulumi up itself.
        expect(log.indexOf(up)).to.be.lessThan(log.findIndex((l) => l.startsWith("aws ecs run-task")));
        expect(log.filter((l) => l.startsWith("pulumi up"))).to.have.length(1);
    });

    it("stops the deploy when a migration fails; on a stack's first deploy creates all but the services, then migrates", async () => {
        const file = operationsStack();
        const plan = await planOnce(readStackFiles("operations", file));
        const failing = scratchDir("migrations");
        fakeTools(failing, plan.outputs, "3");
        const planFile = path.join(failing, "plan.json");
        fs.writeFileSync(planFile, JSON.stringify(plan));
        const failed = await withPath(failing, () => cli(["--stack", "operations", "--config-file", file, "--plan", planFile]));
        expect(failed.status).to.equal(1);
        expect(failed.stderr).to.contain("the migration exited 3; the deploy stops here");

        // A first deploy: everything but the services, then the migrations; the workflow's pulumi up creates the services.
        const fresh = scratchDir("migrations");
        const calls = fakeTools(fresh, plan.outputs, "0", { deployed: false });
        const first = await withPath(fresh, () => cli(["--stack", "operations", "--config-file", file, "--plan", planFile]));
        expect(first.status, first.stderr).to.equal(0);
        expect(first.stdout).to.contain("first deploy: everything but the");
        const log = calls();
        const partial = log.filter((l) => l.startsWith("pulumi up"));
        expect(partial).to.have.length(1);
        const services = plan.resources.filter((r) => r.type === "aws:ecs/service:Service");
        expect(services.length).to.be.greaterThan(3);
        for (const r of services) expect(partial[0]).to.contain(`--exclude ${r.urn}`);
        expect(partial[0]).to.contain("--exclude-dependents").and.not.contain("--target");
        expect(log.indexOf(partial[0])).to.be.lessThan(log.findIndex((l) => l.startsWith("aws ecs run-task")));
        expect(log.filter((l) => l.startsWith("aws ecs run-task"))).to.have.length(4);

        // A workload new to a deployed stack: the same, its database first.
        const added = scratchDir("migrations");
        const workloads = plan.outputs.workloads as Record<string, unknown>;
        const calls2 = fakeTools(added, { ...plan.outputs, workloads: { ...workloads, ledger: undefined } }, "0");
        fs.writeFileSync(path.join(added, "after-up.json"), JSON.stringify(plan.outputs));
        const next = await withPath(added, () => cli(["--stack", "operations", "--config-file", file, "--plan", planFile]));
        expect(next.status, next.stderr).to.equal(0);
        expect(next.stdout).to.contain("new migration(s) ledger-operations-migrate: everything but the");
        expect(calls2().filter((l) => l.startsWith("pulumi up"))[0]).to.contain("--exclude-dependents");

        const shippedPlan = path.join(fresh, "production.json");
        fs.writeFileSync(shippedPlan, JSON.stringify(await planOnce(readStackFiles("production"))));
        const shipped = await cli(["--stack", "production", "--plan", shippedPlan, "--dry-run"]);
        expect(shipped.stdout).to.contain("production: no migration runs before the deploy.");
        expect((await cli(["--stak", "x"])).status).to.equal(2);
    });
});
