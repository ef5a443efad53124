import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { SettingsSchema } from "../stacks/schema";
import { WorkloadContext } from "./context";

/** Stack outputs of one workload (URLs, endpoints, ARNs), exported under `workloads.<name>`. */
export type WorkloadOutputs = Record<string, pulumi.Input<unknown>>;

export interface PreflightContext {
    /** The account being deployed to (sts:GetCallerIdentity). */
    readonly accountId: string;
    readonly now: Date;
}

/** A topology: how its settings are validated and what it deploys for one workload. */
export interface TopologyDefinition<Settings = unknown> {
    /** Validates the workload's settings (every key but `topology`) and fills profile defaults. */
    readonly settings: SettingsSchema;
    /**
     * Creates the workload's component from what `settings` produced. `opts` are passed to the
     * component as they are: transformations, providers, aliases, protect.
     */
    deploy(name: string, settings: Settings, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions): WorkloadOutputs;
    /**
     * Checks that need the cloud or a secret's plaintext (e.g. the license against the target
     * account); they run before any resource is registered. Throw to stop the deployment.
     */
    preflight?(name: string, settings: Settings, ctx: PreflightContext): Promise<void>;
}

/** The settings a topology's schema produces: what `deploy` receives. */
export type SettingsOf<Schema extends SettingsSchema> = z.output<ReturnType<Schema>>;

/** A topology whose `deploy` and `preflight` receive exactly its schema's output type. */
export function defineTopology<Schema extends SettingsSchema>(definition: {
    settings: Schema;
    deploy(name: string, settings: SettingsOf<Schema>, ctx: WorkloadContext, opts?: pulumi.ComponentResourceOptions): WorkloadOutputs;
    preflight?(name: string, settings: SettingsOf<Schema>, ctx: PreflightContext): Promise<void>;
}): TopologyDefinition<SettingsOf<Schema>> {
    return definition;
}

const warned = new Set<string>();

/**
 * `pulumi.log.warn`, once per process for a given message: one program run plans one stack, but
 * a test run plans the same stacks many times over and would repeat every warning.
 */
export function warnOnce(message: string): void {
    if (warned.has(message)) return;
    warned.add(message);
    pulumi.log.warn(message);
}
