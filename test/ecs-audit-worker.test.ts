import { expect } from "chai";
import { PROFILES } from "../stacks/profiles";
import { PlannedResource } from "../plan/mocks";
import { readStackFiles } from "../plan/stack-files";
import { buildStack, policyOf, rawStack, configProblems, planOnce } from "./helpers";

function epr(environment: "staging" | "production", overrides: Record<string, unknown> = {}) {
    return rawStack(
        {
            environment,
            workloads: {
                epr: {
                    topology: "ecs-audit-worker",
                    imageTag: "2026.11.1",
                    clients: { cidrs: ["10.50.0.0/16"] },
                    // Plain HTTP inside the VPC, said explicitly (production requires it or a certificate).
                    allowPlaintext: true,
                    worker: { command: ["python", "-m", "app.workers.audit_consumer"] },
                    redis: { url: "https://eu1-example.upstash.io", token: "upstash-token-value" },
                    ...(environment === "production" ? { alarmEmails: ["oncall@example.com"] } : {}),
                    ...overrides,
                },
            },
        },
        { secretKeys: ["platform:workloads"] },
    );
}

const containersOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions)) as any[];
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const statementsOf = (r: PlannedResource) => policyOf(r.inputs.policy).Statement;
/** URNs of the API's service, load balancer and security groups: what moving the worker must not change. */
const apiIdentity = (resources: PlannedResource[]) =>
    resources
        .map((r) => r.urn)
        .filter((u) => /(ecs\/service:Service::epr|lb\/loadBalancer:LoadBalancer::epr-api|ec2\/securityGroup:SecurityGroup::epr-(tasks|api))$/.test(u));

