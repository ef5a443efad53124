import * as pulumi from "@pulumi/pulumi";
import { EnvironmentProfile } from "../stacks/profiles";
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

/**
 * Options for stateful resources (databases, buckets, queues with data, volumes): protected
 * from `pulumi destroy` and kept in AWS if removed from the program, when the profile says so.
 */
export function statefulOptions(profile: EnvironmentProfile, parent: pulumi.Resource): pulumi.CustomResourceOptions {
    return { parent, protect: profile.protectStatefulResources, retainOnDelete: profile.protectStatefulResources };
}
