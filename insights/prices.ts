/**
 * us-east-1 on-demand list prices (USD) the cost estimate multiplies by usage. Each row names
 * its source page and when it was recorded; `verified` marks rows cross-checked against a second
 * published source while writing this table (this machine cannot reach the AWS price list API).
 * Check the others on their source page before relying on a figure.
 */
export interface PriceRow {
    usd: number;
    unit: string;
    source: string;
    asOf: string;
    verified: boolean;
}

const row = (usd: number, unit: string, source: string, verified = false): PriceRow => ({ usd, unit, source, asOf: "2026-11", verified });

const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const RDS = "https://aws.amazon.com/rds/postgresql/pricing/";
const AURORA = "https://aws.amazon.com/rds/aurora/pricing/";
const CACHE = "https://aws.amazon.com/elasticache/pricing/";
const EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/";
const EBS = "https://aws.amazon.com/ebs/pricing/";

export const PRICES = {
    fargateVcpuHourX86: row(0.04048, "vCPU-hour", FARGATE, true),
    fargateGbHourX86: row(0.004445, "GB-hour", FARGATE, true),
    fargateVcpuHourArm: row(0.03238, "vCPU-hour", FARGATE, true),
    fargateGbHourArm: row(0.00356, "GB-hour", FARGATE, true),
    /** Fargate Spot is priced dynamically; AWS advertises "up to 70%" off on-demand. */
    fargateSpotDiscount: row(0.7, "fraction off on-demand", FARGATE),
    natGatewayHour: row(0.045, "hour", VPC),
    natGatewayGb: row(0.045, "GB processed", VPC),
    publicIpv4Hour: row(0.005, "address-hour", VPC),
    interfaceEndpointHour: row(0.01, "endpoint-AZ-hour", "https://aws.amazon.com/privatelink/pricing/"),
    albHour: row(0.0225, "hour", ELB),
    albLcuHour: row(0.008, "LCU-hour", ELB),
    nlbHour: row(0.0225, "hour", ELB),
    nlbLcuHour: row(0.006, "NLCU-hour", ELB),
    rdsGp3GbMonth: row(0.115, "GB-month (single-AZ)", RDS),
    auroraStorageGbMonth: row(0.1, "GB-month", AURORA),
    auroraIoMillion: row(0.2, "million I/O requests", AURORA),
    ebsGp3GbMonth: row(0.08, "GB-month", EBS),
    cloudFrontGb: row(0.085, "GB to the internet (first 10 TB, North America/Europe)", "https://aws.amazon.com/cloudfront/pricing/"),
    cloudFrontHttps10k: row(0.01, "10,000 HTTPS requests", "https://aws.amazon.com/cloudfront/pricing/"),
    s3GbMonth: row(0.023, "GB-month (S3 Standard, first 50 TB)", "https://aws.amazon.com/s3/pricing/"),
    sqsMillion: row(0.4, "million requests (standard queue)", "https://aws.amazon.com/sqs/pricing/"),
    snsMillion: row(0.5, "million publishes", "https://aws.amazon.com/sns/pricing/"),
    secretMonth: row(0.4, "secret-month", "https://aws.amazon.com/secrets-manager/pricing/"),
    logsIngestGb: row(0.5, "GB ingested", "https://aws.amazon.com/cloudwatch/pricing/"),
    logsStoredGbMonth: row(0.03, "GB-month stored", "https://aws.amazon.com/cloudwatch/pricing/"),
    alarmMetricMonth: row(0.1, "metric-month (standard resolution alarm)", "https://aws.amazon.com/cloudwatch/pricing/"),
    kmsKeyMonth: row(1, "key-month", "https://aws.amazon.com/kms/pricing/"),
    ecrGbMonth: row(0.1, "GB-month", "https://aws.amazon.com/ecr/pricing/"),
    cloudMapInstanceMonth: row(0.1, "registered instance-month", "https://aws.amazon.com/cloud-map/pricing/"),
    wafWebAclMonth: row(5, "web ACL-month", "https://aws.amazon.com/waf/pricing/"),
    wafRuleMonth: row(1, "rule-month", "https://aws.amazon.com/waf/pricing/"),
    wafMillion: row(0.6, "million requests inspected", "https://aws.amazon.com/waf/pricing/"),
} as const;

/** Hourly prices of instance classes (single-AZ; Multi-AZ RDS doubles them). */
export const INSTANCE_HOURLY: Readonly<Record<string, PriceRow>> = {
    // RDS for PostgreSQL
    "rds:db.t4g.micro": row(0.016, "hour", RDS),
    "rds:db.t4g.small": row(0.032, "hour", RDS),
    "rds:db.t4g.medium": row(0.065, "hour", RDS),
    "rds:db.m7g.large": row(0.168, "hour", RDS),
    "rds:db.m6g.large": row(0.159, "hour", RDS),
    "rds:db.r6g.large": row(0.225, "hour", RDS),
    // Aurora PostgreSQL (standard storage configuration)
    "aurora:db.t4g.medium": row(0.073, "hour", AURORA),
    "aurora:db.t4g.large": row(0.146, "hour", AURORA),
    "aurora:db.r6g.large": row(0.26, "hour", AURORA),
    "aurora:db.r6g.xlarge": row(0.519, "hour", AURORA),
    "aurora:db.r7g.large": row(0.276, "hour", AURORA),
    // ElastiCache (Redis OSS)
    "cache:cache.t4g.micro": row(0.016, "node-hour", CACHE),
    "cache:cache.t4g.small": row(0.032, "node-hour", CACHE),
    "cache:cache.m7g.large": row(0.158, "node-hour", CACHE),
    "cache:cache.r7g.large": row(0.219, "node-hour", CACHE),
    // EC2 (Linux)
    "ec2:t3.medium": row(0.0416, "hour", EC2),
    "ec2:t3.large": row(0.0832, "hour", EC2),
    "ec2:m7i.large": row(0.1008, "hour", EC2),
    "ec2:m7g.large": row(0.0816, "hour", EC2),
};

/** Price level of other regions relative to us-east-1 (a rough, documented factor; not per-service). */
export const REGION_FACTORS: Readonly<Record<string, number>> = {
    "us-east-1": 1,
    "us-east-2": 1,
    "us-west-2": 1,
    "us-west-1": 1.15,
    "ca-central-1": 1.1,
    "eu-west-1": 1.05,
    "eu-west-2": 1.1,
    "eu-west-3": 1.1,
    "eu-central-1": 1.12,
    "eu-north-1": 1.05,
    "ap-southeast-1": 1.15,
    "ap-southeast-2": 1.15,
    "ap-northeast-1": 1.2,
    "ap-south-1": 1.1,
    "sa-east-1": 1.5,
};
/** Factor for a region missing from the table. */
export const DEFAULT_REGION_FACTOR = 1.15;