describe("topology ecs-audit-worker", () => {
    for (const environment of ["staging", "production"] as const) {
        describe(`in ${environment}`, () => {
            it("runs the essential API and the non-essential worker from one ECR image in one task, sharing the log group", async () => {
                const { recorder } = await buildStack(epr(environment));
                const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr");
                expect(task.inputs).to.include({ cpu: "512", memory: "1024", family: "epr-test" });
                const [api, bootstrap, worker] = containersOf(task);
                expect(bootstrap).to.include({ name: "db-bootstrap", essential: false });
                expect(api.dependsOn).to.deep.equal([{ containerName: "db-bootstrap", condition: "SUCCESS" }]);
                expect(worker.dependsOn).to.deep.equal([{ containerName: "db-bootstrap", condition: "SUCCESS" }]);
                expect(api).to.include({ name: "api", essential: true });
                expect(api.image).to.match(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\/epr-images-[0-9a-f]+:2026\.11\.1$/);
                expect(api.portMappings).to.deep.equal([{ containerPort: 8080, protocol: "tcp" }]);
                expect(worker).to.include({ name: "audit-worker", essential: false, image: api.image });
                expect(worker.command).to.deep.equal(["python", "-m", "app.workers.audit_consumer"]);
                expect(worker.portMappings).to.deep.equal([]);
                expect(api.logConfiguration.options["awslogs-group"]).to.equal("/ecs/epr-test");
                expect(worker.logConfiguration.options["awslogs-group"]).to.equal("/ecs/epr-test");
                expect(api.logConfiguration.options["awslogs-stream-prefix"]).to.equal("ecs");
                expect(worker.logConfiguration.options["awslogs-stream-prefix"]).to.contain("worker");
                expect(recorder.get("aws:cloudwatch/logGroup:LogGroup", "epr").inputs.retentionInDays).to.equal(PROFILES[environment].logRetentionDays);
                expect(recorder.get("aws:lb/targetGroup:TargetGroup", "epr-api").inputs.healthCheck).to.include({ path: "/healthz" });

                const repo = recorder.get("aws:ecr/repository:Repository", "epr-images");
                expect(repo.inputs.imageScanningConfiguration).to.deep.equal({ scanOnPush: true });
                expect(repo.options.protect).to.equal(PROFILES[environment].protectStatefulResources);
                const lifecycle = JSON.parse(String(recorder.get("aws:ecr/lifecyclePolicy:LifecyclePolicy", "epr-images").inputs.policy));
                expect(lifecycle.rules[0].selection).to.deep.equal({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 });
            });

            it("sets the service's documented variables with their defaults, and secrets only through ECS secrets", async () => {
                const { recorder } = await buildStack(epr(environment));
                for (const container of containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr")).filter((c) => c.name !== "db-bootstrap")) {
                    const env = envOf(container);
                    expect(env).to.include({
                        EPR_ENVIRONMENT: environment,
                        EPR_LOG_LEVEL: "INFO",
                        EPR_LOG_JSON: "true",
                        EPR_SQL_ECHO: "false",
                        EPR_REDIS_CACHE_PREFIX: "epr",
                        EPR_REDIS_CACHE_TTL: "300",
                        EPR_AUDIT_SQS_MAX_MESSAGES: "5",
                        EPR_AUDIT_SQS_WAIT_TIME: "20",
                        EPR_AUDIT_SQS_VISIBILITY_TIMEOUT: "60",
                    });
                    expect(env.EPR_AUDIT_SQS_URL).to.match(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\/epr-audit-/);
                    expect(env.EPR_DOCUMENT_VAULT_TOPIC_ARN).to.match(/^arn:aws:sns:us-east-1:123456789012:epr-document-vault-/);
                    const secrets = Object.fromEntries(container.secrets.map((x: { name: string; valueFrom: string }) => [x.name, x.valueFrom]));
                    expect(Object.keys(secrets)).to.have.members(["EPR_DATABASE_URL", "EPR_REDIS_URL", "EPR_REDIS_TOKEN"]);
                    expect(secrets.EPR_DATABASE_URL).to.match(/secret:epr-database-url-/);
                    const plain = JSON.stringify(container.environment);
                    expect(plain).not.to.contain("upstash-token-value").and.not.to.contain("eu1-example").and.not.to.contain("postgresql://");
                }
                const urlSecret = recorder.get("aws:secretsmanager/secretVersion:SecretVersion", "epr-database-url");
                expect(urlSecret.inputs.secretString).to.equal("[secret]");
            });

            it("subscribes an encrypted queue with a dead-letter queue to the audit topic, admitting only that topic", async () => {
                const { recorder } = await buildStack(epr(environment));
                const queue = recorder.get("aws:sqs/queue:Queue", "epr-audit");
                const dlq = recorder.get("aws:sqs/queue:Queue", "epr-audit-dlq");
                expect(queue.inputs).to.include({ sqsManagedSseEnabled: true, visibilityTimeoutSeconds: 60, receiveWaitTimeSeconds: 20 });
                expect(dlq.inputs.sqsManagedSseEnabled).to.equal(true);
                const redrive = JSON.parse(String(queue.inputs.redrivePolicy));
                expect(redrive.deadLetterTargetArn).to.match(/:epr-audit-dlq-/);
                expect(redrive.maxReceiveCount).to.equal(5);
                expect(queue.options.protect).to.equal(PROFILES[environment].protectStatefulResources);

                const auditTopic = recorder.get("aws:sns/topic:Topic", "epr-audit");
                expect(auditTopic.inputs.kmsMasterKeyId).to.equal("alias/aws/sns");
                expect(recorder.get("aws:sns/topic:Topic", "epr-document-vault").inputs.kmsMasterKeyId).to.equal("alias/aws/sns");
                const subscription = recorder.get("aws:sns/topicSubscription:TopicSubscription", "epr-audit-audit-topic");
                expect(subscription.inputs.protocol).to.equal("sqs");
                expect(subscription.inputs.endpoint).to.match(/^arn:aws:sqs:us-east-1:123456789012:epr-audit-[0-9a-f]+$/);
                expect(subscription.inputs.topic).to.match(/:epr-audit-/);
                const [deny, allow] = statementsOf(recorder.get("aws:sqs/queuePolicy:QueuePolicy", "epr-audit"));
                expect(deny).to.include({ Effect: "Deny", Principal: "*" });
                expect(allow.Principal).to.deep.equal({ Service: "sns.amazonaws.com" });
                expect(allow.Action).to.equal("sqs:SendMessage");
                expect(allow.Condition).to.deep.equal({ ArnEquals: { "aws:SourceArn": [subscription.inputs.topic] } });
            });

            it("grants no IAM permission beyond the documented list", async () => {
                const { recorder } = await buildStack(epr(environment));
                const execution = statementsOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-execution"));
                expect(execution.map((s) => s.Sid)).to.have.members(["WriteLogs", "ReadSecrets", "EcrLogin", "PullImages"]);
                const bySid = Object.fromEntries(execution.map((s) => [s.Sid, s]));
                expect(bySid.WriteLogs.Resource).to.match(/^arn:aws:logs:us-east-1:123456789012:log-group:\/ecs\/epr-test:\*$/);
                // EPR_DATABASE_URL, EPR_REDIS_URL, EPR_REDIS_TOKEN, and for the bootstrap container the master's and the login's.
                expect(bySid.ReadSecrets.Resource).to.have.length(5);
                expect(bySid.EcrLogin).to.deep.include({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
                expect(bySid.PullImages.Resource).to.have.length(1);
                expect(String(bySid.PullImages.Resource[0])).to.match(/^arn:aws:ecr:us-east-1:123456789012:repository\/epr-images-/);

                const task = statementsOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-task"));
                expect(task).to.have.length(3);
                const t = Object.fromEntries(task.map((s) => [s.Sid, s]));
                expect(t.PublishDocumentVaultEvents).to.deep.include({ Action: "sns:Publish" });
                expect(t.PublishDocumentVaultEvents.Resource).to.match(/:epr-document-vault-/);
                expect(t.ConsumeAuditQueue.Action).to.deep.equal(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]);
                expect(t.ConsumeAuditQueue.Resource).to.match(/^arn:aws:sqs:us-east-1:123456789012:epr-audit-/);
                // Secrets Manager read, as the runbook lists it, on exactly the application's own secrets.
                expect(t.ReadOwnSecrets.Action).to.equal("secretsmanager:GetSecretValue");
                // The application's own three: never the master's or the login's (those are the bootstrap container's).
                expect(t.ReadOwnSecrets.Resource).to.have.length(3);
                expect(bySid.ReadSecrets.Resource).to.include.members(t.ReadOwnSecrets.Resource);
                expect(t.ReadOwnSecrets.Resource.some((arn: string) => /epr-db-credentials|epr-db-app/.test(arn))).to.equal(false);
                const wildcard = [...execution, ...task].filter((s) => [s.Resource].flat().includes("*"));
                expect(wildcard.map((s) => s.Sid)).to.deep.equal(["EcrLogin"]);
            });

            it("lets only the load balancer reach 8080 and sends only PostgreSQL, Redis and HTTPS out", async () => {
                const { recorder } = await buildStack(epr(environment));
                const ingress = recorder.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("epr-tasks-"));
                expect(ingress.map((r) => [r.name, r.inputs.fromPort])).to.deep.equal([["epr-tasks-in-load-balancer", 8080]]);
                const egress = recorder.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.name.startsWith("epr-tasks-"));
                expect(egress.map((r) => r.inputs.fromPort).sort()).to.deep.equal([443, 5432, 6379]);
            });

            it("autoscales the API 1-10 on CPU with the circuit breaker, ignoring the autoscaler's count", async () => {
                const { recorder } = await buildStack(epr(environment));
                const service = recorder.get("aws:ecs/service:Service", "epr");
                expect(service.options.ignoreChanges).to.deep.equal(["desiredCount"]);
                expect(service.inputs.deploymentCircuitBreaker).to.deep.equal({ enable: true, rollback: true });
                expect(service.inputs.enableExecuteCommand).to.equal(false);
                expect(recorder.get("aws:appautoscaling/target:Target", "epr").inputs).to.include({ minCapacity: 1, maxCapacity: 10 });
                const cpu = recorder.get("aws:appautoscaling/policy:Policy", "epr-cpu").inputs.targetTrackingScalingPolicyConfiguration as any;
                expect(cpu.predefinedMetricSpecification.predefinedMetricType).to.equal("ECSServiceAverageCPUUtilization");
                expect(cpu.targetValue).to.equal(70);
            });
        });
    }

    it("overrides each documented variable from config, the visibility timeout on the queue too", async () => {
        const { recorder } = await buildStack(
            epr("staging", {
                logLevel: "DEBUG",
                logJson: false,
                sqlEcho: true,
                redisCachePrefix: "x",
                redisCacheTtlSeconds: 60,
                audit: { maxMessages: 10, waitTimeSeconds: 5, visibilityTimeoutSeconds: 120 },
                cpu: 1024,
                memory: 2048,
            }),
        );
        const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr");
        expect(task.inputs).to.include({ cpu: "1024", memory: "2048" });
        expect(envOf(containersOf(task)[0])).to.include({
            EPR_LOG_LEVEL: "DEBUG",
            EPR_LOG_JSON: "false",
            EPR_SQL_ECHO: "true",
            EPR_REDIS_CACHE_PREFIX: "x",
            EPR_REDIS_CACHE_TTL: "60",
            EPR_AUDIT_SQS_MAX_MESSAGES: "10",
            EPR_AUDIT_SQS_WAIT_TIME: "5",
            EPR_AUDIT_SQS_VISIBILITY_TIMEOUT: "120",
        });
        expect(recorder.get("aws:sqs/queue:Queue", "epr-audit").inputs.visibilityTimeoutSeconds).to.equal(120);
    });

    it("grants the SSM channel only when ECS Exec is on", async () => {
        const { recorder } = await buildStack(epr("staging", { executeCommand: true }));
        expect(recorder.get("aws:ecs/service:Service", "epr").inputs.enableExecuteCommand).to.equal(true);
        const exec = statementsOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-task")).find((s) => s.Sid === "EcsExec")!;
        expect(exec.Action).to.deep.equal([
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ]);
    });

    it("leaves the worker out in mode none, keeping the API's resources", async () => {
        const sidecar = await buildStack(epr("production"));
        const none = await buildStack(epr("production", { worker: { mode: "none" } }));
        expect(containersOf(none.recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr")).map((c) => c.name)).to.deep.equal(["api", "db-bootstrap"]);
        expect(statementsOf(none.recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-task")).map((s) => s.Sid)).to.deep.equal([
            "PublishDocumentVaultEvents",
            "ReadOwnSecrets",
        ]);
        expect(apiIdentity(none.recorder.resources)).to.have.length(4);
        expect(apiIdentity(none.recorder.resources)).to.deep.equal(apiIdentity(sidecar.recorder.resources));
        expect(none.recorder.byType("aws:sqs/queue:Queue")).to.have.length(2, "the audit queue stays for when a worker returns");
    });

    it("moves the worker into its own service in mode service, in the same cluster and log group, with its own least-privilege role", async () => {
        const sidecar = await buildStack(epr("production"));
        const { recorder } = await buildStack(epr("production", { worker: { mode: "service", command: ["python", "-m", "app.workers.audit_consumer"] } }));
        expect(containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr")).map((c) => c.name)).to.deep.equal(["api", "db-bootstrap"]);
        const workerTask = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr-worker");
        expect(workerTask.inputs).to.include({ family: "epr-worker-test", cpu: "256", memory: "512" });
        const [worker] = containersOf(workerTask);
        expect(worker).to.include({ name: "audit-worker", essential: true });
        expect(worker.logConfiguration.options["awslogs-group"]).to.equal("/ecs/epr-test");
        const workerService = recorder.get("aws:ecs/service:Service", "epr-worker");
        expect(workerService.inputs.cluster).to.equal(recorder.get("aws:ecs/service:Service", "epr").inputs.cluster);
        expect(workerService.inputs.loadBalancers ?? []).to.deep.equal([]);
        expect(recorder.byType("aws:ecs/cluster:Cluster").filter((c) => c.name.startsWith("epr"))).to.have.length(1);
        expect(statementsOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-worker-task")).map((s) => s.Sid)).to.deep.equal([
            "ConsumeAuditQueue",
            "ReadOwnSecrets",
        ]);
        expect(statementsOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "epr-task")).map((s) => s.Sid)).to.deep.equal([
            "PublishDocumentVaultEvents",
            "ReadOwnSecrets",
        ]);
        // Each side is told only what its role may use.
        const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
        const [api] = containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr"));
        expect(envOf(api)).to.include({ EPR_AUDIT_SQS_URL: "" });
        expect(envOf(api).EPR_DOCUMENT_VAULT_TOPIC_ARN).to.match(/^arn:aws:sns:/);
        expect(envOf(worker)).to.include({ EPR_DOCUMENT_VAULT_TOPIC_ARN: "" });
        expect(envOf(worker).EPR_AUDIT_SQS_URL).to.match(/^https:\/\/sqs\./);
        const egress = recorder.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.name.startsWith("epr-worker-tasks-"));
        expect(egress.map((r) => r.inputs.fromPort).sort()).to.deep.equal([443, 5432, 6379]);

        // The API's service, balancer and security groups keep their identities across the move.
        expect(apiIdentity(recorder.resources)).to.have.length(4);
        expect(apiIdentity(recorder.resources)).to.deep.equal(apiIdentity(sidecar.recorder.resources));
        const lbInputs = (b: typeof recorder) => b.get("aws:lb/loadBalancer:LoadBalancer", "epr-api").inputs;
        expect(lbInputs(recorder)).to.deep.equal(lbInputs(sidecar.recorder));
    });

    it("fails validation for a worker without a command, plain-text Redis secrets and a public balancer without a certificate", () => {
        const raw = epr("staging", { worker: { mode: "sidecar" }, public: true });
        raw.secretKeys = [];
        const problems = configProblems(raw);
        const paths = problems.map((p) => p.path);
        expect(paths).to.have.members([
            "platform:workloads.epr.worker.command",
            "platform:workloads.epr.redis.url",
            "platform:workloads.epr.redis.token",
            "platform:workloads.epr.certificateArn",
        ]);
    });

    it("serves a public API over HTTPS with TLS 1.3 and an HTTP listener that only redirects", async () => {
        const { recorder, outputs } = await buildStack(
            epr("production", { public: true, certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0b0e1f5a-1111-2222-3333-444455556666" }),
        );
        expect(recorder.get("aws:lb/loadBalancer:LoadBalancer", "epr-api").inputs.internal).to.equal(false);
        expect(recorder.get("aws:lb/listener:Listener", "epr-api").inputs).to.include({
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        });
        const http = recorder.get("aws:lb/listener:Listener", "epr-api-http");
        expect(http.inputs.defaultActions).to.deep.equal([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
        expect((outputs.workloads as any).epr.apiUrl).to.match(/^https:\/\//);
    });
});

describe("topology ecs-audit-worker: what the service's runbook asks for", () => {
    it("restarts a crashed worker in place, checks its health, and alarms when the audit trail is late or lost", async () => {
        const { recorder } = await buildStack(
            epr("production", {
                worker: { command: ["python", "-m", "app.workers.audit_consumer"], healthCheck: ["CMD", "python", "-m", "app.workers.healthcheck"] },
                audit: { maxMessageAgeSeconds: 600 },
                alarmEmails: ["audit@example.com"],
            }),
        );
        const containers = JSON.parse(String(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr").inputs.containerDefinitions));
        const worker = containers.find((c: { name: string }) => c.name === "audit-worker");
        expect(worker.essential).to.equal(false);
        expect(worker.restartPolicy).to.deep.equal({ enabled: true, restartAttemptPeriod: 300 });
        expect(worker.healthCheck.command).to.deep.equal(["CMD", "python", "-m", "app.workers.healthcheck"]);
        expect(containers.find((c: { name: string }) => c.name === "api").restartPolicy).to.equal(undefined);
        const age = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "epr-audit-age").inputs as any;
        expect(age).to.include({ metricName: "ApproximateAgeOfOldestMessage", threshold: 600 });
        expect(age.dimensions.QueueName).to.match(/^epr-audit-/);
        const dead = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "epr-audit-dead-letters").inputs as any;
        expect(dead).to.include({ metricName: "ApproximateNumberOfMessagesVisible", threshold: 0 });
        expect(dead.dimensions.QueueName).to.match(/dlq|dead/i);
        expect(recorder.get("aws:sns/topicSubscription:TopicSubscription", "epr-alarms-email-audit-example-com").inputs.endpoint).to.equal("audit@example.com");
    });
});

describe("topology ecs-audit-worker: the runbook's names", () => {
    it("can carry the exact names the runbook's commands use, replacing named resources delete-first", async () => {
        const names = { cluster: "omen-production", service: "omen-epr-service", family: "omen-epr", container: "omen-epr", logGroup: "/ecs/omen-epr" };
        const { recorder } = await buildStack(epr("production", { names }));
        const cluster = recorder.get("aws:ecs/cluster:Cluster", "epr");
        const service = recorder.get("aws:ecs/service:Service", "epr");
        const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "epr");
        expect(cluster.inputs.name).to.equal("omen-production");
        expect(service.inputs.name).to.equal("omen-epr-service");
        expect(cluster.options.deleteBeforeReplace && service.options.deleteBeforeReplace).to.equal(true);
        expect(task.inputs.family).to.equal("omen-epr");
        const api = JSON.parse(String(task.inputs.containerDefinitions))[0];
        expect(api.name).to.equal("omen-epr");
        expect(api.logConfiguration.options["awslogs-group"]).to.equal("/ecs/omen-epr");
        expect((service.inputs.loadBalancers as any[])[0].containerName).to.equal("omen-epr");
        expect(recorder.get("aws:cloudwatch/logGroup:LogGroup", "epr").inputs.name).to.equal("/ecs/omen-epr");
        // The roles and their policies too: the runbook's task role is the one holding the queue's rights.
        const iamNames = { ...names, taskRole: "omenEprTaskRole", taskPolicy: "SQSAccess", executionRole: "omenEprExecution", executionPolicy: "Pull" };
        const { recorder: sidecar } = await buildStack(epr("production", { names: iamNames }));
        expect(sidecar.get("aws:iam/role:Role", "epr-task").inputs.name).to.equal("omenEprTaskRole");
        expect(sidecar.get("aws:iam/role:Role", "epr-task").options.deleteBeforeReplace).to.equal(true);
        expect(sidecar.get("aws:iam/rolePolicy:RolePolicy", "epr-task").inputs).to.include({ name: "SQSAccess" });
        expect(JSON.stringify(sidecar.get("aws:iam/rolePolicy:RolePolicy", "epr-task").inputs.policy)).to.contain("sqs:ReceiveMessage");
        expect(sidecar.get("aws:iam/role:Role", "epr-execution").inputs.name).to.equal("omenEprExecution");
        expect(sidecar.get("aws:iam/rolePolicy:RolePolicy", "epr-execution").inputs.name).to.equal("Pull");
        const worker = { mode: "service", command: ["python", "-m", "app.workers.audit_consumer"] };
        const { recorder: apart } = await buildStack(
            epr("production", { names: { ...iamNames, workerService: "omen-epr-audit-worker", workerFamily: "omen-epr-worker" }, worker }),
        );
        expect(apart.get("aws:iam/role:Role", "epr-task").inputs.name).to.equal(undefined);
        expect(apart.get("aws:iam/role:Role", "epr-worker-task").inputs.name).to.equal("omenEprTaskRole");
        expect(apart.get("aws:ecs/service:Service", "epr-worker").inputs.name).to.equal("omen-epr-audit-worker");
        expect(apart.get("aws:ecs/taskDefinition:TaskDefinition", "epr-worker").inputs.family).to.equal("omen-epr-worker");
        expect(configProblems(epr("production", { names: { taskRole: "omen epr" } })).map((p) => p.path)).to.include("platform:workloads.epr.names.taskRole");
        // Without names: auto-named, as before.
        const { recorder: plain } = await buildStack(epr("production"));
        expect(plain.get("aws:ecs/service:Service", "epr").inputs.name).to.equal(undefined);
        expect(plain.get("aws:ecs/service:Service", "epr").options.deleteBeforeReplace).to.equal(false);
    });
});

describe("topology ecs-audit-worker: the audit topic", () => {
    it("lets only the listed publishers publish to its own topic, with raw delivery on request", async () => {
        const publisher = "arn:aws:iam::123456789012:role/permissions-service";
        const { recorder } = await buildStack(epr("production", { audit: { publishers: [publisher], rawMessageDelivery: true } }));
        const policy = policyOf(recorder.get("aws:sns/topicPolicy:TopicPolicy", "epr-audit").inputs.policy).Statement;
        expect(policy).to.have.length(1);
        expect(policy[0]).to.deep.include({ Principal: { AWS: [publisher] }, Action: "sns:Publish" });
        expect(recorder.get("aws:sns/topicSubscription:TopicSubscription", "epr-audit-audit-topic").inputs).to.include({
            protocol: "sqs",
            rawMessageDelivery: true,
        });
    });

    it("subscribes to an existing topic instead, admitting exactly it to the queue", async () => {
        const topicArn = "arn:aws:sns:us-east-1:210987654321:org-audit-events";
        const { recorder, outputs } = await buildStack(epr("production", { audit: { topicArn } }));
        expect(recorder.byType("aws:sns/topic:Topic").map((t) => t.name)).to.not.include("epr-audit");
        expect(recorder.get("aws:sns/topicSubscription:TopicSubscription", "epr-audit-audit-topic").inputs.topic).to.equal(topicArn);
        const admitted = policyOf(recorder.get("aws:sqs/queuePolicy:QueuePolicy", "epr-audit").inputs.policy).Statement.find(
            (st) => st.Sid === "SubscribedTopics",
        ) as any;
        expect(admitted.Condition.ArnEquals["aws:SourceArn"]).to.deep.equal([topicArn]);
        expect((outputs.workloads as any).epr.auditTopicArn).to.equal(topicArn);
        const problems = configProblems(epr("production", { audit: { topicArn, publishers: ["arn:aws:iam::123456789012:role/x"] } }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.epr.audit.publishers"]);
    });
});

describe("topology ecs-audit-worker: the shipped production stack", () => {
    it("runs the audit worker as its own service, so the internet-reachable API cannot delete audit messages", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const policy = (name: string) => plan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === name)!;
        const actions = (name: string) => statementsOf(policy(name)).flatMap((s) => [s.Action].flat());
        expect(actions("epr-task")).to.not.include("sqs:DeleteMessage");
        expect(actions("epr-worker-task")).to.include("sqs:DeleteMessage").and.not.include("sns:Publish");
        const tasks = plan.resources.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
        expect(new Set(tasks.map((t) => t.inputs.taskRoleArn)).size, "one task role per task definition").to.equal(tasks.length);
    });
});
