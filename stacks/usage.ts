import { z } from "zod";
import { strictObject } from "./schema-kit";

/** Usage the cost estimate assumes where the plan cannot know it; override with `platform:insights`. */
export const USAGE_DEFAULTS = {
    /** Hours in a month (AWS's own convention). */
    hoursPerMonth: 730,
    /** GB processed by each NAT gateway per month. */
    natGbPerGateway: 100,
    /** Average load-balancer capacity units in use. */
    loadBalancerCapacityUnits: 1,
    /** GB CloudFront serves per distribution per month. */
    cloudFrontGbPerDistribution: 100,
    /** HTTPS requests per distribution per month. */
    cloudFrontRequestsPerDistribution: 10_000_000,
    /** GB stored per S3 bucket. */
    s3GbPerBucket: 50,
    /** Requests per SQS queue per month. */
    sqsRequestsPerQueue: 10_000_000,
    /** Publishes per SNS topic per month. */
    snsPublishesPerTopic: 1_000_000,
    /** GB ingested per log group per month (also what is kept). */
    logGbPerGroup: 5,
    /** GB stored per Aurora cluster. */
    auroraStorageGb: 100,
    /** Millions of I/O requests per Aurora cluster per month. */
    auroraIoMillions: 100,
    /** GB of images per ECR repository. */
    ecrGbPerRepository: 10,
} as const;

export type UsageAssumptions = { -readonly [K in keyof typeof USAGE_DEFAULTS]: number };

/** Schema of `platform:insights`: any subset of the usage assumptions, each a non-negative number. */
export const insightsSchema = strictObject(
    Object.fromEntries(Object.keys(USAGE_DEFAULTS).map((k) => [k, z.number().nonnegative("must be 0 or more").optional()])) as Record<
        keyof UsageAssumptions,
        z.ZodOptional<z.ZodNumber>
    >,
).default({});
