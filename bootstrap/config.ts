import type * as pulumi from "@pulumi/pulumi";
import { ConfigValidationError } from "../stacks/schema";

/** The bootstrap stack's settings (namespace `platform-bootstrap`). */
export interface BootstrapConfig {
    /** `owner/name` of the GitHub repository. Required. */
    repository: string;
    /** The state bucket's name: globally unique, 3-63 lower-case letters, digits, dots and hyphens. Required. */
    stateBucket: string;
    /** The platform stacks this account runs. Default: every `Pulumi.<stack>.yaml` of the repository. */
    stacks: string[];
    /** An OIDC provider for GitHub the account already has (one per URL per account). Default: create one. */
    existingOidcProviderArn?: string;
}

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
// S3 bucket naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// A role name holds `platform-<stack>-preview` within IAM's 64 characters.
const STACK = /^[A-Za-z0-9_.-]{1,40}$/;
const OIDC_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** Reads and validates the settings; every problem at once, each naming its key and the fix. */
export function readBootstrapConfig(config: Pick<pulumi.Config, "get" | "getObject">, defaultStacks: () => string[]): BootstrapConfig {
    const problems: { path: string; message: string }[] = [];
    const key = (k: string) => `platform-bootstrap:${k}`;
    const repository = config.get("repository") ?? "";
    if (!REPOSITORY.test(repository))
        problems.push({
            path: key("repository"),
            message: `expected owner/name of the GitHub repository (got ${JSON.stringify(repository)}): pulumi config set repository acme/platform`,
        });
    const stateBucket = config.get("stateBucket") ?? "";
    if (!BUCKET.test(stateBucket) || stateBucket.includes(".."))
        problems.push({
            path: key("stateBucket"),
            message: `expected a globally unique S3 bucket name, 3-63 lower-case letters, digits, dots and hyphens (got ${JSON.stringify(stateBucket)}): pulumi config set stateBucket <org>-platform-pulumi-state-<account>`,
        });
    const stacks = config.getObject<unknown>("stacks") ?? defaultStacks();
    if (!Array.isArray(stacks) || stacks.length === 0 || !stacks.every((s) => typeof s === "string" && STACK.test(s)))
        problems.push({
            path: key("stacks"),
            message: `expected a list of platform stack names (got ${JSON.stringify(stacks)}), or leave it unset for every Pulumi.<stack>.yaml`,
        });
    const existingOidcProviderArn = config.get("existingOidcProviderArn");
    if (existingOidcProviderArn !== undefined && !OIDC_ARN.test(existingOidcProviderArn))
        problems.push({
            path: key("existingOidcProviderArn"),
            message: `expected the ARN of the account's token.actions.githubusercontent.com provider (got ${JSON.stringify(existingOidcProviderArn)})`,
        });
    if (problems.length) throw new ConfigValidationError(problems);
    return { repository, stateBucket, stacks: stacks as string[], ...(existingOidcProviderArn ? { existingOidcProviderArn } : {}) };
}
