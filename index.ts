import { deployPlatform, runPreflightChecks } from "./components/platform";
import { TOPOLOGY_SCHEMAS } from "./components/topologies/registry";
import { loadStackConfig } from "./stacks/load";

// Validation, then the preflight checks (license vs. account), run before any resource exists;
// either failing lists every problem and creates nothing.
export = async () => {
    const config = loadStackConfig(TOPOLOGY_SCHEMAS);
    await runPreflightChecks(config);
    const platform = await deployPlatform(config);
    return {
        /** The stack's VPC. */
        vpcId: platform.network.vpcId,
        /** Subnets for load balancers and NAT gateways. */
        publicSubnetIds: platform.network.publicSubnetIds,
        /** Subnets for tasks and hosts. */
        privateSubnetIds: platform.network.privateSubnetIds,
        /** Isolated subnets for databases and caches. */
        dataSubnetIds: platform.network.dataSubnetIds,
        /** CloudWatch log group receiving the VPC flow logs. */
        flowLogGroupName: platform.network.flowLogGroupName,
        /** Per workload: its URLs, endpoints and ARNs (see the README's outputs section). */
        workloads: platform.workloads,
    };
};
