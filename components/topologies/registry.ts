import { TopologySchemas } from "../../stacks/schema";
import { TopologyDefinition } from "../topology";
import { auroraWeb } from "./aurora-web";
import { composeHost } from "./compose-host";
import { ecsAuditWorker } from "./ecs-audit-worker";
import { eventDriven } from "./event-driven";
import { fargateRds } from "./fargate-rds";

/**
 * Every topology the program knows, by the name a workload's `topology` key gives. A sixth is one
 * file under topologies/ and one line here.
 */
export const TOPOLOGY_REGISTRY: Readonly<Record<string, TopologyDefinition>> = {
    "fargate-rds": fargateRds,
    "ecs-audit-worker": ecsAuditWorker,
    "aurora-web": auroraWeb,
    "compose-host": composeHost,
    "event-driven": eventDriven,
};

/** The registry's settings schemas, as stack validation needs them. */
export const TOPOLOGY_SCHEMAS: TopologySchemas = Object.fromEntries(Object.entries(TOPOLOGY_REGISTRY).map(([name, t]) => [name, t.settings]));
