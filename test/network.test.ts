import { expect } from "chai";
import { subnetMasks } from "../components/network";
import { buildStack, policyOf, rawStack } from "./helpers";

describe("network", () => {
    for (const [environment, azs, nat] of [
        ["staging", 2, "Single"],
        ["production", 3, "OnePerAz"],
    ] as const) {
        describe(`in ${environment}`, () => {
            it(`spans ${azs} AZs with NAT strategy ${nat}, public, private and data subnets`, async () => {
                const { recorder, outputs } = await buildStack(rawStack({ environment, network: { cidr: "10.20.0.0/16" } }));
                const vpc = recorder.byType("awsx:ec2:Vpc");
                expect(vpc).to.have.length(1, "one VPC per stack");
                const inputs = vpc[0].inputs as Record<string, any>;
                expect(inputs.numberOfAvailabilityZones).to.equal(azs);
                expect(inputs.natGateways).to.deep.equal({ strategy: nat });
                expect(inputs.cidrBlock).to.equal("10.20.0.0/16");
                expect(inputs.subnetSpecs.map((s: { type: string }) => s.type)).to.deep.equal(["Private", "Public", "Isolated"]);
                expect(inputs.vpcEndpointSpecs).to.deep.equal([{ serviceName: "com.amazonaws.us-east-1.s3" }]);
                expect(inputs.vpcEndpointStrategy).to.equal("Auto");
                expect(outputs.network).to.have.property("vpcId").that.matches(/^vpc-/);
            });

            it("logs all traffic to a log group with the profile's retention, through a role only flow logs can assume", async () => {
                const { recorder, config } = await buildStack(rawStack({ environment }));
                const [flowLog] = recorder.byType("aws:ec2/flowLog:FlowLog");
                const [group] = recorder.byType("aws:cloudwatch/logGroup:LogGroup");
                expect(flowLog.inputs).to.include({ trafficType: "ALL", logDestinationType: "cloud-watch-logs", maxAggregationInterval: 60 });
                expect(flowLog.inputs.vpcId).to.match(/^vpc-/);
                expect(flowLog.dependencies).to.include(group.urn);
                expect(group.inputs.retentionInDays).to.equal(config.profile.flowLogRetentionDays);

                const role = recorder.get("aws:iam/role:Role", "network-flow-logs");
                const trust = policyOf(role.inputs.assumeRolePolicy).Statement[0];
                expect(trust.Principal).to.deep.equal({ Service: "vpc-flow-logs.amazonaws.com" });
                expect(trust.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "123456789012" } });
                const policy = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "network-flow-logs").inputs.policy);
                for (const statement of policy.Statement) {
                    for (const resource of [statement.Resource].flat())
                        expect(String(resource)).to.match(/^arn:aws:logs:us-east-1:123456789012:log-group:network-flow-logs/);
                }
            });
        });
    }

    it("has no NAT gateway when the stack says none", async () => {
        const { recorder } = await buildStack(rawStack({ environment: "staging", network: { natStrategy: "none" } }));
        expect(recorder.byType("awsx:ec2:Vpc")[0].inputs.natGateways).to.deep.equal({ strategy: "None" });
    });

    it("splits each AZ's slice into private (half), public and data (a quarter each), leaving no overlap", () => {
        expect(subnetMasks("10.0.0.0/16", 2)).to.deep.equal({ private: 18, public: 19, data: 19 });
        expect(subnetMasks("10.0.0.0/16", 3)).to.deep.equal({ private: 19, public: 20, data: 20 });
        expect(subnetMasks("10.0.0.0/22", 6)).to.deep.equal({ private: 26, public: 27, data: 27 });
        for (const azs of [2, 3, 4, 5, 6]) {
            const m = subnetMasks("10.0.0.0/16", azs);
            const addresses = azs * (2 ** (32 - m.private) + 2 ** (32 - m.public) + 2 ** (32 - m.data));
            expect(addresses).to.be.at.most(2 ** 16);
        }
    });
});
