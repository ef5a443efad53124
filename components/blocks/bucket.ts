import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as s3 from "@pulumi/aws/s3";
import { PolicyStatement, policyDocument, serviceTrustPolicy } from "../iam";

export interface BucketArgs {
    /** Physical name (globally unique). Default: Pulumi's auto-name. */
    bucketName?: pulumi.Input<string>;
    /** Region other than the provider's (e.g. a DR copy). Default: the provider's. */
    region?: string;
    /** Object versioning. Default `true`. */
    versioning?: boolean;
    /** Move objects to S3 Intelligent-Tiering at once. Default `false`. */
    intelligentTiering?: boolean;
    /** Delete noncurrent versions after this many days. Default: keep them. */
    noncurrentVersionExpirationDays?: number;
    /** Delete current objects after this many days (a retention rule). Default: keep them. */
    expirationDays?: number;
    /** S3 Object Lock with a default retention (objects cannot be deleted or overwritten before it ends). Default: off. */
    objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
    /** Pulumi `protect`/`retainOnDelete` and no `forceDestroy`. Default in config: the profile's `protectStatefulResources`. */
    protect: boolean;
}

/**
 * A private S3 bucket: all public access blocked, bucket-owner-enforced ownership (no ACLs),
 * SSE-S3 with bucket keys, versioning, optional lifecycle rules. `applyPolicy` adds the policy
 * that refuses non-TLS requests, with any grants a caller needs (e.g. CloudFront's read).
 */
export class Bucket extends pulumi.ComponentResource {
    readonly bucket: s3.Bucket;
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    readonly regionalDomainName: pulumi.Output<string>;
    private readonly baseName: string;
    private readonly region?: string;
    /** Whether Object Lock protects the objects (replication then carries their locks). */
    private readonly locked: boolean;
    private readonly versioned: pulumi.Resource | undefined;

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:storage:Bucket", name, {}, opts);
        this.baseName = name;
        this.region = args.region;
        this.locked = args.objectLock !== undefined;
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        this.bucket = new s3.Bucket(
            name,
            { region: args.region, bucket: args.bucketName, forceDestroy: !args.protect, objectLockEnabled: args.objectLock ? true : undefined },
            stateful,
        );
        const parent = { parent: this };

        new s3.BucketPublicAccessBlock(
            name,
            {
                region: args.region,
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        );
        new s3.BucketOwnershipControls(name, { region: args.region, bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                region: args.region,
                bucket: this.bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
            },
            parent,
        );
        this.versioned =
            args.versioning === false
                ? undefined
                : new s3.BucketVersioning(name, { region: args.region, bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);

        if (args.objectLock) {
            new s3.BucketObjectLockConfiguration(
                name,
                {
                    region: args.region,
                    bucket: this.bucket.id,
                    objectLockEnabled: "Enabled",
                    rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
                },
                { parent: this, dependsOn: this.versioned ? [this.versioned] : [] },
            );
        }
        const rules: s3.BucketLifecycleConfigurationArgs["rules"] = [];
        if (args.intelligentTiering) {
            rules.push({ id: "intelligent-tiering", status: "Enabled", filter: {}, transitions: [{ days: 0, storageClass: "INTELLIGENT_TIERING" }] });
        }
        if (args.noncurrentVersionExpirationDays !== undefined) {
            rules.push({
                id: "expire-noncurrent-versions",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
            });
        }
        if (args.expirationDays !== undefined) {
            rules.push({ id: "retention", status: "Enabled", filter: {}, expiration: { days: args.expirationDays } });
        }
        rules.push({ id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } });
        new s3.BucketLifecycleConfiguration(
            name,
            { region: args.region, bucket: this.bucket.id, rules },
            { parent: this, dependsOn: this.versioned ? [this.versioned] : [] },
        );

        this.name = this.bucket.bucket;
        this.arn = this.bucket.arn;
        this.regionalDomainName = this.bucket.bucketRegionalDomainName;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }

    /** Versioning, for resources that need it in place first (replication). */
    get versioning(): pulumi.Resource[] {
        return this.versioned ? [this.versioned] : [];
    }

    /** The bucket policy: refuse non-TLS requests, plus `grants`. Call exactly once. */
    applyPolicy(grants: PolicyStatement[] = []): s3.BucketPolicy {
        return new s3.BucketPolicy(
            this.baseName,
            {
                region: this.region,
                bucket: this.bucket.id,
                policy: policyDocument([
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [this.arn, pulumi.interpolate`${this.arn}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                    ...grants,
                ]),
            },
            { parent: this },
        );
    }

    /** Read and write objects (and list) in this bucket only. */
    readWriteStatement(sid: string): PolicyStatement {
        return {
            Sid: sid,
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
            Resource: [this.arn, pulumi.interpolate`${this.arn}/*`],
        };
    }

    /** Read (and list) objects in this bucket only. */
    readStatement(sid: string): PolicyStatement {
        return { Sid: sid, Action: ["s3:GetObject", "s3:ListBucket"], Resource: [this.arn, pulumi.interpolate`${this.arn}/*`] };
    }

    /**
     * Replicates every object, version and delete marker into `destination` (another region),
     * with Replication Time Control: 99.99% of objects within 15 minutes.
     */
    replicateTo(destination: Bucket, accountId: pulumi.Input<string>): s3.BucketReplicationConfig {
        const name = `${this.baseName}-replication`;
        const role = new iam.Role(name, { assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com", accountId) }, { parent: this });
        new iam.RolePolicy(
            name,
            {
                role: role.id,
                policy: policyDocument([
                    { Sid: "ReadSourceConfiguration", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: this.arn },
                    {
                        Sid: "ReadSourceVersions",
                        Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                        Resource: pulumi.interpolate`${this.arn}/*`,
                    },
                    // Object Lock retention and legal holds travel with the replicas.
                    ...(this.locked
                        ? [{ Sid: "ReadSourceLocks", Action: ["s3:GetObjectRetention", "s3:GetObjectLegalHold"], Resource: pulumi.interpolate`${this.arn}/*` }]
                        : []),
                    {
                        Sid: "WriteReplicas",
                        Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                        Resource: pulumi.interpolate`${destination.arn}/*`,
                    },
                ]),
            },
            { parent: this },
        );
        return new s3.BucketReplicationConfig(
            name,
            {
                region: this.region,
                bucket: this.bucket.id,
                role: role.arn,
                rules: [
                    {
                        id: "everything",
                        status: "Enabled",
                        filter: {},
                        deleteMarkerReplication: { status: "Enabled" },
                        destination: {
                            bucket: destination.arn,
                            storageClass: "STANDARD",
                            replicationTime: { status: "Enabled", time: { minutes: 15 } },
                            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                        },
                    },
                ],
            },
            // Both buckets must be versioned before S3 accepts the configuration.
            { parent: this, dependsOn: [...this.versioning, ...destination.versioning] },
        );
    }
}
