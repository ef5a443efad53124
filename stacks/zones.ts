/**
 * Availability zones per region: how many `ec2:DescribeAvailabilityZones` answers for a new
 * account (the zones `aws.getAvailabilityZones` returns, and so what awsx's VPC can spread over).
 * The offline plan's mocks answer these zones, and the config and readiness checks refuse a network
 * wider than its region.
 *
 * Read on 2026-12-07 from AWS's own pages (stored copies; each entry below names the one it rests on):
 * - [regions] https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
 *   (the "AZs" column per Region, with the note "Newer accounts can access two Availability Zones in
 *   US West (N. California)"; the copy read predates London's fourth zone);
 * - [zones] https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
 *   (every AZ ID per Region, the same note for us-west-1, and "Constrained Availability Zones":
 *   AWS can take a constrained zone out of the list new accounts get);
 * - [london] https://aws.amazon.com/about-aws/whats-new/2026/08/aws-new-availability-zone-europe/
 *   (2026-08-19: eu-west-2d, AZ ID euw2-az4; [zones] lists euw2-az4 since);
 * - [china] https://docs.amazonaws.cn/en_us/aws/latest/userguide/general-info.html
 *   ("In the China (Beijing) Region, there are three Availability Zones", the same for Ningxia);
 * - [emr-serverless] https://docs.aws.amazon.com/emr/latest/EMR-Serverless-UserGuide/endpoints-quotas.html
 *   (lists usgw1-az1..az3 and usge1-az1..az3; no GovCloud page with a zone count was found).
 *
 * Counts are zones (AZ IDs), not zone names: in the oldest Regions accounts made before November 2025
 * map names to IDs independently ([zones]), so `us-east-1a` is not the same zone in two such accounts.
 * A region missing here (the isolated partitions, the AWS European Sovereign Cloud `eusc-de-east-1`:
 * no AWS page with its zones was found) is not checked; the mocks answer three zones for it.
 */
export const AVAILABILITY_ZONES: Readonly<Record<string, number>> = {
    // North America ([regions], [zones]). us-east-1: use1-az1..az6 (a Maryland zone is "Coming in 2026").
    "us-east-1": 6,
    "us-east-2": 3,
    // [zones] lists usw1-az1..az3; "Newer accounts can access two Availability Zones" ([regions], [zones]).
    "us-west-1": 2,
    "us-west-2": 4,
    // cac1-az1, cac1-az2, cac1-az4 ([zones]): three zones, numbered with a gap.
    "ca-central-1": 3,
    "ca-west-1": 3,
    "mx-central-1": 3,
    // Africa, Asia Pacific ([regions], [zones]).
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
    // UNVERIFIED for new accounts: AWS lists four (apne1-az1..az4, [regions], [zones]) with no note for
    // new accounts, and no AWS page found says how many an account made now gets. Kept at 3, the
    // least every Region has ([zones]: "Each Region has at least three Availability Zones"); AWS's own
    // services leave apne1-az3 out (EMR Serverless, for one, runs in apne1-az1, az2 and az4 [emr-serverless]).
    "ap-northeast-1": 3,
    "ap-northeast-2": 4,
    "ap-northeast-3": 3,
    // Europe ([regions], [zones]).
    "eu-central-1": 3,
    "eu-central-2": 3,
    "eu-north-1": 3,
    "eu-south-1": 3,
    "eu-south-2": 3,
    "eu-west-1": 3,
    // euw2-az1..az4: the fourth opened on 2026-08-19 ([london], [zones]); [regions] as read still says 3.
    "eu-west-2": 4,
    "eu-west-3": 3,
    // Middle East, South America ([regions], [zones]).
    "il-central-1": 3,
    "me-central-1": 3,
    "me-south-1": 3,
    "sa-east-1": 3,
    // AWS GovCloud (US) ([emr-serverless]: three AZ IDs each; the count a new GovCloud account gets is not stated).
    "us-gov-east-1": 3,
    "us-gov-west-1": 3,
    // China ([china]).
    "cn-north-1": 3,
    "cn-northwest-1": 3,
};

/**
 * Regions where AWS lists more zones than the table counts, with what AWS lists and why the table
 * counts fewer: the check's message says so, so the refusal is not read as "the region has N zones".
 */
export const LISTED_ZONES: Readonly<Record<string, { listed: number; why: string }>> = {
    "us-west-1": { listed: 3, why: "accounts created recently can use 2 of them (AWS's Regions and Availability Zones pages)" },
    "ap-northeast-1": {
        listed: 4,
        why:
            "AWS can withhold a constrained zone from new accounts and does not say how many an account made now gets; " +
            "the check allows 3, the least every Region has (`aws ec2 describe-availability-zones --region ap-northeast-1` shows yours)",
    },
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
    const listed = LISTED_ZONES[region];
    const has = listed ? `${region} has ${listed.listed} availability zones, but ${listed.why}` : `${region} has ${zones} availability zones`;
    return `${has}; awsx stops with "does not have at least ${azCount} Availability Zones": use at most ${zones}`;
}
