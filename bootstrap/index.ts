import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { findProjectDir, shippedStacks } from "../plan/stack-files";
import { Pipeline } from "./pipeline";
import { BootstrapConfig, readBootstrapConfig } from "./config";

/**
 * The bootstrap project (`cd bootstrap && pulumi up`, once per AWS account, by an administrator):
 * what the platform's pipeline needs before its first run. Its outputs are what docs/ci.md puts
 * into the GitHub environments.
 */
export = () => {
    // The platform project is the folder above this one (from source or compiled into bin/).
    const platformDir = findProjectDir(path.join(__dirname, ".."));
    const config: BootstrapConfig = readBootstrapConfig(new pulumi.Config(), () => shippedStacks(platformDir));
    const region = new pulumi.Config("aws").require("region");
    const pipeline = new Pipeline("platform", { ...config, region, accountId: getCallerIdentityOutput({}).accountId });
    return {
        /** `pulumi login` this: the platform's state backend. */
        backendUrl: pulumi.interpolate`s3://${pipeline.stateBucket.name}`,
        /** `--secrets-provider` of every platform stack (`PULUMI_SECRETS_PROVIDER` in each environment). */
        secretsProvider: pulumi.interpolate`awskms://${pipeline.secretsKeyAlias.name}?region=${region}`,
        oidcProviderArn: pipeline.oidcProviderArn,
        /** Per platform stack: `AWS_PREVIEW_ROLE_ARN` of `<stack>-preview` and `<stack>-drift`, `AWS_DEPLOY_ROLE_ARN` of `<stack>`. */
        roles: Object.fromEntries(Object.entries(pipeline.roles).map(([stack, r]) => [stack, { preview: r.preview.arn, deploy: r.deploy.arn }])),
    };
};
