import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { gzipSync } from "zlib";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { packConfig } from "../plan/policy-config";
import { allPolicies, resourcePolicies, stackPolicies } from "../policy/rules";
import { evaluatePolicies } from "../plan/policy";
import { PROJECT_DIR, readStackFiles, shippedStacks } from "../plan/stack-files";
import { scratchDir, planOnce, planCli } from "./helpers";

type Props = Record<string, any>;
const policy = (name: string) => {
    const found = allPolicies.find((p) => p.name === name);
    if (!found) throw new Error(`no policy ${name}`);
    return found;
};

/** Runs one resource policy on one resource; returns its messages. */
async function checkResource(name: string, type: string, props: Props, environment = "production", protect = false): Promise<string[]> {
    const messages: string[] = [];
    const args = {
        type,
        props,
        urn: `urn:pulumi:test::platform::${type}::r`,
        name: "r",
        opts: { protect, ignoreChanges: [] },
        stackTags: new Map(),
        getConfig: () => ({ environment }),
        notApplicable: () => {
            throw new Error("not applicable");
        },
    } as unknown as ResourceValidationArgs;
    for (const validate of [(policy(name) as ResourceValidationPolicy).validateResource ?? []].flat()) await validate(args, (m) => messages.push(m));
    return messages;
}

/** A resource for stack policies; `deps` are the resources it depends on. */
function res(type: string, name: string, props: Props, deps: PolicyResource[] = [], parent?: PolicyResource): PolicyResource {
    return {
        type,
        name,
        props,
        urn: `urn:pulumi:test::platform::${type}::${name}`,
        opts: {},
        dependencies: deps,
        propertyDependencies: {},
        parent,
    } as unknown as PolicyResource;
}
async function checkStack(name: string, resources: PolicyResource[], environment?: string): Promise<string[]> {
    const messages: string[] = [];
    await (policy(name) as StackValidationPolicy).validateStack({ resources, getConfig: () => ({ environment }), stackTags: new Map() } as never, (m) =>
        messages.push(m),
    );
    return messages;
}

const containers = (c: Props) =>
    JSON.stringify([{ name: "app", logConfiguration: { logDriver: "awslogs" }, readonlyRootFilesystem: true, environment: [], ...c }]);
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const ALB = "aws:alb/loadBalancer:LoadBalancer";
const RDS = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const CF = "aws:cloudfront/distribution:Distribution";
const goodRds = {
    storageEncrypted: true,
    publiclyAccessible: false,
    backupRetentionPeriod: 14,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "x-final",
    multiAz: true,
    performanceInsightsEnabled: true,
};
const goodRedis = {
    atRestEncryptionEnabled: true,
    transitEncryptionEnabled: true,
    authToken: "[secret]",
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
};
const origin = (c: Props) => ({
    originId: "api",
    domainName: "api.example.com",
    customOriginConfig: { originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"], ...c },
});
/** A copy of `props` without `key` (a value set but unknown at preview still counts as set). */
const without = (props: Props, key: string) => Object.fromEntries(Object.entries(props).filter(([k]) => k !== key));
const iam = (statement: Props) => ({ policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] }) });

