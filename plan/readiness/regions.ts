// Regions: certificates, disaster-recovery copies and references across regions.
import { CHATBOT_API_REGIONS } from "../../components/blocks/alarms";
import { ELB_LOG_ACCOUNTS, ELB_LOG_DELIVERY_SERVICE } from "../../components/blocks/load-balancer";
import { PlannedResource, PrefixListLookup } from "../mocks";
import { asArray, PlanIndex, Report, T, parseStatements, regionOf } from "./kit";

const certificateRegion = (arn: string) => /^arn:aws[\w-]*:acm:([a-z0-9-]+):/.exec(arn)?.[1];

/**
 * A load balancer's certificate must be in the balancer's region; CloudFront takes certificates
 * from us-east-1 only; outside the stack's own network, a resource that names its region is a
 * cross-region (disaster-recovery) copy, which must really be in another region.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 */
export function checkRegions(index: PlanIndex, region: string, report: Report): void {
    for (const r of index.resources) {
        const own = regionOf(r, region);
        if (T.listeners.includes(r.type as (typeof T.listeners)[number]) && typeof r.inputs.certificateArn === "string") {
            const at = certificateRegion(r.inputs.certificateArn);
            if (at && at !== own)
                report("aws-certificate-region", r.urn, `the listener's certificate is in ${at}; a load balancer in ${own} needs one issued in ${own}`);
        }
        if (r.type === "aws:cloudfront/distribution:Distribution") {
            const arn = (r.inputs.viewerCertificate as Record<string, unknown> | undefined)?.acmCertificateArn;
            const at = typeof arn === "string" ? certificateRegion(arn) : undefined;
            if (at && at !== "us-east-1") report("aws-certificate-region", r.urn, `CloudFront uses ACM certificates from us-east-1 only; this one is in ${at}`);
        }
        const inStackNetwork = index.byUrn.get(index.root(r))?.type === "platform:network:Network";
        if (r.type.startsWith("aws:chatbot/") && !CHATBOT_API_REGIONS.includes(own))
            report(
                "aws-service-region",
                r.urn,
                `AWS Chatbot has its API in ${CHATBOT_API_REGIONS.join(", ")} only, not in ${own}: give the resource one of those regions (its SNS topics may stay in ${own}) (https://docs.aws.amazon.com/general/latest/gr/chatbot.html)`,
            );
        if (r.custom && r.inputs.region === region && !inStackNetwork) {
            report("dr-region", r.urn, `placed explicitly in ${region}, the stack's own region: a disaster-recovery copy must be in another region`);
        }
    }
}

/** Types AWS keeps outside any region: a reference to or from them crosses no region. */
const GLOBAL_TYPE_PREFIXES = ["aws:iam/", "aws:route53/", "aws:cloudfront/", "aws:organizations/"];
/**
 * The inputs that name a resource in another region on purpose: a cross-region backup copy's
 * source, a replication destination, a global database's member, a cross-region replica's source,
 * the SNS topics of a Chatbot channel (any region's:
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-regions.html).
 */
const CROSS_REGION_INPUTS: Record<string, string[]> = {
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": ["sourceDbInstanceArn"],
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ["rules.destination.bucket"],
    "aws:rds/cluster:Cluster": ["globalClusterIdentifier", "replicationSourceIdentifier"],
    "aws:rds/instance:Instance": ["replicateSourceDb"],
    "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": ["snsTopicArns"],
};

/**
 * AWS resolves an ID or ARN in the caller's region: a resource that names one of another region
 * (a security group of another region's VPC, a listener of another region's balancer) fails to
 * create, except where the API crosses regions by design (`CROSS_REGION_INPUTS`). So do a security
 * group rule referencing a prefix list looked up in another region (its ID differs per region),
 * and an access-log bucket that admits another region's ELB account (logging fails to switch on).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
const ELB_ACCOUNT_IDS = new Set(Object.values(ELB_LOG_ACCOUNTS));

export function checkCrossRegionReferences(index: PlanIndex, region: string, prefixLists: Record<string, PrefixListLookup>, report: Report): void {
    const regional = (r: PlannedResource) => r.custom && !GLOBAL_TYPE_PREFIXES.some((prefix) => r.type.startsWith(prefix));
    // ARNs and EC2-style IDs (vpc-…, sg-…) only: a name such as "integration" is no reference.
    const reference = (value: unknown): value is string => typeof value === "string" && (value.startsWith("arn:") || /^[a-z]{2,8}-[0-9a-f]{8,17}$/.test(value));
    const byReference = new Map<string, PlannedResource>();
    for (const r of index.resources)
        for (const value of [...(regional(r) ? [r.state.id, r.state.arn] : []), ...(r.state.networkIds ?? [])]) if (reference(value)) byReference.set(value, r);
    const walk = (value: unknown, path: string[], visit: (value: string, path: string) => void): void => {
        if (typeof value === "string") visit(value, path.join("."));
        else if (Array.isArray(value)) value.forEach((v) => walk(v, path, visit));
        else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
    };
    for (const r of index.resources.filter(regional)) {
        const own = regionOf(r, region);
        const allowed = CROSS_REGION_INPUTS[r.type] ?? [];
        walk(r.inputs, [], (value, path) => {
            const target = byReference.get(value);
            if (!target || target === r || allowed.includes(path) || regionOf(target, region) === own) return;
            report(
                "cross-region-reference",
                r.urn,
                `${path} names ${target.name} (${target.type}) in ${regionOf(target, region)}; this resource is in ${own}, where AWS cannot find it`,
            );
        });
        if ([T.ingress, T.egress, T.sgRule].includes(r.type as typeof T.ingress))
            for (const id of asArray(r.inputs.prefixListId ?? r.inputs.prefixListIds)) {
                const list = prefixLists[String(id)];
                if (list && list.region !== own)
                    report(
                        "cross-region-reference",
                        r.urn,
                        `prefix list ${list.name} was looked up in ${list.region}; a rule in ${own} needs that region's ID of the list`,
                    );
            }
        if (r.type === T.bucketPolicy) {
            for (const st of parseStatements(r.inputs.policy))
                for (const principal of asArray(typeof st.Principal === "object" ? st.Principal.AWS : undefined)) {
                    const account = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(String(principal))?.[1];
                    if (account && ELB_ACCOUNT_IDS.has(account) && account !== ELB_LOG_ACCOUNTS[own])
                        report(
                            "cross-region-reference",
                            r.urn,
                            `admits the ELB log account ${account}, not ${own}'s (${ELB_LOG_ACCOUNTS[own] ?? `none: ${own} takes the ${ELB_LOG_DELIVERY_SERVICE} principal`}): the load balancer in ${own} cannot switch its access logs on`,
                        );
                }
        }
    }
}
