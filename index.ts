import { createPlatform } from "./components/platform";
import { TOPOLOGY_SCHEMAS } from "./components/topologies/registry";
import { loadStackConfig } from "./stacks/load";

// Validation runs before any resource is created; a bad stack fails here with every problem listed.
const platform = createPlatform(loadStackConfig(TOPOLOGY_SCHEMAS));

/** The stack's VPC. */
export const vpcId = platform.network.vpcId;
/** Subnets for load balancers and NAT gateways. */
export const publicSubnetIds = platform.network.publicSubnetIds;
/** Subnets for tasks and hosts. */
export const privateSubnetIds = platform.network.privateSubnetIds;
/** Isolated subnets for databases and caches. */
export const dataSubnetIds = platform.network.dataSubnetIds;
/** CloudWatch log group receiving the VPC flow logs. */
export const flowLogGroupName = platform.network.flowLogGroupName;
/** Per workload: its URLs, endpoints and ARNs (see the README's outputs section). */
export const workloads = platform.workloads;
