import * as pulumi from "@pulumi/pulumi";
import * as sns from "@pulumi/aws/sns";
import * as sqs from "@pulumi/aws/sqs";
import { PolicyStatement, policyDocument } from "../iam";

/** An SNS topic encrypted with the account's AWS-managed SNS key. */
export function encryptedTopic(name: string, parent: pulumi.Resource): sns.Topic {
    return new sns.Topic(name, { kmsMasterKeyId: "alias/aws/sns" }, { parent });
}

/**
 * How long a queue keeps a message nobody deleted: SQS's default, 4 days; then SQS deletes it.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html (MessageRetentionPeriod)
 */
export const QUEUE_RETENTION_SECONDS = 345600;

export interface QueueArgs {
    /** Seconds a received message stays hidden; set it above the consumer's longest processing time. */
    visibilityTimeoutSeconds: number;
    /** Long-polling wait, seconds (0..20). Default 20. */
    receiveWaitTimeSeconds?: number;
    /** Receives before a message moves to the dead-letter queue. Default 5. */
    maxReceiveCount?: number;
    /** Retention of the main queue, seconds. Default 4 days. */
    messageRetentionSeconds?: number;
    /** Pulumi `protect`/`retainOnDelete` (queues hold data). Default in config: the profile's `protectStatefulResources`. */
    protect: boolean;
    /**
     * Topics delivered into the queue (ours, or an existing one's ARN); its policy admits exactly
     * these. `rawMessageDelivery` hands the consumer the message itself, not SNS's envelope.
     * Default: none.
     */
    subscribeTo?: { key: string; topicArn: pulumi.Input<string>; rawMessageDelivery?: boolean }[];
    /** Region of the queues, when not the stack's (a DR copy). Default: the stack's. */
    region?: string;
}

/**
 * An SQS queue with SSE-SQS encryption, long polling and a dead-letter queue (14 days retention)
 * behind a redrive policy; its policy refuses non-TLS access and admits exactly the topics
 * subscribed to it.
 */
export class Queue extends pulumi.ComponentResource {
    readonly queue: sqs.Queue;
    readonly deadLetterQueue: sqs.Queue;
    readonly arn: pulumi.Output<string>;
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: QueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:messaging:Queue", name, {}, opts);
        const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        this.deadLetterQueue = new sqs.Queue(`${name}-dlq`, { region: args.region, sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 }, stateful);
        this.queue = new sqs.Queue(
            name,
            {
                region: args.region,
                sqsManagedSseEnabled: true,
                visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
                receiveWaitTimeSeconds: args.receiveWaitTimeSeconds ?? 20,
                messageRetentionSeconds: args.messageRetentionSeconds ?? QUEUE_RETENTION_SECONDS,
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: args.maxReceiveCount ?? 5 }),
            },
            stateful,
        );
        const topics = args.subscribeTo ?? [];
        const statements: PolicyStatement[] = [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: this.queue.arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ];
        if (topics.length > 0) {
            statements.push({
                Sid: "SubscribedTopics",
                Principal: { Service: "sns.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: this.queue.arn,
                Condition: { ArnEquals: { "aws:SourceArn": topics.map((t) => t.topicArn) } },
            });
        }
        const policy = new sqs.QueuePolicy(name, { region: args.region, queueUrl: this.queue.url, policy: policyDocument(statements) }, { parent: this });
        for (const { key, topicArn, rawMessageDelivery } of topics) {
            // After the policy, or SNS's first deliveries are refused.
            new sns.TopicSubscription(
                `${name}-${key}`,
                { topic: topicArn, protocol: "sqs", endpoint: this.queue.arn, rawMessageDelivery: rawMessageDelivery ?? false },
                { parent: this, dependsOn: [policy] },
            );
        }
        this.arn = this.queue.arn;
        this.url = this.queue.url;
        this.registerOutputs({ arn: this.arn, url: this.url, deadLetterQueueArn: this.deadLetterQueue.arn });
    }
}
