import * as pulumi from "@pulumi/pulumi";
import { SettingsSchema, TOPOLOGIES, TopologyName, TopologySchemas } from "../../stacks/schema";
import { WorkloadContext } from "../context";
import { auroraWeb } from "./aurora-web";
import { composeHost } from "./compose-host";
import { ecsAuditWorker } from "./ecs-audit-worker";
import { eventDriven } from "./event-driven";
import { fargateRds } from "./fargate-rds";

/** Stack outputs of one workload (URLs, endpoints, ARNs), exported under `workloads.<name>`. */
export type WorkloadOutputs = Record<string, pulumi.Input<unknown>>;

/** A topology: how its settings are validated and what it deploys for one workload. */
export interface TopologyDefinition<Settings = unknown> {
    /** Validates the workload's settings (every key but `topology`) and fills profile defaults. */
    readonly settings: SettingsSchema;
    /** Creates the workload's component; `settings` is what `settings` produced. */
    deploy(name: string, settings: Settings, ctx: WorkloadContext): WorkloadOutputs;
    /**
     * Checks that need the cloud or a secret's plaintext (e.g. the license against the target
     * account); they run before any resource is registered. Throw to stop the deployment.
     */
    preflight?(name: string, settings: Settings, ctx: PreflightContext): Promise<void>;
}

export interface PreflightContext {
    /** The account being deployed to (sts:GetCallerIdentity). */
    readonly accountId: string;
    readonly now: Date;
}

/**
 * Every topology the program knows. `undefined` marks one that has not landed yet: a stack
 * naming it fails validation with "not yet available" before anything is created.
 */
export const TOPOLOGY_REGISTRY: Readonly<Record<TopologyName, TopologyDefinition<any> | undefined>> = {
    "fargate-rds": fargateRds,
    "ecs-audit-worker": ecsAuditWorker,
    "aurora-web": auroraWeb,
    "compose-host": composeHost,
    "event-driven": eventDriven,
};

/** The registry's settings schemas, as stack validation needs them. */
export const TOPOLOGY_SCHEMAS: TopologySchemas = Object.fromEntries(
    TOPOLOGIES.map((name) => [name, TOPOLOGY_REGISTRY[name]?.settings]),
) as Record<TopologyName, SettingsSchema | undefined>;
