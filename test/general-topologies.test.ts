import { expect } from "chai";
import { PlannedResource } from "../plan/mocks";
import { checkReadiness } from "../plan/readiness";
import { buildStack, configProblems, plannedResource, policyOf, rawStack } from "./helpers";

/**
 * Topologies are patterns: the names a workload gets derive from its own name, a documented
 * system's names come from a preset it chooses, and two workloads never share a physical name
 * without the plan saying which key tells them apart.
 */

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/apps:1.0.0";
const containersOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions)) as any[];
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const secretsOf = (c: { secrets?: { name: string }[] }) => (c.secrets ?? []).map((s) => s.name);
const sids = (r: PlannedResource) => policyOf(r.inputs.policy).Statement.map((s) => s.Sid);
const stack = (workloads: Record<string, unknown>, environment = "staging") => rawStack({ environment, workloads }, { secretKeys: ["platform:workloads"] });
const readinessOf = (resources: PlannedResource[]) => checkReadiness({ resources, region: "us-east-1", prefixLists: {} });

const fargateRds = (extra: Record<string, unknown> = {}) => ({ topology: "fargate-rds", image: IMAGE, ...extra });
const auditWorker = (extra: Record<string, unknown> = {}) => ({
    topology: "ecs-audit-worker",
    imageTag: "1.0.0",
    worker: { command: ["python", "-m", "app.audit"] },
    redis: { url: "https://eu1-example.upstash.io", token: "upstash-token-value" },
    ...extra,
});
const auroraWeb = (extra: Record<string, unknown> = {}) => ({
    topology: "aurora-web",
    image: IMAGE,
    api: { originDomainName: "api-origin.example.com", certificateArn: CERT },
    ...extra,
});

/** One stack for the naming tests: each topology by its own name and by its preset. */
const NAMING = stack({
    orders: fargateRds(),
    payments: fargateRds({ preset: "ledger", license: { token: "a.b.c" } }),
    "entity-audit": auditWorker(),
    entity: auditWorker({ preset: "epr" }),
    board: auroraWeb(),
    "board-admin": auroraWeb({ preset: "braidmgr" }),
});

