import type { Plan } from "../plan/plan";
import type { PlannedResource } from "../plan/mocks";
import { gzipSync } from "zlib";

/**
 * Single-property changes that make a production plan insecure, generated from the plan itself:
 * each operator picks the resources it applies to and returns the changed copy of one (and, for
 * an attachment, the resource it adds). The mutation suite expects the policy pack to raise a
 * mandatory violation for every one.
 */
export interface Mutant {
    /** The class of weakness, for the report. */
    kind: string;
    /** What was changed, on which resource. */
    description: string;
    /** The changed resource(s), replacing those of the same URN or added. */
    changed: PlannedResource[];
}

type Inputs = Record<string, unknown>;
// The inputs of any resource type, as the plan recorded them.
type Any = any;

interface Operator {
    kind: string;
    name: string;
    types: string[];
    /** Whether the operator applies to this resource (default: every resource of its types). */
    when?: (r: PlannedResource, plan: Plan) => boolean;
    /** The change: new inputs, or a full set of changed resources. */
    apply: (r: PlannedResource, plan: Plan) => Inputs | { resources: PlannedResource[] } | { options: Partial<PlannedResource["options"]> };
}

/** At most this many resources per operator, spread over the plan's workloads. */
const PER_OPERATOR = 5;

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const doc = (text: unknown): Any => JSON.parse(String(text));
const json = (x: unknown) => JSON.stringify(x);
const FOREIGN = "999999999999";

function withStatement(policy: unknown, statement: Any): string {
    const d = doc(policy);
    d.Statement = [...(Array.isArray(d.Statement) ? d.Statement : [d.Statement]), statement];
    return json(d);
}
/** The first Allow statement of a document, changed by `edit`. */
function editFirstAllow(policy: unknown, edit: (s: Any) => void): string {
    const d = doc(policy);
    const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
    edit(statements.find((s: Any) => (s.Effect ?? "Allow") === "Allow"));
    d.Statement = statements;
    return json(d);
}
const hasAllow = (policy: unknown) => typeof policy === "string" && /"Effect":"Allow"/.test(policy);
/** An ARN widened to every resource of its kind in the account. */
function widen(arn: string): string {
    const parts = arn.split(":");
    if (parts[2] === "s3") return "arn:aws:s3:::*";
    const resource = parts.slice(5).join(":");
    const typed = /^([A-Za-z0-9-]+[:/])/.exec(resource);
    return [...parts.slice(0, 5), `${typed ? typed[1] : ""}*`].join(":");
}
const firstResource = (policy: unknown): string => {
    const s = doc(policy).Statement.find((x: Any) => x.Effect === "Allow" && x.Resource !== "*" && !(Array.isArray(x.Resource) && x.Resource.includes("*")));
    return Array.isArray(s.Resource) ? s.Resource[0] : s.Resource;
};
const containers = (r: PlannedResource): Any[] => doc(r.inputs.containerDefinitions);
const editContainers = (r: PlannedResource, edit: (c: Any) => void) => {
    const list = containers(r);
    edit(list[0]);
    return { containerDefinitions: json(list) };
};
const workloadOf = (r: PlannedResource) => r.urn.split("::")[2].split("$")[0];
const ownerWorkload = (plan: Plan, r: PlannedResource): string | undefined => {
    for (let at: PlannedResource | undefined = r; at; at = plan.resources.find((x) => x.urn === at!.parent))
        if (at.type.startsWith("platform:topologies:")) return at.name;
    return undefined;
};

const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE = "aws:iam/role:Role";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy";
const KMS = "aws:kms/key:Key";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const TD = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";
const EC2 = "aws:ec2/instance:Instance";
const BUCKET = "aws:s3/bucket:Bucket";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const RDS = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const CF = "aws:cloudfront/distribution:Distribution";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";
const CF_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const CF_RULESET = "cloudflare:index/ruleset:Ruleset";

