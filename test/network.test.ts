import { expect } from "chai";
import { awsxEndpointUrn, awsxNatIpUrn, subnetMasks } from "../components/network";
import { awsxVpcChildren } from "../plan/awsx-vpc";
import { estimateCost } from "../insights/cost";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { parseStackConfig } from "../stacks/schema";
import { zoneNames } from "../stacks/zones";
import { buildStack, configProblems, policyOf, rawStack } from "./helpers";

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
                expect(inputs.natGateways.strategy).to.equal(nat);
                // The NAT gateways' addresses are the program's own (kept in production), not awsx's.
                const ips = recorder.byType("aws:ec2/eip:Eip").filter((r) => r.name.startsWith("network-nat-"));
                expect(inputs.natGateways.elasticIpAllocationIds).to.deep.equal(ips.map((ip) => ip.state.id));
                expect(ips.every((ip) => ip.options.protect === (environment === "production"))).to.equal(true);
                expect(inputs.cidrBlock).to.equal("10.20.0.0/16");
                expect(inputs.subnetSpecs.map((s: { type: string }) => s.type)).to.deep.equal(["Private", "Public", "Isolated"]);
                // The endpoints are the network's own (named after it), not awsx's (named by service alone).
                expect(inputs.vpcEndpointSpecs).to.equal(undefined);
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
                // Its own group only, but for looking it up (DescribeLogGroups takes no narrower resource).
                for (const statement of policy.Statement.filter((s: { Sid?: string }) => s.Sid !== "FindLogGroup")) {
                    for (const resource of [statement.Resource].flat())
                        expect(String(resource)).to.match(/^arn:aws:logs:us-east-1:123456789012:log-group:network-flow-logs/);
                }
                expect(policy.Statement.find((s: { Sid?: string }) => s.Sid === "FindLogGroup")).to.deep.include({
                    Action: "logs:DescribeLogGroups",
                    Resource: "*",
                });
            });
        });
    }

    it("has no NAT gateway when the stack says none", async () => {
        const { recorder } = await buildStack(rawStack({ environment: "staging", network: { natStrategy: "none" } }));
        expect(recorder.byType("awsx:ec2:Vpc")[0].inputs.natGateways).to.deep.equal({ strategy: "None" });
        expect(recorder.byType("aws:ec2/natGateway:NatGateway")).to.deep.equal([]);
        expect(recorder.byType("aws:ec2/route:Route").map((r) => r.name)).to.deep.equal(["network-vpc-public-1", "network-vpc-public-2"]);
    });

    it("records the children awsx creates, named, parented and addressed as awsx does (a 3-zone perAz network)", async () => {
        const { recorder } = await buildStack(rawStack({ environment: "production", network: { cidr: "10.30.0.0/16" } }));
        const subnets = recorder.byType("aws:ec2/subnet:Subnet");
        const vpc = recorder.get("aws:ec2/vpc:Vpc", "network-vpc");
        expect(vpc.parent).to.equal(recorder.get("awsx:ec2:Vpc", "network-vpc").urn);
        // Zone blocks of /18 (three zones round up to four); private /19, then public and data /20.
        expect(Object.fromEntries(subnets.map((s) => [s.name, [s.inputs.cidrBlock, s.inputs.availabilityZone]]))).to.deep.equal({
            "network-vpc-public-1": ["10.30.32.0/20", "us-east-1a"],
            "network-vpc-private-1": ["10.30.0.0/19", "us-east-1a"],
            "network-vpc-data-1": ["10.30.48.0/20", "us-east-1a"],
            "network-vpc-public-2": ["10.30.96.0/20", "us-east-1b"],
            "network-vpc-private-2": ["10.30.64.0/19", "us-east-1b"],
            "network-vpc-data-2": ["10.30.112.0/20", "us-east-1b"],
            "network-vpc-public-3": ["10.30.160.0/20", "us-east-1c"],
            "network-vpc-private-3": ["10.30.128.0/19", "us-east-1c"],
            "network-vpc-data-3": ["10.30.176.0/20", "us-east-1c"],
        });
        expect(subnets.every((s) => s.parent === vpc.urn)).to.equal(true);
        // The component's subnet outputs are these subnets.
        const component = recorder.get("awsx:ec2:Vpc", "network-vpc");
        expect(component.state.networkIds).to.include.members(subnets.map((s) => s.state.id));
        // One NAT gateway per zone, in its public subnet; each private table routes through its zone's.
        const nats = recorder.byType("aws:ec2/natGateway:NatGateway");
        expect(nats.map((n) => n.name)).to.deep.equal(["network-vpc-1", "network-vpc-2", "network-vpc-3"]);
        expect(nats.map((n) => n.parent)).to.deep.equal([1, 2, 3].map((i) => recorder.get("aws:ec2/subnet:Subnet", `network-vpc-public-${i}`).urn));
        const routes = recorder.byType("aws:ec2/route:Route");
        const privateRoute = routes.find((r) => r.name === "network-vpc-private-2")!;
        expect(privateRoute.inputs).to.include({ natGatewayId: nats[1].state.id, destinationCidrBlock: "0.0.0.0/0" });
        expect(routes.find((r) => r.name === "network-vpc-public-1")!.inputs.gatewayId).to.equal(
            recorder.get("aws:ec2/internetGateway:InternetGateway", "network-vpc").state.id,
        );
        expect(routes.some((r) => r.name.includes("-data-"))).to.equal(false, "data subnets have no route out");
        // The S3 gateway endpoint is associated with every route table.
        const s3 = recorder.get("aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3");
        expect(s3.inputs.routeTableIds).to.deep.equal(recorder.byType("aws:ec2/routeTable:RouteTable").map((t) => t.state.id));
        expect(s3.inputs).to.include({ serviceName: "com.amazonaws.us-east-1.s3" });
        // It takes over the endpoint awsx made before (named by its service alone) without a new one.
        expect(s3.aliases).to.deep.equal([awsxEndpointUrn(recorder.get("platform:network:Network", "network").urn, "com.amazonaws.us-east-1.s3")]);
        // awsx's own addresses are gone: the NAT gateways use the network's, which alias awsx's former
        // ones (the URN awsx registers them under when it makes them), so no address changes on upgrade.
        expect(recorder.byType("aws:ec2/eip:Eip").filter((e) => e.parent === nats[0].parent)).to.deep.equal([]);
        const network = recorder.get("platform:network:Network", "network");
        const awsxMade = awsxVpcChildren(
            { ...component, inputs: { ...component.inputs, natGateways: { strategy: "OnePerAz" } } },
            "us-east-1",
            (parent, type, name) => {
                const qualified = `${parent.split("::")[2]}$${type}`;
                return `urn:pulumi:test::platform::${qualified}::${name}`;
            },
        );
        expect(awsxMade.filter((r) => r.type === "aws:ec2/eip:Eip").map((r) => r.urn)).to.deep.equal(
            [0, 1, 2].map((i) => awsxNatIpUrn(network.urn, "network", i)),
        );
    });

    it("creates the interface endpoints asked for, one private subnet per zone, priced per zone-hour", async () => {
        const { recorder, config } = await buildStack(rawStack({ environment: "staging", network: { natStrategy: "none", endpoints: ["ecr.api", "logs"] } }));
        const endpoint = recorder.get("aws:ec2/vpcEndpoint:VpcEndpoint", "network-ecr-api");
        // It takes over the one awsx made (a second with private DNS would conflict on the DNS name).
        expect(endpoint.aliases).to.deep.equal([awsxEndpointUrn(recorder.get("platform:network:Network", "network").urn, "com.amazonaws.us-east-1.ecr.api")]);
        const privateIds = recorder
            .byType("aws:ec2/subnet:Subnet")
            .filter((s) => s.name.includes("-private-"))
            .map((s) => s.state.id);
        expect(endpoint.inputs).to.include({ vpcEndpointType: "Interface", privateDnsEnabled: true });
        expect(endpoint.inputs.subnetIds).to.deep.equal(privateIds);
        const group = recorder.get("aws:ec2/securityGroup:SecurityGroup", "network-endpoints");
        expect(endpoint.inputs.securityGroupIds).to.deep.equal([group.state.id]);
        const rule = recorder.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "network-endpoints-in-vpc-https");
        expect(rule.inputs).to.include({ fromPort: 443, toPort: 443, cidrIpv4: config.network.cidr, securityGroupId: group.state.id });
        const cost = estimateCost({ resources: recorder.resources }, config.usage, "us-east-1");
        const line = cost.lines.find((l) => l.urn === endpoint.urn)!;
        expect(line.monthlyUsd).to.equal(Math.round(2 * 0.01 * config.usage.hoursPerMonth * 100) / 100);
    });

    it("refuses more zones than the region has, naming the key", () => {
        const problems = configProblems(rawStack({ environment: "staging", network: { azCount: 4 } }, { region: "eu-west-1" }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:network.azCount"]);
        expect(problems[0].message).to.contain("eu-west-1 has 3 availability zones");
        expect(zoneNames("eu-west-1")).to.deep.equal(["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    });

    it("counts the zones AWS documents per region, and what a new account gets where AWS says it gets fewer", () => {
        const stack = (region: string, n: number) => rawStack({ environment: "staging", network: { azCount: n } }, { region });
        const refused = (region: string, n: number) => configProblems(stack(region, n));
        const accepts = (region: string, n: number) => expect(() => parseStackConfig(stack(region, n), TOPOLOGY_SCHEMAS), `${region} ${n}`).not.to.throw();
        // us-west-1 has three zones; accounts created recently can use two.
        const west = refused("us-west-1", 3);
        expect(west.map((p) => p.path)).to.deep.equal(["platform:network.azCount"]);
        expect(west[0].message).to.contain("us-west-1 has 3 availability zones, but accounts created recently can use 2").and.contain("use at most 2");
        accepts("us-west-1", 2);
        // London's fourth zone (eu-west-2d, euw2-az4) opened on 2026-08-19: four zones plan, five are refused.
        accepts("eu-west-2", 4);
        expect(zoneNames("eu-west-2")).to.deep.equal(["eu-west-2a", "eu-west-2b", "eu-west-2c", "eu-west-2d"]);
        expect(refused("eu-west-2", 5)[0].message).to.contain("eu-west-2 has 4 availability zones");
        // Tokyo: AWS lists four; the check allows the three every account is documented to get, and says why.
        const tokyo = refused("ap-northeast-1", 4);
        expect(tokyo[0].message).to.contain("ap-northeast-1 has 4 availability zones, but").and.contain("use at most 3");
        // Regions opened in 2025: three zones each.
        for (const region of ["ap-east-2", "ap-southeast-6", "ap-southeast-7", "mx-central-1"]) {
            accepts(region, 3);
            expect(refused(region, 4)[0].message).to.contain(`${region} has 3 availability zones`);
        }
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