describe("general topologies: names from the workload, presets for the documented systems", () => {
    it("fargate-rds names the database and its variables after the workload, and needs no license", async () => {
        const { recorder } = await buildStack(NAMING);
        const [app] = containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "orders")).filter((c) => c.name === "orders");
        expect(envOf(app)).to.include({ ORDERS_DB_PORT: "5432", ORDERS_DB_NAME: "orders", ORDERS_DB_TLS: "false" });
        expect(secretsOf(app)).to.include.members(["ORDERS_DB_USER", "ORDERS_DB_PASSWORD"]);
        expect(
            Object.keys(envOf(app))
                .concat(secretsOf(app))
                .filter((n) => n.startsWith("LEDGER_")),
        ).to.deep.equal([]);
        expect(recorder.get("aws:rds/instance:Instance", "orders-db").inputs).to.include({ dbName: "orders", username: "orders" });
        expect(recorder.byType("aws:secretsmanager/secret:Secret").map((s) => s.name)).not.to.include("orders-license");
    });

    it("refuses a master user PostgreSQL or RDS reserves, whether set or derived from the workload's name", () => {
        expect(configProblems(stack({ "pg-sync": fargateRds() })).map((p) => p.path)).to.deep.equal(["platform:workloads.pg-sync.database.username"]);
        expect(configProblems(stack({ user: fargateRds() }))[0].message).to.contain('"user" is reserved');
        expect(configProblems(stack({ orders: fargateRds({ database: { username: "rdsadmin" } }) })).map((p) => p.path)).to.deep.equal([
            "platform:workloads.orders.database.username",
        ]);
    });

    it("fargate-rds's ledger preset gives any workload the ledger's names, and requires its license", async () => {
        const problems = configProblems(stack({ payments: fargateRds({ preset: "ledger" }) }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.payments.license.token"]);
        expect(problems[0].message).to.match(/^the ledger preset's service refuses to start without its license/);
        expect(configProblems(stack({ payments: fargateRds({ preset: "ladger" }) }))[0]).to.deep.include({ path: "platform:workloads.payments.preset" });

        const { recorder } = await buildStack(NAMING);
        const [app] = containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "payments")).filter((c) => c.name === "payments");
        expect(envOf(app)).to.include({ LEDGER_DB_NAME: "ledger" });
        expect(secretsOf(app)).to.include.members(["LEDGER_DB_USER", "LEDGER_DB_PASSWORD", "LEDGER_LICENSE"]);
        expect(recorder.get("aws:rds/instance:Instance", "payments-db").inputs).to.include({ dbName: "ledger", username: "ledger" });
    });

    it("ecs-audit-worker prefixes its variables with the workload's name; the epr preset restores EPR_* and epr_db", async () => {
        const own = await buildStack(NAMING);
        const [api] = containersOf(own.recorder.get("aws:ecs/taskDefinition:TaskDefinition", "entity-audit"));
        expect(Object.keys(envOf(api))).to.include.members(["ENTITY_AUDIT_AUDIT_SQS_URL", "ENTITY_AUDIT_LOG_LEVEL", "ENTITY_AUDIT_REDIS_CACHE_PREFIX"]);
        expect(envOf(api).ENTITY_AUDIT_REDIS_CACHE_PREFIX).to.equal("entity-audit");
        expect(secretsOf(api)).to.include.members(["ENTITY_AUDIT_DATABASE_URL", "ENTITY_AUDIT_REDIS_URL", "ENTITY_AUDIT_REDIS_TOKEN"]);
        expect(own.recorder.get("aws:rds/instance:Instance", "entity-audit-db").inputs).to.include({ dbName: "entity_audit", username: "entity_audit" });

        const epr = own;
        const [eprApi] = containersOf(epr.recorder.get("aws:ecs/taskDefinition:TaskDefinition", "entity"));
        expect(envOf(eprApi)).to.include({ EPR_REDIS_CACHE_PREFIX: "epr", EPR_LOG_LEVEL: "INFO" });
        expect(secretsOf(eprApi)).to.include("EPR_DATABASE_URL");
        expect(epr.recorder.get("aws:rds/instance:Instance", "entity-db").inputs).to.include({ dbName: "epr_db", username: "epr" });
        // A variable the program sets under the workload's prefix may not be set again in environment.
        const clash = configProblems(stack({ entity: auditWorker({ variablePrefix: "APP", environment: { APP_LOG_LEVEL: "x" } }) }));
        expect(clash.map((p) => p.path)).to.include("platform:workloads.entity.environment.APP_LOG_LEVEL");
    });

    it("aurora-web names its database and attachments bucket after the workload; the braidmgr preset after the app", async () => {
        const { recorder } = await buildStack(NAMING);
        const buckets = recorder.byType("aws:s3/bucket:Bucket").map((b) => String(b.inputs.bucket));
        expect(buckets).to.include.members(["board-test-attachments-123456789012", "braidmgr-test-attachments-123456789012"]);
        expect(recorder.get("aws:rds/cluster:Cluster", "board-db").inputs).to.include({ databaseName: "board", masterUsername: "board" });
        expect(recorder.get("aws:rds/cluster:Cluster", "board-admin-db").inputs).to.include({ databaseName: "braidmgr", masterUsername: "braidmgr" });
    });

    describe("ecs-audit-worker's worker modes, each planned", () => {
        const modes = { sidecar: "beside", service: "apart", none: "alone" } as const;
        const MODES = stack(
            Object.fromEntries(
                Object.entries(modes).map(([mode, name]) => [
                    name,
                    auditWorker({
                        preset: "epr",
                        allowPlaintext: true,
                        alarmEmails: ["oncall@example.com"],
                        worker: { mode, command: ["python", "-m", "app.audit"] },
                    }),
                ]),
            ),
            "production",
        );
        it("plans all three with nothing for readiness to refuse", async () => {
            expect(readinessOf((await buildStack(MODES)).recorder.resources)).to.deep.equal([]);
        });
        for (const [mode, apiReadsQueue, workerService] of [
            ["sidecar", true, false],
            ["service", false, true],
            ["none", false, false],
        ] as const) {
            const name = modes[mode];
            it(`${mode}: ${apiReadsQueue ? "the API's task reads the audit queue" : "the API is given no audit queue and no right to it"}`, async () => {
                const { recorder } = await buildStack(MODES);
                const api = containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", name)).find((c) => c.name === "api");
                if (apiReadsQueue) expect(envOf(api).EPR_AUDIT_SQS_URL).to.match(/^https:\/\/sqs\./);
                else expect(envOf(api).EPR_AUDIT_SQS_URL).to.equal("");
                expect(sids(recorder.get("aws:iam/rolePolicy:RolePolicy", `${name}-task`)).includes("ConsumeAuditQueue")).to.equal(apiReadsQueue);
                const workers = recorder.byType("aws:iam/rolePolicy:RolePolicy").filter((r) => r.name === `${name}-worker-task`);
                expect(workers.map(sids)).to.deep.equal(workerService ? [["ConsumeAuditQueue", "ReadOwnSecrets"]] : []);
            });
        }
    });
});

