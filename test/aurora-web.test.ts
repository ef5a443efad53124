import { expect } from "chai";
import { auroraMaxConnections } from "../components/blocks/aurora";
import { MANAGED } from "../components/blocks/cdn";
import { PROFILES } from "../stacks/profiles";
import { PlannedResource } from "../plan/mocks";
import { buildStack, policyOf, rawStack, configProblems } from "./helpers";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
function braid(environment: "staging" | "production", overrides: Record<string, unknown> = {}) {
    return rawStack({
        environment,
        workloads: {
            braid: {
                topology: "aurora-web",
                image: "registry.example.com/braidmgr:1",
                api: { originDomainName: "api-origin.example.com", certificateArn: CERT },
                alarmEmails: ["oncall@example.com"],
                ...overrides,
            },
        },
    });
}
const containerOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions))[0];
const containersOf = (r: PlannedResource) => JSON.parse(String(r.inputs.containerDefinitions));
const envOf = (c: { environment: { name: string; value: string }[] }) => Object.fromEntries(c.environment.map((e) => [e.name, e.value]));

describe("topology aurora-web", () => {
    for (const environment of ["staging", "production"] as const) {
        const profile = PROFILES[environment];
        describe(`in ${environment}`, () => {
            it("runs the API on Fargate with target tracking on CPU 70% and memory 80%, ignoring the autoscaler's count", async () => {
                const { recorder } = await buildStack(braid(environment));
                const task = recorder.get("aws:ecs/taskDefinition:TaskDefinition", "braid");
                expect(task.inputs).to.include({ cpu: "512", memory: "1024" });
                const service = recorder.get("aws:ecs/service:Service", "braid");
                expect(service.options.ignoreChanges).to.deep.equal(["desiredCount"]);
                expect(service.inputs.deploymentCircuitBreaker).to.deep.equal({ enable: true, rollback: true });
                expect(recorder.get("aws:appautoscaling/target:Target", "braid").inputs).to.include({
                    minCapacity: profile.minTasks,
                    maxCapacity: profile.maxTasks,
                });
                const cpu = recorder.get("aws:appautoscaling/policy:Policy", "braid-cpu").inputs.targetTrackingScalingPolicyConfiguration as any;
                expect(cpu).to.deep.include({ targetValue: 70, scaleOutCooldown: 60, scaleInCooldown: 300 });
                const memory = recorder.get("aws:appautoscaling/policy:Policy", "braid-memory").inputs.targetTrackingScalingPolicyConfiguration as any;
                expect(memory.predefinedMetricSpecification.predefinedMetricType).to.equal("ECSServiceAverageMemoryUtilization");
                expect(memory.targetValue).to.equal(80);
                expect(recorder.get("aws:lb/targetGroup:TargetGroup", "braid-api").inputs.healthCheck).to.include({ path: "/health" });
                expect(recorder.get("aws:cloudwatch/logGroup:LogGroup", "braid").inputs.retentionInDays).to.equal(30);
            });

            it("keeps Aurora PostgreSQL 15 encrypted, SSL-only, backed up 7 days, and protected in production", async () => {
                const { recorder } = await buildStack(braid(environment));
                const cluster = recorder.get("aws:rds/cluster:Cluster", "braid-db");
                expect(cluster.inputs).to.include({
                    engine: "aurora-postgresql",
                    engineVersion: "15.10",
                    storageEncrypted: true,
                    backupRetentionPeriod: 7,
                    deletionProtection: profile.deletionProtection,
                    skipFinalSnapshot: !profile.deletionProtection,
                });
                expect(cluster.inputs.finalSnapshotIdentifier).to.match(/^braid-db-final-[0-9a-f]{8}$/);
                expect(cluster.inputs.masterPassword).to.equal("[secret]");
                expect(cluster.options.protect).to.equal(profile.protectStatefulResources);
                const params = recorder.get("aws:rds/clusterParameterGroup:ClusterParameterGroup", "braid-db").inputs;
                expect(params.family).to.equal("aurora-postgresql15");
                expect(params.parameters).to.deep.equal([{ name: "rds.force_ssl", value: "1" }]);
                const writer = recorder.get("aws:rds/clusterInstance:ClusterInstance", "braid-db-writer");
                expect(writer.inputs).to.include({
                    instanceClass: profile.auroraInstanceClass,
                    publiclyAccessible: false,
                    performanceInsightsEnabled: profile.databaseInsights,
                });
                expect(cluster.inputs.enabledCloudwatchLogsExports).to.deep.equal(profile.databaseInsights ? ["postgresql"] : []);
            });

            it("gives the API writer and reader endpoints and its credentials only through ECS secrets", async () => {
                const { recorder } = await buildStack(braid(environment));
                const container = containerOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "braid"));
                const env = envOf(container);
                expect(env.DATABASE_WRITER_HOST).to.match(/^braid-db-.*\.cluster-c[0-9a-f]+\.us-east-1\.rds\.amazonaws\.com$/);
                expect(env.DATABASE_READER_HOST).to.match(/\.cluster-ro-/);
                expect(env.ATTACHMENTS_BUCKET).to.equal("braid-test-attachments-123456789012");
                const secrets = Object.fromEntries(container.secrets.map((x: { name: string; valueFrom: string }) => [x.name, x.valueFrom]));
                // The API's own login; the master's credentials reach only the bootstrap container, which runs first.
                expect(secrets.DATABASE_PASSWORD).to.match(/secret:braid-db-app-.*:password::$/);
                const bootstrap = containersOf(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "braid")).find(
                    (c: { name: string }) => c.name === "db-bootstrap",
                );
                expect(bootstrap.secrets.find((x: { name: string }) => x.name === "PGPASSWORD").valueFrom).to.match(
                    /secret:braid-db-credentials-.*:password::$/,
                );
                expect(container.dependsOn).to.deep.equal([{ containerName: "db-bootstrap", condition: "SUCCESS" }]);
                expect(JSON.stringify(container.environment)).not.to.contain("mock-password");
            });

            it("stores attachments in a versioned, SSE-S3, private, TLS-only bucket the task role alone may use", async () => {
                const { recorder } = await buildStack(braid(environment));
                const bucket = recorder.get("aws:s3/bucket:Bucket", "braid-attachments");
                expect(bucket.inputs.bucket).to.equal("braid-test-attachments-123456789012");
                expect(bucket.options.protect).to.equal(profile.protectStatefulResources);
                expect(recorder.get("aws:s3/bucketVersioning:BucketVersioning", "braid-attachments").inputs.versioningConfiguration).to.deep.equal({
                    status: "Enabled",
                });
                const sse = recorder.get("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "braid-attachments").inputs
                    .rules as any[];
                expect(sse[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
                const rules = recorder.get("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "braid-attachments").inputs.rules as any[];
                expect(rules.find((r) => r.id === "intelligent-tiering").transitions).to.deep.equal([{ days: 0, storageClass: "INTELLIGENT_TIERING" }]);
                expect(rules.find((r) => r.id === "expire-noncurrent-versions").noncurrentVersionExpiration).to.deep.equal({ noncurrentDays: 90 });
                expect(recorder.get("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "braid-attachments").inputs).to.include({
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                });
                expect(recorder.get("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "braid-attachments").inputs.rule).to.deep.equal({
                    objectOwnership: "BucketOwnerEnforced",
                });
                const [deny] = policyOf(recorder.get("aws:s3/bucketPolicy:BucketPolicy", "braid-attachments").inputs.policy).Statement;
                expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });

                const task = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "braid-task").inputs.policy).Statement;
                // The bucket, and signing tokens with the JWT key: nothing else.
                expect(task.map((st) => st.Sid)).to.deep.equal(["AttachmentsReadWrite", "SignTokens"]);
                expect(task[0].Resource).to.deep.equal([
                    "arn:aws:s3:::braid-test-attachments-123456789012",
                    "arn:aws:s3:::braid-test-attachments-123456789012/*",
                ]);
            });

            it("serves the front end from a private bucket through CloudFront and routes /api/* to the ALB over HTTPS, uncached", async () => {
                const { recorder, outputs } = await buildStack(braid(environment, { domain: { names: ["app.example.com"], certificateArn: CERT } }));
                const cdn = recorder.get("aws:cloudfront/distribution:Distribution", "braid-cdn").inputs as any;
                const api = cdn.origins.find((o: any) => o.originId === "api");
                expect(api.domainName).to.equal("api-origin.example.com");
                expect(api.customOriginConfig).to.include({ originProtocolPolicy: "https-only" });
                expect(api.customOriginConfig.originSslProtocols).to.deep.equal(["TLSv1.2"]);
                const site = cdn.origins.find((o: any) => o.originId === "site");
                expect(site.originAccessControlId).to.be.a("string").and.not.empty;
                expect(cdn.defaultCacheBehavior).to.include({ targetOriginId: "site", viewerProtocolPolicy: "redirect-to-https" });
                expect(cdn.orderedCacheBehaviors).to.have.length(1);
                expect(cdn.orderedCacheBehaviors[0]).to.include({
                    pathPattern: "/api/*",
                    targetOriginId: "api",
                    viewerProtocolPolicy: "redirect-to-https",
                    cachePolicyId: MANAGED.cachingDisabled,
                    originRequestPolicyId: MANAGED.allViewerExceptHostHeader,
                });
                expect(cdn.viewerCertificate).to.include({ acmCertificateArn: CERT, minimumProtocolVersion: "TLSv1.3_2025", sslSupportMethod: "sni-only" });
                expect(cdn.aliases).to.deep.equal(["app.example.com"]);
                const oac = recorder.get("aws:cloudfront/originAccessControl:OriginAccessControl", "braid-cdn").inputs;
                expect(oac).to.include({ originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" });
                const grant = policyOf(recorder.get("aws:s3/bucketPolicy:BucketPolicy", "braid-site").inputs.policy).Statement[1];
                expect(grant.Principal).to.deep.equal({ Service: "cloudfront.amazonaws.com" });
                expect((grant.Condition as any).StringEquals["AWS:SourceArn"]).to.match(/^arn:aws:cloudfront::123456789012:distribution\//);
                expect((outputs.workloads as any).braid.cloudFrontUrl).to.equal("https://app.example.com");
            });

            it("lets only CloudFront's origin-facing prefix list reach the ALB, on 443 alone, with the strictest policy CloudFront reaches", async () => {
                const { recorder } = await buildStack(braid(environment));
                const ingress = recorder.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("braid-api-in-"));
                // One reference only: each counts the list's 55 entries against the group's 60-rule quota.
                const prefixList = Object.values(recorder.prefixLists).find((p) => p.name === "com.amazonaws.global.cloudfront.origin-facing")!;
                expect(ingress.map((r) => [r.inputs.fromPort, r.inputs.prefixListId])).to.deep.equal([[443, prefixList.id]]);
                expect(ingress.every((r) => r.inputs.cidrIpv4 === undefined)).to.equal(true);
                expect(recorder.get("aws:lb/listener:Listener", "braid-api").inputs).to.include({
                    protocol: "HTTPS",
                    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                    certificateArn: CERT,
                });
                expect(recorder.byType("aws:lb/listener:Listener").map((l) => l.name)).not.to.include("braid-api-http");
                // minimumTlsVersion 1.2 keeps TLS 1.2 viewers and the general policy.
                const { recorder: tls12 } = await buildStack(
                    braid(environment, { minimumTlsVersion: "1.2", domain: { names: ["app.example.com"], certificateArn: CERT } }),
                );
                expect(tls12.get("aws:lb/listener:Listener", "braid-api").inputs.sslPolicy).to.equal("ELBSecurityPolicy-TLS13-1-2-2021-06");
                expect((tls12.get("aws:cloudfront/distribution:Distribution", "braid-cdn").inputs.viewerCertificate as any).minimumProtocolVersion).to.equal(
                    "TLSv1.2_2021",
                );
            });

            it("alarms on p99 latency, 5xx rate, ECS CPU, Aurora CPU and connections, to a topic with the e-mail subscribers", async () => {
                const { recorder } = await buildStack(braid(environment));
                const alarm = (n: string) => recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", `braid-${n}`).inputs as any;
                expect(alarm("api-p99-latency")).to.include({ metricName: "TargetResponseTime", extendedStatistic: "p99", threshold: 2 });
                expect(alarm("api-5xx-rate").threshold).to.equal(1);
                // Both the targets' 5xx and the balancer's own (no healthy target) count as errors.
                const queries = alarm("api-5xx-rate").metricQueries;
                expect(queries.find((q: any) => q.returnData).expression).to.equal(
                    "IF(requests > 0, 100 * (FILL(targetErrors, 0) + FILL(balancerErrors, 0)) / requests, 0)",
                );
                expect(queries.map((q: any) => q.metric?.metricName).filter(Boolean)).to.deep.equal([
                    "HTTPCode_Target_5XX_Count",
                    "HTTPCode_ELB_5XX_Count",
                    "RequestCount",
                ]);
                expect(alarm("ecs-cpu")).to.include({ namespace: "AWS/ECS", threshold: 85 });
                expect(alarm("aurora-cpu")).to.include({ namespace: "AWS/RDS", threshold: 80 });
                expect(alarm("aurora-connections").threshold).to.equal(Math.floor(auroraMaxConnections(profile.auroraInstanceClass) * 0.8));
                expect(alarm("aurora-connections").dimensions.DBInstanceIdentifier).to.match(/^braid-db-writer-/);
                const topicArn = alarm("ecs-cpu").alarmActions[0];
                expect(topicArn).to.match(/^arn:aws:sns:us-east-1:123456789012:braid-alarms-/);
                expect(recorder.get("aws:sns/topicSubscription:TopicSubscription", "braid-alarms-email-oncall-example-com").inputs).to.include({
                    protocol: "email",
                    endpoint: "oncall@example.com",
                });
                expect(recorder.get("aws:sns/topic:Topic", "braid-alarms").inputs.kmsMasterKeyId).to.match(/^arn:aws:kms:/);
            });
        });
    }

    it("scales Aurora readers 1..3 on reader CPU 70% with db.r6g.large in production; staging runs a small writer alone", async () => {
        const prod = await buildStack(braid("production"));
        expect(prod.recorder.byType("aws:rds/clusterInstance:ClusterInstance").map((i) => i.name)).to.deep.equal(["braid-db-writer", "braid-db-reader-1"]);
        expect(prod.recorder.get("aws:rds/clusterInstance:ClusterInstance", "braid-db-reader-1").inputs.instanceClass).to.equal("db.r6g.large");
        const target = prod.recorder.get("aws:appautoscaling/target:Target", "braid-db-readers");
        expect(target.inputs).to.include({ serviceNamespace: "rds", scalableDimension: "rds:cluster:ReadReplicaCount", minCapacity: 1, maxCapacity: 3 });
        const policy = prod.recorder.get("aws:appautoscaling/policy:Policy", "braid-db-readers-cpu").inputs.targetTrackingScalingPolicyConfiguration as any;
        expect(policy.predefinedMetricSpecification.predefinedMetricType).to.equal("RDSReaderAverageCPUUtilization");
        expect(policy.targetValue).to.equal(70);

        const staging = await buildStack(braid("staging"));
        expect(staging.recorder.byType("aws:rds/clusterInstance:ClusterInstance").map((i) => [i.name, i.inputs.instanceClass])).to.deep.equal([
            ["braid-db-writer", "db.t4g.medium"],
        ]);
        expect(staging.recorder.byType("aws:appautoscaling/target:Target").map((t) => t.name)).not.to.include("braid-db-readers");
    });

    it("copies Aurora (global database) and the attachments (S3 replication) into the DR region when switched on", async () => {
        const { recorder, outputs } = await buildStack(braid("production", { disasterRecovery: { enabled: true, region: "eu-west-1" } }));
        const global = recorder.get("aws:rds/globalCluster:GlobalCluster", "braid-db");
        expect(global.inputs.sourceDbClusterIdentifier).to.match(/^arn:aws:rds:us-east-1:123456789012:cluster:braid-db-/);
        expect(recorder.get("aws:rds/cluster:Cluster", "braid-db").options.ignoreChanges).to.deep.equal(["globalClusterIdentifier", "engineVersion"]);
        const secondary = recorder.get("aws:rds/cluster:Cluster", "braid-db-dr");
        expect(secondary.inputs).to.include({ region: "eu-west-1", storageEncrypted: true, engine: "aurora-postgresql" });
        expect(secondary.inputs.kmsKeyId).to.match(/^arn:aws:kms:eu-west-1:/);
        expect(recorder.get("aws:rds/clusterInstance:ClusterInstance", "braid-db-dr-1").inputs.region).to.equal("eu-west-1");
        const drVpc = recorder.byType("awsx:ec2:Vpc").find((v) => v.name === "braid-dr-vpc")!;
        expect(drVpc.inputs).to.deep.include({ region: "eu-west-1", cidrBlock: "10.200.0.0/16", natGateways: { strategy: "None" } });

        const replica = recorder.get("aws:s3/bucket:Bucket", "braid-attachments-dr");
        expect(replica.inputs).to.include({ region: "eu-west-1", bucket: "braid-test-attachments-dr-123456789012" });
        const replication = recorder.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "braid-attachments-replication").inputs as any;
        expect(replication.rules[0].destination.bucket).to.equal("arn:aws:s3:::braid-test-attachments-dr-123456789012");
        expect(replication.rules[0].destination.replicationTime).to.deep.equal({ status: "Enabled", time: { minutes: 15 } });
        expect(recorder.get("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "braid-attachments-replication").dependencies).to.include(
            recorder.get("aws:s3/bucketVersioning:BucketVersioning", "braid-attachments-dr").urn,
        );
        expect((outputs.workloads as any).braid.drRegion).to.equal("eu-west-1");
        // What a switchover or failover names: the global database's identifier (its ID).
        expect((outputs.workloads as any).braid.drGlobalClusterId).to.equal(global.inputs.globalClusterIdentifier);
    });

    it("creates nothing cross-region with DR off (the default)", async () => {
        const { recorder, outputs } = await buildStack(braid("production"));
        expect(recorder.byType("aws:rds/globalCluster:GlobalCluster")).to.have.length(0);
        expect(recorder.byType("aws:s3/bucketReplicationConfig:BucketReplicationConfig")).to.have.length(0);
        expect(recorder.resources.filter((r) => r.inputs.region !== undefined && r.inputs.region !== "us-east-1")).to.have.length(0);
        expect((outputs.workloads as any).braid).not.to.have.property("drRegion");
    });

    it("rejects DR without a region, a viewer certificate outside us-east-1 and an unknown Aurora class", () => {
        const raw = braid("staging", {
            disasterRecovery: { enabled: true },
            domain: { names: ["app.example.com"], certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555" },
            database: { instanceClass: "db.x9.huge" },
        });
        const problems = configProblems(raw);
        const text = problems.map((p) => `${p.path}: ${p.message}`);
        expect(text.some((t) => t.startsWith("platform:workloads.braid.disasterRecovery.region: required when"))).to.equal(true, text.join("\n"));
        expect(text.some((t) => t.startsWith("platform:workloads.braid.domain.certificateArn: CloudFront only uses ACM certificates from us-east-1"))).to.equal(
            true,
            text.join("\n"),
        );
        expect(text.some((t) => t.startsWith("platform:workloads.braid.database.instanceClass: must be one of db.t4g.medium"))).to.equal(true, text.join("\n"));
    });

    it("sizes the connections alarm from AWS's max_connections formula", () => {
        expect(auroraMaxConnections("db.r6g.large")).to.equal(1678);
        expect(auroraMaxConnections("db.t4g.medium")).to.equal(419);
        expect(auroraMaxConnections("db.r6g.4xlarge")).to.equal(5000);
    });
});