/** Each resource policy with a compliant and a non-compliant resource (same type unless given). */
const RESOURCE_CASES: { name: string; type: string; good: Props; bad: Props; badType?: string; staging?: boolean; protect?: boolean }[] = [
    {
        name: "ecs-no-privileged-containers",
        type: TD,
        good: { containerDefinitions: containers({}) },
        bad: { containerDefinitions: containers({ privileged: true }) },
    },
    {
        name: "ecs-read-only-root-filesystem",
        type: TD,
        good: { containerDefinitions: containers({}) },
        bad: { containerDefinitions: containers({ readonlyRootFilesystem: false }) },
    },
    {
        name: "ecs-container-logging",
        type: TD,
        good: { containerDefinitions: containers({}) },
        bad: { containerDefinitions: containers({ logConfiguration: undefined }) },
    },
    {
        name: "ecs-no-secrets-in-environment",
        type: TD,
        good: { containerDefinitions: containers({ environment: [{ name: "DB_HOST", value: "db" }] }) },
        bad: { containerDefinitions: containers({ environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }) },
    },
    {
        name: "ecs-secret-named-environment",
        type: TD,
        good: { containerDefinitions: containers({ environment: [{ name: "DB_HOST", value: "db" }] }) },
        bad: { containerDefinitions: containers({ environment: [{ name: "AUTH_PROVIDER", value: "oidc" }] }) },
    },
    {
        name: "ecs-task-role-not-execution-role",
        type: TD,
        good: { taskRoleArn: "arn:a", executionRoleArn: "arn:b" },
        bad: { taskRoleArn: "arn:a", executionRoleArn: "arn:a" },
    },
    { name: "ecs-awsvpc-network-mode", type: TD, good: { networkMode: "awsvpc" }, bad: { networkMode: "bridge" } },
    {
        name: "ecs-service-no-public-ip",
        type: "aws:ecs/service:Service",
        good: { networkConfiguration: { assignPublicIp: false } },
        bad: { networkConfiguration: { assignPublicIp: true } },
    },
    {
        name: "ecs-service-circuit-breaker",
        type: "aws:ecs/service:Service",
        good: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        bad: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    },
    {
        name: "ecs-cluster-container-insights",
        type: "aws:ecs/cluster:Cluster",
        good: { settings: [{ name: "containerInsights", value: "enabled" }] },
        bad: { settings: [{ name: "containerInsights", value: "disabled" }] },
    },
    { name: "alb-drop-invalid-headers", type: LB, good: { dropInvalidHeaderFields: true }, bad: { dropInvalidHeaderFields: false }, badType: ALB },
    { name: "alb-access-logs", type: ALB, good: { accessLogs: { bucket: "logs", enabled: true } }, bad: {}, badType: LB },
    { name: "alb-deletion-protection-production", type: LB, good: { enableDeletionProtection: true }, bad: { enableDeletionProtection: false }, badType: ALB },
    {
        name: "lb-listener-tls-policy",
        type: "aws:lb/listener:Listener",
        good: { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
        bad: { protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" },
        badType: "aws:alb/listener:Listener",
    },
    { name: "rds-storage-encrypted", type: RDS, good: goodRds, bad: { ...goodRds, storageEncrypted: false } },
    { name: "rds-not-public", type: RDS, good: goodRds, bad: { ...goodRds, publiclyAccessible: true }, badType: "aws:rds/clusterInstance:ClusterInstance" },
    { name: "rds-backup-retention-production", type: RDS, good: goodRds, bad: { ...goodRds, backupRetentionPeriod: 3 }, badType: CLUSTER },
    { name: "rds-deletion-protection-production", type: RDS, good: goodRds, bad: { ...goodRds, deletionProtection: false }, badType: CLUSTER },
    { name: "rds-final-snapshot-production", type: RDS, good: goodRds, bad: without(goodRds, "finalSnapshotIdentifier") },
    { name: "rds-multi-az-production", type: RDS, good: goodRds, bad: { ...goodRds, multiAz: false } },
    {
        name: "rds-force-ssl-production",
        type: "aws:rds/parameterGroup:ParameterGroup",
        good: { family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] },
        bad: { family: "aurora-postgresql15", parameters: [] },
        badType: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    },
    { name: "rds-performance-insights-production", type: RDS, good: goodRds, bad: { ...goodRds, performanceInsightsEnabled: false } },
    {
        name: "rds-minor-version-upgrades",
        type: "aws:rds/clusterInstance:ClusterInstance",
        good: { autoMinorVersionUpgrade: false, engineVersion: "15.10" },
        bad: { autoMinorVersionUpgrade: true, engineVersion: "15.10" },
    },
    { name: "production-databases-protected", type: RDS, good: goodRds, bad: goodRds, protect: true },
    { name: "aurora-storage-encrypted", type: CLUSTER, good: { storageEncrypted: true }, bad: {} },
    { name: "elasticache-encryption-at-rest", type: REDIS, good: goodRedis, bad: { ...goodRedis, atRestEncryptionEnabled: false } },
    { name: "elasticache-encryption-in-transit", type: REDIS, good: goodRedis, bad: { ...goodRedis, transitEncryptionEnabled: false } },
    { name: "elasticache-auth", type: REDIS, good: goodRedis, bad: without(goodRedis, "authToken") },
    { name: "elasticache-failover-production", type: REDIS, good: goodRedis, bad: { ...goodRedis, multiAzEnabled: false } },
    { name: "sqs-encryption", type: "aws:sqs/queue:Queue", good: { sqsManagedSseEnabled: true }, bad: { sqsManagedSseEnabled: false } },
    { name: "sns-encryption", type: "aws:sns/topic:Topic", good: { kmsMasterKeyId: "alias/aws/sns" }, bad: {} },
    {
        name: "resource-policy-no-open-principal",
        type: "aws:sqs/queuePolicy:QueuePolicy",
        good: iam({ Principal: "*", Action: "sqs:SendMessage", Resource: "arn:q", Condition: { ArnEquals: { "aws:SourceArn": "arn:t" } } }),
        bad: iam({ Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: "arn:q" }),
        badType: "aws:s3/bucketPolicy:BucketPolicy",
    },
    { name: "s3-no-public-acl", type: "aws:s3/bucket:Bucket", good: {}, bad: { acl: "public-read" } },
    {
        name: "s3-public-access-block-complete",
        type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        good: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        bad: { blockPublicAcls: true },
    },
    {
        name: "cloudfront-viewer-https",
        type: CF,
        good: { defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https" } },
        bad: {
            defaultCacheBehavior: { viewerProtocolPolicy: "redirect-to-https" },
            orderedCacheBehaviors: [{ pathPattern: "/x", viewerProtocolPolicy: "allow-all" }],
        },
    },
    { name: "cloudfront-origin-https", type: CF, good: { origins: [origin({})] }, bad: { origins: [origin({ originProtocolPolicy: "match-viewer" })] } },
    {
        name: "cloudfront-minimum-tls",
        type: CF,
        good: { viewerCertificate: { acmCertificateArn: "arn:c", minimumProtocolVersion: "TLSv1.2_2021" } },
        bad: { viewerCertificate: { acmCertificateArn: "arn:c", minimumProtocolVersion: "TLSv1.1_2016" } },
    },
    {
        name: "cloudfront-s3-origin-access-control",
        type: CF,
        good: { origins: [{ originId: "s", domainName: "b.s3.us-east-1.amazonaws.com", originAccessControlId: "oac" }] },
        bad: { origins: [{ originId: "s", domainName: "b.s3.us-east-1.amazonaws.com" }] },
    },
    {
        name: "ec2-imdsv2",
        type: "aws:ec2/instance:Instance",
        good: { metadataOptions: { httpTokens: "required" } },
        bad: { metadataOptions: { httpTokens: "optional" } },
        badType: "aws:ec2/launchTemplate:LaunchTemplate",
    },
    {
        name: "ec2-encrypted-volumes",
        type: "aws:ec2/instance:Instance",
        good: { rootBlockDevice: { encrypted: true } },
        bad: { rootBlockDevice: { encrypted: false } },
        badType: "aws:ebs/volume:Volume",
    },
    { name: "ec2-no-public-ip", type: "aws:ec2/instance:Instance", good: { associatePublicIpAddress: false }, bad: { associatePublicIpAddress: true } },
    {
        name: "sg-rule-description",
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        good: { description: "from the load balancer" },
        bad: {},
        badType: "aws:ec2/securityGroup:SecurityGroup",
    },
    {
        name: "sg-no-world-ingress-inline",
        type: "aws:ec2/securityGroup:SecurityGroup",
        good: { ingress: [{ fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] },
        bad: { ingress: [{ fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] },
    },
    {
        name: "iam-no-wildcard-action",
        type: "aws:iam/rolePolicy:RolePolicy",
        good: iam({ Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
        bad: iam({ Action: "*", Resource: "arn:aws:s3:::b/*" }),
        badType: "aws:iam/policy:Policy",
    },
    {
        name: "iam-no-wildcard-resource",
        type: "aws:iam/rolePolicy:RolePolicy",
        good: iam({ Action: "ecr:GetAuthorizationToken", Resource: "*" }),
        bad: iam({ Action: ["ecr:GetAuthorizationToken", "s3:GetObject"], Resource: "*" }),
    },
    {
        name: "iam-service-trust-scoped-production",
        type: "aws:iam/role:Role",
        good: {
            assumeRolePolicy: JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "ecs-tasks.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
                    },
                    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                ],
            }),
        },
        bad: {
            assumeRolePolicy: JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "ecs-tasks.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEqualsIfExists: { "aws:SourceAccount": "123456789012" } },
                    },
                ],
            }),
        },
    },
    { name: "log-group-retention", type: "aws:cloudwatch/logGroup:LogGroup", good: { retentionInDays: 14 }, bad: {} },
    { name: "kms-key-rotation", type: "aws:kms/key:Key", good: { enableKeyRotation: true }, bad: { enableKeyRotation: false } },
    {
        name: "secrets-recovery-window-production",
        type: "aws:secretsmanager/secret:Secret",
        good: { recoveryWindowInDays: 7 },
        bad: { recoveryWindowInDays: 6 },
    },
    { name: "ecr-scan-on-push", type: "aws:ecr/repository:Repository", good: { imageScanningConfiguration: { scanOnPush: true } }, bad: {} },
    {
        name: "ecr-immutable-tags-production",
        type: "aws:ecr/repository:Repository",
        good: { imageTagMutability: "IMMUTABLE" },
        bad: { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" },
    },
    {
        name: "ec2-user-data-secrets-production",
        type: "aws:ec2/instance:Instance",
        good: {
            userData:
                '#!/bin/sh\nDB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id x --query SecretString --output text)"\ncat > /etc/app.yaml <<EOF\npassword: ${DB_PASSWORD}\nEOF\n',
        },
        bad: { userData: gzipSync(Buffer.from("#cloud-config\nwrite_files:\n  - content: |\n      db_password: hunter2\n")).toString("base64") },
        badType: "aws:ec2/launchTemplate:LaunchTemplate",
    },
    {
        name: "rds-log-exports-production",
        type: RDS,
        good: { engine: "postgres", enabledCloudwatchLogsExports: ["postgresql", "upgrade"] },
        bad: { engine: "postgres", enabledCloudwatchLogsExports: [] },
    },
    {
        name: "iam-no-not-elements",
        type: "aws:iam/rolePolicy:RolePolicy",
        good: iam({ Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }),
        bad: iam({ NotAction: "iam:*", Resource: "arn:aws:s3:::b/*" }),
        badType: "aws:s3/bucketPolicy:BucketPolicy",
    },
    {
        name: "iam-managed-policies",
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        good: { policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" },
        bad: { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
        badType: "aws:iam/role:Role",
    },
    {
        name: "iam-trust-services-only",
        type: "aws:iam/role:Role",
        good: {
            assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        },
        bad: { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }) },
    },
    {
        name: "sg-no-all-ports-egress",
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        good: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
        bad: { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }] },
        badType: "aws:ec2/securityGroup:SecurityGroup",
    },
    {
        name: "ecs-no-secrets-in-command",
        type: TD,
        good: { containerDefinitions: containers({ command: ["sh", "-c", 'psql -v pass="$DB_PASSWORD" --password "${PGPASSWORD}" --port 8080'] }) },
        bad: { containerDefinitions: containers({ command: ["sh", "-c", "PGPASSWORD=hunter2 psql"] }) },
    },
    {
        name: "ecs-pinned-images",
        type: TD,
        good: { containerDefinitions: containers({ image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2.3" }) },
        bad: { containerDefinitions: containers({ image: "kong" }) },
    },
    {
        name: "ecs-no-trust-all-proxies",
        type: TD,
        good: { containerDefinitions: containers({ environment: [{ name: "KONG_TRUSTED_IPS", value: "10.0.0.0/16,130.176.0.0/24" }] }) },
        bad: { containerDefinitions: containers({ environment: [{ name: "KONG_TRUSTED_IPS", value: "0.0.0.0/0,::/0" }] }) },
    },
    {
        name: "ec2-imds-hop-limit",
        type: "aws:ec2/instance:Instance",
        good: { metadataOptions: { httpPutResponseHopLimit: 1 } },
        bad: { metadataOptions: { httpPutResponseHopLimit: 2 } },
        badType: "aws:ec2/launchTemplate:LaunchTemplate",
    },
    {
        name: "ec2-no-secrets-in-user-data",
        type: "aws:ec2/instance:Instance",
        good: { userData: "#!/bin/sh\nexport DB_HOST=db.internal\nPASSWORD=$(aws secretsmanager get-secret-value --secret-id x)\n" },
        bad: { userDataBase64: Buffer.from("#!/bin/sh\nexport REDIS_AUTH=s3cr3t\n").toString("base64") },
    },
    { name: "ec2-termination-protection-production", type: "aws:ec2/instance:Instance", good: { disableApiTermination: true }, bad: {} },
    { name: "production-data-protected", type: "aws:sqs/queue:Queue", good: {}, bad: {}, badType: "aws:ec2/eip:Eip", protect: true },
    { name: "s3-no-force-destroy-production", type: "aws:s3/bucket:Bucket", good: { forceDestroy: false }, bad: { forceDestroy: true } },
    { name: "ecr-no-force-delete-production", type: "aws:ecr/repository:Repository", good: { forceDelete: false }, bad: { forceDelete: true } },
    {
        name: "log-retention-production",
        type: "aws:cloudwatch/logGroup:LogGroup",
        good: { retentionInDays: 30 },
        bad: { rules: [{ id: "retention", status: "Enabled", expiration: { days: 7 } }] },
        badType: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    },
    { name: "vpc-flow-logs-all-traffic", type: "aws:ec2/flowLog:FlowLog", good: { trafficType: "ALL" }, bad: { trafficType: "ACCEPT" } },
    { name: "elasticache-snapshots-production", type: REDIS, good: { snapshotRetentionLimit: 7 }, bad: { snapshotRetentionLimit: 0 } },
    {
        name: "dlm-policy-enabled",
        type: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
        good: { state: "ENABLED", policyDetails: { schedules: [{ name: "daily", retainRule: { count: 7 } }] } },
        bad: { state: "DISABLED" },
    },
    {
        name: "cloudfront-custom-certificate-production",
        type: CF,
        good: { viewerCertificate: { acmCertificateArn: "arn:c", minimumProtocolVersion: "TLSv1.2_2021" } },
        bad: { viewerCertificate: { cloudfrontDefaultCertificate: true } },
    },
];

describe("policy pack", () => {
    it("has at least 40 rules, each named once, described, with a deliberate enforcement level", () => {
        expect(allPolicies.length).to.be.at.least(40);
        expect(new Set(allPolicies.map((p) => p.name)).size).to.equal(allPolicies.length);
        for (const p of allPolicies) {
            expect(p.description, p.name).to.be.a("string").with.length.greaterThan(10);
            expect(["mandatory", "advisory"], p.name).to.include(p.enforcementLevel);
        }
    });

    it("kms-key-rotation exempts asymmetric signing keys, which AWS cannot rotate automatically", async () => {
        expect(await checkResource("kms-key-rotation", "aws:kms/key:Key", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })).to.be.empty;
        expect(await checkResource("kms-key-rotation", "aws:kms/key:Key", { customerMasterKeySpec: "SYMMETRIC_DEFAULT" })).to.not.be.empty;
    });

    it("rds-minor-version-upgrades also refuses an engine that is never patched (no auto upgrades, no pinned minor)", async () => {
        expect(await checkResource("rds-minor-version-upgrades", RDS, { autoMinorVersionUpgrade: false, engineVersion: "16" })).to.not.be.empty;
        expect(await checkResource("rds-minor-version-upgrades", RDS, { autoMinorVersionUpgrade: true, engineVersion: "16" })).to.be.empty;
    });

    it("catches the variants a review found passing: service wildcards, account-wide ARNs, inline role policies, weak conditions", async () => {
        const role = (statement: Props) => ({ inlinePolicies: [{ name: "x", ...iam(statement) }] });
        expect(
            await checkResource("iam-no-wildcard-action", "aws:iam/rolePolicy:RolePolicy", iam({ Action: "s3:*", Resource: "arn:aws:s3:::b/*" })),
        ).to.have.length(1);
        expect(await checkResource("iam-no-wildcard-action", "aws:iam/role:Role", role({ Action: "*:*", Resource: "arn:aws:s3:::b/*" }))).to.have.length(1);
        for (const arn of ["arn:aws:secretsmanager:us-east-1:1:secret:*", "arn:aws:s3:::*", "arn:aws:ecr:us-east-1:1:repository/*", "arn:aws:sqs:*:*:q"])
            expect(await checkResource("iam-no-wildcard-resource", "aws:iam/rolePolicy:RolePolicy", iam({ Action: "x:Y", Resource: arn })), arn).to.have.length(
                1,
            );
        for (const arn of ["arn:aws:s3:::b/*", "arn:aws:logs:us-east-1:1:log-group:/ecs/a:*", "arn:aws:secretsmanager:us-east-1:1:secret:a-??????"])
            expect(await checkResource("iam-no-wildcard-resource", "aws:iam/rolePolicy:RolePolicy", iam({ Action: "x:Y", Resource: arn })), arn).to.be.empty;
        const open = (Condition?: Props) => iam({ Principal: "*", Action: "sqs:SendMessage", Resource: "arn:q", ...(Condition ? { Condition } : {}) });
        for (const weak of [
            { Bool: { "aws:SecureTransport": "true" } },
            { StringEqualsIfExists: { "aws:SourceAccount": "1" } },
            { StringLike: { "aws:SourceArn": "*" } },
        ])
            expect(await checkResource("resource-policy-no-open-principal", "aws:sqs/queue:Queue", open(weak)), JSON.stringify(weak)).to.have.length(1);
        expect(await checkResource("resource-policy-no-open-principal", "aws:kms/key:Key", open({ StringEquals: { "kms:CallerAccount": "1" } }))).to.be.empty;
        expect(await checkResource("resource-policy-no-open-principal", "aws:kms/key:Key", open())).to.have.length(1);
        expect(
            await checkResource("sg-no-world-ingress-inline", "aws:ec2/securityGroup:SecurityGroup", {
                ingress: [{ fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/1"] }],
            }),
        ).to.have.length(1);
        expect(await checkResource("elasticache-encryption-in-transit", REDIS, { ...goodRedis, transitEncryptionMode: "preferred" })).to.have.length(1);
        // A secret's name with a credential-like literal is refused; the name alone is advisory.
        for (const name of ["REDIS_AUTH", "KONG_LICENSE_DATA", "STRIPE_API_KEY", "PGPASSWORD", "SESSION_SIGNING_KEY"]) {
            const env = (value: string) => ({ containerDefinitions: containers({ environment: [{ name, value }] }) });
            expect(await checkResource("ecs-no-secrets-in-environment", TD, env("c2VjcmV0LXZhbHVl")), name).to.have.length(1);
            expect(await checkResource("ecs-no-secrets-in-environment", TD, env("v")), name).to.be.empty;
            expect(await checkResource("ecs-secret-named-environment", TD, env("v")), name).to.have.length(1);
        }
        // Settings whose names only sound secret pass the mandatory rule.
        for (const [name, value] of [
            ["PASSWORD_MIN_LENGTH", "12"],
            ["TOKEN_LIFETIME_SECONDS", "3600"],
            ["AUTH_PROVIDER", "oidc"],
            ["SESSION_TOKEN_TTL", "15m"],
            ["PASSWORD_RESET_URL", "https://app.example.com/reset"],
        ])
            expect(await checkResource("ecs-no-secrets-in-environment", TD, { containerDefinitions: containers({ environment: [{ name, value }] }) }), name).to
                .be.empty;
        // Known token formats are refused whatever the name.
        for (const value of [
            "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJlLXZhbHVl",
            "xoxb-1234567890-abcdefghij",
            "amqp://app:hunter2@broker:5672",
        ])
            expect(
                await checkResource("ecs-no-secrets-in-environment", TD, { containerDefinitions: containers({ environment: [{ name: "UPSTREAM", value }] }) }),
                value,
            ).to.have.length(1);
        for (const [name, value] of [
            ["JWT_SIGNING_KEY_ID", "arn:aws:kms:us-east-1:1:alias/jwt"],
            ["KONG_TRUSTED_IPS", "10.0.0.0/16"],
            ["DATABASE_URL", "postgres://db:5432/app"],
        ])
            expect(await checkResource("ecs-no-secrets-in-environment", TD, { containerDefinitions: containers({ environment: [{ name, value }] }) }), name).to
                .be.empty;
        expect(
            await checkResource("ecs-no-secrets-in-environment", TD, {
                containerDefinitions: containers({ environment: [{ name: "UPSTREAM", value: "9fJ2kQ7xLm3PzR8vT1wY4bN6cD0eHgA5" }] }),
            }),
        ).to.have.length(1);
        expect(await checkResource("ecs-pinned-images", TD, { containerDefinitions: containers({ image: "kong:latest" }) })).to.have.length(1);
        expect(await checkResource("ecs-pinned-images", TD, { containerDefinitions: containers({ image: `kong@sha256:${"a".repeat(64)}` }) })).to.be.empty;
    });

    it("tests every resource rule below", () => {
        expect(RESOURCE_CASES.map((c) => c.name)).to.have.members(resourcePolicies.map((p) => p.name));
    });

    for (const c of RESOURCE_CASES) {
        it(`${c.name}: passes a compliant ${c.type.split(":")[1]} and flags a non-compliant one`, async () => {
            expect(await checkResource(c.name, c.type, c.good, "production", true)).to.deep.equal([]);
            const badProtect = c.protect ? false : true;
            expect(await checkResource(c.name, c.badType ?? c.type, c.bad, "production", badProtect)).to.not.be.empty;
        });
    }

    it("applies production rules only in production (from the policy config)", async () => {
        const bad = { ...goodRds, deletionProtection: false };
        expect(await checkResource("rds-deletion-protection-production", RDS, bad, "production")).to.have.length(1);
        expect(await checkResource("rds-deletion-protection-production", RDS, bad, "staging")).to.deep.equal([]);
        expect(policy("rds-deletion-protection-production").configSchema?.properties.environment).to.deep.equal({
            type: "string",
            enum: ["staging", "production"],
        });
    });

    it("skips values unknown at preview instead of guessing", async () => {
        expect(await checkResource("ecs-no-privileged-containers", TD, { containerDefinitions: undefined })).to.deep.equal([]);
        expect(await checkResource("iam-no-wildcard-resource", "aws:iam/rolePolicy:RolePolicy", { policy: undefined })).to.deep.equal([]);
    });

    describe("stack rules", () => {
        it("tests every stack rule below", () => {
            expect([
                "vpc-flow-logs",
                "sqs-dead-letter-queue",
                "lb-http-redirects-only",
                "lb-internal-plaintext",
                "sg-no-world-ingress",
                "s3-public-access-blocked",
                "s3-versioning",
                "s3-tls-only",
                "s3-encryption",
                "iam-no-foreign-accounts",
                "iam-own-workload-resources",
                "ecs-task-role-per-service",
                "sg-no-cross-workload-ingress",
                "flow-log-retention-production",
                "data-store-ingress-own-workload-production",
                "lb-no-plaintext-forwarding-production",
                "cloudflare-zone-protected-production",
            ]).to.have.members(stackPolicies.map((p) => p.name));
        });

        const workload = (name: string) => res("platform:topologies:FargateRds", name, {});
        const policyDoc = (statement: Props) => JSON.stringify({ Statement: [{ Effect: "Allow", ...statement }] });

        it("iam-no-foreign-accounts: the stack's own account and the ELB log writer pass; another account fails", async () => {
            const own = res("aws:iam/rolePolicy:RolePolicy", "p", {
                policy: policyDoc({ Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:111111111111:q" }),
            });
            const elb = res("aws:s3/bucketPolicy:BucketPolicy", "logs", {
                policy: policyDoc({ Principal: { AWS: "arn:aws:iam::127311923021:root" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::l/*" }),
            });
            const key = (account: string) =>
                res("aws:kms/key:Key", "k", { policy: policyDoc({ Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }) });
            expect(await checkStack("iam-no-foreign-accounts", [own, elb, key("111111111111")])).to.deep.equal([]);
            expect(await checkStack("iam-no-foreign-accounts", [own, key("999999999999")])).to.have.length(1);
            const elbReadsToo = res("aws:s3/bucketPolicy:BucketPolicy", "logs", {
                policy: policyDoc({
                    Principal: { AWS: "arn:aws:iam::127311923021:root" },
                    Action: ["s3:PutObject", "s3:GetObject"],
                    Resource: "arn:aws:s3:::l/*",
                }),
            });
            expect(await checkStack("iam-no-foreign-accounts", [own, elbReadsToo])).to.have.length(1);
        });

        it("iam-own-workload-resources: a role policy naming another workload's resources fails, by dependency or by its ARN", async () => {
            const [epr, eprEu] = [workload("epr"), workload("epr-eu")];
            const queue = res("aws:sqs/queue:Queue", "epr-eu-audit", { arn: "arn:aws:sqs:us-east-1:1:epr-eu-audit-1a2b3c" }, [], eprEu);
            const own = res("aws:sqs/queue:Queue", "epr-audit", { arn: "arn:aws:sqs:us-east-1:1:epr-audit-1a2b3c" }, [], epr);
            const grant = (resource: string, deps: PolicyResource[] = []) =>
                res("aws:iam/rolePolicy:RolePolicy", "epr-task", { policy: policyDoc({ Action: "sqs:SendMessage", Resource: resource }) }, deps, epr);
            const stack = [epr, eprEu, queue, own];
            expect(await checkStack("iam-own-workload-resources", [...stack, grant(own.props.arn, [own])])).to.deep.equal([]);
            expect(await checkStack("iam-own-workload-resources", [...stack, grant(queue.props.arn)])).to.have.length(1);
            expect(await checkStack("iam-own-workload-resources", [...stack, grant("arn:aws:sqs:us-east-1:1:epr-*")])).to.have.length(1);
            expect(await checkStack("iam-own-workload-resources", [...stack, grant("arn:aws:sqs:us-east-1:1:q", [queue])])).to.have.length(1);
        });

        it("iam-own-workload-resources: ownership is structural: a prefixing name, a shared external repository and a tag decide nothing wrongly", async () => {
            const [tickets, payments] = [workload("tickets"), workload("tickets-payments")];
            // `tickets` has a service called payments: its database is named tickets-payments-db, and it is tickets'.
            const db = res(
                "aws:rds/instance:Instance",
                "tickets-payments-db",
                { arn: "arn:aws:rds:us-east-1:1:db:tickets-payments-db-production" },
                [],
                tickets,
            );
            const ticketsRole = (resource: string, deps: PolicyResource[] = []) =>
                res("aws:iam/rolePolicy:RolePolicy", "tickets-host", { policy: policyDoc({ Action: "rds-db:connect", Resource: resource }) }, deps, tickets);
            expect(await checkStack("iam-own-workload-resources", [tickets, payments, db, ticketsRole(db.props.arn, [db])])).to.deep.equal([]);
            // One existing ECR repository both pull from: outside the stack, it belongs to each workload that names it.
            const pull = (owner: PolicyResource) =>
                res(
                    "aws:iam/rolePolicy:RolePolicy",
                    `${owner.name}-execution`,
                    { policy: policyDoc({ Action: "ecr:BatchGetImage", Resource: "arn:aws:ecr:us-east-1:1:repository/apps" }) },
                    [],
                    owner,
                );
            expect(await checkStack("iam-own-workload-resources", [tickets, payments, pull(tickets), pull(payments)])).to.deep.equal([]);
            // A resource outside any component, tagged with its workload, is that workload's.
            const tagged = res("aws:sqs/queue:Queue", "inbox", { arn: "arn:aws:sqs:us-east-1:1:inbox", tags: { workload: "tickets-payments" } });
            expect(await checkStack("iam-own-workload-resources", [tickets, payments, tagged, ticketsRole(tagged.props.arn)])).to.have.length(1);
        });

        it("ecs-task-role-per-service: two task definitions sharing a task role fail", async () => {
            const td = (name: string, taskRoleArn: string) => res(TD, name, { taskRoleArn });
            expect(await checkStack("ecs-task-role-per-service", [td("a", "arn:a"), td("b", "arn:b")])).to.deep.equal([]);
            expect(await checkStack("ecs-task-role-per-service", [td("a", "arn:a"), td("b", "arn:a")])).to.have.length(1);
        });

        it("sg-no-cross-workload-ingress: a group admits only groups of its own workload", async () => {
            const [ledger, epr] = [workload("ledger"), workload("epr")];
            const db = res("aws:ec2/securityGroup:SecurityGroup", "ledger-db", {}, [], ledger);
            const tasks = res("aws:ec2/securityGroup:SecurityGroup", "ledger-tasks", {}, [], ledger);
            const other = res("aws:ec2/securityGroup:SecurityGroup", "epr-tasks", {}, [], epr);
            const rule = (source: PolicyResource) =>
                res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ledger-db-in", { fromPort: 5432, toPort: 5432 }, [db, source], db);
            expect(await checkStack("sg-no-cross-workload-ingress", [ledger, epr, db, tasks, other, rule(tasks)])).to.deep.equal([]);
            expect(await checkStack("sg-no-cross-workload-ingress", [ledger, epr, db, tasks, other, rule(other)])).to.have.length(1);
        });

        it("data-store-ingress-own-workload-production: a database's group admits only its workload's groups, by dependency or by ID", async () => {
            const [ledger, epr] = [workload("ledger"), workload("epr")];
            const sg = (name: string, owner: PolicyResource) => res("aws:ec2/securityGroup:SecurityGroup", name, {}, [], owner);
            const [dbGroup, tasks, other] = [sg("ledger-db", ledger), sg("ledger-tasks", ledger), sg("epr-tasks", epr)];
            const db = res(RDS, "ledger-db", { vpcSecurityGroupIds: ["sg-db"] }, [dbGroup], ledger);
            const egress = (group: PolicyResource, id: string) =>
                res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", `${group.name}-out`, { securityGroupId: id, ipProtocol: "tcp" }, [group], group);
            const ids = [egress(dbGroup, "sg-db"), egress(tasks, "sg-tasks"), egress(other, "sg-other")];
            const ingress = (props: Props, deps: PolicyResource[]) =>
                res(
                    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                    "ledger-db-in",
                    { securityGroupId: "sg-db", fromPort: 5432, toPort: 5432, ...props },
                    [dbGroup, ...deps],
                    dbGroup,
                );
            const stack = (...extra: PolicyResource[]) => [ledger, epr, dbGroup, tasks, other, db, ...ids, ...extra];
            const check = (...extra: PolicyResource[]) => checkStack("data-store-ingress-own-workload-production", stack(...extra), "production");
            expect(await check(ingress({ referencedSecurityGroupId: "sg-tasks" }, [tasks]))).to.deep.equal([]);
            // Another workload's tasks: by dependency, by ID alone (the dependency left on its own tasks), by address range.
            expect(await check(ingress({ referencedSecurityGroupId: "sg-other" }, [other]))).to.have.length(1);
            expect(await check(ingress({ referencedSecurityGroupId: "sg-other" }, [tasks]))).to.have.length(1);
            expect(await check(ingress({ cidrIpv4: "10.30.0.0/16" }, []))).to.have.length(1);
            // Inline on the database's own group.
            const inline = res(
                "aws:ec2/securityGroup:SecurityGroup",
                "ledger-db",
                { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-other"] }] },
                [other],
                ledger,
            );
            const withInline = [ledger, epr, inline, tasks, other, res(RDS, "ledger-db", {}, [inline], ledger), ...ids];
            expect(await checkStack("data-store-ingress-own-workload-production", withInline, "production")).to.have.length(1);
            expect(await checkStack("data-store-ingress-own-workload-production", stack(ingress({ cidrIpv4: "10.30.0.0/16" }, [])), "staging")).to.deep.equal(
                [],
            );
        });

        it("cloudflare-zone-protected-production: a published zone proxies its records, runs the managed WAF, rate-limits and pulls with a certificate", async () => {
            const zoneId = "0123456789abcdef0123456789abcdef";
            const record = (proxied: boolean) =>
                res("cloudflare:index/dnsRecord:DnsRecord", "r", { zoneId, name: "t.example.com", type: "A", content: "203.0.113.1", proxied, ttl: 1 });
            const waf = (enabled: boolean) =>
                res("cloudflare:index/ruleset:Ruleset", "waf", {
                    zoneId,
                    phase: "http_request_firewall_managed",
                    rules: [{ action: "execute", actionParameters: { id: "efb7b8c949ac4650a09736fc376e9aee" }, expression: "true", enabled }],
                });
            const limit = res("cloudflare:index/ruleset:Ruleset", "rl", {
                zoneId,
                phase: "http_ratelimit",
                rules: [{ action: "block", expression: "true", ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 600 } }],
            });
            const pulls = (enabled: boolean) =>
                res("cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings", "aop", { zoneId, enabled });
            const check = (...r: PolicyResource[]) => checkStack("cloudflare-zone-protected-production", r, "production");
            expect(await check(record(true), waf(true), limit, pulls(true))).to.deep.equal([]);
            expect(await check(record(false), waf(true), limit, pulls(true))).to.have.length(1);
            expect(await check(record(true), waf(false), limit, pulls(true))).to.have.length(1);
            expect(await check(record(true), waf(true), pulls(true))).to.have.length(1);
            expect(await check(record(true), waf(true), limit, pulls(false))).to.have.length(1);
            expect(await checkStack("cloudflare-zone-protected-production", [record(false)], "staging")).to.deep.equal([]);
        });

        it("lb-no-plaintext-forwarding-production: an internal HTTP listener that forwards fails in production; a redirect passes", async () => {
            const balancer = res("aws:lb/loadBalancer:LoadBalancer", "internal", { internal: true, loadBalancerType: "application" });
            const listener = (defaultActions: Props[]) => res("aws:lb/listener:Listener", "l", { protocol: "HTTP", port: 8081, defaultActions }, [balancer]);
            const redirect = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
            expect(await checkStack("lb-no-plaintext-forwarding-production", [balancer, listener(redirect)], "production")).to.deep.equal([]);
            expect(
                await checkStack("lb-no-plaintext-forwarding-production", [balancer, listener([{ type: "forward", targetGroupArn: "tg" }])], "production"),
            ).to.have.length(1);
        });

        it("flow-log-retention-production: a flow-log group kept under a year fails in production only", async () => {
            const group = (days: number) => res("aws:cloudwatch/logGroup:LogGroup", "flow", { retentionInDays: days });
            const stack = (days: number) => {
                const g = group(days);
                return [g, res("aws:ec2/flowLog:FlowLog", "fl", { trafficType: "ALL" }, [g])];
            };
            expect(await checkStack("flow-log-retention-production", stack(365), "production")).to.deep.equal([]);
            expect(await checkStack("flow-log-retention-production", stack(90), "production")).to.have.length(1);
            expect(await checkStack("flow-log-retention-production", stack(90), "staging")).to.deep.equal([]);
        });

        it("vpc-flow-logs: a VPC (or its awsx parent) with a flow log passes; one without fails", async () => {
            const awsx = res("awsx:ec2:Vpc", "net", {});
            const vpc = res("aws:ec2/vpc:Vpc", "net", {}, [], awsx);
            expect(await checkStack("vpc-flow-logs", [awsx, vpc, res("aws:ec2/flowLog:FlowLog", "fl", {}, [awsx])])).to.deep.equal([]);
            expect(await checkStack("vpc-flow-logs", [awsx, vpc])).to.have.length(2);
        });

        it("sqs-dead-letter-queue: a queue with a DLQ and the DLQ pass; a lone queue fails", async () => {
            const dlq = res("aws:sqs/queue:Queue", "dlq", {});
            const queue = res("aws:sqs/queue:Queue", "q", { redrivePolicy: "{}" }, [dlq]);
            expect(await checkStack("sqs-dead-letter-queue", [dlq, queue])).to.deep.equal([]);
            expect(await checkStack("sqs-dead-letter-queue", [res("aws:sqs/queue:Queue", "lone", {})])).to.have.length(1);
        });

        it("lb-http-redirects-only / lb-internal-plaintext: public HTTP must redirect; internal HTTP is advisory", async () => {
            const publicLb = res(ALB, "pub", { internal: false });
            const internalLb = res(LB, "int", { internal: true });
            const redirect = res(
                "aws:lb/listener:Listener",
                "http",
                { protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }] },
                [publicLb],
            );
            const forward = res("aws:alb/listener:Listener", "http2", { protocol: "HTTP", defaultActions: [{ type: "forward" }] }, [publicLb]);
            const internalHttp = res("aws:lb/listener:Listener", "ihttp", { protocol: "HTTP", defaultActions: [{ type: "forward" }] }, [internalLb]);
            expect(await checkStack("lb-http-redirects-only", [publicLb, internalLb, redirect, internalHttp])).to.deep.equal([]);
            expect(await checkStack("lb-http-redirects-only", [publicLb, forward])).to.have.length(1);
            expect(await checkStack("lb-internal-plaintext", [publicLb, redirect])).to.deep.equal([]);
            expect(await checkStack("lb-internal-plaintext", [internalLb, internalHttp])).to.have.length(1);
        });

        it("sg-no-world-ingress: 0.0.0.0/0 only on 80/443 of an internet-facing balancer's group", async () => {
            const lbGroup = res("aws:ec2/securityGroup:SecurityGroup", "lb", {});
            const taskGroup = res("aws:ec2/securityGroup:SecurityGroup", "tasks", {});
            const balancer = res(LB, "pub", { internal: false }, [lbGroup]);
            const https = res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "https", { cidrIpv4: "0.0.0.0/0", fromPort: 443, toPort: 443 }, [
                lbGroup,
            ]);
            const onTasks = res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "tasks", { cidrIpv4: "0.0.0.0/0", fromPort: 8080, toPort: 8080 }, [
                taskGroup,
            ]);
            const ssh = res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh", { cidrIpv6: "::/0", fromPort: 22, toPort: 22 }, [lbGroup]);
            expect(await checkStack("sg-no-world-ingress", [lbGroup, balancer, https])).to.deep.equal([]);
            expect(await checkStack("sg-no-world-ingress", [lbGroup, taskGroup, balancer, onTasks, ssh])).to.have.length(2);
        });

        for (const [name, companionType, good, bad] of [
            [
                "s3-public-access-blocked",
                "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
                { blockPublicAcls: true },
            ],
            [
                "s3-versioning",
                "aws:s3/bucketVersioning:BucketVersioning",
                { versioningConfiguration: { status: "Enabled" } },
                { versioningConfiguration: { status: "Suspended" } },
            ],
            [
                "s3-tls-only",
                "aws:s3/bucketPolicy:BucketPolicy",
                iam({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
                iam({ Principal: { Service: "x" }, Action: "s3:GetObject", Resource: "*" }),
            ],
            [
                "s3-encryption",
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
                { rules: [] },
            ],
        ] as const) {
            it(`${name}: a bucket with the right companion passes; a wrong or missing one fails`, async () => {
                const bucket = res("aws:s3/bucket:Bucket", "b", {});
                expect(await checkStack(name, [bucket, res(companionType, "c", good, [bucket])])).to.deep.equal([]);
                expect(await checkStack(name, [bucket, res(companionType, "c", bad, [bucket])])).to.have.length(1);
                expect(await checkStack(name, [bucket])).to.have.length(1);
            });
        }
    });

    describe("on the offline plan", () => {
        for (const stack of shippedStacks()) {
            it(`finds no mandatory violation in the shipped ${stack} stack`, async () => {
                const files = readStackFiles(stack);
                const violations = await evaluatePolicies(await planOnce(files), {
                    environment: files.config["platform:environment"] as "staging" | "production",
                });
                expect(violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
            });
        }

        const insecure = () => {
            const file = path.join(scratchDir("insecure"), "Pulumi.insecure.yaml");
            const production = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8");
            // A production stack that switches its protections off and opens the ledger's tasks to the internet.
            const weakened = production
                .replace(
                    "  platform:environment: production\n",
                    "  platform:environment: production\n  platform:profile:\n    deletionProtection: false\n    multiAz: false\n    backupRetentionDays: 1\n    requireDbTls: false\n    protectStatefulResources: false\n",
                )
                .replace("      prometheusCidrs:\n        - 10.30.200.10/32", "      prometheusCidrs:\n        - 0.0.0.0/0");
            expect(weakened).to.contain("0.0.0.0/0").and.contain("deletionProtection: false");
            fs.writeFileSync(file, weakened);
            return file;
        };
        const EXPECTED = [
            "rds-deletion-protection-production",
            "rds-multi-az-production",
            "rds-backup-retention-production",
            "rds-final-snapshot-production",
            "rds-force-ssl-production",
            "production-databases-protected",
            "alb-deletion-protection-production",
            "sg-no-world-ingress",
        ];

        it("catches a deliberately insecure stack file: every weakened protection is a mandatory violation", async () => {
            const violations = await evaluatePolicies(await planOnce(readStackFiles("insecure", insecure())), { environment: "production" });
            const mandatory = new Set(violations.filter((v) => v.level === "mandatory").map((v) => v.policy));
            for (const name of EXPECTED) expect(mandatory.has(name), `${name} should fire`).to.equal(true);
        });

        it("makes npm run plan exit non-zero on the insecure stack and report the violations in JSON", async () => {
            const out = path.join(scratchDir("insecure"), "plan.json");
            const run = await planCli(["--stack", "insecure", "--config-file", insecure(), "--json", out]);
            expect(run.status).to.equal(1);
            expect(run.stdout).to.contain("[mandatory] sg-no-world-ingress");
            const plan = JSON.parse(fs.readFileSync(out, "utf8"));
            const violation = plan.policy.violations.find((v: { policy: string }) => v.policy === "rds-multi-az-production");
            expect(violation).to.have.keys("policy", "level", "urn", "message");
            expect(violation.level).to.equal("mandatory");
            expect(violation.urn).to.match(/aws:rds\/instance:Instance::ledger-db$/);
        });
    });

    it("generates policy config for each environment covering every environment-dependent rule (npm run policy-config)", () => {
        const configured = allPolicies
            .filter((p) => p.configSchema)
            .map((p) => p.name)
            .sort();
        for (const environment of ["staging", "production"] as const) {
            const config = packConfig(environment, []);
            expect(Object.keys(config).sort()).to.deep.equal(configured);
            expect(Object.values(config).every((c) => c.environment === environment)).to.equal(true);
        }
    });
});
