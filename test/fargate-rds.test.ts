import { expect } from "chai";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PreflightError, runPreflightChecks } from "../components/platform";
import { verifyLicense } from "../components/license";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { PROFILES } from "../stacks/profiles";
import { parseStackConfig } from "../stacks/schema";
import { installMocks, PlannedResource } from "../plan/mocks";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { buildStack, planOnce, policyOf, rawStack, scratchDir, configProblems } from "./helpers";

const ACCOUNT = "123456789012";
const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
const PUBLIC_PEM = publicKey.export({ type: "spki", format: "pem" }).toString();

function license(claims: Record<string, unknown>, key: crypto.KeyObject = privateKey): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const signingInput = `${enc({ alg: "EdDSA", typ: "JWT" })}.${enc(claims)}`;
    return `${signingInput}.${crypto.sign(null, Buffer.from(signingInput), key).toString("base64url")}`;
}
const inOneYear = Math.floor(Date.now() / 1000) + 365 * 86400;
const VALID_LICENSE = license({ aws_account_id: ACCOUNT, exp: inOneYear, sub: "acme" });

function ledger(environment: "staging" | "production", overrides: Record<string, unknown> = {}) {
    return rawStack(
        {
            environment,
            workloads: {
                ledger: {
                    topology: "fargate-rds",
                    image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/entrytarget:1.0.0",
                    clients: { cidrs: ["10.50.0.0/16"], securityGroupIds: ["sg-0123456789abcdef0"] },
                    prometheusCidrs: ["10.60.0.10/32"],
                    // Plain HTTP inside the VPC, said explicitly (production requires it or a certificate).
                    allowPlaintext: true,
                    license: { token: VALID_LICENSE, publicKey: PUBLIC_PEM },
                    ...overrides,
                },
            },
        },
        { secretKeys: ["platform:workloads"] },
    );
}

const containerOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions))[0];
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const rulesOf = (recorder: { byType(t: string): PlannedResource[] }, kind: "Ingress" | "Egress", groupName: string) =>
    recorder
        .byType(`aws:vpc/securityGroup${kind}Rule:SecurityGroup${kind}Rule`)
        .filter((r) => r.name.startsWith(`${groupName}-${kind === "Ingress" ? "in" : "out"}-`));

