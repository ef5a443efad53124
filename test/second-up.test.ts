import { expect } from "chai";
import { readStackFiles } from "../plan/stack-files";
import { forcesReplacement } from "../plan/replacement";
import { planOnce } from "./helpers";

/**
 * "Second up" traps the provider documents, on the shipped production stack: what a real `pulumi up`
 * after the first would otherwise do to a running stack.
 */
describe("second up: the shipped production stack", () => {
    const production = () => planOnce(readStackFiles("production"));

    it("braidmgr's disaster-recovery Aurora cluster (a global-database secondary) leaves replicationSourceIdentifier and engineVersion to AWS", async () => {
        const plan = await production();
        const secondaries = plan.resources.filter((r) => r.type === "aws:rds/cluster:Cluster" && r.inputs.globalClusterIdentifier !== undefined);
        // The shipped stack runs braidmgr with DR on: the test is about that cluster, not an empty list.
        expect(secondaries.map((r) => r.name)).to.include("braidmgr-db-dr");
        for (const cluster of secondaries) {
            // Removing the attribute AWS reports after creation would promote the replica to a standalone cluster.
            expect(cluster.options.ignoreChanges, cluster.name).to.include.members(["replicationSourceIdentifier", "engineVersion"]);
        }
        // The global database carries the version (the provider upgrades its members from there); its
        // primary leaves the version and its membership to it.
        const globals = plan.resources.filter((r) => r.type === "aws:rds/globalCluster:GlobalCluster");
        expect(globals).to.have.length(secondaries.length);
        for (const global of globals) {
            const primary = plan.resources.find(
                (r) => r.type === "aws:rds/cluster:Cluster" && r.parent === global.parent && global.dependencies.includes(r.urn),
            )!;
            expect(global.inputs.engineVersion, global.name).to.be.a("string").and.equal(primary.inputs.engineVersion);
            expect(primary.options.ignoreChanges, primary.name).to.include.members(["globalClusterIdentifier", "engineVersion"]);
        }
    });

    it("every RDS instance and cluster it manages the engine of may move to the configured major version", async () => {
        const plan = await production();
        const managed = plan.resources.filter(
            (r) => (r.type === "aws:rds/instance:Instance" || r.type === "aws:rds/cluster:Cluster") && r.inputs.globalClusterIdentifier === undefined,
        );
        expect(managed.length).to.be.greaterThan(3);
        for (const db of managed) expect(db.inputs.allowMajorVersionUpgrade, `${db.type} ${db.name}`).to.equal(true);
        // Adding the flag to a running database replaces nothing (the provider's replacement rules).
        expect(forcesReplacement("aws:rds/instance:Instance", "allowMajorVersionUpgrade")).to.equal(false);
        expect(forcesReplacement("aws:rds/cluster:Cluster", "allowMajorVersionUpgrade")).to.equal(false);
    });

    it("a major upgrade's old parameter group is kept, since the database uses it until its maintenance window", async () => {
        const plan = await production();
        const groups = plan.resources.filter(
            (r) => r.type === "aws:rds/parameterGroup:ParameterGroup" || r.type === "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        );
        expect(groups.length).to.be.greaterThan(3);
        // A new family replaces the group (the provider's rule), and production applies changes in the window.
        expect(forcesReplacement("aws:rds/parameterGroup:ParameterGroup", "family")).to.equal(true);
        const users = plan.resources.filter((r) => r.type === "aws:rds/instance:Instance" || r.type === "aws:rds/cluster:Cluster");
        expect(users.every((r) => r.inputs.applyImmediately !== true)).to.equal(true); // unset is RDS's default: the window
        for (const group of groups) expect(group.options.retainOnDelete, `${group.type} ${group.name}`).to.equal(true);
    });

    it("every ECS service an autoscaling target scales leaves desiredCount to the autoscaler", async () => {
        const plan = await production();
        // A target's resourceId names its service: the target depends on the service's outputs.
        const targets = plan.resources.filter((r) => r.type === "aws:appautoscaling/target:Target" && r.inputs.serviceNamespace === "ecs");
        const services = plan.resources.filter((r) => r.type === "aws:ecs/service:Service" && targets.some((t) => t.dependencies.includes(r.urn)));
        expect(services).to.not.be.empty;
        for (const service of services) expect(service.options.ignoreChanges, service.name).to.include("desiredCount");
    });
});
