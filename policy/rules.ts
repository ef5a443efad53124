import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    BUCKETS,
    LB,
    LISTENER,
    Props,
    SECURITY_GROUP,
    SG_RULES,
    Statement,
    containersOf,
    dependsOn,
    forwardsRequests,
    isEveryone,
    list,
    ofType,
    plainHttpListeners,
    rule,
    rulesOf,
    stackRule,
    statementsOf,
} from "./kit";
import { dataResourcePolicies, dataStackPolicies } from "./data-rules";
import { iamResourcePolicies, iamStackPolicies } from "./iam-rules";
import { networkResourcePolicies, networkStackPolicies } from "./network-rules";
import { workloadResourcePolicies } from "./workload-rules";
import { productionResourcePolicies, productionStackPolicies } from "./production-rules";

/**
 * The platform's policies, exported without constructing a PolicyPack (constructing one starts
 * the policy gRPC server), so that tests and the offline plan can call them directly. This file
 * holds the first rules and the list of all of them; the IAM, network, workload and data rules
 * added since live beside it.
 */
export type { PolicyConfig } from "./kit";

/**
 * Whether a load balancer security policy allows nothing older than TLS 1.2. Elastic Load
 * Balancing names each policy by the oldest version it accepts (`TLS13-1-2-…`, `FS-1-2-…`,
 * `TLS-1-2-…`), whatever follows: the Res, Ext, FIPS and post-quantum (`PQ`) variants of those are
 * TLS 1.2+ too (the console's default is `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`), while
 * `ELBSecurityPolicy-2016-08` (the API's default), `FS-2018-06`, `…-1-0-…` and `…-1-1-…` accept
 * TLS 1.0 or 1.1. https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const modernTlsPolicy = (policy: unknown): boolean => typeof policy === "string" && /^ELBSecurityPolicy-(TLS13|FS|TLS)-1-[23]-/.test(policy);

const baseResourcePolicies: ResourceValidationPolicy[] = [
    // ECS task definitions and services
    rule("ecs-no-privileged-containers", "ECS containers must not run privileged.", "mandatory", ["aws:ecs/taskDefinition:TaskDefinition"], (p, report) => {
        for (const c of containersOf(p)) if (c.privileged) report(`container ${c.name} is privileged`);
    }),
    rule(
        "ecs-read-only-root-filesystem",
        "ECS containers should mount their root filesystem read-only where the image allows it.",
        "advisory",
        ["aws:ecs/taskDefinition:TaskDefinition"],
        (p, report) => {
            for (const c of containersOf(p)) if (!c.readonlyRootFilesystem) report(`container ${c.name} has a writable root filesystem`);
        },
    ),
    rule(
        "ecs-container-logging",
        "Every ECS container must send its logs somewhere (a logConfiguration).",
        "mandatory",
        ["aws:ecs/taskDefinition:TaskDefinition"],
        (p, report) => {
            for (const c of containersOf(p)) if (!c.logConfiguration?.logDriver) report(`container ${c.name} has no logConfiguration`);
        },
    ),
    rule(
        "ecs-task-role-not-execution-role",
        "The task role (the application's permissions) must differ from the execution role (ECS's).",
        "mandatory",
        ["aws:ecs/taskDefinition:TaskDefinition"],
        (p, report) => {
            if (typeof p.taskRoleArn === "string" && p.taskRoleArn === p.executionRoleArn) report("taskRoleArn equals executionRoleArn");
        },
    ),
    rule(
        "ecs-awsvpc-network-mode",
        "Task definitions use awsvpc networking, so each task has its own security group.",
        "mandatory",
        ["aws:ecs/taskDefinition:TaskDefinition"],
        (p, report) => {
            if ("networkMode" in p && p.networkMode !== undefined && p.networkMode !== "awsvpc") report(`networkMode is ${p.networkMode}`);
        },
    ),
    rule("ecs-service-no-public-ip", "ECS services run in private subnets without public IPs.", "mandatory", ["aws:ecs/service:Service"], (p, report) => {
        if (p.networkConfiguration?.assignPublicIp === true) report("assignPublicIp is true");
    }),
    rule(
        "ecs-service-circuit-breaker",
        "Rolling ECS deployments roll back automatically (deployment circuit breaker with rollback).",
        "mandatory",
        ["aws:ecs/service:Service"],
        (p, report) => {
            if (p.deploymentController?.type === "CODE_DEPLOY" || p.deploymentController?.type === "EXTERNAL") return;
            if (!(p.deploymentCircuitBreaker?.enable && p.deploymentCircuitBreaker?.rollback)) report("no deployment circuit breaker with rollback");
        },
    ),
    rule("ecs-cluster-container-insights", "ECS clusters have Container Insights on.", "advisory", ["aws:ecs/cluster:Cluster"], (p, report) => {
        const setting = list(p.settings as { name: string; value: string }[]).find((s) => s.name === "containerInsights");
        if (!setting || setting.value === "disabled") report("Container Insights is off");
    }),

    // Load balancers and listeners (both the lb and the alb tokens)
    rule("alb-drop-invalid-headers", "Application load balancers drop invalid HTTP header fields (request smuggling).", "mandatory", LB, (p, report) => {
        if ((p.loadBalancerType ?? "application") === "application" && p.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields is not true");
    }),
    rule("alb-access-logs", "Application load balancers write access logs (network ones log only TLS listeners).", "mandatory", LB, (p, report) => {
        if ((p.loadBalancerType ?? "application") === "application" && p.accessLogs?.enabled !== true) report("access logs are off");
    }),
    rule(
        "alb-deletion-protection-production",
        "Production load balancers have deletion protection.",
        "mandatory",
        LB,
        (p, report) => {
            if (p.enableDeletionProtection !== true) report("enableDeletionProtection is not true");
        },
        { production: true },
    ),
    rule("lb-listener-tls-policy", "HTTPS listeners use a TLS 1.2+ security policy.", "mandatory", LISTENER, (p, report) => {
        if (p.protocol !== "HTTPS" && p.protocol !== "TLS") return;
        if (!modernTlsPolicy(p.sslPolicy)) report(`sslPolicy ${p.sslPolicy ?? "(default: ELBSecurityPolicy-2016-08, TLS 1.0)"} allows TLS older than 1.2`);
    }),

    // RDS instances
    rule("rds-storage-encrypted", "RDS storage is encrypted.", "mandatory", ["aws:rds/instance:Instance"], (p, report) => {
        if (p.storageEncrypted !== true) report("storageEncrypted is not true");
    }),
    rule(
        "rds-not-public",
        "Databases are never publicly accessible.",
        "mandatory",
        ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
        (p, report) => {
            if (p.publiclyAccessible === true) report("publiclyAccessible is true");
        },
    ),
    rule(
        "rds-backup-retention-production",
        "Production databases keep automated backups at least 7 days (read replicas excepted).",
        "mandatory",
        ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
        (p, report) => {
            if (p.replicateSourceDb || isGlobalSecondary(p)) return;
            if (!(typeof p.backupRetentionPeriod === "number" && p.backupRetentionPeriod >= 7))
                report(`backupRetentionPeriod is ${p.backupRetentionPeriod ?? "unset (1)"}`);
        },
        { production: true },
    ),
    rule(
        "rds-deletion-protection-production",
        "Production databases have deletion protection.",
        "mandatory",
        ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
        (p, report) => {
            if (p.deletionProtection !== true) report("deletionProtection is not true");
        },
        { production: true },
    ),
    rule(
        "rds-final-snapshot-production",
        "Deleting a production database takes a final snapshot with an explicit identifier (read replicas excepted).",
        "mandatory",
        ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
        (p, report) => {
            if (p.replicateSourceDb || isGlobalSecondary(p)) return;
            if (p.skipFinalSnapshot !== false) report("skipFinalSnapshot is not false");
            else if (!("finalSnapshotIdentifier" in p)) report("skipFinalSnapshot is false but no finalSnapshotIdentifier is set (destroy would fail)");
        },
        { production: true },
    ),
    rule(
        "rds-multi-az-production",
        "Production RDS instances run Multi-AZ (read replicas excepted).",
        "mandatory",
        ["aws:rds/instance:Instance"],
        (p, report) => {
            if (!p.replicateSourceDb && p.multiAz !== true) report("multiAz is not true");
        },
        { production: true },
    ),
    rule(
        "rds-force-ssl-production",
        "Production PostgreSQL parameter groups refuse non-TLS connections (rds.force_ssl=1).",
        "mandatory",
        ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"],
        (p, report) => {
            if (typeof p.family !== "string" || !/postgres/.test(p.family)) return;
            const forceSsl = list(p.parameters as { name: string; value: string }[]).find((x) => x.name === "rds.force_ssl");
            if (forceSsl?.value !== "1") report("rds.force_ssl is not 1");
        },
        { production: true },
    ),
    rule(
        "rds-performance-insights-production",
        "Production databases have Performance Insights on.",
        "advisory",
        ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
        (p, report) => {
            if (p.performanceInsightsEnabled !== true) report("Performance Insights is off");
        },
        { production: true },
    ),
    rule(
        "rds-minor-version-upgrades",
        "Databases take minor engine upgrades one consistent way: automatically with a major-only engine version, or by hand with a pinned minor.",
        "advisory",
        ["aws:rds/instance:Instance", "aws:rds/clusterInstance:ClusterInstance"],
        (p, report) => {
            const pinned = typeof p.engineVersion === "string" && p.engineVersion.includes(".");
            if (p.autoMinorVersionUpgrade === false && !pinned)
                report("autoMinorVersionUpgrade is false and no minor version is pinned: the engine is never patched");
            if (p.autoMinorVersionUpgrade !== false && pinned)
                report(`engineVersion pins ${p.engineVersion} while AWS upgrades the minor: the stack drifts and later tries to downgrade`);
        },
    ),
    rule(
        "production-databases-protected",
        "Production databases and caches are protected from `pulumi destroy` (Pulumi protect).",
        "mandatory",
        ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"],
        (_p, report, args) => {
            if (args.opts.protect !== true) report("the resource is not protected (protect: true)");
        },
        { production: true },
    ),
    rule("aurora-storage-encrypted", "Aurora cluster storage is encrypted.", "mandatory", ["aws:rds/cluster:Cluster"], (p, report) => {
        if (p.storageEncrypted !== true) report("storageEncrypted is not true");
    }),

    // ElastiCache
    rule(
        "elasticache-encryption-at-rest",
        "ElastiCache encrypts data at rest.",
        "mandatory",
        ["aws:elasticache/replicationGroup:ReplicationGroup"],
        (p, report) => {
            if (p.atRestEncryptionEnabled !== true && p.atRestEncryptionEnabled !== "true") report("atRestEncryptionEnabled is not true");
        },
    ),
    rule(
        "elasticache-encryption-in-transit",
        "ElastiCache encrypts data in transit and refuses plaintext clients (not `preferred`).",
        "mandatory",
        ["aws:elasticache/replicationGroup:ReplicationGroup"],
        (p, report) => {
            if (p.transitEncryptionEnabled !== true) report("transitEncryptionEnabled is not true");
            // `preferred` accepts plaintext clients too (it exists only to migrate to `required`).
            else if (p.transitEncryptionMode === "preferred") report("transitEncryptionMode is preferred: plaintext connections are accepted");
        },
    ),
    rule(
        "elasticache-auth",
        "ElastiCache requires authentication (AUTH token or RBAC user groups).",
        "mandatory",
        ["aws:elasticache/replicationGroup:ReplicationGroup"],
        (p, report) => {
            if (!("authToken" in p) && list(p.userGroupIds).length === 0) report("no authToken and no userGroupIds");
        },
    ),
    rule(
        "elasticache-failover-production",
        "Production ElastiCache fails over automatically across AZs.",
        "mandatory",
        ["aws:elasticache/replicationGroup:ReplicationGroup"],
        (p, report) => {
            if (p.automaticFailoverEnabled !== true || p.multiAzEnabled !== true) report("automatic failover and Multi-AZ are not both on");
        },
        { production: true },
    ),

    // SQS and SNS
    rule("sqs-encryption", "SQS queues are encrypted (SSE-SQS or KMS).", "mandatory", ["aws:sqs/queue:Queue"], (p, report) => {
        if (p.sqsManagedSseEnabled !== true && !("kmsMasterKeyId" in p)) report("neither sqsManagedSseEnabled nor kmsMasterKeyId");
    }),
    rule("sns-encryption", "SNS topics are encrypted with KMS.", "mandatory", ["aws:sns/topic:Topic"], (p, report) => {
        if (!("kmsMasterKeyId" in p)) report("no kmsMasterKeyId");
    }),

    // S3
    rule(
        "s3-no-public-acl",
        "Buckets never carry public ACLs: no `public-read`, `public-read-write` nor `authenticated-read` (every AWS account), and no grant to the AllUsers or AuthenticatedUsers groups.",
        "mandatory",
        [
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketV2:BucketV2",
            "aws:s3/bucketAcl:BucketAcl",
            "aws:s3/bucketAclV2:BucketAclV2",
            // An object's own canned ACL (`acl: public-read` on the site's index.html).
            "aws:s3/bucketObjectv2:BucketObjectv2",
            "aws:s3/bucketObject:BucketObject",
        ],
        (p, report) => {
            if (typeof p.acl === "string" && /public|authenticated-read/.test(p.acl)) report(`acl is ${p.acl}`);
            // Grants: a bucket's `grants[].uri`, a BucketAcl's `accessControlPolicy.grants[].grantee.uri`.
            const grants: Props[] = [...list(p.grants as Props[]), ...list(p.accessControlPolicy?.grants as Props[])];
            for (const g of grants) {
                const uri = g?.uri ?? g?.grantee?.uri;
                if (typeof uri === "string" && /\/groups\/global\/(AllUsers|AuthenticatedUsers)$/.test(uri))
                    report(`a grant gives ${uri.split("/").pop()} access`);
            }
        },
    ),
    rule(
        "s3-public-access-block-complete",
        "Public access blocks set all four switches.",
        "mandatory",
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        (p, report) => {
            for (const key of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
                if (p[key] !== true) report(`${key} is not true`);
        },
    ),

    // CloudFront
    rule(
        "cloudfront-viewer-https",
        "CloudFront redirects viewers to HTTPS (or refuses HTTP) on every behavior.",
        "mandatory",
        ["aws:cloudfront/distribution:Distribution"],
        (p, report) => {
            const behaviors = [p.defaultCacheBehavior, ...list(p.orderedCacheBehaviors)].filter(Boolean);
            for (const b of behaviors) if (b.viewerProtocolPolicy === "allow-all") report(`behavior ${b.pathPattern ?? "default"} allows plain HTTP`);
        },
    ),
    rule(
        "cloudfront-origin-https",
        "CloudFront reaches custom origins over HTTPS only, TLS 1.2.",
        "mandatory",
        ["aws:cloudfront/distribution:Distribution"],
        (p, report) => {
            for (const o of list(p.origins as Props[])) {
                const c = o.customOriginConfig;
                if (!c) continue;
                if (c.originProtocolPolicy !== "https-only") report(`origin ${o.originId} uses ${c.originProtocolPolicy}`);
                if (list(c.originSslProtocols as string[]).some((v) => v !== "TLSv1.2")) report(`origin ${o.originId} allows ${c.originSslProtocols}`);
            }
        },
    ),
    rule(
        "cloudfront-minimum-tls",
        "CloudFront with a custom certificate requires TLSv1.2_2021 or newer from viewers.",
        "mandatory",
        ["aws:cloudfront/distribution:Distribution"],
        (p, report) => {
            const cert = p.viewerCertificate;
            if (!cert || cert.cloudfrontDefaultCertificate) return;
            if (!["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"].includes(cert.minimumProtocolVersion))
                report(`minimumProtocolVersion is ${cert.minimumProtocolVersion}`);
        },
    ),
    rule(
        "cloudfront-s3-origin-access-control",
        "CloudFront reads S3 origins through an origin access control, not a public bucket or a legacy OAI.",
        "mandatory",
        ["aws:cloudfront/distribution:Distribution"],
        (p, report) => {
            for (const o of list(p.origins as Props[])) {
                const isS3 = !o.customOriginConfig && typeof o.domainName === "string" && /\.s3[.-]/.test(o.domainName);
                if (isS3 && !("originAccessControlId" in o)) report(`S3 origin ${o.originId} has no originAccessControlId`);
            }
        },
    ),

    // EC2
    rule(
        "ec2-imdsv2",
        "EC2 instances and launch templates require IMDSv2 tokens.",
        "mandatory",
        ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
        (p, report) => {
            if (p.metadataOptions?.httpTokens !== "required") report("metadataOptions.httpTokens is not required");
        },
    ),
    rule(
        "ec2-encrypted-volumes",
        "EC2 root and data volumes are encrypted.",
        "mandatory",
        ["aws:ec2/instance:Instance", "aws:ebs/volume:Volume"],
        (p, report, args) => {
            if (args.type === "aws:ebs/volume:Volume") {
                if (p.encrypted !== true) report("the volume is not encrypted");
                return;
            }
            if (p.rootBlockDevice?.encrypted !== true) report("the root volume is not encrypted");
            for (const d of list(p.ebsBlockDevices as Props[])) if (d.encrypted !== true) report(`${d.deviceName} is not encrypted`);
        },
    ),
    rule(
        "ec2-no-public-ip",
        "EC2 instances get no public IP (ingress through a load balancer, admin through SSM).",
        "mandatory",
        ["aws:ec2/instance:Instance"],
        (p, report) => {
            if (p.associatePublicIpAddress === true) report("associatePublicIpAddress is true");
        },
    ),

    // Security groups
    rule("sg-rule-description", "Every security group and rule says why it exists.", "mandatory", [...SG_RULES, SECURITY_GROUP], (p, report) => {
        if (!("description" in p) || p.description === "" || p.description === "Managed by Pulumi") report("no description");
        for (const inline of [...list(p.ingress as Props[]), ...list(p.egress as Props[])])
            if (!inline.description) report("an inline rule has no description");
    }),

    // Logs, keys, secrets, images
    rule("log-group-retention", "Log groups expire their events (retentionInDays set).", "mandatory", ["aws:cloudwatch/logGroup:LogGroup"], (p, report) => {
        if (!(typeof p.retentionInDays === "number" && p.retentionInDays > 0)) report("retentionInDays is not set: logs are kept (and paid for) forever");
    }),
    rule("kms-key-rotation", "Customer-managed KMS keys rotate yearly.", "mandatory", ["aws:kms/key:Key"], (p, report) => {
        // AWS rotates only symmetric encryption keys in its own key store: asymmetric and HMAC keys,
        // and keys in a custom key store (CloudHSM or external), are rotated by a new key behind an
        // alias (https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html).
        const asymmetric = typeof p.customerMasterKeySpec === "string" && p.customerMasterKeySpec !== "SYMMETRIC_DEFAULT";
        const customStore = "customKeyStoreId" in p || "xksKeyId" in p;
        if (!asymmetric && !customStore && p.enableKeyRotation !== true) report("enableKeyRotation is not true");
    }),
    rule("ecr-scan-on-push", "ECR repositories scan images on push.", "mandatory", ["aws:ecr/repository:Repository"], (p, report) => {
        if (p.imageScanningConfiguration?.scanOnPush !== true) report("scanOnPush is not true");
    }),
];

function isGlobalSecondary(p: Props): boolean {
    // A secondary cluster of a global database has no credentials of its own.
    return "globalClusterIdentifier" in p && !("masterUsername" in p) && !("masterPassword" in p);
}

// ---- Stack policies: rules that relate resources to each other (through their dependencies).

/**
 * A statement that refuses everyone's requests without TLS: Deny to `*` under `Bool`
 * `aws:SecureTransport` = false (condition keys are case-insensitive; the value a string or a
 * JSON boolean). A deny to one role leaves every other caller on plain HTTP.
 */
