// Combinations AWS refuses although each value alone is valid: zones per region, classes per feature.
import { GLOBAL_DATABASE_CLASS } from "../../components/blocks/aurora";
import { zoneShortage } from "../../stacks/zones";
import { PlanIndex, Report, regionOf } from "./kit";

/**
 * A VPC spreads over at most the zones its region has (awsx stops with "does not have at least N
 * Availability Zones"); the zones per region come from stacks/zones.ts.
 */
export function checkZones(index: PlanIndex, region: string, report: Report): void {
    for (const vpc of index.of("awsx:ec2:Vpc")) {
        const own = regionOf(vpc, region);
        const shortage = zoneShortage(own, Number(vpc.inputs.numberOfAvailabilityZones ?? 3));
        if (shortage) report("aws-zones", vpc.urn, shortage);
    }
}

/**
 * Every instance of an Aurora global database's clusters is of a memory-optimized class (db.r*,
 * db.x*): AWS refuses others ("The requested instance class is not supported by global databases").
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.configuration.requirements.html
 */
export function checkGlobalDatabaseClasses(index: PlanIndex, report: Report): void {
    const clusters = index.of("aws:rds/cluster:Cluster").filter((c) => typeof c.inputs.globalClusterIdentifier === "string");
    for (const instance of index.of("aws:rds/clusterInstance:ClusterInstance")) {
        const cluster = clusters.find(
            (c) => c.inputs.clusterIdentifier === instance.inputs.clusterIdentifier || c.state.id === instance.inputs.clusterIdentifier,
        );
        const cls = String(instance.inputs.instanceClass);
        if (cluster && !GLOBAL_DATABASE_CLASS.test(cls))
            report(
                "aws-instance-class",
                instance.urn,
                `${cls} in ${cluster.name}, a member of a global database: global databases take memory-optimized classes only (db.r*, db.x*)`,
            );
    }
}