describe("topology fargate-rds", () => {
    for (const environment of ["staging", "production"] as const) {
        describe(`in ${environment}`, () => {
            const profile = PROFILES[environment];

            it("runs one container on Fargate in private subnets without a public IP, sized by the profile", async () => {
                const { recorder } = await buildStack(ledger(environment));
                const service = recorder.get("aws:ecs/service:Service", "ledger");
                const network = service.inputs.networkConfiguration as Record<string, any>;
                expect(network.assignPublicIp).to.equal(false);
                expect(network.subnets).to.have.length(profile.azCount);
                expect(network.subnets.every((s: string) => s.startsWith("subnet-"))).to.equal(true);
                expect(service.inputs).to.include({
                    launchType: "FARGATE",
                    desiredCount: profile.minTasks,
                    deploymentMinimumHealthyPercent: 100,
                    healthCheckGracePeriodSeconds: 300,
                });
                expect(service.inputs.deploymentCircuitBreaker).to.deep.equal({ enable: true, rollback: true });

                const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger");
                expect(task.inputs).to.include({ cpu: String(profile.taskCpu), memory: String(profile.taskMemory), networkMode: "awsvpc" });
                const container = containerOf(task);
                expect(container.portMappings).to.deep.equal([{ containerPort: 8080, protocol: "tcp" }]);
                expect(container.stopTimeout).to.equal(120);
                expect(container.logConfiguration.options["awslogs-group"]).to.equal("/ecs/ledger-test");

                expect(recorder.get("aws:ecs/cluster:Cluster", "ledger").inputs.settings).to.deep.equal([{ name: "containerInsights", value: "enabled" }]);
                expect(recorder.get("aws:cloudwatch/logGroup:LogGroup", "ledger").inputs).to.include({
                    name: "/ecs/ledger-test",
                    retentionInDays: profile.logRetentionDays,
                });
            });

            it("lets clients in through an internal load balancer that never forwards /metrics, and Prometheus straight to 8080", async () => {
                const { recorder, outputs } = await buildStack(ledger(environment));
                const alb = recorder.get("aws:lb/loadBalancer:LoadBalancer", "ledger-api");
                expect(alb.inputs).to.include({ internal: true, dropInvalidHeaderFields: true, enableDeletionProtection: profile.deletionProtection });
                // Access logs go to a bucket of the balancer's own that the region's ELB account may write, set up before logging starts.
                const logBucket = recorder.get("aws:s3/bucket:Bucket", "ledger-api-access-logs");
                // Access logs are audit data: kept in production, disposable in staging.
                expect(logBucket.inputs.forceDestroy).to.equal(environment === "staging");
                expect(logBucket.options.protect).to.equal(environment === "production");
                expect((alb.inputs.accessLogs as any).enabled).to.equal(true);
                expect((alb.inputs.accessLogs as any).bucket).to.match(/^ledger-api-access-logs-/);
                const logPolicy = recorder.get("aws:s3/bucketPolicy:BucketPolicy", "ledger-api-access-logs");
                expect(alb.options.dependsOn).to.include(logPolicy.urn);
                const grant = policyOf(logPolicy.inputs.policy).Statement[1];
                expect(grant.Principal).to.deep.equal({ AWS: "arn:aws:iam::127311923021:root" });
                expect(grant.Resource).to.match(/^arn:aws:s3:::ledger-api-access-logs-[0-9a-f]+\/AWSLogs\/123456789012\/\*$/);
                const rules = recorder.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "ledger-api-access-logs").inputs.rules as any[];
                expect(rules.find((r) => r.id === "retention").expiration).to.deep.equal({ days: profile.logRetentionDays });
                const listener = recorder.get("aws:lb/listener:Listener", "ledger-api");
                expect(listener.inputs).to.include({ port: 8080, protocol: "HTTP" });
                const blocked = recorder.get("aws:lb/listenerRule:ListenerRule", "ledger-api-blocked");
                expect(blocked.inputs.priority).to.equal(1);
                expect(blocked.inputs.conditions).to.deep.equal([{ pathPattern: { values: ["/metrics", "/metrics/*"] } }]);
                expect((blocked.inputs.actions as any[])[0].type).to.equal("fixed-response");
                expect(recorder.get("aws:lb/targetGroup:TargetGroup", "ledger-api").inputs).to.include({
                    port: 8080,
                    targetType: "ip",
                    deregistrationDelay: 120,
                });

                const lbIn = rulesOf(recorder, "Ingress", "ledger-api").map((r) => [
                    r.inputs.fromPort,
                    r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId,
                ]);
                expect(lbIn).to.have.deep.members([
                    [8080, "10.50.0.0/16"],
                    [8080, "sg-0123456789abcdef0"],
                ]);

                const taskIn = rulesOf(recorder, "Ingress", "ledger-tasks");
                expect(taskIn.map((r) => r.name)).to.have.members(["ledger-tasks-in-prometheus-10-60-0-10-32", "ledger-tasks-in-load-balancer"]);
                expect(taskIn.every((r) => r.inputs.fromPort === 8080 && r.inputs.toPort === 8080 && typeof r.inputs.description === "string")).to.equal(true);
                expect(
                    recorder.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ledger-tasks-in-prometheus-10-60-0-10-32").inputs.cidrIpv4,
                ).to.equal("10.60.0.10/32");

                const taskOut = rulesOf(recorder, "Egress", "ledger-tasks").map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? "sg"]);
                const expectedOut: [number, string][] = [
                    [443, "0.0.0.0/0"],
                    [5432, "sg"],
                ];
                if (profile.readReplica) expectedOut.push([5432, "sg"]);
                expect(taskOut).to.have.deep.members(expectedOut);
                expect((outputs.workloads as any).ledger.apiUrl).to.match(/^http:\/\/internal-.*\.elb\.amazonaws\.com:8080$/);
            });

            it("keeps the master private, encrypted and backed up per the profile", async () => {
                const { recorder } = await buildStack(ledger(environment));
                const db = recorder.get("aws:rds/instance:Instance", "ledger-db");
                expect(db.inputs).to.include({
                    engine: "postgres",
                    publiclyAccessible: false,
                    storageEncrypted: true,
                    multiAz: profile.multiAz,
                    deletionProtection: profile.deletionProtection,
                    skipFinalSnapshot: !profile.deletionProtection,
                    backupRetentionPeriod: profile.backupRetentionDays,
                    performanceInsightsEnabled: profile.databaseInsights,
                });
                expect(db.inputs.finalSnapshotIdentifier).to.match(/^ledger-db-final-[0-9a-f]+$/);
                expect(db.inputs.enabledCloudwatchLogsExports).to.deep.equal(profile.databaseInsights ? ["postgresql", "upgrade"] : []);
                expect(db.options.protect).to.equal(profile.protectStatefulResources);
                expect(db.options.retainOnDelete).to.equal(profile.protectStatefulResources);
                // Named, so that its exported logs go to groups made first with the profile's retention.
                expect(db.inputs.identifier).to.equal("ledger-db-test");
                const kept = await buildStack(ledger(environment, { database: { identifier: "ledger-db-9627d4a" } }));
                expect(kept.recorder.get("aws:rds/instance:Instance", "ledger-db").inputs.identifier).to.equal("ledger-db-9627d4a");
                for (const log of profile.databaseInsights ? ["postgresql", "upgrade"] : []) {
                    const group = recorder.get("aws:cloudwatch/logGroup:LogGroup", `ledger-db-${log}-logs`);
                    expect(group.inputs).to.include({ name: `/aws/rds/instance/ledger-db-test/${log}`, retentionInDays: profile.logRetentionDays });
                    expect(db.options.dependsOn).to.include(group.urn);
                }
                expect(recorder.get("aws:rds/subnetGroup:SubnetGroup", "ledger-db").inputs.subnetIds).to.have.length(profile.azCount);
                expect(db.inputs.password).to.equal("[secret]");
            });

            it("hands the container the database and license only through ECS secrets the execution role may read", async () => {
                const { recorder } = await buildStack(ledger(environment, { secrets: { LEDGER_API_KEY: "s3cr3t-value" } }));
                const container = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger"));
                const secrets = Object.fromEntries(container.secrets.map((s: { name: string; valueFrom: string }) => [s.name, s.valueFrom]));
                // The ledger's own login role; the master's credentials reach only the bootstrap container.
                expect(secrets.LEDGER_DB_PASSWORD).to.match(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:ledger-db-app-.*:password::$/);
                expect(secrets.LEDGER_DB_USER).to.match(/:username::$/);
                expect(secrets.LEDGER_LICENSE).to.match(/secret:ledger-license-/);
                expect(secrets.LEDGER_API_KEY).to.match(/secret:ledger-ledger-api-key-/);
                const plain = JSON.stringify(container.environment);
                expect(plain).not.to.contain("mock-password").and.not.to.contain("s3cr3t-value").and.not.to.contain(VALID_LICENSE.slice(0, 20));

                const policy = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "ledger-execution").inputs.policy);
                const read = policy.Statement.find((s) => s.Sid === "ReadSecrets")!;
                expect(read.Action).to.equal("secretsmanager:GetSecretValue");
                // The master's (for the bootstrap container), the login's, the license and the user secret.
                expect(read.Resource).to.have.length(4);
                expect((read.Resource as string[]).every((arn) => arn.startsWith("arn:aws:secretsmanager:us-east-1:123456789012:secret:"))).to.equal(true);
                expect(recorder.byType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)).not.to.include("ledger-task");
            });
        });
    }

    for (const readReplica of [true, false]) {
        it(`gives the container writer and reader endpoints with the replica ${readReplica ? "on" : "off"}`, async () => {
            const { recorder, outputs } = await buildStack(ledger("production", { readReplica }));
            const env = envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger")));
            const writer = recorder.get("aws:rds/instance:Instance", "ledger-db");
            const replicas = recorder.byType("aws:rds/instance:Instance").filter((r) => r.name === "ledger-db-replica");
            expect(replicas).to.have.length(readReplica ? 1 : 0);
            expect(env.LEDGER_DB_WRITER_HOST).to.match(/^ledger-db-.*\.rds\.amazonaws\.com$/);
            if (readReplica) {
                expect(replicas[0].inputs).to.include({ publiclyAccessible: false, skipFinalSnapshot: true });
                expect(replicas[0].dependencies).to.include(writer.urn);
                expect(env.LEDGER_DB_READER_HOST).to.not.equal(env.LEDGER_DB_WRITER_HOST);
                expect(recorder.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ledger-db-replica-in-tasks").inputs.fromPort).to.equal(5432);
            } else {
                expect(env.LEDGER_DB_READER_HOST).to.equal(env.LEDGER_DB_WRITER_HOST);
            }
            expect((outputs.workloads as any).ledger.readerEndpoint).to.equal(env.LEDGER_DB_READER_HOST);
        });
    }

    for (const dbTls of [true, false]) {
        it(`sets rds.force_ssl=${dbTls ? 1 : 0} and LEDGER_DB_TLS=${dbTls}`, async () => {
            const { recorder } = await buildStack(ledger("staging", { dbTls }));
            const params = recorder.get("aws:rds/parameterGroup:ParameterGroup", "ledger-db").inputs.parameters as { name: string; value: string }[];
            expect(params.find((p) => p.name === "rds.force_ssl")!.value).to.equal(dbTls ? "1" : "0");
            expect(envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger"))).LEDGER_DB_TLS).to.equal(String(dbTls));
        });
    }

    it("requires TLS to the database and a replica by default in production only", () => {
        const prod = parseStackConfig(ledger("production"), TOPOLOGY_SCHEMAS).workloads.ledger.settings as any;
        const staging = parseStackConfig(ledger("staging"), TOPOLOGY_SCHEMAS).workloads.ledger.settings as any;
        expect([prod.dbTls, prod.readReplica]).to.deep.equal([true, true]);
        expect([staging.dbTls, staging.readReplica]).to.deep.equal([false, false]);
    });

    it("fails validation, naming each key, for missing required variables, plain-text secrets and impossible sizes", () => {
        const raw = ledger("staging", { requiredVariables: ["LEDGER_REGION"], secrets: { LEDGER_API_KEY: "x" }, cpu: 256, memory: 4096 });
        raw.secretKeys = [];
        const problems = configProblems(raw);
        const text = problems.map((p) => `${p.path}: ${p.message}`);
        expect(text.some((t) => t.startsWith("platform:workloads.ledger.requiredVariables: LEDGER_REGION is required"))).to.equal(true, text.join("\n"));
        expect(text.some((t) => t.startsWith("platform:workloads.ledger.secrets.LEDGER_API_KEY: a secret variable is a secret"))).to.equal(
            true,
            text.join("\n"),
        );
        expect(text.some((t) => t.startsWith("platform:workloads.ledger.license.token: the license is a secret"))).to.equal(true, text.join("\n"));
        expect(text.some((t) => t.startsWith("platform:workloads.ledger.memory: Fargate does not offer 4096 MiB with 256 CPU"))).to.equal(
            true,
            text.join("\n"),
        );
    });

    describe("license", () => {
        const check = { accountId: ACCOUNT, accountClaim: "aws_account_id", publicKeyPem: PUBLIC_PEM, now: new Date() };

        it("accepts a signed, unexpired license for this account", () => {
            expect(verifyLicense(VALID_LICENSE, check, "here").sub).to.equal("acme");
        });
        it("refuses a license for another account", () => {
            const other = license({ aws_account_id: "999999999999", exp: inOneYear });
            expect(() => verifyLicense(other, check, "here")).to.throw(
                "here: the license is for AWS account 999999999999, but this stack deploys to account 123456789012",
            );
        });
        it("refuses an expired license", () => {
            const expired = license({ aws_account_id: ACCOUNT, exp: 1_600_000_000 });
            expect(() => verifyLicense(expired, check, "here")).to.throw("the license expired on 2020-09-13T12:26:40.000Z");
        });
        it("refuses a license signed by another key, or tampered with", () => {
            const forged = license({ aws_account_id: ACCOUNT, exp: inOneYear }, crypto.generateKeyPairSync("ed25519").privateKey);
            expect(() => verifyLicense(forged, check, "here")).to.throw("signature does not verify");
            const [h, , sig] = VALID_LICENSE.split(".");
            const tampered = `${h}.${Buffer.from(JSON.stringify({ aws_account_id: ACCOUNT, exp: inOneYear + 1 })).toString("base64url")}.${sig}`;
            expect(() => verifyLicense(tampered, check, "here")).to.throw("signature does not verify");
        });
        it("reads the account from a configurable claim, and skips the signature without a public key", () => {
            const unsigned = `${VALID_LICENSE.split(".").slice(0, 1)}.${Buffer.from(JSON.stringify({ account: ACCOUNT })).toString("base64url")}.x`;
            expect(verifyLicense(unsigned, { ...check, accountClaim: "account", publicKeyPem: undefined }, "here").account).to.equal(ACCOUNT);
            expect(() => verifyLicense(unsigned, { ...check, publicKeyPem: undefined }, "here")).to.throw('no "aws_account_id" claim');
        });

        it("stops the deployment before any resource when the license does not match the account", async () => {
            const recorder = installMocks({ project: "platform", stack: "test", region: "us-east-1" });
            const good = parseStackConfig(ledger("production"), TOPOLOGY_SCHEMAS);
            await runPreflightChecks(good);
            const bad = parseStackConfig(
                ledger("production", { license: { token: license({ aws_account_id: "999999999999", exp: inOneYear }), publicKey: PUBLIC_PEM } }),
                TOPOLOGY_SCHEMAS,
            );
            const err = await runPreflightChecks(bad).then(
                () => undefined,
                (e: unknown) => e,
            );
            expect(err).to.be.instanceOf(PreflightError);
            expect((err as Error).message).to.contain("platform:workloads.ledger.license: the license is for AWS account 999999999999");
            await recorder.settle();
            expect(recorder.resources).to.have.length(0);
        });
    });

    it("works for a per-customer stack (Pulumi.acme-prod.yaml) as for the shipped ones", async () => {
        const file = path.join(scratchDir("acme"), "Pulumi.acme-prod.yaml");
        const production = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8");
        fs.writeFileSync(
            file,
            production
                .replace(/stack: production/, "stack: acme-prod")
                .replace("aws:region: us-east-1", "aws:region: eu-central-1")
                // Load-balancer certificates move with the region; the CloudFront ones (domain:) stay in us-east-1.
                .replace(/(certificateArn: arn:aws:acm:)us-east-1(?=:\d{12}:certificate\/(?!ffffffff|34343434))/g, "$1eu-central-1"),
        );
        const plan = await planOnce(readStackFiles("acme-prod", file));
        const db = plan.resources.find((r) => r.type === "aws:rds/instance:Instance" && r.name === "ledger-db")!;
        expect(db.urn).to.equal(
            "urn:pulumi:acme-prod::platform::platform:topologies:FargateRds$platform:data:PostgresDatabase$aws:rds/instance:Instance::ledger-db",
        );
        expect(db.options.protect).to.equal(true);
        const group = plan.resources.find((r) => r.type === "aws:cloudwatch/logGroup:LogGroup" && r.name === "ledger")!;
        expect(group.inputs.name).to.equal("/ecs/ledger-acme-prod");
        expect((plan.outputs.workloads as any).ledger.databaseSecretArn).to.match(/^arn:aws:secretsmanager:eu-central-1:/);
    });
});

