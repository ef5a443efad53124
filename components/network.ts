import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import { Vpc } from "@pulumi/awsx/ec2";
import { InterfaceEndpoint, NatStrategy } from "../stacks/profiles";
import { parseCidr } from "../stacks/schema-kit";
import { SecurityGroup } from "./blocks/security-group";
import { policyDocument, serviceTrustPolicy } from "./iam";

export interface NetworkArgs {
    /** AWS region; names the S3 gateway endpoint's service. */
    region: string;
    /** The account the flow-log role trusts the flow-logs service for. */
    accountId: pulumi.Input<string>;
    /** VPC CIDR block (/16../22). Default in config: `10.0.0.0/16`. */
    cidr: string;
    /** Availability zones (2..6). Default in config: the profile's (staging 2, production 3). */
    azCount: number;
    /** NAT gateways: `none`, `single` or `perAz`. Default in config: the profile's (staging `single`, production `perAz`). */
    natStrategy: NatStrategy;
    /**
     * Interface endpoints (AWS PrivateLink) of the services workloads reach without NAT, by their
     * short names (`ecr.api`, `logs`, ...): each in one private subnet per zone with private DNS, behind
     * the group `<network>-endpoints` admitting HTTPS from the VPC. S3 always has its (free) gateway endpoint.
     * Default in config: none.
     */
    endpoints?: readonly InterfaceEndpoint[];
    /** Retention of the flow-log group in days. Default in config: the profile's (staging 14, production 365). */
    flowLogRetentionDays: number;
    /**
     * Keep the flow logs (audit data) and the NAT gateways' Elastic IPs (the published egress
     * addresses) when the stack is destroyed: Pulumi `protect` and `retainOnDelete`. Default in
     * config: the profile's `protectStatefulResources`.
     */
    protectLogs: boolean;
}

/** The URN awsx gave an endpoint it made for a network (awsx names endpoints by their service alone). */
export function awsxEndpointUrn(networkUrn: string, serviceName: string): string {
    const [stack, project, types] = networkUrn.split("::");
    return `${stack}::${project}::${types}$awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/vpcEndpoint:VpcEndpoint::${serviceName}`;
}

/**
 * The URN awsx gave the Elastic IP of the network's `index`th NAT gateway (0-based) when it made the
 * addresses itself: `<vpc>-<n>`, a child of zone n's public subnet, under the VPC under the component.
 */
export function awsxNatIpUrn(networkUrn: string, networkName: string, index: number): string {
    const [stack, project, types] = networkUrn.split("::");
    return `${stack}::${project}::${types}$awsx:ec2:Vpc$aws:ec2/vpc:Vpc$aws:ec2/subnet:Subnet$aws:ec2/eip:Eip::${networkName}-vpc-${index + 1}`;
}

const NAT: Record<NatStrategy, "None" | "Single" | "OnePerAz"> = { none: "None", single: "Single", perAz: "OnePerAz" };

/**
 * Subnet masks: each AZ gets an equal slice of the VPC; within it, private (workloads) takes
 * half, public (load balancers, NAT) and data (databases, caches: no route to the internet) a
 * quarter each.
 */
export function subnetMasks(cidr: string, azCount: number): { private: number; public: number; data: number } {
    const prefix = parseCidr(cidr)?.prefix;
    if (prefix === undefined) throw new Error(`invalid CIDR ${cidr}`);
    const perAz = prefix + Math.ceil(Math.log2(azCount));
    return { private: perAz + 1, public: perAz + 2, data: perAz + 2 };
}

