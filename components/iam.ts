import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement; `Resource` is required on purpose: name the ARNs. */
export interface PolicyStatement {
    Sid?: string;
    Effect?: "Allow" | "Deny";
    /** Only in resource policies (queues, buckets, topics). */
    Principal?: "*" | Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
    Action: string | string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** An IAM policy document as the JSON string AWS expects. */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
    });
}

/**
 * Service principals that send no `aws:SourceAccount` when they assume a role: EC2 assumes an
 * instance profile's role for the instance itself, and AWS documents no source keys for it, so a
 * condition on them would leave the host without credentials (the pack exempts the same list).
 */
const SERVICES_WITHOUT_SOURCE_KEYS = new Set(["ec2.amazonaws.com"]);

/**
 * A trust policy letting one AWS service assume a role on behalf of this account only
 * (`aws:SourceAccount` guards against the confused-deputy problem, where the service sends it).
 */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                ...(SERVICES_WITHOUT_SOURCE_KEYS.has(service) ? {} : { Condition: { StringEquals: { "aws:SourceAccount": accountId } } }),
            },
        ],
    });
}

/**
 * The ECR repository an image reference pulls from (`<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]`),
 * as the ARN IAM statements name; `undefined` for any other registry.
 */
export function ecrRepositoryArn(image: string): string | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image);
    return m ? `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}` : undefined;
}

/** The ECR registry host of an image (`<account>.dkr.ecr.<region>.amazonaws.com`), or `undefined`. */
export const ecrRegistry = (image: string): string | undefined => /^(\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?)\//.exec(image)?.[1];

/**
 * What pulling private ECR images takes: the registry login (which has no resource-level
 * permissions, so AWS requires "*") and the layer actions on exactly those repositories. A
 * repository of a pull-through cache (`cacheArns`, among `repositoryArns`) is also created and
 * filled by the first pull of an image it does not hold yet, on the puller's rights.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-pull.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
 */
export function ecrPullStatements(repositoryArns: string[], cacheArns: string[] = []): PolicyStatement[] {
    if (repositoryArns.length === 0) return [];
    return [
        { Sid: "EcrLogin", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "PullImages",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            Resource: [...new Set(repositoryArns)].sort(),
        },
        ...(cacheArns.length > 0
            ? [{ Sid: "FillPullThroughCache", Action: ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"], Resource: [...new Set(cacheArns)].sort() }]
            : []),
    ];
}