describe("topology fargate-rds: what the ledger's own operation asks for", () => {
    it("hands the database connection over in the variables the vendor's image reads", async () => {
        const { recorder } = await buildStack(
            ledger("staging", {
                variables: { writerHost: "DB_HOST", readerHost: "DB_READ_HOST", user: "DB_USERNAME", password: "DB_PASS" },
                requiredVariables: ["DB_HOST", "DB_PASS"],
            }),
        );
        const container = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger"));
        const env = envOf(container);
        expect(env).to.include.keys("DB_HOST", "DB_READ_HOST", "LEDGER_DB_PORT", "LEDGER_DB_NAME", "LEDGER_DB_TLS");
        expect(env).to.not.have.keys("LEDGER_DB_WRITER_HOST");
        expect(container.secrets.map((x: { name: string }) => x.name)).to.include.members(["DB_USERNAME", "DB_PASS"]);
        // The renamed variables are now the program's: config may not set them.
        const problems = configProblems(ledger("staging", { variables: { writerHost: "DB_HOST" }, environment: { DB_HOST: "x" } }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.ledger.environment.DB_HOST"]);
    });

    it("registers its tasks in Cloud Map so that a Prometheus scraper finds them by DNS", async () => {
        const { recorder, outputs } = await buildStack(ledger("production"));
        const namespace = recorder.get("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "ledger-metrics");
        expect(namespace.inputs.name).to.equal("ledger.test.internal");
        const registry = recorder.get("aws:servicediscovery/service:Service", "ledger");
        expect(registry.inputs).to.include({ name: "tasks" });
        expect((recorder.get("aws:ecs/service:Service", "ledger").inputs.serviceRegistries as any).registryArn).to.match(/^arn:aws:servicediscovery:/);
        expect((outputs.workloads as any).ledger.metricsDnsName).to.equal("tasks.ledger.test.internal");
    });
});

describe("internal APIs in production", () => {
    it("serve HTTPS, or plain HTTP inside the VPC only when the stack says so", () => {
        const problems = configProblems(ledger("production", { allowPlaintext: false }));
        expect(problems.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
            "platform:workloads.ledger.certificateArn: production APIs serve HTTPS: set an ACM certificate issued in the stack's region, or allowPlaintext: true to accept plain HTTP inside the VPC",
        ]);
        expect(() => parseStackConfig(ledger("staging", { allowPlaintext: false }), TOPOLOGY_SCHEMAS)).to.not.throw();
        const withCertificate = ledger("production", {
            allowPlaintext: false,
            certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/13131313-2424-3535-4646-575757575757",
        });
        expect(() => parseStackConfig(withCertificate, TOPOLOGY_SCHEMAS)).to.not.throw();
    });
});
