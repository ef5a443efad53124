/**
 * The regional quotas the plan counts against, with AWS's defaults for a new account
 * (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html): a stack whose account has
 * them raised says so in `platform:quotas`.
 */
export interface RegionalQuotas {
    /** Elastic IP addresses per region (Service Quotas code L-0263D0A3). */
    elasticIpsPerRegion: number;
    /** VPCs per region (L-F678F1CE). */
    vpcsPerRegion: number;
}

export const DEFAULT_QUOTAS: RegionalQuotas = { elasticIpsPerRegion: 5, vpcsPerRegion: 5 };