function deniesInsecureTransport(s: Statement): boolean {
    if (s.Effect !== "Deny" || !isEveryone(s.Principal)) return false;
    return Object.entries(s.Condition ?? {}).some(
        ([operator, keys]) =>
            operator === "Bool" && Object.entries(keys ?? {}).some(([key, value]) => key.toLowerCase() === "aws:securetransport" && String(value) === "false"),
    );
}

/** A bucket check: some resource of `types` depends on the bucket and satisfies `ok`. */
function bucketCompanion(name: string, description: string, types: string[], ok: (p: Props) => boolean, missing: string): StackValidationPolicy {
    return stackRule(name, description, "mandatory", ({ resources }, report) => {
        for (const bucket of ofType(resources, BUCKETS)) {
            const companion = ofType(resources, types).find((r) => dependsOn(r, bucket) && ok(r.props));
            if (!companion) report(`bucket ${bucket.name}: ${missing}`, bucket.urn);
        }
    });
}

const baseStackPolicies: StackValidationPolicy[] = [
    stackRule("vpc-flow-logs", "Every VPC has flow logs.", "mandatory", ({ resources }, report) => {
        const flowLogs = ofType(resources, ["aws:ec2/flowLog:FlowLog"]);
        for (const vpc of ofType(resources, ["awsx:ec2:Vpc", "aws:ec2/vpc:Vpc"])) {
            const covered = flowLogs.some((f) => dependsOn(f, vpc) || (vpc.parent !== undefined && dependsOn(f, vpc.parent)));
            if (!covered) report(`VPC ${vpc.name} has no flow log`, vpc.urn);
        }
    }),
    stackRule("sqs-dead-letter-queue", "Every SQS queue has a dead-letter queue, or is one.", "mandatory", ({ resources }, report) => {
        const queues = ofType(resources, ["aws:sqs/queue:Queue"]);
        for (const q of queues) {
            const hasDlq = "redrivePolicy" in q.props && q.props.redrivePolicy !== undefined;
            const isDlq = queues.some((other) => other !== q && "redrivePolicy" in other.props && dependsOn(other, q));
            if (!hasDlq && !isDlq) report(`queue ${q.name} has no dead-letter queue`, q.urn);
        }
    }),
    stackRule(
        "lb-http-redirects-only",
        "Internet-facing load balancers only redirect plain HTTP to HTTPS, and no rule of an HTTP listener forwards.",
        "mandatory",
        ({ resources }, report) => {
            for (const { listener, balancer } of plainHttpListeners(resources)) {
                if (!balancer || balancer.props.internal === true) continue;
                const actions = list(listener.props.defaultActions as Props[]);
                const redirects = actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
                if (!redirects) report(`listener ${listener.name} on internet-facing ${balancer.name} serves plain HTTP`, listener.urn);
                // A rule of the listener that forwards serves its paths over plain HTTP whatever the default does.
                for (const r of rulesOf(resources, listener))
                    if (forwardsRequests(r.props.actions)) report(`listener rule ${r.name} forwards plain HTTP on internet-facing ${balancer.name}`, r.urn);
            }
        },
    ),
    stackRule(
        "lb-internal-plaintext",
        "Internal load balancers should terminate TLS too (set a certificate): a plain-HTTP listener that forwards (by default or by a rule) carries requests in clear text.",
        "advisory",
        ({ resources }, report) => {
            for (const { listener, balancer } of plainHttpListeners(resources)) {
                if (balancer?.props.internal !== true) continue;
                // A listener that only answers fixed responses or redirects carries no application traffic.
                const forwards = forwardsRequests(listener.props.defaultActions) || rulesOf(resources, listener).some((r) => forwardsRequests(r.props.actions));
                if (forwards) report(`listener ${listener.name} on internal ${balancer.name} is plain HTTP`, listener.urn);
            }
        },
    ),
    bucketCompanion(
        "s3-public-access-blocked",
        "Every bucket blocks all public access.",
        ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        (p) => ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => p[k] === true),
        "no complete public access block",
    ),
    bucketCompanion(
        "s3-versioning",
        "Every bucket keeps object versions.",
        ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
        (p) => p.versioningConfiguration?.status === "Enabled",
        "versioning is not enabled",
    ),
    bucketCompanion(
        "s3-tls-only",
        "Every bucket policy refuses requests without TLS.",
        ["aws:s3/bucketPolicy:BucketPolicy"],
        (p) => statementsOf(p.policy).some(deniesInsecureTransport),
        "no policy denying aws:SecureTransport=false",
    ),
    bucketCompanion(
        "s3-encryption",
        "Every bucket states its default encryption.",
        [
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        ],
        (p) => list(p.rules as Props[]).some((r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm),
        "no default encryption configuration",
    ),
];

/** Every rule on single resources, the first ones and those of each concern. */
export const resourcePolicies: ResourceValidationPolicy[] = [
    ...baseResourcePolicies,
    ...iamResourcePolicies,
    ...networkResourcePolicies,
    ...workloadResourcePolicies,
    ...dataResourcePolicies,
    ...productionResourcePolicies,
];
/** Every rule on the stack as a whole. */
export const stackPolicies: StackValidationPolicy[] = [
    ...baseStackPolicies,
    ...iamStackPolicies,
    ...networkStackPolicies,
    ...dataStackPolicies,
    ...productionStackPolicies,
];

/** Every policy of the pack, resource and stack. */
export const allPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [...resourcePolicies, ...stackPolicies];
