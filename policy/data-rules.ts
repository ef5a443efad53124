import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { BUCKETS, Props, dependsOn, list, ofType, rule, stackRule } from "./kit";

/**
 * What holds data or identity and must survive `pulumi destroy` in production: buckets, queues,
 * secrets, volumes, log groups (audit trails), published addresses and image repositories.
 * (Databases and caches have their own rule, production-databases-protected.)
 */
export const PROTECTED_IN_PRODUCTION = [
    ...BUCKETS,
    "aws:sqs/queue:Queue",
    "aws:secretsmanager/secret:Secret",
    "aws:ebs/volume:Volume",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ec2/eip:Eip",
    "aws:ecr/repository:Repository",
];

/** Days every log in production is kept at least; flow logs (the network's audit trail) a year. */
export const MIN_LOG_DAYS = 30;
export const MIN_FLOW_LOG_DAYS = 365;

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

export const dataResourcePolicies: ResourceValidationPolicy[] = [
    rule(
        "production-data-protected",
        "In production, buckets, queues, secrets, volumes, log groups, Elastic IPs and image repositories are protected from `pulumi destroy` (Pulumi protect).",
        "mandatory",
        PROTECTED_IN_PRODUCTION,
        (_p, report, args) => {
            if (args.opts.protect !== true) report("the resource is not protected (protect: true)");
        },
        { production: true },
    ),
    rule(
        "s3-no-force-destroy-production",
        "Production buckets never set forceDestroy (it deletes every object and version with the bucket).",
        "mandatory",
        BUCKETS,
        (p, report) => {
            if (p.forceDestroy === true) report("forceDestroy is true");
        },
        { production: true },
    ),
    rule(
        "ecr-no-force-delete-production",
        "Production image repositories never set forceDelete (it deletes the images running services pull).",
        "mandatory",
        ["aws:ecr/repository:Repository"],
        (p, report) => {
            if (p.forceDelete === true) report("forceDelete is true");
        },
        { production: true },
    ),
    rule(
        "log-retention-production",
        `Production logs are kept at least ${MIN_LOG_DAYS} days (log groups and bucket expirations alike).`,
        "mandatory",
        [LOG_GROUP, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
        (p, report, args) => {
            if (args.type === LOG_GROUP) {
                if (typeof p.retentionInDays === "number" && p.retentionInDays > 0 && p.retentionInDays < MIN_LOG_DAYS)
                    report(`retentionInDays is ${p.retentionInDays}`);
                return;
            }
            for (const r of list(p.rules as Props[])) {
                const days = r.status === "Disabled" ? undefined : r.expiration?.days;
                if (typeof days === "number" && days < MIN_LOG_DAYS) report(`rule ${r.id} expires objects after ${days} days`);
            }
        },
        { production: true },
    ),
    rule(
        "vpc-flow-logs-all-traffic",
        "Flow logs record all traffic: accepted connections are the trail of what got in.",
        "mandatory",
        [FLOW_LOG],
        (p, report) => {
            if ("trafficType" in p && p.trafficType !== "ALL") report(`trafficType is ${p.trafficType}`);
        },
    ),
    rule(
        "elasticache-snapshots-production",
        "Production caches keep daily snapshots.",
        "mandatory",
        ["aws:elasticache/replicationGroup:ReplicationGroup"],
        (p, report) => {
            if (!(typeof p.snapshotRetentionLimit === "number" && p.snapshotRetentionLimit > 0))
                report(`snapshotRetentionLimit is ${p.snapshotRetentionLimit ?? "unset (0)"}`);
        },
        { production: true },
    ),
    rule("dlm-policy-enabled", "Volume snapshot policies are enabled.", "mandatory", ["aws:dlm/lifecyclePolicy:LifecyclePolicy"], (p, report) => {
        if (p.state === "DISABLED") report("the policy is DISABLED");
        for (const s of list(p.policyDetails?.schedules as Props[])) {
            const keep = s.retainRule?.count ?? s.retainRule?.interval;
            if (typeof keep === "number" && keep < 1) report(`schedule ${s.name} keeps no snapshot`);
        }
    }),
    rule(
        "cloudfront-custom-certificate-production",
        "Production distributions serve their own name with their own certificate (the default *.cloudfront.net certificate allows TLSv1).",
        "mandatory",
        ["aws:cloudfront/distribution:Distribution"],
        (p, report) => {
            if (p.viewerCertificate?.cloudfrontDefaultCertificate === true) report("the distribution uses the default CloudFront certificate");
        },
        { production: true },
    ),
];

export const dataStackPolicies: StackValidationPolicy[] = [
    stackRule(
        "flow-log-retention-production",
        `Production flow logs are kept at least ${MIN_FLOW_LOG_DAYS} days.`,
        "mandatory",
        ({ resources }, report) => {
            for (const group of ofType(resources, [LOG_GROUP])) {
                const isFlowLogGroup = ofType(resources, [FLOW_LOG]).some((f) => dependsOn(f, group));
                const days = group.props.retentionInDays;
                if (isFlowLogGroup && typeof days === "number" && days > 0 && days < MIN_FLOW_LOG_DAYS)
                    report(`flow-log group ${group.name} keeps ${days} days`, group.urn);
            }
        },
        { production: true },
    ),
];