const OPEN = { Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" };
const resourcePolicyTypes = [BUCKET_POLICY, QUEUE_POLICY];
const protectable = [
    BUCKET,
    "aws:sqs/queue:Queue",
    "aws:secretsmanager/secret:Secret",
    "aws:ebs/volume:Volume",
    LOG_GROUP,
    "aws:ec2/eip:Eip",
    "aws:ecr/repository:Repository",
    RDS,
    CLUSTER,
    REDIS,
];

const OPERATORS: Operator[] = [
    // IAM: identity policies
    { kind: "iam", name: 'Action "*"', types: [ROLE_POLICY], apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => (s.Action = "*")) }) },
    {
        kind: "iam",
        name: "a whole service (service:*)",
        types: [ROLE_POLICY],
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => (s.Action = `${[s.Action].flat()[0].split(":")[0]}:*`)) }),
    },
    {
        kind: "iam",
        name: "every resource of a kind",
        types: [ROLE_POLICY],
        apply: (r) => ({
            policy: withStatement(r.inputs.policy, {
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: widen(firstResource(r.inputs.policy).replace(/:[^:]*:[^:]*:(\d{12}):.*$/, ":secretsmanager:us-east-1:$1:secret:x")),
            }),
        }),
    },
    {
        kind: "iam",
        name: "the statement's resources widened to the account",
        types: [ROLE_POLICY],
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => (s.Resource = [s.Resource].flat().map((a: string) => (a === "*" ? a : widen(a))))) }),
        when: (r) => doc(r.inputs.policy).Statement.some((s: Any) => s.Resource !== "*"),
    },
    {
        kind: "iam",
        name: 'Resource "*"',
        types: [ROLE_POLICY],
        apply: (r) => ({ policy: withStatement(r.inputs.policy, { Effect: "Allow", Action: "s3:GetObject", Resource: "*" }) }),
    },
    {
        kind: "iam",
        name: "NotAction",
        types: [ROLE_POLICY],
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => ((s.NotAction = s.Action), delete s.Action)) }),
    },
    {
        kind: "iam",
        name: "NotResource",
        types: [ROLE_POLICY],
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => ((s.NotResource = s.Resource), delete s.Resource)) }),
    },
    {
        kind: "iam",
        name: "another workload's resources",
        types: [ROLE_POLICY],
        when: (r, plan) => ownerWorkload(plan, r) !== undefined,
        apply: (r, plan) => {
            const mine = ownerWorkload(plan, r);
            const other = plan.resources.find((x) => x.type === "aws:sqs/queue:Queue" && x.state.arn && ownerWorkload(plan, x) !== mine)!;
            return { policy: withStatement(r.inputs.policy, { Effect: "Allow", Action: "sqs:SendMessage", Resource: other.state.arn }) };
        },
    },
    ...["AdministratorAccess", "PowerUserAccess", "AmazonS3FullAccess", "SecretsManagerReadWrite"].map((policy): Operator => ({
        kind: "iam",
        name: `managed ${policy}`,
        types: [ROLE],
        apply: () => ({ managedPolicyArns: [`arn:aws:iam::aws:policy/${policy}`] }),
    })),
    {
        kind: "iam",
        name: "a managed policy attachment",
        types: [ROLE],
        apply: (r) => ({
            resources: [
                {
                    ...clone(r),
                    urn: `${r.urn.replace(ROLE, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")}-admin`,
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: `${r.name}-admin`,
                    inputs: { role: r.state.id, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                    dependencies: [r.urn],
                },
            ],
        }),
    },
    {
        kind: "iam",
        name: "an inline policy on the role",
        types: [ROLE],
        apply: () => ({ inlinePolicies: [{ name: "extra", policy: json({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) }] }),
    },
    {
        kind: "iam",
        name: 'trust to {"AWS":"*"}',
        types: [ROLE],
        apply: (r) => ({ assumeRolePolicy: editFirstAllow(r.inputs.assumeRolePolicy, (s) => (s.Principal = { AWS: "*" })) }),
    },
    {
        kind: "iam",
        name: "trust to everyone",
        types: [ROLE],
        apply: (r) => ({ assumeRolePolicy: editFirstAllow(r.inputs.assumeRolePolicy, (s) => (s.Principal = "*")) }),
    },
    {
        kind: "iam",
        name: "trust to a foreign account",
        types: [ROLE],
        apply: (r) => ({ assumeRolePolicy: editFirstAllow(r.inputs.assumeRolePolicy, (s) => (s.Principal = { AWS: `arn:aws:iam::${FOREIGN}:root` })) }),
    },
    {
        kind: "iam",
        name: "key policy open to everyone",
        types: [KMS],
        when: (r) => hasAllow(r.inputs.policy),
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => (s.Principal = "*")) }),
    },
    {
        kind: "iam",
        name: "key policy to a foreign account",
        types: [KMS],
        when: (r) => hasAllow(r.inputs.policy),
        apply: (r) => ({ policy: editFirstAllow(r.inputs.policy, (s) => (s.Principal = { AWS: `arn:aws:iam::${FOREIGN}:root` })) }),
    },

    // Resource policies
    {
        kind: "resource-policy",
        name: "Principal * without condition",
        types: resourcePolicyTypes,
        apply: (r) => ({ policy: withStatement(r.inputs.policy, OPEN) }),
    },
    {
        kind: "resource-policy",
        name: "Principal * under a condition that restricts no one",
        types: resourcePolicyTypes,
        apply: (r) => ({ policy: withStatement(r.inputs.policy, { ...OPEN, Condition: { Bool: { "aws:SecureTransport": "true" } } }) }),
    },
    {
        kind: "resource-policy",
        name: "Principal * under an IfExists condition",
        types: resourcePolicyTypes,
        apply: (r) => ({ policy: withStatement(r.inputs.policy, { ...OPEN, Condition: { StringEqualsIfExists: { "aws:SourceAccount": "123456789012" } } }) }),
    },
    {
        kind: "resource-policy",
        name: "Principal * with a wildcard source",
        types: resourcePolicyTypes,
        apply: (r) => ({ policy: withStatement(r.inputs.policy, { ...OPEN, Condition: { StringLike: { "aws:SourceArn": "*" } } }) }),
    },
    {
        kind: "resource-policy",
        name: "a grant to a foreign account",
        types: resourcePolicyTypes,
        apply: (r) => ({ policy: withStatement(r.inputs.policy, { ...OPEN, Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` } }) }),
    },
    {
        kind: "resource-policy",
        name: "the log writer swapped for a foreign account",
        types: [BUCKET_POLICY],
        when: (r) => String(r.inputs.policy).includes(":root"),
        apply: (r) => ({ policy: String(r.inputs.policy).replace(/arn:aws:iam::\d{12}:root/, `arn:aws:iam::${FOREIGN}:root`) }),
    },
    {
        kind: "resource-policy",
        name: "an inline policy open to everyone",
        types: ["aws:sqs/queue:Queue", "aws:sns/topic:Topic", BUCKET],
        apply: () => ({ policy: json({ Statement: [OPEN] }) }),
    },

    // Network
    ...(
        [
            ["0.0.0.0/0", "cidrIpv4"],
            ["0.0.0.0/1", "cidrIpv4"],
            ["0.0.0.0/4", "cidrIpv4"],
            ["::/0", "cidrIpv6"],
        ] as const
    ).map(([cidr, key]): Operator => ({
        kind: "network",
        name: `ingress source ${cidr}`,
        types: [INGRESS],
        apply: (r) => {
            const inputs: Inputs = { ...r.inputs, [key]: cidr };
            delete inputs.referencedSecurityGroupId;
            delete inputs.prefixListId;
            if (key === "cidrIpv6") delete inputs.cidrIpv4;
            return inputs;
        },
    })),
    {
        kind: "network",
        name: "an ec2 securityGroupRule opening SSH to the world",
        types: [SG],
        apply: (r) => ({
            resources: [
                {
                    ...clone(r),
                    urn: r.urn.replace(/\$aws:ec2\/securityGroup:SecurityGroup::[^:]+$/, `$aws:ec2/securityGroupRule:SecurityGroupRule::${r.name}-ssh`),
                    type: "aws:ec2/securityGroupRule:SecurityGroupRule",
                    name: `${r.name}-ssh`,
                    inputs: {
                        type: "ingress",
                        protocol: "tcp",
                        fromPort: 22,
                        toPort: 22,
                        cidrBlocks: ["0.0.0.0/0"],
                        securityGroupId: r.state.id,
                        description: "ssh",
                    },
                    dependencies: [r.urn],
                },
            ],
        }),
    },
    {
        kind: "network",
        name: "inline ingress opening SSH to the world",
        types: [SG],
        apply: () => ({ ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], description: "ssh" }] }),
    },
    {
        kind: "network",
        name: "egress on every port",
        types: [EGRESS],
        apply: (r) => ({ ...r.inputs, ipProtocol: "-1", fromPort: undefined, toPort: undefined }),
    },
    {
        kind: "network",
        name: "inline egress on every port",
        types: [SG],
        apply: () => ({ egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "all" }] }),
    },
    {
        kind: "network",
        name: "a data store opened to another workload's tasks",
        types: [INGRESS],
        when: (r) => "referencedSecurityGroupId" in r.inputs && /-(db|redis|cache)/.test(r.name),
        apply: (r, plan) => {
            const mine = ownerWorkload(plan, r);
            const other = plan.resources.find((x) => x.type === SG && /tasks|host/.test(x.name) && ownerWorkload(plan, x) !== mine)!;
            return {
                resources: [{ ...clone(r), inputs: { ...r.inputs, referencedSecurityGroupId: other.state.id }, dependencies: [...r.dependencies, other.urn] }],
            };
        },
    },

    // Containers and hosts
    ...["REDIS_AUTH", "KONG_LICENSE_DATA", "DB_PASSWORD", "STRIPE_API_KEY", "APP_SECRET", "SESSION_SIGNING_KEY"].map((name): Operator => ({
        kind: "container",
        name: `a secret in environment as ${name}`,
        types: [TD],
        apply: (r) => editContainers(r, (c) => c.environment.push({ name, value: "c2VjcmV0LXZhbHVl" })),
    })),
    ...["postgres://app:hunter2@db:5432/app", "AKIAIOSFODNN7EXAMPLE", "9fJ2kQ7xLm3PzR8vT1wY4bN6cD0eHgA5"].map((value): Operator => ({
        kind: "container",
        name: `a credential in an innocently named variable (${value.slice(0, 8)}…)`,
        types: [TD],
        apply: (r) => editContainers(r, (c) => c.environment.push({ name: "UPSTREAM", value })),
    })),
    ...[
        ["serve", "--password=hunter2"],
        ["serve", "--api-token", "abc"],
        ["sh", "-c", "PGPASSWORD=hunter2 psql -h db"],
    ].map((command): Operator => ({
        kind: "container",
        name: `a secret in command (${command.join(" ")})`,
        types: [TD],
        apply: (r) => editContainers(r, (c) => (c.command = command)),
    })),
    ...[":latest", ""].map((tag): Operator => ({
        kind: "container",
        name: `image ${tag || "without a tag"}`,
        types: [TD],
        apply: (r) => editContainers(r, (c) => (c.image = c.image.replace(/:[^:/]+$/, tag))),
    })),
    {
        kind: "container",
        name: "a proxy trusting every forwarded address",
        types: [TD],
        when: (r) => containers(r).some((c: Any) => (c.environment ?? []).some((e: Any) => /TRUSTED_IPS$/.test(e.name))),
        apply: (r) => {
            const list = containers(r);
            for (const c of list) for (const e of c.environment ?? []) if (/TRUSTED_IPS$/.test(e.name)) e.value = "0.0.0.0/0,::/0";
            return { containerDefinitions: json(list) };
        },
    },
    { kind: "container", name: "privileged", types: [TD], apply: (r) => editContainers(r, (c) => (c.privileged = true)) },
    { kind: "container", name: "no log configuration", types: [TD], apply: (r) => editContainers(r, (c) => delete c.logConfiguration) },
    { kind: "container", name: "bridge networking", types: [TD], apply: () => ({ networkMode: "bridge" }) },
    { kind: "container", name: "task role = execution role", types: [TD], apply: (r) => ({ taskRoleArn: r.inputs.executionRoleArn }) },
    {
        kind: "container",
        name: "another service's task role",
        types: [TD],
        apply: (r, plan) => ({ taskRoleArn: plan.resources.find((x) => x.type === TD && x.urn !== r.urn && x.inputs.taskRoleArn)!.inputs.taskRoleArn }),
    },
    {
        kind: "container",
        name: "public IP",
        types: [SERVICE],
        apply: (r) => ({ networkConfiguration: { ...(r.inputs.networkConfiguration as Inputs), assignPublicIp: true } }),
    },
    {
        kind: "container",
        name: "no circuit breaker",
        types: [SERVICE],
        when: (r) => !r.inputs.deploymentController,
        apply: () => ({ deploymentCircuitBreaker: { enable: false, rollback: false } }),
    },
    {
        kind: "host",
        name: "IMDS hop limit 2",
        types: [EC2],
        apply: (r) => ({ metadataOptions: { ...(r.inputs.metadataOptions as Inputs), httpPutResponseHopLimit: 2 } }),
    },
    { kind: "host", name: "IMDSv1", types: [EC2], apply: (r) => ({ metadataOptions: { ...(r.inputs.metadataOptions as Inputs), httpTokens: "optional" } }) },
    { kind: "host", name: "termination protection off", types: [EC2], apply: () => ({ disableApiTermination: false }) },
    { kind: "host", name: "public IP", types: [EC2], apply: () => ({ associatePublicIpAddress: true }) },
    {
        kind: "host",
        name: "unencrypted root volume",
        types: [EC2],
        apply: (r) => ({ rootBlockDevice: { ...(r.inputs.rootBlockDevice as Inputs), encrypted: false } }),
    },
    ...["export DB_PASSWORD=hunter2", "REDIS_AUTH='s3cr3t-value'", "aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE"].map((line): Operator => ({
        kind: "host",
        name: `a secret in user data (${line.slice(0, 16)}…)`,
        types: [EC2],
        apply: (r) => ({ userData: `${r.inputs.userData}\n${line}\n` }),
    })),
    { kind: "host", name: "unencrypted data volume", types: ["aws:ebs/volume:Volume"], apply: () => ({ encrypted: false }) },

    // Data
    { kind: "data", name: "forceDestroy", types: [BUCKET], apply: () => ({ forceDestroy: true }) },
    { kind: "data", name: "protection removed", types: protectable, apply: () => ({ options: { protect: false } }) },
    { kind: "data", name: "log retention of 7 days", types: [LOG_GROUP], apply: () => ({ retentionInDays: 7 }) },
    { kind: "data", name: "logs kept forever", types: [LOG_GROUP], apply: () => ({ retentionInDays: 0 }) },
    {
        kind: "data",
        name: "flow logs kept 90 days",
        types: [LOG_GROUP],
        when: (r, plan) => plan.resources.some((f) => f.type === "aws:ec2/flowLog:FlowLog" && f.dependencies.includes(r.urn)),
        apply: () => ({ retentionInDays: 90 }),
    },
    {
        kind: "data",
        name: "access logs expired after 7 days",
        types: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
        when: (r) => (r.inputs.rules as Any[]).some((x) => x.expiration?.days),
        apply: (r) => ({ rules: (r.inputs.rules as Any[]).map((x) => (x.expiration?.days ? { ...x, expiration: { days: 7 } } : x)) }),
    },
    { kind: "data", name: "flow logs of accepted traffic only", types: ["aws:ec2/flowLog:FlowLog"], apply: () => ({ trafficType: "ACCEPT" }) },
    { kind: "data", name: "cache transit encryption preferred", types: [REDIS], apply: () => ({ transitEncryptionMode: "preferred" }) },
    { kind: "data", name: "cache transit encryption off", types: [REDIS], apply: () => ({ transitEncryptionEnabled: false }) },
    { kind: "data", name: "cache at-rest encryption off", types: [REDIS], apply: () => ({ atRestEncryptionEnabled: false }) },
    { kind: "data", name: "cache without AUTH", types: [REDIS], apply: (r) => ({ ...r.inputs, authToken: undefined }) },
    { kind: "data", name: "cache snapshots off", types: [REDIS], apply: () => ({ snapshotRetentionLimit: 0 }) },
    { kind: "data", name: "cache single-AZ", types: [REDIS], apply: () => ({ multiAzEnabled: false }) },
    { kind: "data", name: "volume snapshots disabled", types: ["aws:dlm/lifecyclePolicy:LifecyclePolicy"], apply: () => ({ state: "DISABLED" }) },
    { kind: "data", name: "ECR forceDelete", types: ["aws:ecr/repository:Repository"], apply: () => ({ forceDelete: true }) },
    {
        kind: "data",
        name: "ECR scan on push off",
        types: ["aws:ecr/repository:Repository"],
        apply: () => ({ imageScanningConfiguration: { scanOnPush: false } }),
    },
    { kind: "data", name: "database unencrypted", types: [RDS, CLUSTER], when: (r) => !r.inputs.replicateSourceDb, apply: () => ({ storageEncrypted: false }) },
    { kind: "data", name: "database public", types: [RDS], apply: () => ({ publiclyAccessible: true }) },
    {
        kind: "data",
        name: "backups of 1 day",
        types: [RDS, CLUSTER],
        when: (r) => !r.inputs.replicateSourceDb && "masterUsername" in r.inputs,
        apply: () => ({ backupRetentionPeriod: 1 }),
    },
    { kind: "data", name: "deletion protection off", types: [RDS, CLUSTER], apply: () => ({ deletionProtection: false }) },
    {
        kind: "data",
        name: "no final snapshot",
        types: [RDS, CLUSTER],
        when: (r) => !r.inputs.replicateSourceDb && "masterUsername" in r.inputs,
        apply: () => ({ skipFinalSnapshot: true }),
    },
    { kind: "data", name: "single-AZ database", types: [RDS], when: (r) => !r.inputs.replicateSourceDb, apply: () => ({ multiAz: false }) },
    {
        kind: "data",
        name: "TLS not forced",
        types: ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
        apply: (r) => ({ parameters: (r.inputs.parameters as Any[]).map((p) => (p.name === "rds.force_ssl" ? { ...p, value: "0" } : p)) }),
    },
    {
        kind: "data",
        name: "queue unencrypted",
        types: ["aws:sqs/queue:Queue"],
        apply: (r) => ({ ...r.inputs, sqsManagedSseEnabled: false, kmsMasterKeyId: undefined }),
    },
    { kind: "data", name: "topic unencrypted", types: ["aws:sns/topic:Topic"], apply: (r) => ({ ...r.inputs, kmsMasterKeyId: undefined }) },
    {
        kind: "data",
        name: "no dead-letter queue",
        types: ["aws:sqs/queue:Queue"],
        when: (r) => "redrivePolicy" in r.inputs,
        apply: (r) => ({ ...r.inputs, redrivePolicy: undefined }),
    },
    { kind: "data", name: "public ACL", types: [BUCKET], apply: () => ({ acl: "public-read" }) },
    {
        kind: "data",
        name: "public access block loosened",
        types: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        apply: () => ({ restrictPublicBuckets: false }),
    },
    {
        kind: "data",
        name: "versioning suspended",
        types: ["aws:s3/bucketVersioning:BucketVersioning"],
        apply: () => ({ versioningConfiguration: { status: "Suspended" } }),
    },
    {
        kind: "data",
        name: "TLS-only statement removed",
        types: [BUCKET_POLICY],
        apply: (r) => {
            const d = doc(r.inputs.policy);
            d.Statement = d.Statement.filter((s: Any) => s.Effect !== "Deny");
            return { policy: json(d) };
        },
    },
    {
        kind: "data",
        name: "no default encryption",
        types: ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
        apply: () => ({ rules: [] }),
    },
    {
        kind: "data",
        name: "key rotation off",
        types: [KMS],
        when: (r) => !r.inputs.customerMasterKeySpec || r.inputs.customerMasterKeySpec === "SYMMETRIC_DEFAULT",
        apply: () => ({ enableKeyRotation: false }),
    },

    // The documented systems' production guarantees (issue 29's classes)
    { kind: "systems", name: "mutable ECR tags", types: ["aws:ecr/repository:Repository"], apply: () => ({ imageTagMutability: "MUTABLE" }) },
    {
        kind: "systems",
        name: "ECR tags immutable with exclusions",
        types: ["aws:ecr/repository:Repository"],
        apply: () => ({ imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: [{ filter: "latest*", filterType: "WILDCARD" }] }),
    },
    ...[0, 3].map((days): Operator => ({
        kind: "systems",
        name: `secret recovery window of ${days} days`,
        types: ["aws:secretsmanager/secret:Secret"],
        apply: () => ({ recoveryWindowInDays: days }),
    })),
    ...(
        [
            ["without a condition", undefined],
            ["under an IfExists condition", { StringEqualsIfExists: { "aws:SourceAccount": "123456789012" } }],
            ["scoped to any account", { StringLike: { "aws:SourceArn": "arn:aws:ecs:*:*:*" } }],
        ] as const
    ).map(([what, condition]): Operator => ({
        kind: "systems",
        name: `service trust ${what}`,
        types: [ROLE],
        when: (r) => /"Service":"(?!ec2\.)/.test(String(r.inputs.assumeRolePolicy)),
        apply: (r) => ({
            assumeRolePolicy: editFirstAllow(r.inputs.assumeRolePolicy, (st) => {
                if (condition) st.Condition = condition;
                else delete st.Condition;
            }),
        }),
    })),
    ...[
        "cat > /etc/app.env <<EOF\nDB_USER=app DB_PASSWORD=hunter2\nEOF",
        "#cloud-config\nwrite_files:\n  - content: |\n      redis_password: s3cr3t-value",
        '{"db_password": "hunter2"}',
        "docker login --username admin --password hunter2 registry.example.com",
        "curl -H 'Authorization: token ghp_9fJ2kQ7xLm3PzR8vT1wY4bN6cD0eHgA5' https://api.example.com",
    ].map((text): Operator => ({
        kind: "systems",
        name: `a plaintext secret in user data (${text.replace(/\s+/g, " ").slice(0, 24)}…)`,
        types: [EC2],
        apply: (r) => ({ userData: `${r.inputs.userData}\n${text}\n` }),
    })),
    {
        kind: "systems",
        name: "a plaintext secret in gzip'd base64 user data",
        types: [EC2],
        apply: (r) => ({ userData: undefined, userDataBase64: gzipSync(Buffer.from(`${r.inputs.userData}\nexport DB_PASSWORD=hunter2\n`)).toString("base64") }),
    },
    {
        kind: "systems",
        name: "no database log exports",
        types: [RDS, CLUSTER],
        when: (r) => Array.isArray(r.inputs.enabledCloudwatchLogsExports) && (r.inputs.enabledCloudwatchLogsExports as unknown[]).length > 0,
        apply: () => ({ enabledCloudwatchLogsExports: [] }),
    },
    {
        kind: "systems",
        name: "database logs without the postgresql log",
        types: [RDS],
        when: (r) => Array.isArray(r.inputs.enabledCloudwatchLogsExports) && (r.inputs.enabledCloudwatchLogsExports as unknown[]).length > 0,
        apply: () => ({ enabledCloudwatchLogsExports: ["upgrade"] }),
    },
    {
        kind: "systems",
        name: "a data store opened to another workload's tasks by ID alone",
        types: [INGRESS],
        when: (r) => "referencedSecurityGroupId" in r.inputs && /-(db|redis|cache)/.test(r.name),
        apply: (r, plan) => {
            const mine = ownerWorkload(plan, r);
            const other = plan.resources.find((x) => x.type === SG && /tasks|host/.test(x.name) && ownerWorkload(plan, x) !== mine)!;
            return { ...r.inputs, referencedSecurityGroupId: other.state.id };
        },
    },
    {
        kind: "systems",
        name: "a data store opened to the VPC's range",
        types: [INGRESS],
        when: (r) => "referencedSecurityGroupId" in r.inputs && /-(db|redis|cache)/.test(r.name),
        apply: (r) => {
            const inputs: Inputs = { ...r.inputs, cidrIpv4: "10.30.0.0/16" };
            delete inputs.referencedSecurityGroupId;
            return inputs;
        },
    },
    {
        kind: "systems",
        name: "a data store's group opened inline to another workload's tasks",
        types: [SG],
        when: (r, plan) => plan.resources.some((d) => [RDS, CLUSTER, REDIS].includes(d.type) && d.dependencies.includes(r.urn)),
        apply: (r, plan) => {
            const mine = ownerWorkload(plan, r);
            const other = plan.resources.find((x) => x.type === SG && /tasks|host/.test(x.name) && ownerWorkload(plan, x) !== mine)!;
            return {
                resources: [
                    {
                        ...clone(r),
                        inputs: {
                            ...r.inputs,
                            ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [other.state.id], description: "x" }],
                        },
                        dependencies: [...r.dependencies, other.urn],
                    },
                ],
            };
        },
    },
    { kind: "systems", name: "a Cloudflare record not proxied", types: [CF_RECORD], apply: () => ({ proxied: false, ttl: 300 }) },
    {
        kind: "systems",
        name: "Cloudflare's managed WAF rules disabled",
        types: [CF_RULESET],
        when: (r) => r.inputs.phase === "http_request_firewall_managed",
        apply: (r) => ({ rules: (r.inputs.rules as Any[]).map((x) => ({ ...x, enabled: false })) }),
    },
    {
        kind: "systems",
        name: "Cloudflare's rate limit emptied",
        types: [CF_RULESET],
        when: (r) => r.inputs.phase === "http_ratelimit",
        apply: () => ({ rules: [] }),
    },
    {
        kind: "systems",
        name: "Cloudflare's authenticated origin pulls off",
        types: ["cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings"],
        apply: () => ({ enabled: false }),
    },
    {
        kind: "systems",
        name: "an HTTPS listener that forwards turned to plain HTTP",
        types: [LISTENER],
        when: (r) => r.inputs.protocol === "HTTPS" && (r.inputs.defaultActions as Any[]).some((x) => x.type === "forward"),
        apply: (r) => ({ ...r.inputs, protocol: "HTTP", certificateArn: undefined, sslPolicy: undefined }),
    },

    // Edge
    { kind: "edge", name: "default CloudFront certificate", types: [CF], apply: () => ({ viewerCertificate: { cloudfrontDefaultCertificate: true } }) },
    {
        kind: "edge",
        name: "viewer TLSv1",
        types: [CF],
        apply: (r) => ({ viewerCertificate: { ...(r.inputs.viewerCertificate as Inputs), minimumProtocolVersion: "TLSv1" } }),
    },
    {
        kind: "edge",
        name: "viewers on HTTP",
        types: [CF],
        apply: (r) => ({ defaultCacheBehavior: { ...(r.inputs.defaultCacheBehavior as Inputs), viewerProtocolPolicy: "allow-all" } }),
    },
    {
        kind: "edge",
        name: "origin over HTTP",
        types: [CF],
        apply: (r) => ({
            origins: (r.inputs.origins as Any[]).map((o) =>
                o.customOriginConfig ? { ...o, customOriginConfig: { ...o.customOriginConfig, originProtocolPolicy: "http-only" } } : o,
            ),
        }),
    },
    {
        kind: "edge",
        name: "invalid headers kept",
        types: [LB],
        when: (r) => r.inputs.loadBalancerType !== "network",
        apply: () => ({ dropInvalidHeaderFields: false }),
    },
    {
        kind: "edge",
        name: "access logs off",
        types: [LB],
        when: (r) => r.inputs.loadBalancerType !== "network",
        apply: (r) => ({ accessLogs: { ...(r.inputs.accessLogs as Inputs), enabled: false } }),
    },
    { kind: "edge", name: "balancer deletion protection off", types: [LB], apply: () => ({ enableDeletionProtection: false }) },
    {
        kind: "edge",
        name: "TLS 1.0 listener policy",
        types: [LISTENER],
        when: (r) => r.inputs.protocol === "HTTPS",
        apply: () => ({ sslPolicy: "ELBSecurityPolicy-2016-08" }),
    },
    {
        kind: "edge",
        name: "public HTTP served instead of redirected",
        types: [LISTENER],
        when: (r) => r.inputs.protocol === "HTTP" && (r.inputs.defaultActions as Any[])[0]?.type === "redirect",
        apply: () => ({ defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "200" } }] }),
    },
];

/** Every mutant of a plan: each operator on up to PER_OPERATOR of its resources, spread over the workloads. */
export function mutantsOf(plan: Plan): Mutant[] {
    const mutants: Mutant[] = [];
    for (const op of OPERATORS) {
        const candidates = plan.resources.filter((r) => op.types.includes(r.type) && (op.when?.(r, plan) ?? true));
        // Round-robin over workloads, so each operator hits every topology before a second resource of one.
        const byWorkload = new Map<string, PlannedResource[]>();
        for (const r of candidates) byWorkload.set(workloadOf(r), [...(byWorkload.get(workloadOf(r)) ?? []), r]);
        const picked: PlannedResource[] = [];
        for (let i = 0; picked.length < Math.min(PER_OPERATOR, candidates.length); i++)
            for (const list of byWorkload.values()) if (list[i] && picked.length < PER_OPERATOR) picked.push(list[i]);
        for (const r of picked) {
            const change = op.apply(r, plan);
            const changed =
                "resources" in change
                    ? (change.resources as PlannedResource[])
                    : "options" in change
                      ? [{ ...clone(r), options: { ...r.options, ...(change as { options: Partial<PlannedResource["options"]> }).options } }]
                      : [{ ...clone(r), inputs: dropUndefined({ ...r.inputs, ...(change as Inputs) }) }];
            mutants.push({ kind: op.kind, description: `${op.name} on ${r.name} (${r.type.split(":")[1]})`, changed });
        }
    }
    return mutants;
}

const dropUndefined = (inputs: Inputs) => Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));

/** The plan with a mutant's resources in place of (or beside) the originals. */
export function applyMutant(plan: Plan, mutant: Mutant): Plan {
    const byUrn = new Map(mutant.changed.map((r) => [r.urn, r]));
    const resources = plan.resources.map((r) => byUrn.get(r.urn) ?? r);
    const added = mutant.changed.filter((r) => !plan.resources.some((x) => x.urn === r.urn));
    return { ...plan, resources: [...resources, ...added] };
}
