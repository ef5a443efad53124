/**
 * Availability zones per region: how many `ec2:DescribeAvailabilityZones` answers for a new
 * account (the zones `aws.getAvailabilityZones` returns, and so what awsx's VPC can spread over).
 * Source: AWS's list of Regions and their zone counts,
 * https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html (as of 2026-11),
 * with the two regions where AWS keeps a zone from accounts made since: us-west-1 (3 zones, new
 * accounts see 2) and ap-northeast-1 (4 zones, new accounts see 3). The offline plan's mocks answer
 * these zones, and the config and readiness checks refuse a network wider than its region.
 * A region missing here (the isolated partitions) is not checked; the mocks answer three zones for it.
 */
export const AVAILABILITY_ZONES: Readonly<Record<string, number>> = {
    "us-east-1": 6,
    "us-east-2": 3,
    "us-west-1": 2,
    "us-west-2": 4,
    "af-south-1": 3,
    "ap-east-1": 3,
    "ap-east-2": 3,
    "ap-south-1": 3,
    "ap-south-2": 3,
    "ap-southeast-1": 3,
    "ap-southeast-2": 3,
    "ap-southeast-3": 3,
    "ap-southeast-4": 3,
    "ap-southeast-5": 3,
    "ap-southeast-6": 3,
    "ap-southeast-7": 3,
    "ap-northeast-1": 3,
    "ap-northeast-2": 4,
    "ap-northeast-3": 3,
    "ca-central-1": 3,
    "ca-west-1": 3,
    "eu-central-1": 3,
    "eu-central-2": 3,
    "eu-north-1": 3,
    "eu-south-1": 3,
    "eu-south-2": 3,
    "eu-west-1": 3,
    "eu-west-2": 3,
    "eu-west-3": 3,
    "il-central-1": 3,
    "me-central-1": 3,
    "me-south-1": 3,
    "mx-central-1": 3,
    "sa-east-1": 3,
    "us-gov-east-1": 3,
    "us-gov-west-1": 3,
    "cn-north-1": 3,
    "cn-northwest-1": 3,
};

/** Zones the mocks answer for a region missing from the table. */
export const DEFAULT_ZONE_COUNT = 3;

/** The zone names of a region as `aws.getAvailabilityZones` lists them (`<region>a`, `<region>b`, ...). */
export function zoneNames(region: string): string[] {
    const count = AVAILABILITY_ZONES[region] ?? DEFAULT_ZONE_COUNT;
    return Array.from({ length: count }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
}

/** Why a network of `azCount` zones cannot be built in `region`, or undefined when it can (or the region is not in the table). */
export function zoneShortage(region: string, azCount: number): string | undefined {
    const zones = AVAILABILITY_ZONES[region];
    if (zones === undefined || azCount <= zones) return undefined;
    return `${region} has ${zones} availability zones a new account can use; awsx stops with "does not have at least ${azCount} Availability Zones": use at most ${zones}`;
}
