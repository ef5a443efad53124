import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { Bucket } from "../components/blocks/bucket";
import { PolicyStatement, policyDocument } from "../components/iam";
import { readActions, writeActions } from "./permissions";

/** GitHub Actions' OIDC issuer (docs.github.com: "Configuring OpenID Connect in Amazon Web Services"). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The path of every role this project creates: the deploy roles may not touch what is under it. */
export const PIPELINE_PATH = "/platform-pipeline/";

export interface PipelineArgs {
    /** The AWS account the stacks deploy to (the caller's). */
    accountId: pulumi.Input<string>;
    /** The region of the state bucket and the secrets key. */
    region: string;
    /** `owner/name` of the GitHub repository whose environments the roles trust. */
    repository: string;
    /** The state bucket's name (globally unique). */
    stateBucket: string;
    /** The platform stacks deployed from this account: one preview role and one deploy role each. */
    stacks: string[];
    /** Whether an existing GitHub OIDC provider of the account is used instead of creating one (an account has one per URL). Default: create it. */
    existingOidcProviderArn?: string;
}

/** The roles of one platform stack. */
export interface StackRoles {
    /** Assumed from the `<stack>-preview` and `<stack>-drift` environments: reads only. */
    preview: iam.Role;
    /** Assumed from the `<stack>` environment: deploys. */
    deploy: iam.Role;
}

/**
 * What the pipeline stands on, per AWS account: the Pulumi state bucket (versioned, encrypted,
 * public access blocked, TLS only, protected), the KMS key of the `awskms://` secrets provider,
 * GitHub's OIDC provider, and per platform stack a read-only preview role and a deploy role, each
 * trusting exactly one environment of the repository through the token's `sub`.
 */
export class Pipeline extends pulumi.ComponentResource {
    readonly stateBucket: Bucket;
    readonly secretsKey: kms.Key;
    readonly secretsKeyAlias: kms.Alias;
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly roles: Record<string, StackRoles> = {};

    constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:bootstrap:Pipeline", name, {}, opts);
        const parent = { parent: this };
        const stateful = { parent: this, protect: true, retainOnDelete: true };
        const root = pulumi.interpolate`arn:aws:iam::${args.accountId}:root`;

        this.stateBucket = new Bucket(`${name}-state`, { bucketName: args.stateBucket, protect: true }, parent);
        this.stateBucket.applyPolicy();

        this.secretsKey = new kms.Key(
            `${name}-secrets`,
            {
                description: "Pulumi secrets provider of the platform's stacks (awskms://)",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                // In a key policy "*" means this key; the account's IAM policies decide who uses it.
                policy: policyDocument([{ Sid: "AccountAdministers", Principal: { AWS: root }, Action: "kms:*", Resource: "*" }]),
            },
            stateful,
        );
        this.secretsKeyAlias = new kms.Alias(`${name}-secrets`, { name: `alias/${name}-secrets`, targetKeyId: this.secretsKey.keyId }, parent);

        this.oidcProviderArn = args.existingOidcProviderArn
            ? pulumi.output(args.existingOidcProviderArn)
            : new iam.OpenIdConnectProvider(`${name}-github`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ["sts.amazonaws.com"] }, stateful).arn;

        const bucketArn = this.stateBucket.arn;
        const state: PolicyStatement[] = [
            { Sid: "StateList", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
            { Sid: "SecretsKey", Action: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"], Resource: this.secretsKey.arn },
        ];
        // What no pipeline role may do, whatever its Allow statements say: change the state bucket's
        // guards, destroy the secrets key, or edit the pipeline's own roles and OIDC provider.
        const guards: PolicyStatement = {
            Sid: "PipelineGuards",
            Effect: "Deny",
            Action: [
                "s3:DeleteBucket",
                "s3:PutBucketPolicy",
                "s3:DeleteBucketPolicy",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutBucketPublicAccessBlock",
                "kms:ScheduleKeyDeletion",
                "kms:DisableKey",
                "kms:PutKeyPolicy",
                "iam:*",
            ],
            Resource: [bucketArn, this.secretsKey.arn, pulumi.interpolate`arn:aws:iam::${args.accountId}:role${PIPELINE_PATH}*`, this.oidcProviderArn],
        };

        for (const stack of args.stacks) {
            const trust = (environments: string[]) =>
                pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Federated: this.oidcProviderArn },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            Condition: {
                                StringEquals: {
                                    [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
                                    [`${GITHUB_OIDC_HOST}:sub`]: environments.map((e) => `repo:${args.repository}:environment:${e}`),
                                },
                            },
                        },
                    ],
                });
            const role = (suffix: string, environments: string[], statements: PolicyStatement[]) => {
                const r = new iam.Role(
                    `${name}-${stack}-${suffix}`,
                    {
                        name: `${name}-${stack}-${suffix}`,
                        path: PIPELINE_PATH,
                        description: `${stack}: ${suffix} from GitHub environment(s) ${environments.join(", ")} of ${args.repository}`,
                        assumeRolePolicy: trust(environments),
                        maxSessionDuration: 7200,
                    },
                    parent,
                );
                new iam.RolePolicy(`${name}-${stack}-${suffix}`, { role: r.id, policy: policyDocument([...statements, guards]) }, parent);
                return r;
            };
            const stateObjects = pulumi.interpolate`${bucketArn}/.pulumi/*`;
            this.roles[stack] = {
                preview: role(
                    "preview",
                    [`${stack}-preview`, `${stack}-drift`],
                    [
                        ...state,
                        // Reads the state; writes only the lock a preview takes.
                        { Sid: "StateRead", Action: ["s3:GetObject"], Resource: stateObjects },
                        { Sid: "StateLock", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: pulumi.interpolate`${bucketArn}/.pulumi/locks/*` },
                        { Sid: "Read", Action: readActions(), Resource: "*" },
                    ],
                ),
                deploy: role(
                    "deploy",
                    [stack],
                    [
                        ...state,
                        { Sid: "StateReadWrite", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: stateObjects },
                        { Sid: "Read", Action: readActions(), Resource: "*" },
                        { Sid: "Deploy", Action: writeActions(), Resource: "*" },
                    ],
                ),
            };
        }
        this.registerOutputs({});
    }
}
