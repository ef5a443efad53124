import { expect } from "chai";
import { MANAGED } from "../components/blocks/cdn";
import { elbLogicalName } from "../components/blocks/load-balancer";
import { KONG_HEALTH_PATH } from "../components/topologies/kong-config";
import { PROFILES } from "../stacks/profiles";
import { PlannedResource } from "../plan/mocks";
import { buildStack, configProblems, policyOf, rawStack } from "./helpers";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
/** The standby balancer's certificate, in the DR region (production turns DR on by default). */
const DR_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";
function integrations(environment: "staging" | "production", overrides: Record<string, unknown> = {}) {
    return rawStack({
        environment,
        workloads: {
            hub: {
                topology: "event-driven",
                integration: { image: "reg/integration:1" },
                webhook: { image: "reg/webhook:1", cpu: 512, memory: 1024 },
                worker: { image: "reg/worker:1", command: ["node", "worker.js"] },
                api: { originDomainName: "gateway-origin.example.com", certificateArn: CERT },
                ...(environment === "production"
                    ? {
                          disasterRecovery: { certificateArn: DR_CERT },
                          alarmEmails: ["oncall@example.com"],
                          internalTls: { domainName: "services.hub.example.com", certificateArn: CERT },
                      }
                    : {}),
                ...overrides,
            },
        },
    });
}
const containerOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions))[0];
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
const ingressOf = (recorder: { byType(t: string): PlannedResource[] }, group: string) =>
    recorder.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith(`${group}-in-`));

