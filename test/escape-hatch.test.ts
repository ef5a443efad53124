import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { LoadBalancer } from "../components/blocks/load-balancer";
import { createPlatform } from "../components/platform";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { parseStackConfig } from "../stacks/schema";
import { installMocks } from "../plan/mocks";
import { rawStack } from "./helpers";

/** Changing one child resource of a topology from outside, without editing a shared block. */
describe("escape hatches", () => {
    it("createPlatform passes options to every workload: a transformation changes one child resource", async () => {
        const config = parseStackConfig(
            rawStack(
                { environment: "staging", workloads: { ledger: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } } } },
                { secretKeys: ["platform:workloads"] },
            ),
            TOPOLOGY_SCHEMAS,
        );
        const recorder = installMocks({ project: "platform", stack: "test", region: "us-east-1" });
        const seen: string[] = [];
        const bumpLedgerService: pulumi.ResourceTransformation = (args) => {
            seen.push(args.name);
            if (args.type === "aws:ecs/service:Service" && args.name === "ledger") return { props: { ...args.props, desiredCount: 7 }, opts: args.opts };
            return undefined;
        };
        createPlatform(config, { opts: { transformations: [bumpLedgerService] } });
        await recorder.settle();
        expect(recorder.get("aws:ecs/service:Service", "ledger").inputs.desiredCount).to.equal(7);
        // Everything else is as the topology made it, and the transformation saw the whole tree.
        expect(recorder.get("aws:ecs/taskDefinition:TaskDefinition", "ledger").inputs.cpu).to.equal("256");
        expect(seen).to.include.members(["network-flow-logs", "ledger-db", "ledger-api"]);
    });

    it("a block's own transform changes one child, and the block exposes its resources", async () => {
        const recorder = installMocks({ project: "platform", stack: "test", region: "us-east-1" });
        const balancer = new LoadBalancer("edge", {
            region: "us-east-1",
            vpcId: "vpc-1",
            subnetIds: ["subnet-1", "subnet-2"],
            internal: true,
            clients: [],
            deletionProtection: false,
            protectLogs: false,
            accountId: getCallerIdentityOutput({}).accountId,
            accessLogRetentionDays: 7,
            target: { port: 8080, healthCheckPath: "/health", deregistrationDelaySeconds: 5 },
            transform: {
                loadBalancer: (args) => ({ ...args, idleTimeout: 300 }),
                targetGroup: (args) => {
                    args.slowStart = 30;
                },
            },
        });
        await recorder.settle();
        expect(recorder.get("aws:lb/loadBalancer:LoadBalancer", "edge").inputs.idleTimeout).to.equal(300);
        expect(recorder.get("aws:lb/targetGroup:TargetGroup", "edge").inputs.slowStart).to.equal(30);
        expect(balancer.balancer).to.be.instanceOf(pulumi.CustomResource);
        expect(balancer.listener).to.be.instanceOf(pulumi.CustomResource);
    });
});

describe("names that do not move", () => {
    it("names list items by value: removing the first scraper or client range renames nothing else", async () => {
        const urns = async (scrapers: string[], cidrs: string[]) => {
            const config = parseStackConfig(
                rawStack(
                    {
                        environment: "staging",
                        workloads: {
                            ledger: {
                                topology: "fargate-rds",
                                image: "example/ledger:1",
                                license: { token: "x" },
                                prometheusCidrs: scrapers,
                                clients: { cidrs },
                            },
                        },
                    },
                    { secretKeys: ["platform:workloads"] },
                ),
                TOPOLOGY_SCHEMAS,
            );
            const recorder = installMocks({ project: "platform", stack: "test", region: "us-east-1" });
            createPlatform(config);
            await recorder.settle();
            return recorder.resources.map((r) => r.urn);
        };
        const both = await urns(["10.60.0.1/32", "10.60.0.2/32"], ["10.1.0.0/16", "10.2.0.0/16"]);
        const second = await urns(["10.60.0.2/32"], ["10.2.0.0/16"]);
        expect(both.filter((u) => !second.includes(u)).map((u) => u.split("::").pop())).to.have.members([
            "ledger-tasks-in-prometheus-10-60-0-1-32",
            "ledger-api-in-client-10-1-0-0-16",
        ]);
        expect(second.every((u) => both.includes(u))).to.equal(true);
    });
});
