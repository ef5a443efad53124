import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as kms from "@pulumi/aws/kms";
import * as sns from "@pulumi/aws/sns";
import { policyDocument } from "../iam";
import { nameFor } from "../names";

/**
 * An SNS topic for CloudWatch alarms with e-mail subscribers. Encrypted with a key of its own:
 * CloudWatch cannot publish to a topic under the AWS-managed SNS key.
 */
export class AlarmTopic extends pulumi.ComponentResource {
    readonly topic: sns.Topic;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: { accountId: pulumi.Input<string>; emails: string[] }, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:AlarmTopic", name, {}, opts);
        const key = new kms.Key(
            name,
            {
                description: `${name}: alarm notifications`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                // In a key policy "*" means this key.
                policy: policyDocument([
                    { Sid: "AccountAdministers", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` }, Action: "kms:*", Resource: "*" },
                    {
                        Sid: "CloudWatchPublishes",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
                    },
                ]),
            },
            { parent: this },
        );
        this.topic = new sns.Topic(name, { kmsMasterKeyId: key.arn }, { parent: this });
        args.emails.forEach(
            (email) =>
                new sns.TopicSubscription(`${name}-email-${nameFor(email)}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, { parent: this }),
        );
        this.arn = this.topic.arn;
        this.registerOutputs({ arn: this.arn });
    }

    /** A metric alarm notifying this topic when it fires (plus `actions`, e.g. EC2 recovery) and when it clears. */
    alarm(
        name: string,
        args: Omit<cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions">,
        parent: pulumi.Resource,
        actions: pulumi.Input<string>[] = [],
    ): cloudwatch.MetricAlarm {
        return new cloudwatch.MetricAlarm(
            name,
            { treatMissingData: "notBreaching", ...args, alarmActions: [this.arn, ...actions], okActions: [this.arn] },
            { parent },
        );
    }
}
