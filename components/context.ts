import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../stacks/schema";
import { Network } from "./network";

/** What every topology receives besides its own settings. */
export interface WorkloadContext {
    /** The whole validated stack config (environment, region, profile). */
    readonly platform: PlatformConfig;
    /** The stack's shared network. */
    readonly network: Network;
    /** The AWS account being deployed to. */
    readonly accountId: pulumi.Output<string>;
}
