import { PlannedResource } from "../plan/mocks";
import { PlanLike, workloadOf } from "./cost";

/**
 * Typical create durations (seconds) by type: the middle of the ranges AWS documents or that the
 * providers' default timeouts and common experience show. The sources differ by row; the figures
 * bound what `pulumi up` of a new stack waits for, they do not predict it to the second.
 */
export const CREATE_SECONDS: Readonly<Record<string, { seconds: number; source: string }>> = {
    "awsx:ec2:Vpc": { seconds: 150, source: "NAT gateways become available in about 2 minutes (VPC user guide); subnets and routes in seconds" },
    "aws:rds/instance:Instance": { seconds: 420, source: "RDS instance creation, typically 4-10 minutes (Multi-AZ at the upper end)" },
    "aws:rds/cluster:Cluster": { seconds: 120, source: "Aurora cluster (storage volume) before its instances, 1-3 minutes" },
    "aws:rds/clusterInstance:ClusterInstance": { seconds: 540, source: "Aurora DB instance, typically 6-12 minutes" },
    "aws:rds/globalCluster:GlobalCluster": { seconds: 60, source: "global cluster wrapper around an existing cluster" },
    "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": { seconds: 300, source: "first cross-region backup replication set-up" },
    "aws:elasticache/replicationGroup:ReplicationGroup": { seconds: 450, source: "ElastiCache replication group, typically 6-9 minutes" },
    "aws:cloudfront/distribution:Distribution": { seconds: 360, source: "CloudFront deployment to all edge locations, typically 4-8 minutes" },
    "aws:lb/loadBalancer:LoadBalancer": { seconds: 150, source: "load balancer provisioning, typically 2-3 minutes" },
    "aws:alb/loadBalancer:LoadBalancer": { seconds: 150, source: "load balancer provisioning, typically 2-3 minutes" },
    "aws:ecs/service:Service": { seconds: 30, source: "ECS service creation (the provider does not wait for steady state)" },
    "aws:ec2/instance:Instance": { seconds: 60, source: "EC2 instance reaches running in about a minute" },
    "aws:ebs/volume:Volume": { seconds: 15, source: "EBS volume becomes available in seconds" },
    "aws:ec2/volumeAttachment:VolumeAttachment": { seconds: 15, source: "attachment in seconds" },
    "aws:codedeploy/deploymentGroup:DeploymentGroup": { seconds: 5, source: "API call" },
    "aws:kms/key:Key": { seconds: 10, source: "API call, then propagation" },
    "aws:iam/role:Role": { seconds: 10, source: "IAM is eventually consistent: the provider waits for propagation" },
    "aws:iam/instanceProfile:InstanceProfile": { seconds: 10, source: "IAM propagation" },
    "aws:secretsmanager/secret:Secret": { seconds: 3, source: "API call" },
    "aws:s3/bucket:Bucket": { seconds: 5, source: "API call" },
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": {
        seconds: 60,
        source: "Cloud Map namespace creates a Route 53 private zone, about a minute",
    },
};
/** Anything not in the table: one API call. */
export const DEFAULT_CREATE_SECONDS = 3;

export interface DeployEstimate {
    /** The longest chain of resources each waiting on the one before: what bounds `pulumi up`. */
    criticalPathSeconds: number;
    /** Every create one after the other. */
    serialSeconds: number;
    criticalPath: string[];
    /** When each workload's last resource is created (seconds after the start). */
    byWorkload: Record<string, number>;
}

export const createSeconds = (r: PlannedResource) => (r.custom || r.type === "awsx:ec2:Vpc" ? (CREATE_SECONDS[r.type]?.seconds ?? DEFAULT_CREATE_SECONDS) : 0);

/** Longest path through the dependency graph, weighted by create durations (components weigh nothing). */
export function estimateDeploy(plan: PlanLike): DeployEstimate {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const finish = new Map<string, { at: number; via?: string }>();
    const visit = (urn: string, stack: Set<string>): number => {
        const known = finish.get(urn);
        if (known) return known.at;
        const r = byUrn.get(urn);
        if (!r || stack.has(urn)) return 0;
        stack.add(urn);
        let start = 0;
        let via: string | undefined;
        for (const dep of r.dependencies) {
            const at = visit(dep, stack);
            if (at > start) [start, via] = [at, dep];
        }
        stack.delete(urn);
        const at = start + createSeconds(r);
        finish.set(urn, { at, via });
        return at;
    };
    plan.resources.forEach((r) => visit(r.urn, new Set()));
    let end = plan.resources[0]?.urn;
    for (const r of plan.resources) if ((finish.get(r.urn)?.at ?? 0) > (finish.get(end ?? "")?.at ?? 0)) end = r.urn;
    const path: string[] = [];
    for (let at: string | undefined = end; at; at = finish.get(at)?.via) path.unshift(at);
    const byWorkload: Record<string, number> = {};
    for (const r of plan.resources) {
        const w = workloadOf(r, byUrn);
        byWorkload[w] = Math.max(byWorkload[w] ?? 0, finish.get(r.urn)?.at ?? 0);
    }
    return {
        byWorkload,
        criticalPathSeconds: end ? finish.get(end)!.at : 0,
        serialSeconds: plan.resources.reduce((t, r) => t + createSeconds(r), 0),
        criticalPath: path.filter((u) => createSeconds(byUrn.get(u)!) > 0 || u === end),
    };
}