describe("topology event-driven", () => {
    for (const environment of ["staging", "production"] as const) {
        const profile = PROFILES[environment];
        describe(`in ${environment}`, () => {
            it("runs the integration service, webhook receiver and worker on Fargate with their own image, size and scaling, privately", async () => {
                const { recorder } = await buildStack(integrations(environment));
                for (const [key, cpu] of [
                    ["integration", "512"],
                    ["webhook", "512"],
                    ["worker", "512"],
                ] as const) {
                    const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", `hub-${key}`);
                    expect(task.inputs.cpu).to.equal(cpu);
                    expect(containerOf(task).image).to.equal(`reg/${key}:1`);
                    const service = recorder.get("aws:ecs/service:Service", `hub-${key}`);
                    expect((service.inputs.networkConfiguration as any).assignPublicIp).to.equal(false);
                    expect(recorder.get("aws:appautoscaling/target:Target", `hub-${key}`).inputs).to.include({
                        minCapacity: profile.minTasks,
                        maxCapacity: profile.maxTasks,
                    });
                }
                expect(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-worker")).command).to.deep.equal(["node", "worker.js"]);
                // HTTP services scale out at CPU > 70%.
                for (const key of ["integration", "webhook"]) {
                    expect(
                        (recorder.get("aws:appautoscaling/policy:Policy", `hub-${key}-cpu`).inputs.targetTrackingScalingPolicyConfiguration as any).targetValue,
                    ).to.equal(70);
                }
                // One cluster in the stack's region (production's DR pilot light has its own in the DR region).
                expect(recorder.byType("aws:ecs/cluster:Cluster").filter((c) => c.name.startsWith("hub") && !c.inputs.region)).to.have.length(1);
            });

            it("runs Kong DB-less with a declarative config from the routes, the services' listeners as upstreams and Redis-backed rate limiting", async () => {
                const { recorder } = await buildStack(integrations(environment));
                const kong = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-gateway"));
                // Docker's official image through ECR Public: Docker Hub throttles anonymous pulls per NAT address.
                expect(kong.image).to.equal("public.ecr.aws/docker/library/kong:3.9");
                const env = envOf(kong);
                expect(env).to.include({ KONG_DATABASE: "off", KONG_ADMIN_LISTEN: "off" });
                const config = JSON.parse(env.KONG_DECLARATIVE_CONFIG_STRING);
                const byName = Object.fromEntries(config.services.map((x: { name: string }) => [x.name, x]));
                const services = recorder.get("aws:lb/loadBalancer:LoadBalancer", "hub-services");
                expect(services.inputs.internal).to.equal(true);
                // Production: HTTPS to the balancer's own name, the certificate verified; staging: HTTP to its DNS name.
                if (environment === "production") {
                    expect(byName.integration.url).to.equal("https://services.hub.example.com:8081");
                    expect(byName.integration.tls_verify).to.equal(true);
                } else {
                    expect(byName.integration.url).to.match(/^http:\/\/internal-hub-services-[^:]+:8081$/);
                    expect(byName.integration).to.not.have.property("tls_verify");
                }
                expect(byName.webhook.url).to.match(/:8082$/);
                expect(byName.integration.routes[0].paths).to.deep.equal(["/api"]);
                expect(byName.webhook.routes[0].paths).to.deep.equal(["/webhooks"]);
                expect(byName["gateway-health"].routes[0].paths).to.deep.equal([KONG_HEALTH_PATH]);
                const limit = config.plugins.find((p: { name: string }) => p.name === "rate-limiting").config;
                expect(limit).to.deep.include({ policy: "redis", minute: 600 });
                expect(limit.redis).to.deep.include({ ssl: true, password: "{vault://env/redis-auth}" });
                expect(limit.redis.host).to.match(/^master\.hub-redis-/);
                expect(kong.secrets.map((x: { name: string }) => x.name)).to.deep.equal(["REDIS_AUTH"]);
                // Rate limits key on the viewer: X-Forwarded-For read recursively past the ALB (the VPC) and
                // CloudFront's origin-facing servers only, never past an address a client could write.
                expect(env).to.include({ KONG_REAL_IP_HEADER: "X-Forwarded-For", KONG_REAL_IP_RECURSIVE: "on" });
                const trusted = env.KONG_TRUSTED_IPS.split(",");
                const cloudFront = recorder.prefixLists[Object.keys(recorder.prefixLists)[0]];
                expect(cloudFront.name).to.equal("com.amazonaws.global.cloudfront.origin-facing");
                expect(trusted[0]).to.equal("10.0.0.0/16");
                expect(trusted).to.have.length(1 + cloudFront.maxEntries);
                expect(trusted).to.not.include.members(["0.0.0.0/0", "::/0"]);
            });

            it("lets only the ALB reach Kong, only Kong reach the HTTP services, only the services reach the data stores", async () => {
                const { recorder } = await buildStack(integrations(environment));
                const sources = (group: string) => ingressOf(recorder, group).map((r) => r.name.slice(`${group}-in-`.length));
                expect(sources("hub-gateway-tasks")).to.deep.equal(["load-balancer"]);
                // Kong -> the services' internal balancer (production and test listeners) -> the tasks.
                expect(sources("hub-services")).to.have.members(["gateway-8081", "gateway-9081", "gateway-8082", "gateway-9082"]);
                expect(sources("hub-integration-tasks")).to.deep.equal(["load-balancer-integration"]);
                expect(sources("hub-webhook-tasks")).to.deep.equal(["load-balancer-webhook"]);
                expect(sources("hub-worker-tasks")).to.deep.equal([]);
                // The internet-facing webhook receiver does not reach the database.
                expect(sources("hub-db-master")).to.have.members(["integration", "worker"]);
                expect(sources("hub-redis-cache")).to.have.members(["integration", "webhook", "worker", "gateway"]);
                expect(ingressOf(recorder, "hub-alb").map((r) => [r.inputs.fromPort, r.inputs.prefixListId])).to.deep.equal([
                    [443, Object.keys(recorder.prefixLists)[0]],
                ]);
            });

            it("puts CloudFront in front of the ALB: HTTPS-only origin, caching off, TLSv1.2_2021 with a custom domain", async () => {
                const { recorder } = await buildStack(integrations(environment, { domain: { names: ["hub.example.com"], certificateArn: CERT } }));
                const cdn = recorder.get("aws:cloudfront/distribution:Distribution", "hub-cdn").inputs as any;
                expect(cdn.origins).to.have.length(1);
                expect(cdn.origins[0].customOriginConfig.originProtocolPolicy).to.equal("https-only");
                expect(cdn.defaultCacheBehavior).to.include({
                    targetOriginId: "api",
                    cachePolicyId: MANAGED.cachingDisabled,
                    viewerProtocolPolicy: "redirect-to-https",
                });
                expect(cdn.viewerCertificate.minimumProtocolVersion).to.equal("TLSv1.2_2021");
            });

            it("keeps RDS (Multi-AZ in production) and an encrypted, authenticated Redis replication group in the data subnets", async () => {
                const { recorder } = await buildStack(integrations(environment));
                expect(recorder.get("aws:rds/instance:Instance", "hub-db").inputs).to.include({
                    multiAz: profile.multiAz,
                    storageEncrypted: true,
                    publiclyAccessible: false,
                });
                const redis = recorder.get("aws:elasticache/replicationGroup:ReplicationGroup", "hub-redis");
                expect(redis.inputs).to.include({
                    atRestEncryptionEnabled: true,
                    transitEncryptionEnabled: true,
                    automaticFailoverEnabled: profile.multiAz,
                    multiAzEnabled: profile.multiAz,
                    numCacheClusters: profile.multiAz ? 2 : 1,
                    snapshotRetentionLimit: profile.backupRetentionDays,
                    authToken: "[secret]",
                });
                expect(redis.options.protect).to.equal(profile.protectStatefulResources);
                expect(recorder.get("aws:secretsmanager/secretVersion:SecretVersion", "hub-redis-auth").inputs.secretString).to.equal("[secret]");
                const integration = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-integration"));
                expect(integration.secrets.map((x: { name: string }) => x.name)).to.have.members(["DB_USER", "DB_PASSWORD", "REDIS_AUTH_TOKEN"]);
            });

            it("gives the worker the queue to consume and the HTTP services only the right to send to it", async () => {
                const { recorder } = await buildStack(integrations(environment));
                const queue = recorder.get("aws:sqs/queue:Queue", "hub-work");
                expect(queue.inputs).to.include({ sqsManagedSseEnabled: true, visibilityTimeoutSeconds: 300 });
                expect(JSON.parse(String(queue.inputs.redrivePolicy)).deadLetterTargetArn).to.match(/hub-work-dlq/);
                const sids = (key: string) => policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", `hub-${key}-task`).inputs.policy).Statement;
                expect(sids("worker").find((x) => x.Sid === "ConsumeWork")!.Action).to.include("sqs:ReceiveMessage");
                for (const key of ["integration", "webhook"]) {
                    const send = sids(key).find((x) => x.Sid === "SendWork")!;
                    expect(send.Action).to.equal("sqs:SendMessage");
                    expect(sids(key).some((x) => x.Sid === "ConsumeWork")).to.equal(false);
                }
            });

            it("stores documents and audit logs in versioned, encrypted, private, TLS-only buckets, audit logs kept per the retention rule", async () => {
                const { recorder } = await buildStack(integrations(environment));
                for (const bucket of ["hub-documents", "hub-audit-logs"]) {
                    expect(recorder.get("aws:s3/bucketVersioning:BucketVersioning", bucket).inputs.versioningConfiguration).to.deep.equal({
                        status: "Enabled",
                    });
                    expect(recorder.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).inputs.restrictPublicBuckets).to.equal(true);
                    expect(policyOf(recorder.get("aws:s3/bucketPolicy:BucketPolicy", bucket).inputs.policy).Statement[0].Sid).to.equal("DenyInsecureTransport");
                }
                const rules = recorder.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "hub-audit-logs").inputs.rules as any[];
                expect(rules.find((r) => r.id === "retention").expiration).to.deep.equal({ days: environment === "production" ? 365 : 30 });
                expect(recorder.byType("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")).to.have.length(0);
            });

            it("scales the worker out above 500 visible messages (step scaling with its own alarm) and in after 10 idle minutes", async () => {
                const { recorder } = await buildStack(integrations(environment));
                const high = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "hub-worker-queue-depth-high").inputs as any;
                expect(high).to.include({ metricName: "ApproximateNumberOfMessagesVisible", threshold: 500, comparisonOperator: "GreaterThanThreshold" });
                const scaleOut = recorder.get("aws:appautoscaling/policy:Policy", "hub-worker-scale-out");
                expect(high.alarmActions).to.have.length(1);
                expect(scaleOut.inputs.policyType).to.equal("StepScaling");
                expect((scaleOut.inputs.stepScalingPolicyConfiguration as any).stepAdjustments).to.deep.equal([
                    { metricIntervalLowerBound: "0", scalingAdjustment: 2 },
                ]);
                const idle = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "hub-worker-queue-idle").inputs as any;
                expect(idle).to.include({ threshold: 0, evaluationPeriods: 10, period: 60, comparisonOperator: "LessThanOrEqualToThreshold" });
                expect(
                    (recorder.get("aws:appautoscaling/policy:Policy", "hub-worker-scale-in").inputs.stepScalingPolicyConfiguration as any).stepAdjustments[0]
                        .scalingAdjustment,
                ).to.equal(-1);
                // Each alarm triggers its own policy.
                expect(recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "hub-worker-queue-depth-high").dependencies).to.include(scaleOut.urn);
                expect(recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "hub-worker-queue-idle").dependencies).to.include(
                    recorder.get("aws:appautoscaling/policy:Policy", "hub-worker-scale-in").urn,
                );
            });

            it("deploys Kong blue/green through CodeDeploy: two target groups, production and test listeners, rollback on failure and alarms; the worker rolls with the circuit breaker", async () => {
                const { recorder, outputs } = await buildStack(integrations(environment));
                const kong = recorder.get("aws:ecs/service:Service", "hub-gateway");
                expect(kong.inputs.deploymentController).to.deep.equal({ type: "CODE_DEPLOY" });
                expect(kong.inputs).not.to.have.property("deploymentCircuitBreaker");
                expect(kong.options.ignoreChanges).to.include.members(["taskDefinition", "loadBalancers", "desiredCount"]);
                expect(recorder.get("aws:ecs/service:Service", "hub-worker").inputs.deploymentCircuitBreaker).to.deep.equal({ enable: true, rollback: true });
                const blue = recorder.get("aws:lb/targetGroup:TargetGroup", "hub-alb");
                const green = recorder.get("aws:lb/targetGroup:TargetGroup", "hub-alb-green");
                for (const tg of [blue, green]) expect(tg.inputs).to.include({ port: 8000, deregistrationDelay: 30 });
                const test = recorder.get("aws:lb/listener:Listener", "hub-alb-test");
                expect(test.inputs).to.include({ port: 8443, protocol: "HTTPS" });
                expect(test.options.ignoreChanges).to.deep.equal(["defaultActions"]);
                expect(recorder.get("aws:lb/listener:Listener", "hub-alb").options.ignoreChanges).to.deep.equal(["defaultActions"]);
                const group = recorder.get("aws:codedeploy/deploymentGroup:DeploymentGroup", "hub-gateway").inputs as any;
                expect(group.deploymentStyle).to.deep.equal({ deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" });
                expect(group.autoRollbackConfiguration).to.deep.equal({ enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] });
                expect(group.alarmConfiguration.enabled).to.equal(true);
                expect(group.alarmConfiguration.alarms).to.have.length(1);
                expect(group.loadBalancerInfo.targetGroupPairInfo.targetGroups).to.have.length(2);
                expect(group.loadBalancerInfo.targetGroupPairInfo.testTrafficRoute.listenerArns).to.have.length(1);
                expect(recorder.get("aws:codedeploy/application:Application", "hub-gateway").inputs.computePlatform).to.equal("ECS");
                const workload = (outputs.workloads as any).hub;
                expect(workload.codeDeployDeploymentGroups).to.deep.equal(["hub-gateway"]);
                expect(workload).to.include.keys(
                    "cloudFrontUrl",
                    "albDnsName",
                    "workQueueUrl",
                    "deadLetterQueueUrl",
                    "documentsBucket",
                    "auditLogsBucket",
                    "redisEndpoint",
                    "codeDeployApplication",
                );
            });
        });
    }

    it("replicates RDS backups and the documents bucket to eu-west-1 in production by default, not in staging", async () => {
        const prod = await buildStack(integrations("production"));
        const backups = prod.recorder.get("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "hub-db-backups").inputs;
        expect(backups).to.include({ region: "eu-west-1", retentionPeriod: PROFILES.production.backupRetentionDays });
        expect(backups.sourceDbInstanceArn).to.match(/^arn:aws:rds:us-east-1:123456789012:db:hub-db-/);
        expect(backups.kmsKeyId).to.match(/^arn:aws:kms:eu-west-1:/);
        const replication = prod.recorder.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "hub-documents-replication").inputs as any;
        expect(replication.rules[0].destination.bucket).to.match(/^arn:aws:s3:::hub-documents-dr-/);
        expect(prod.recorder.get("aws:s3/bucket:Bucket", "hub-documents-dr").inputs.region).to.equal("eu-west-1");

        const staging = await buildStack(integrations("staging"));
        expect(staging.recorder.byType("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")).to.have.length(0);
        expect(staging.recorder.byType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).to.have.length(0);
    });

    it("keeps a pilot light in the DR region: network, cluster, cache, subnet group and queue; the audit trail and every secret replicated", async () => {
        const { recorder, outputs } = await buildStack(integrations("production", { auditLogs: { retentionDays: 2555, objectLock: "COMPLIANCE" } }));
        const hub = (outputs.workloads as any).hub;
        const inDr = (type: string, name: string) => {
            const r = recorder.get(type, name);
            expect(r.inputs.region, `${type} ${name}`).to.equal("eu-west-1");
            return r;
        };
        inDr("aws:ecs/cluster:Cluster", "hub-dr");
        // The cache runs there already, encrypted, authenticated and as available as the profile asks.
        const cache = inDr("aws:elasticache/replicationGroup:ReplicationGroup", "hub-redis-dr").inputs;
        expect(cache).to.include({
            nodeType: "cache.t4g.micro",
            transitEncryptionEnabled: true,
            atRestEncryptionEnabled: true,
            multiAzEnabled: true,
            automaticFailoverEnabled: true,
        });
        inDr("aws:elasticache/subnetGroup:SubnetGroup", "hub-redis-dr");
        inDr("aws:rds/subnetGroup:SubnetGroup", "hub-db-dr");
        expect(inDr("aws:sqs/queue:Queue", "hub-work-dr").inputs.redrivePolicy).to.be.a("string");
        inDr("aws:sqs/queue:Queue", "hub-work-dr-dlq");
        // No NAT until a failover needs egress: the pilot light costs its flow logs and little else.
        expect(recorder.byType("aws:ec2/natGateway:NatGateway").filter((n) => n.name.startsWith("hub-dr"))).to.deep.equal([]);
        const audit = inDr("aws:s3/bucket:Bucket", "hub-audit-logs-dr");
        expect(audit.inputs.objectLockEnabled).to.equal(true);
        const replication = recorder.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "hub-audit-logs-replication").inputs as any;
        expect(replication.rules[0].destination.bucket).to.equal(audit.state.arn);
        const role = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-audit-logs-replication").inputs.policy).Statement;
        expect(role.map((st) => st.Sid)).to.include("ReadSourceLocks");
        // Every secret of the primary region has its replica there; the DR cache's own token is kept there only.
        for (const secret of recorder.byType("aws:secretsmanager/secret:Secret").filter((r) => r.name.startsWith("hub-")))
            expect(secret.inputs.replicas, secret.name).to.deep.equal(secret.name === "hub-redis-dr-auth" ? undefined : [{ region: "eu-west-1" }]);
        inDr("aws:secretsmanager/secret:Secret", "hub-redis-dr-auth");
        expect(hub).to.include.keys("drCluster", "drVpcId", "drPrivateSubnetIds", "drRedisEndpoint", "drDbSubnetGroup", "drWorkQueueUrl", "drAuditLogsBucket");
        // The services wait at zero tasks, complete: DR queue and buckets, replicated secrets, names the failover points.
        expect(recorder.get("aws:route53/zone:Zone", "hub-dr").inputs).to.deep.include({ name: "hub.test.dr.internal" });
        for (const key of ["integration", "webhook", "worker"]) {
            const service = inDr("aws:ecs/service:Service", `hub-${key}-dr`);
            expect(service.inputs.desiredCount, key).to.equal(0);
            const container = containerOf(inDr("aws:ecs/taskDefinition:TaskDefinition", `hub-${key}-dr`));
            const env = envOf(container);
            expect(env.REDIS_HOST)
                .to.equal(hub.drRedisEndpoint)
                .and.match(/^master\.hub-redis-dr-[0-9a-f]+\.[0-9a-f]+\.euw1\.cache\.amazonaws\.com$/);
            expect(env.WORK_QUEUE_URL).to.match(/^https:\/\/sqs\.eu-west-1\.amazonaws\.com\/123456789012\/hub-work-dr-/);
            expect(env.AUDIT_LOG_BUCKET).to.match(/^hub-audit-logs-dr-/);
            for (const secret of container.secrets) expect(secret.valueFrom, `${key} ${secret.name}`).to.match(/^arn:aws:secretsmanager:eu-west-1:/);
            expect(container.logConfiguration.options["awslogs-region"]).to.equal("eu-west-1");
        }
        expect(envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-integration-dr"))).DB_HOST).to.equal("db.hub.test.dr.internal");
        expect(envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-webhook-dr"))).DB_HOST).to.equal(undefined);
        expect(ingressOf(recorder, "hub-db-dr").map((r) => r.name.slice("hub-db-dr-in-".length))).to.have.members(["integration", "worker"]);
        // Without DR, none of it.
        const staging = await buildStack(integrations("staging"));
        expect(staging.recorder.byType("aws:secretsmanager/secret:Secret").every((r) => r.inputs.replicas === undefined)).to.equal(true);
        expect(staging.recorder.byType("aws:ecs/cluster:Cluster").some((r) => r.name === "hub-dr")).to.equal(false);
    });

    it("keeps the entry in the DR region too: Kong at zero behind its own CloudFront-only balancer, routing to the standby services by Cloud Map name", async () => {
        const { recorder, outputs } = await buildStack(integrations("production"));
        const inDr = (type: string, name: string) => {
            const r = recorder.get(type, name);
            expect(r.inputs.region, `${type} ${name}`).to.equal("eu-west-1");
            return r;
        };
        const hub = (outputs.workloads as any).hub;
        const balancer = inDr("aws:lb/loadBalancer:LoadBalancer", "hub-alb-dr");
        expect(balancer.inputs).to.include({ internal: false, dropInvalidHeaderFields: true, enableDeletionProtection: true });
        // HTTPS under the DR region's certificate; only requests with the distribution's header get past the gate.
        const listener = inDr("aws:lb/listener:Listener", "hub-alb-dr").inputs as any;
        expect(listener).to.include({ protocol: "HTTPS", port: 443, certificateArn: DR_CERT });
        expect(listener.defaultActions[0].fixedResponse.statusCode).to.equal("403");
        const gate = inDr("aws:lb/listenerRule:ListenerRule", "hub-alb-dr-origin").inputs as any;
        expect(gate.conditions[0].httpHeader).to.deep.equal({ httpHeaderName: "X-Origin-Verify", values: ["[secret]"] });
        expect(gate.actions[0].targetGroupArn).to.equal(inDr("aws:lb/targetGroup:TargetGroup", "hub-alb-dr").state.arn);
        // Reached from CloudFront alone, through that region's ID of its prefix list.
        const ingress = ingressOf(recorder, "hub-alb-dr");
        expect(ingress.map((r) => r.name)).to.deep.equal(["hub-alb-dr-in-cloudfront"]);
        const list = recorder.prefixLists[String(ingress[0].inputs.prefixListId)];
        expect(list).to.include({ name: "com.amazonaws.global.cloudfront.origin-facing", region: "eu-west-1" });
        const logPolicy = policyOf(inDr("aws:s3/bucketPolicy:BucketPolicy", "hub-alb-dr-access-logs").inputs.policy).Statement;
        expect(logPolicy.find((st) => st.Sid === "ElbWritesAccessLogs")!.Principal).to.deep.equal({ AWS: "arn:aws:iam::156460612806:root" });

        const gateway = inDr("aws:ecs/service:Service", "hub-gateway-dr").inputs as any;
        expect(gateway.desiredCount).to.equal(0);
        expect(gateway.loadBalancers[0]).to.include({ containerName: "kong", containerPort: 8000 });
        const kong = containerOf(inDr("aws:ecs/taskDefinition:TaskDefinition", "hub-gateway-dr"));
        const env = envOf(kong);
        const config = JSON.parse(env.KONG_DECLARATIVE_CONFIG_STRING);
        const urls = Object.fromEntries(config.services.map((x: { name: string; url?: string }) => [x.name, x.url]));
        expect(urls).to.include({
            integration: "http://integration.services.hub.test.dr.internal:8080",
            webhook: "http://webhook.services.hub.test.dr.internal:8080",
        });
        // Rate limits in the DR cache, under the name its TLS certificate carries.
        const redis = config.plugins.find((p: { name: string }) => p.name === "rate-limiting").config.redis;
        expect(redis).to.include({ host: hub.drRedisEndpoint, server_name: hub.drRedisEndpoint, ssl_verify: true });
        expect(kong.secrets[0].valueFrom).to.equal(recorder.get("aws:secretsmanager/secret:Secret", "hub-redis-dr-auth").state.arn);
        expect(env.KONG_TRUSTED_IPS.split(",")[0]).to.equal("10.210.0.0/16");
        expect(kong.secrets[0].valueFrom).to.match(/^arn:aws:secretsmanager:eu-west-1:/);
        // The HTTP services register their healthy tasks under those names; the worker takes no traffic.
        const namespace = inDr("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "hub-dr-services");
        expect(namespace.inputs).to.include({ name: "services.hub.test.dr.internal", vpc: hub.drVpcId });
        for (const key of ["integration", "webhook"]) {
            const registry = inDr("aws:servicediscovery/service:Service", `hub-${key}-dr`);
            expect(registry.inputs).to.deep.include({ name: key, namespaceId: namespace.state.id, healthCheckCustomConfig: { failureThreshold: 1 } });
            expect((recorder.get("aws:ecs/service:Service", `hub-${key}-dr`).inputs as any).serviceRegistries).to.deep.equal({
                registryArn: registry.state.arn,
            });
            expect(ingressOf(recorder, `hub-${key}-dr-tasks`).map((r) => r.name)).to.deep.equal([`hub-${key}-dr-tasks-in-gateway`]);
        }
        expect(recorder.byType("aws:servicediscovery/service:Service").some((r) => r.name === "hub-worker-dr")).to.equal(false);
        expect(ingressOf(recorder, "hub-redis-dr-cache").map((r) => r.name)).to.have.members(
            ["integration", "webhook", "worker", "gateway"].map((k) => `hub-redis-dr-cache-in-${k}`),
        );
        expect(hub.drServiceNamespace).to.equal("services.hub.test.dr.internal");
        // The name the origin's DNS points at during a failover.
        expect(hub.drAlbDnsName).to.match(/^hub-alb-dr-[0-9a-f]+-\d+\.eu-west-1\.elb\.amazonaws\.com$/);
        expect(hub.drServices).to.have.keys("integration", "webhook", "worker", "gateway");
    });

    it("locks audit logs with S3 Object Lock when asked", async () => {
        const { recorder } = await buildStack(integrations("production", { auditLogs: { retentionDays: 2555, objectLock: "COMPLIANCE" } }));
        expect(recorder.get("aws:s3/bucket:Bucket", "hub-audit-logs").inputs.objectLockEnabled).to.equal(true);
        expect(
            (recorder.get("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "hub-audit-logs").inputs.rule as any).defaultRetention,
        ).to.deep.equal({ mode: "COMPLIANCE", days: 2555 });
    });

    it("routes what the config says through Kong, at the configured rate", async () => {
        const { recorder } = await buildStack(
            integrations("staging", {
                gateway: {
                    routes: [
                        { path: "/v2", service: "integration" },
                        { path: "/hooks", service: "webhook" },
                    ],
                    rateLimitPerMinute: 60,
                },
            }),
        );
        const config = JSON.parse(envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-gateway"))).KONG_DECLARATIVE_CONFIG_STRING);
        expect(config.services.flatMap((x: { routes: { paths: string[] }[] }) => x.routes.flatMap((r) => r.paths))).to.deep.equal([
            "/v2",
            "/hooks",
            KONG_HEALTH_PATH,
        ]);
        expect(config.plugins[0].config.minute).to.equal(60);
    });
});

describe("topology event-driven: the HTTP services deploy blue/green, and only healthy tasks get traffic", () => {
    const HOOK = "arn:aws:lambda:us-east-1:123456789012:function:CheckGreenIntegration";
    it("lets ECS switch each service's production and test rules between blue and green, with hooks, and checks the tasks' health", async () => {
        const { recorder } = await buildStack(
            integrations("production", {
                webhook: { image: "example/webhook:1", healthCheck: ["CMD", "/bin/healthcheck"] },
                blueGreen: {
                    testCidrs: ["10.40.0.0/16"],
                    services: { bakeTimeMinutes: 10, hooks: [{ lambdaArn: HOOK, stages: ["POST_TEST_TRAFFIC_SHIFT"] }] },
                },
            }),
        );
        const containerNamed = (name: string) => containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", name));
        expect(containerNamed("hub-integration").healthCheck.command[1]).to.contain("http://127.0.0.1:8080/health");
        expect(containerNamed("hub-webhook").healthCheck.command).to.deep.equal(["CMD", "/bin/healthcheck"]);
        expect(containerNamed("hub-worker").healthCheck).to.equal(undefined);
        for (const [key, port, testPort] of [
            ["integration", 8081, 9081],
            ["webhook", 8082, 9082],
        ] as const) {
            const service = recorder.get("aws:ecs/service:Service", `hub-${key}`);
            const inputs = service.inputs as any;
            expect(inputs.deploymentConfiguration).to.deep.include({ strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" });
            expect(inputs.deploymentConfiguration.lifecycleHooks).to.deep.equal([
                {
                    hookTargetArn: HOOK,
                    roleArn: recorder.get("aws:iam/role:Role", "hub-service-hooks").state.arn,
                    lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
                },
            ]);
            const blue = recorder.get("aws:lb/targetGroup:TargetGroup", elbLogicalName(`hub-services-${key}-blue`));
            const green = recorder.get("aws:lb/targetGroup:TargetGroup", elbLogicalName(`hub-services-${key}-green`));
            expect((blue.inputs.healthCheck as any).path).to.equal("/health");
            const production = recorder.get("aws:lb/listenerRule:ListenerRule", `hub-services-${key}`);
            const test = recorder.get("aws:lb/listenerRule:ListenerRule", `hub-services-${key}-test`);
            expect(recorder.get("aws:lb/listener:Listener", `hub-services-${key}`).inputs.port).to.equal(port);
            expect(recorder.get("aws:lb/listener:Listener", `hub-services-${key}-test`).inputs.port).to.equal(testPort);
            // Forward-only, both groups in each rule (100/0): ECS moves the weights, and owns the rules'
            // actions during deployments and the service's primary group after one.
            for (const rule of [production, test])
                expect((rule.inputs.actions as any)[0].forward.targetGroups).to.deep.equal([
                    { arn: blue.state.arn, weight: 100 },
                    { arn: green.state.arn, weight: 0 },
                ]);
            expect((recorder.get("aws:lb/listener:Listener", `hub-services-${key}`).inputs.defaultActions as any)[0].type).to.equal("forward");
            expect(production.options.ignoreChanges).to.include("actions");
            expect(service.options.ignoreChanges).to.include("loadBalancers");
            expect(inputs.loadBalancers[0]).to.deep.include({ targetGroupArn: blue.state.arn, containerName: key, containerPort: 8080 });
            expect(inputs.loadBalancers[0].advancedConfiguration).to.deep.include({
                alternateTargetGroupArn: green.state.arn,
                productionListenerRule: production.state.arn,
                testListenerRule: test.state.arn,
            });
            expect(service.dependencies).to.include.members([production.urn, test.urn]);
        }
        // The role ECS switches the rules with: AWS's managed policy for exactly that.
        expect(recorder.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "hub-services-ecs-blue-green").inputs.policyArn).to.equal(
            "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
        );
        expect(policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-service-hooks").inputs.policy).Statement[0].Resource).to.deep.equal([HOOK]);
        // Test traffic: Kong and the configured CIDRs only.
        const testSources = ingressOf(recorder, "hub-services").filter((r) => r.inputs.fromPort === 9081);
        expect(testSources.map((r) => r.inputs.cidrIpv4 ?? "kong")).to.have.members(["10.40.0.0/16", "kong"]);
    });
});

describe("topology event-driven: each service its own permissions", () => {
    it("keeps the internet-facing webhook receiver away from the database and the documents", async () => {
        const { recorder } = await buildStack(integrations("production"));
        const taskOf = (key: string) => policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", `hub-${key}-task`).inputs.policy).Statement.map((st) => st.Sid);
        expect(taskOf("webhook")).to.deep.equal(["SendWork", "WriteAuditLogs"]);
        expect(taskOf("integration")).to.deep.equal(["SendWork", "Documents", "WriteAuditLogs"]);
        expect(taskOf("worker")).to.deep.equal(["ConsumeWork", "Documents", "WriteAuditLogs"]);
        const webhook = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-webhook"));
        expect(Object.keys(envOf(webhook))).to.not.include.members(["DB_HOST", "DOCUMENTS_BUCKET"]);
        expect(webhook.secrets.map((x: { name: string }) => x.name)).to.deep.equal(["REDIS_AUTH_TOKEN"]);
        const execution = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-webhook-execution").inputs.policy).Statement.find(
            (st) => st.Sid === "ReadSecrets",
        )!;
        expect([execution.Resource].flat()).to.have.length(1);
    });

    it("gives a service read-only documents, or the database, when its settings ask", async () => {
        const { recorder } = await buildStack(integrations("staging", { webhook: { image: "example/webhook:1", documents: "read", database: true } }));
        const statements = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-webhook-task").inputs.policy).Statement;
        expect(statements.find((st) => st.Sid === "ReadDocuments")!.Action).to.deep.equal(["s3:GetObject", "s3:ListBucket"]);
        expect(Object.keys(envOf(containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "hub-webhook"))))).to.include("DB_HOST");
    });
});

describe("topology event-driven: only this distribution reaches the origin", () => {
    it("blocks, with a WAF web ACL on the balancer, every request without the secret header CloudFront adds, leaving the listeners to CodeDeploy", async () => {
        const { recorder } = await buildStack(integrations("production"));
        const secret = recorder.get("random:index/randomPassword:RandomPassword", "hub-origin-secret");
        const acl = recorder.get("aws:wafv2/webAcl:WebAcl", "hub-alb-origin");
        const inputs = acl.inputs as any;
        expect(inputs).to.include({ scope: "REGIONAL" });
        expect(inputs.defaultAction).to.deep.equal({ block: {} });
        expect(inputs.rules).to.have.length(1);
        expect(inputs.rules[0].action).to.deep.equal({ allow: {} });
        expect(inputs.rules[0].statement.byteMatchStatement).to.deep.include({
            fieldToMatch: { singleHeader: { name: "x-origin-verify" } },
            positionalConstraint: "EXACTLY",
            searchString: "[secret]",
        });
        const balancer = recorder.get("aws:lb/loadBalancer:LoadBalancer", "hub-alb");
        const association = recorder.get("aws:wafv2/webAclAssociation:WebAclAssociation", "hub-alb-origin");
        expect(association.dependencies).to.include.members([acl.urn, balancer.urn]);
        // The header CloudFront sends is the same secret the web ACL expects.
        const cdn = recorder.get("aws:cloudfront/distribution:Distribution", "hub-cdn");
        const api = (cdn.inputs as any).origins.find((o: { originId: string }) => o.originId === "api");
        expect(api.customHeaders).to.deep.equal([{ name: "X-Origin-Verify", value: "[secret]" }]);
        expect(acl.dependencies).to.include(secret.urn);
        expect(cdn.dependencies).to.include(secret.urn);
        // CodeDeploy still switches a plain forward on both listeners.
        for (const name of ["hub-alb", "hub-alb-test"])
            expect((recorder.get("aws:lb/listener:Listener", name).inputs as any).defaultActions[0].type, name).to.equal("forward");
    });
});

describe("topology event-driven: blue/green of the gateway, tested before the switch", () => {
    const HOOK = "arn:aws:lambda:us-east-1:123456789012:function:CheckGreenGateway";
    it("opens the test listener to the configured CIDRs only, lets CodeDeploy invoke exactly the hooks, and outputs the AppSpec", async () => {
        const { recorder, outputs } = await buildStack(
            integrations("production", { blueGreen: { testCidrs: ["10.40.0.0/16"], hooks: { AfterAllowTestTraffic: HOOK } } }),
        );
        const test = ingressOf(recorder, "hub-alb").filter((r) => r.inputs.fromPort === 8443);
        expect(test.map((r) => r.inputs.cidrIpv4)).to.deep.equal(["10.40.0.0/16"]);
        const invoke = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-gateway-codedeploy-hooks").inputs.policy).Statement[0];
        expect(invoke).to.deep.include({ Action: "lambda:InvokeFunction", Resource: [HOOK] });
        expect(recorder.get("aws:codedeploy/deploymentGroup:DeploymentGroup", "hub-gateway").options.dependsOn).to.include(
            recorder.get("aws:iam/rolePolicy:RolePolicy", "hub-gateway-codedeploy-hooks").urn,
        );
        const appSpec = JSON.parse((outputs.workloads as any).hub.codeDeployAppSpec);
        expect(appSpec.Resources[0].TargetService.Properties).to.deep.equal({
            TaskDefinition: "<TASK_DEFINITION>",
            LoadBalancerInfo: { ContainerName: "kong", ContainerPort: 8000 },
        });
        expect(appSpec.Hooks).to.deep.equal([{ AfterAllowTestTraffic: HOOK }]);
        // By default the test listener admits nobody, and no hook policy exists.
        const plain = await buildStack(integrations("production"));
        expect(ingressOf(plain.recorder, "hub-alb").filter((r) => r.inputs.fromPort === 8443)).to.deep.equal([]);
        expect(plain.recorder.byType("aws:iam/rolePolicy:RolePolicy").some((r) => r.name === "hub-gateway-codedeploy-hooks")).to.equal(false);
        const problems = configProblems(integrations("production", { blueGreen: { hooks: { AfterAllowTestTraffic: "not-an-arn" } } }));
        expect(problems[0].path).to.equal("platform:workloads.hub.blueGreen.hooks.AfterAllowTestTraffic");
    });
});
