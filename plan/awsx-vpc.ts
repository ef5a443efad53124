import * as crypto from "crypto";
import { zoneNames } from "../stacks/zones";
import type { PlannedResource } from "./resource";

/**
 * The children awsx's `ec2.Vpc` creates for its arguments, as a real preview registers them. awsx v3
 * is a remote component: under mocks only the component itself reaches the monitor, so the offline
 * plan adds what awsx would create, named and parented as awsx names them (awsx's
 * `nodejs/awsx/ec2/vpc.ts` and `subnetDistributorNew.ts`, for the arguments `components/network.ts`
 * passes: `subnetStrategy: "Auto"` with explicit masks and a NAT strategy; the network makes its
 * endpoints itself, so awsx gets no endpoint specs):
 *
 * - `aws:ec2/vpc:Vpc` `<name>` (parent: the component), its `aws:ec2/internetGateway:InternetGateway` `<name>`;
 * - per zone `i` (1-based) and subnet spec, public first, then private, then isolated:
 *   `aws:ec2/subnet:Subnet` `<name>-<spec>-<i>` (parent: the VPC), its route table and the table's
 *   association of the same name (the table's parent is the subnet, the association's the table);
 * - public subnets: a route `0.0.0.0/0` to the internet gateway; the NAT gateway(s), `<name>-<i>`,
 *   each with an Elastic IP `<name>-<i>` (parent: the public subnet of zone `i`) unless
 *   `elasticIpAllocationIds` names the addresses: one in zone 1 (`Single`) or one per zone (`OnePerAz`);
 * - private subnets: a route `0.0.0.0/0` to zone `i`'s NAT gateway (`OnePerAz`) or the one (`Single`);
 *   none with `None`; isolated subnets: no route out;
 *
 * CIDRs follow awsx's allocator: each zone takes an equal block (`/prefix + ceil(log2(zones))`),
 * and within it the specs in order, each starting after the previous one at its own size.
 */

/** One subnet awsx creates. */
export interface AwsxSubnet {
    name: string;
    type: "Public" | "Private" | "Isolated";
    zone: string;
    cidr: string;
    id: string;
}

/** What the component's outputs and its children are computed from. */
export interface AwsxVpcLayout {
    vpcId: string;
    zones: string[];
    subnets: AwsxSubnet[];
    /** One route table per subnet, zone by zone, public, private then isolated (awsx's order). */
    routeTableIds: string[];
}

const hex = (input: string, length: number) => crypto.createHash("sha256").update(input).digest("hex").slice(0, length);

type Inputs = Record<string, unknown>;
interface SubnetSpec {
    type: string;
    name?: string;
    cidrMask?: number;
}

const toInt = (ip: string) => ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
const blockSize = (mask: number) => 2 ** (32 - mask);

/** The zones awsx spreads over: `availabilityZoneNames`, or the region's first `numberOfAvailabilityZones` (default 3). */
function zonesOf(inputs: Inputs, region: string): string[] {
    if (Array.isArray(inputs.availabilityZoneNames)) return inputs.availabilityZoneNames.map(String);
    return zoneNames(region).slice(0, Number(inputs.numberOfAvailabilityZones ?? 3));
}

/** Subnets of the VPC per awsx's "Auto" allocator (explicit masks; awsx's default specs are not modelled). */
export function awsxVpcLayout(name: string, inputs: Inputs, region: string): AwsxVpcLayout {
    const zones = zonesOf(inputs, region);
    const specs = (Array.isArray(inputs.subnetSpecs) ? inputs.subnetSpecs : []) as SubnetSpec[];
    const [base, prefixText] = String(inputs.cidrBlock ?? "10.0.0.0/16").split("/");
    const zoneMask = Number(prefixText) + Math.ceil(Math.log2(Math.max(zones.length, 1)));
    const subnets: AwsxSubnet[] = [];
    zones.forEach((zone, z) => {
        const zoneBase = toInt(base) + z * blockSize(zoneMask);
        let next = zoneBase;
        for (const spec of specs) {
            const mask = spec.cidrMask ?? zoneMask + Math.ceil(Math.log2(Math.max(specs.length, 1)));
            // Aligned to its own size, after the previous subnet (awsx's nextNetmask).
            const start = Math.ceil(next / blockSize(mask)) * blockSize(mask);
            next = start + blockSize(mask);
            const type = (spec.type.charAt(0).toUpperCase() + spec.type.slice(1).toLowerCase()) as AwsxSubnet["type"];
            const specName = spec.name ?? spec.type.toLowerCase();
            subnets.push({
                name: `${name}-${specName}-${z + 1}`,
                type,
                zone,
                cidr: `${toIp(start)}/${mask}`,
                // The IDs the component's subnet outputs carry (kept as the mocks always made them).
                id: `subnet-${hex(`${name}-${type === "Isolated" ? "isolated" : type.toLowerCase()}-${z}`, 17)}`,
            });
        }
    });
    return {
        vpcId: `vpc-${hex(`awsx:ec2:Vpc::${name}`, 17)}`,
        zones,
        subnets,
        routeTableIds: zones.flatMap((zone) =>
            subnets
                .filter((s) => s.zone === zone)
                .sort((a, b) => ORDER[a.type] - ORDER[b.type])
                .map((s) => awsxRouteTableId(name, s.name)),
        ),
    };
}

const ORDER = { Public: 0, Private: 1, Isolated: 2 } as const;