/**
 * The stack's network, shared by every workload: a VPC with public, private and isolated data
 * subnets in each AZ, NAT gateways per the profile, an S3 gateway endpoint (S3 traffic skips
 * the NAT), and flow logs of all traffic to CloudWatch Logs.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly cidr: string;
    /** Load balancers and NAT gateways. */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Workloads (tasks, hosts); egress through NAT. */
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Databases and caches; no route to the internet. */
    readonly dataSubnetIds: pulumi.Output<string[]>;
    readonly flowLogGroupName: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, {}, opts);
        const masks = subnetMasks(args.cidr, args.azCount);
        // The NAT gateways' addresses are the network's published egress (partners allow-list them):
        // made here, so that production keeps them; they were awsx's own children, hence the aliases.
        const natCount = args.natStrategy === "none" ? 0 : args.natStrategy === "single" ? 1 : args.azCount;
        const natIps = Array.from({ length: natCount }, (_, i) => {
            const formerUrn = this.urn.apply((urn) => awsxNatIpUrn(urn, name, i));
            return new ec2.Eip(
                `${name}-nat-${i + 1}`,
                { region: args.region, domain: "vpc", tags: { Name: `${name}-vpc-${i + 1}` } },
                { parent: this, protect: args.protectLogs, retainOnDelete: args.protectLogs, aliases: [formerUrn] },
            );
        });

        const vpc = new Vpc(
            `${name}-vpc`,
            {
                region: args.region,
                cidrBlock: args.cidr,
                numberOfAvailabilityZones: args.azCount,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                natGateways: { strategy: NAT[args.natStrategy], ...(natCount > 0 ? { elasticIpAllocationIds: natIps.map((ip) => ip.allocationId) } : {}) },
                subnetStrategy: "Auto",
                subnetSpecs: [
                    { type: "Private", name: "private", cidrMask: masks.private },
                    { type: "Public", name: "public", cidrMask: masks.public },
                    { type: "Isolated", name: "data", cidrMask: masks.data },
                ],
            },
            { parent: this },
        );

        // The endpoints are the network's own, named after it: awsx names a VPC's endpoints by their
        // service alone, so two networks of one stack in one region (two workloads' disaster-recovery
        // networks) would register one URN twice. The alias keeps the S3 endpoint awsx made before.
        const s3Service = `com.amazonaws.${args.region}.s3`;
        new ec2.VpcEndpoint(
            `${name}-s3`,
            {
                region: args.region,
                vpcId: vpc.vpcId,
                // A gateway endpoint: the type's default, as awsx made it.
                serviceName: s3Service,
                // Every route table of the VPC: S3 traffic (image layers included) skips the NAT.
                routeTableIds: vpc.routeTables.apply((tables) => pulumi.all(tables.map((t) => t.id))),
                tags: { Name: `${name}-vpc` },
            },
            { parent: this, aliases: [this.urn.apply((urn) => awsxEndpointUrn(urn, s3Service))] },
        );
        if ((args.endpoints ?? []).length > 0) {
            const endpointGroup = new SecurityGroup(
                `${name}-endpoints`,
                { vpcId: vpc.vpcId, description: `${name}: the VPC's interface endpoints`, region: args.region },
                { parent: this },
            );
            endpointGroup.allowIngress("vpc-https", { port: 443, peer: { cidr: args.cidr }, description: "HTTPS to the AWS APIs from inside the VPC" });
            for (const service of args.endpoints ?? []) {
                const serviceName = `com.amazonaws.${args.region}.${service}`;
                new ec2.VpcEndpoint(
                    `${name}-${service.replace(/\./g, "-")}`,
                    {
                        region: args.region,
                        vpcId: vpc.vpcId,
                        serviceName,
                        vpcEndpointType: "Interface",
                        privateDnsEnabled: true,
                        subnetIds: vpc.privateSubnetIds,
                        securityGroupIds: [endpointGroup.id],
                    },
                    // A second endpoint with private DNS beside awsx's would conflict on its DNS name.
                    { parent: this, aliases: [this.urn.apply((urn) => awsxEndpointUrn(urn, serviceName))] },
                );
            }
        }

        const flowLogGroup = new cloudwatch.LogGroup(
            `${name}-flow-logs`,
            { region: args.region, retentionInDays: args.flowLogRetentionDays },
            { parent: this, protect: args.protectLogs, retainOnDelete: args.protectLogs },
        );
        const flowLogRole = new iam.Role(
            `${name}-flow-logs`,
            { assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", args.accountId) },
            { parent: this },
        );
        new iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: flowLogRole.id,
                // What AWS lists as the flow-logs service's minimum, on this group (it exists: no CreateLogGroup);
                // DescribeLogGroups takes no narrower resource than "*"
                // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
                policy: policyDocument([
                    {
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        Resource: [flowLogGroup.arn, pulumi.interpolate`${flowLogGroup.arn}:*`],
                    },
                    { Sid: "FindLogGroup", Action: "logs:DescribeLogGroups", Resource: "*" },
                ]),
            },
            { parent: this },
        );
        new ec2.FlowLog(
            `${name}-flow-log`,
            {
                region: args.region,
                vpcId: vpc.vpcId,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: flowLogGroup.arn,
                iamRoleArn: flowLogRole.arn,
                maxAggregationInterval: 60,
            },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.cidr = args.cidr;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.dataSubnetIds = vpc.isolatedSubnetIds;
        this.flowLogGroupName = flowLogGroup.name;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            dataSubnetIds: this.dataSubnetIds,
            flowLogGroupName: this.flowLogGroupName,
        });
    }
}