describe("topology aurora-web: signing tokens", () => {
    it("signs JWTs with an RSA key that never leaves KMS, publishes its public key, and lets only the API sign", async () => {
        const { recorder, outputs } = await buildStack(braid("production"));
        const key = recorder.get("aws:kms/key:Key", "braid-jwt");
        expect(key.inputs).to.include({ customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" });
        expect(key.options.protect).to.equal(true);
        expect(recorder.get("aws:kms/alias:Alias", "braid-jwt").inputs.name).to.equal("alias/braid-test-jwt");
        const container = JSON.parse(String(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "braid").inputs.containerDefinitions))[0];
        const env = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
        expect(env.JWT_ALGORITHM).to.equal("RS256");
        expect(env.JWT_SIGNING_KEY_ID).to.match(/^arn:aws:kms:us-east-1:123456789012:alias\/braid-test-jwt$|alias/);
        expect(Object.keys(env).some((k) => /PRIVATE|SECRET/.test(k))).to.equal(false);
        const sign = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "braid-task").inputs.policy).Statement.find((s) => s.Sid === "SignTokens")!;
        expect(sign.Action).to.deep.equal(["kms:Sign", "kms:GetPublicKey"]);
        expect(String(sign.Resource)).to.match(/^arn:aws:kms:/);
        expect((outputs.workloads as any).braid.jwtPublicKeyPem).to.contain("BEGIN PUBLIC KEY");
    });
});

