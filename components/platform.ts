import * as pulumi from "@pulumi/pulumi";
import * as ecr from "@pulumi/aws/ecr";
import { getCallerIdentity, getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { PlatformConfig } from "../stacks/schema";
import { WorkloadContext } from "./context";
import { Network } from "./network";
import { TopologyDefinition, WorkloadOutputs } from "./topology";
import { TOPOLOGY_REGISTRY } from "./topologies/registry";

type Registry = Readonly<Record<string, TopologyDefinition>>;

export interface Platform {
    readonly network: Network;
    /** Each workload's outputs, by workload name. */
    readonly workloads: Record<string, WorkloadOutputs>;
}

/**
 * The whole program as a function of its validated config: one network for the stack, then
 * each workload through the topology its config names. Pure in its inputs, so tests can
 * build staging and production side by side.
 */
export interface PlatformOptions {
    /** The topologies workloads may name. Default: the registry (components/topologies/registry.ts). */
    registry?: Registry;
    /**
     * Options given to the network and to every workload's component, and so to all their children:
     * `transformations` to change any resource from outside, `providers`, `aliases`, `protect`.
     * Default: none.
     */
    opts?: pulumi.ComponentResourceOptions;
}

export function createPlatform(config: PlatformConfig, options: PlatformOptions = {}): Platform {
    const steps = platformSteps(config, options);
    for (;;) {
        const step = steps.next();
        if (step.done) return step.value;
    }
}

/**
 * `createPlatform` for the program (index.ts). In a real deployment it does exactly the same; under
 * the offline plan, which installs an observer, it lets the network's and each workload's
 * registrations settle before the next: a stack's memory is then that of its largest workload,
 * not of all of them in flight at once, and it learns the config the program validated.
 */
export async function deployPlatform(config: PlatformConfig, options: PlatformOptions = {}): Promise<Platform> {
    observer?.deploying(config);
    const steps = platformSteps(config, options);
    for (;;) {
        const step = steps.next();
        if (step.done) return step.value;
        if (observer) await observer.pace();
    }
}

/** What the offline plan watches while it runs the program: the validated config, and the pacing. */
export interface PlatformObserver {
    /** Called once with the config the program validated, before anything is created. */
    deploying(config: PlatformConfig): void;
    /** Awaited after the network and after each workload. */
    pace(): Promise<void>;
}

let observer: PlatformObserver | undefined;

/** Installed by the offline plan (plan/plan.ts) while it runs the program; `undefined` removes it. */
export function observePlatform(watch: PlatformObserver | undefined): void {
    observer = watch;
}

/** The network, then each workload; yields after each. */
function* platformSteps(config: PlatformConfig, { registry = TOPOLOGY_REGISTRY, opts }: PlatformOptions): Generator<void, Platform> {
    const accountId = getCallerIdentityOutput({}).accountId;
    const network = new Network(
        "network",
        {
            region: config.region,
            accountId,
            cidr: config.network.cidr,
            azCount: config.network.azCount,
            natStrategy: config.network.natStrategy,
            endpoints: config.network.endpoints,
            flowLogRetentionDays: config.network.flowLogRetentionDays,
            protectLogs: config.profile.protectStatefulResources,
        },
        opts,
    );
    // The registry's single replication configuration: every private image, copied to each region.
    if (config.imageReplication) {
        new ecr.ReplicationConfiguration(
            "image-replication",
            { replicationConfiguration: { rules: [{ destinations: config.imageReplication.regions.map((region) => ({ region, registryId: accountId })) }] } },
            opts,
        );
    }
    yield;
    const ctx: WorkloadContext = { platform: config, network, accountId };
    const workloads: Record<string, WorkloadOutputs> = {};
    for (const [name, workload] of Object.entries(config.workloads)) {
        const topology = registry[workload.topology];
        // Validation rejects unknown topologies; reaching this is a programming error.
        if (!topology) throw new Error(`topology ${workload.topology} of workload ${name} is not registered`);
        workloads[name] = topology.deploy(name, workload.settings, ctx, opts);
        yield;
    }
    return { network, workloads };
}

export class PreflightError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Preflight checks failed; nothing was created:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PreflightError";
    }
}

/**
 * Runs every workload's preflight checks (those needing the target account or a secret's
 * plaintext) before any resource exists; throws a `PreflightError` listing every failure.
 */
export async function runPreflightChecks(config: PlatformConfig, registry: Registry = TOPOLOGY_REGISTRY, now = new Date()): Promise<void> {
    const checks = Object.entries(config.workloads).filter(([, w]) => registry[w.topology]?.preflight);
    if (checks.length === 0) return;
    const { accountId } = await getCallerIdentity({});
    const results = await Promise.allSettled(checks.map(([name, w]) => registry[w.topology]!.preflight!(name, w.settings, { accountId, now })));
    const problems = results.flatMap((r) => (r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
    if (problems.length > 0) throw new PreflightError(problems);
}