const names = { family: "omen-epr", logGroup: "/ecs/omen-epr" };
/** Two aurora-web workloads given one bucket prefix, two audit workers given one family and log group. */
const CLASHING = stack({
    board: auroraWeb({ preset: "braidmgr" }),
    wiki: auroraWeb({ preset: "braidmgr" }),
    epr: auditWorker({ names }),
    eprs: auditWorker({ names }),
});

describe("readiness: no two resources share a physical name (two workloads of each topology with default names: test/two-of-each.test.ts)", () => {
    it("two aurora-web workloads with one bucket prefix: a problem naming both buckets and the key that tells them apart", async () => {
        const { recorder } = await buildStack(CLASHING);
        const problems = readinessOf(recorder.resources).filter((p) => p.check === "aws-name-collision");
        const bucket = problems.find((p) => /share the bucket name "braidmgr-test-attachments-123456789012"/.test(p.message));
        expect(bucket, JSON.stringify(problems, null, 1)).to.not.equal(undefined);
        expect(bucket!.message).to.include("wiki-attachments (aws:s3/bucket:Bucket) and board-attachments (urn:pulumi:");
        expect(bucket!.message).to.include("across all AWS accounts");
        expect(bucket!.message).to.include("to tell them apart, change platform:workloads.board.bucketPrefix or platform:workloads.wiki.bucketPrefix");
    });

    it("RDS identifiers derived twice: each named with the key that renames it (a dedicated database's own, a replica's master's)", async () => {
        const compose = {
            topology: "compose-host",
            imagePrefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/apps",
            imageTag: "1.0.0",
            certificateArn: CERT,
            services: { payments: { port: 8082, dedicatedDatabase: true } },
        };
        const { recorder } = await buildStack(
            stack({
                tickets: compose,
                "tickets-payments": fargateRds(),
                // A replica is <identifier>-replica: another workload's identifier may take it.
                orders: fargateRds({ readReplica: true }),
                reports: fargateRds({ database: { identifier: "orders-db-test-replica" } }),
            }),
        );
        const problems = readinessOf(recorder.resources).filter((p) => p.check === "aws-name-collision");
        const db = problems.find((p) => p.message.includes('share the DB instance identifier "tickets-payments-db-test" in us-east-1'));
        expect(db, JSON.stringify(problems, null, 1)).to.not.equal(undefined);
        // The dedicated database's own key renames it, not the service (whose name is its compose service's, its URLs').
        expect(db!.message).to.match(
            /change platform:workloads\.tickets\.services\.payments\.databaseIdentifier or platform:workloads\.tickets-payments\.database\.identifier$/,
        );
        const replica = problems.find((p) => p.message.includes('share the DB instance identifier "orders-db-test-replica"'));
        expect(replica, JSON.stringify(problems, null, 1)).to.not.equal(undefined);
        expect(replica!.message).to.match(
            /change platform:workloads\.(orders|reports)\.database\.identifier or platform:workloads\.(orders|reports)\.database\.identifier$/,
        );
    });

    it("two Compose workloads where one's service is named after the other: the duplicate URN names both workloads", async () => {
        const compose = (services: Record<string, unknown>) => ({
            topology: "compose-host",
            imagePrefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/apps",
            imageTag: "1.0.0",
            certificateArn: CERT,
            services,
        });
        const { recorder } = await buildStack(
            stack({
                tickets: compose({ web: { port: 8081 }, payments: { port: 8082, dedicatedDatabase: true } }),
                "tickets-payments": compose({ api: { port: 8081 } }),
            }),
        );
        const duplicate = readinessOf(recorder.resources).find(
            (p) => p.check === "engine-duplicate-urn" && p.urn.endsWith("PostgresDatabase::tickets-payments-db"),
        );
        expect(duplicate?.message)
            .to.include("by workloads tickets and tickets-payments")
            .and.include("platform:workloads.tickets, platform:workloads.tickets-payments");
    });

    it("explicit names collide too: two workloads given one ECS family and log group", async () => {
        const { recorder } = await buildStack(CLASHING);
        const messages = readinessOf(recorder.resources)
            .filter((p) => p.check === "aws-name-collision")
            .map((p) => p.message);
        expect(messages.some((m) => m.includes('task definition family "omen-epr"') && m.includes("platform:workloads.epr.names.family"))).to.equal(
            true,
            messages.join("\n"),
        );
        expect(messages.some((m) => m.includes('log group name "/ecs/omen-epr"') && m.includes("platform:workloads.eprs.names.logGroup"))).to.equal(
            true,
            messages.join("\n"),
        );
    });

    it("compares each name within its scope: buckets everywhere, IAM without case, regional names per region", () => {
        const resource = (type: string, name: string, inputs: Record<string, unknown>) => plannedResource(type, name, inputs);
        const collisions = (...resources: PlannedResource[]) => readinessOf(resources).filter((p) => p.check === "aws-name-collision");
        const bucket = "aws:s3/bucket:Bucket";
        const logGroup = "aws:cloudwatch/logGroup:LogGroup";
        const role = "aws:iam/role:Role";
        expect(collisions(resource(bucket, "a", { bucket: "files" }), resource(bucket, "b", { bucket: "files", region: "eu-west-1" }))).to.have.length(1);
        expect(collisions(resource(logGroup, "a", { name: "/ecs/app" }), resource(logGroup, "b", { name: "/ecs/app", region: "eu-west-1" }))).to.deep.equal([]);
        expect(collisions(resource(logGroup, "a", { name: "/ecs/app" }), resource(logGroup, "b", { name: "/ecs/App" }))).to.deep.equal([]);
        expect(collisions(resource(role, "a", { name: "app-task" }), resource(role, "b", { name: "App-Task", region: "eu-west-1" }))).to.have.length(1);
        // Auto-named resources (no name in the inputs) get a random suffix and never collide.
        expect(collisions(resource(role, "a", {}), resource(role, "a2", {}))).to.deep.equal([]);
        // A private hosted zone's name is unique on its VPC (ConflictingDomainExists); public zones may repeat.
        const zone = "aws:route53/zone:Zone";
        const onVpc = (vpcId: string) => ({ name: "services.example.com", vpcs: [{ vpcId }] });
        expect(collisions(resource(zone, "a", onVpc("vpc-1")), resource(zone, "b", onVpc("vpc-1")))).to.have.length(1);
        expect(collisions(resource(zone, "a", onVpc("vpc-1")), resource(zone, "b", onVpc("vpc-2")))).to.deep.equal([]);
        expect(collisions(resource(zone, "a", { name: "example.com" }), resource(zone, "b", { name: "example.com" }))).to.deep.equal([]);
    });
});