/** A child's ID as the model gives it (stable per VPC, kind and name). */
const awsxChildId = (vpcName: string, prefix: string, name: string) => `${prefix}-${hex(`${vpcName}/${prefix}/${name}`, 17)}`;
/** A subnet's route table ID: awsx makes one route table per subnet. */
const awsxRouteTableId = (vpcName: string, subnetName: string) => awsxChildId(vpcName, "rtb", subnetName);

/** The resources awsx registers under the component `vpc` (recorded like any other). */
export function awsxVpcChildren(vpc: PlannedResource, stackRegion: string, newUrn: (parent: string, type: string, name: string) => string): PlannedResource[] {
    const inputs = vpc.inputs;
    const region = typeof inputs.region === "string" ? inputs.region : stackRegion;
    const layout = awsxVpcLayout(vpc.name, inputs, region);
    const nat = (inputs.natGateways ?? {}) as Inputs;
    const strategy = String(nat.strategy ?? "OnePerAz");
    const allocationIds = (Array.isArray(nat.elasticIpAllocationIds) ? nat.elasticIpAllocationIds : []).map(String);
    const tags = (inputs.tags ?? {}) as Record<string, unknown>;
    const sharedTags = { Name: vpc.name, ...tags };
    const regional = typeof inputs.region === "string" ? { region: inputs.region } : {};
    const out: PlannedResource[] = [];
    const add = (type: string, name: string, parent: PlannedResource, id: string, body: Inputs, dependsOn: PlannedResource[], refs: PlannedResource[] = []) => {
        const r: PlannedResource = {
            urn: newUrn(parent.urn, type, name),
            type,
            name,
            parent: parent.urn,
            custom: true,
            inputs: { ...regional, ...body },
            options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: dependsOn.map((d) => d.urn) },
            dependencies: [...new Set([...dependsOn, ...refs].map((d) => d.urn))],
            state: { id },
        };
        out.push(r);
        return r;
    };
    const idOf = (prefix: string, name: string) => awsxChildId(vpc.name, prefix, name);

    const awsVpc = add(
        "aws:ec2/vpc:Vpc",
        vpc.name,
        vpc,
        layout.vpcId,
        { cidrBlock: inputs.cidrBlock, enableDnsHostnames: inputs.enableDnsHostnames, enableDnsSupport: inputs.enableDnsSupport, tags: sharedTags },
        [],
    );
    const igw = add("aws:ec2/internetGateway:InternetGateway", vpc.name, awsVpc, idOf("igw", vpc.name), { vpcId: layout.vpcId, tags: sharedTags }, [awsVpc]);

    const routeTables: PlannedResource[] = [];
    const nats: PlannedResource[] = [];
    layout.zones.forEach((zone, i) => {
        const inZone = layout.subnets.filter((s) => s.zone === zone).sort((a, b) => ORDER[a.type] - ORDER[b.type]);
        for (const s of inZone) {
            const subnet = add(
                "aws:ec2/subnet:Subnet",
                s.name,
                awsVpc,
                s.id,
                {
                    vpcId: layout.vpcId,
                    availabilityZone: zone,
                    mapPublicIpOnLaunch: s.type === "Public",
                    cidrBlock: s.cidr,
                    assignIpv6AddressOnCreation: false,
                    tags: { ...sharedTags, Name: s.name, SubnetType: s.type },
                },
                [awsVpc],
            );
            const table = add(
                "aws:ec2/routeTable:RouteTable",
                s.name,
                subnet,
                idOf("rtb", s.name),
                { vpcId: layout.vpcId, tags: { ...sharedTags, Name: s.name, SubnetType: s.type } },
                [subnet],
                [awsVpc],
            );
            routeTables.push(table);
            add(
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
                s.name,
                table,
                idOf("rtbassoc", s.name),
                { routeTableId: table.state.id, subnetId: s.id },
                [table],
                [subnet],
            );
            const wantsNat = strategy === "OnePerAz" ? nats.length < i + 1 : strategy === "Single" ? nats.length < 1 : false;
            if (s.type === "Public" && wantsNat) {
                const natName = `${vpc.name}-${i + 1}`;
                // Given allocation IDs (the program's own addresses), awsx creates no Elastic IP.
                const given = allocationIds[nats.length];
                const eip =
                    given === undefined
                        ? add("aws:ec2/eip:Eip", natName, subnet, idOf("eipalloc", natName), { tags: { ...tags, Name: natName } }, [subnet])
                        : undefined;
                nats.push(
                    add(
                        "aws:ec2/natGateway:NatGateway",
                        natName,
                        subnet,
                        idOf("nat", natName),
                        { subnetId: s.id, allocationId: given ?? eip!.state.id, tags: { ...tags, Name: natName } },
                        [subnet],
                        eip ? [eip] : [],
                    ),
                );
            }
            // Public: the internet gateway; private: its zone's NAT gateway (or the one); isolated: none.
            const target =
                s.type === "Public"
                    ? { gatewayId: igw }
                    : s.type === "Private" && strategy !== "None"
                      ? { natGatewayId: strategy === "Single" ? nats[0] : nats[i] }
                      : undefined;
            if (target) {
                const [[key, via]] = Object.entries(target);
                const body = { routeTableId: table.state.id, [key]: via.state.id, destinationCidrBlock: "0.0.0.0/0" };
                add("aws:ec2/route:Route", s.name, table, `r-${table.state.id}1080289494`, body, [table], [via]);
            }
        }
    });

    return out;
}
