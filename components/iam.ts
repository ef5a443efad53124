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

/** An image in a private ECR registry, as its reference names it. */
export interface EcrImage {
    /** The registry host the reference names. */
    registry: string;
    account: string;
    region: string;
    repository: string;
    /** `aws`, `aws-cn` or `aws-us-gov`: what the repository's ARN starts with. */
    partition: string;
    /** Through ECR's dual-stack host (`dkr-ecr...on.aws`), which serves no PrivateLink traffic. */
    dualStack: boolean;
}

// The hosts ECR serves images on: `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in
// China), its FIPS form `dkr.ecr-fips`, and the dual-stack `<account>.dkr-ecr.<region>.on.aws`
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html).
const ECR_IMAGE = /^((\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|dkr-ecr\.([a-z0-9-]+)\.on\.aws))\/([^:@]+)/;

/** The private ECR registry, account, region and repository of an image reference; `undefined` for any other registry. */
export function ecrImage(image: string): EcrImage | undefined {
    const m = ECR_IMAGE.exec(image);
    if (!m) return undefined;
    const region = m[3] ?? m[4];
    const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    return { registry: m[1], account: m[2], region, repository: m[5], partition, dualStack: m[4] !== undefined };
}

/** The ECR repository an image reference pulls from, as the ARN IAM statements name; `undefined` for any other registry. */
export function ecrRepositoryArn(image: string): string | undefined {
    const e = ecrImage(image);
    return e ? `arn:${e.partition}:ecr:${e.region}:${e.account}:repository/${e.repository}` : undefined;
}

/** The ECR registry host of an image (`<account>.dkr.ecr.<region>.amazonaws.com`), or `undefined`. */
export const ecrRegistry = (image: string): string | undefined => ecrImage(image)?.registry;

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

/**
 * Reading secrets a customer managed KMS key encrypts: `kms:Decrypt` on those keys, through Secrets
 * Manager only (`kms:ViaService`), besides `secretsmanager:GetSecretValue`. Secrets under Secrets
 * Manager's AWS managed key (`aws/secretsmanager`) need none. The key's own policy must allow the
 * role too (it does when it delegates to the account's IAM, as a key's default policy does).
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 */
export function decryptSecretsStatements(keyArns: pulumi.Input<string>[], region: string): PolicyStatement[] {
    if (keyArns.length === 0) return [];
    return [
        {
            Sid: "DecryptSecrets",
            Action: "kms:Decrypt",
            Resource: keyArns,
            Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
        },
    ];
}

/**
 * A multi-Region KMS key's replica in `region`: the same key ID (`mrk-...`) under that region's ARN
 * (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html#mrk-sync-properties);
 * `undefined` for a single-Region key, which has no counterpart in another region.
 */
export function multiRegionKeyReplica(keyArn: string, region: string): string | undefined {
    const m = /^(arn:aws[\w-]*:kms:)[a-z0-9-]+(:\d{12}:key\/mrk-[A-Za-z0-9]+)$/.exec(keyArn);
    return m ? `${m[1]}${region}${m[2]}` : undefined;
}