describe("topology aurora-web: only this distribution reaches the origin", () => {
    it("answers 403 to requests without the secret header CloudFront adds, and forwards those with it", async () => {
        const { recorder } = await buildStack(braid("production"));
        const listener = recorder.get("aws:lb/listener:Listener", "braid-api").inputs as any;
        expect(listener.defaultActions).to.deep.equal([
            { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } },
        ]);
        const gate = recorder.get("aws:lb/listenerRule:ListenerRule", "braid-api-origin");
        expect((gate.inputs as any).conditions).to.deep.equal([{ httpHeader: { httpHeaderName: "X-Origin-Verify", values: ["[secret]"] } }]);
        expect((gate.inputs as any).actions[0].type).to.equal("forward");
        const cdn = recorder.get("aws:cloudfront/distribution:Distribution", "braid-cdn").inputs as any;
        const api = cdn.origins.find((o: { originId: string }) => o.originId === "api");
        expect(api.customHeaders).to.deep.equal([{ name: "X-Origin-Verify", value: "[secret]" }]);
        // The service starts only once the rule that forwards to it exists.
        expect(recorder.get("aws:ecs/service:Service", "braid").dependencies).to.include(gate.urn);
    });
});

describe("topology aurora-web: every log kept its retention, the database's too", () => {
    it("creates the cluster's postgresql export group first, with the system's 30 days, named after the cluster it names", async () => {
        const { recorder } = await buildStack(braid("production"));
        const cluster = recorder.get("aws:rds/cluster:Cluster", "braid-db");
        expect(cluster.inputs.clusterIdentifier).to.equal("braid-db-test");
        expect(cluster.inputs.enabledCloudwatchLogsExports).to.deep.equal(["postgresql"]);
        const group = recorder.get("aws:cloudwatch/logGroup:LogGroup", "braid-db-postgresql-logs");
        expect(group.inputs).to.include({ name: "/aws/rds/cluster/braid-db-test/postgresql", retentionInDays: 30 });
        expect(group.options).to.include({ protect: true, retainOnDelete: true });
        expect(cluster.options.dependsOn).to.include(group.urn);
    });
});
