import * as pulumi from "@pulumi/pulumi";
import * as chatbot from "@pulumi/aws/chatbot";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as sns from "@pulumi/aws/sns";
import { z } from "zod";
import { emailList, inStackRegion, ReportIssue, SchemaContext, strictObject } from "../../stacks/schema-kit";
import { policyDocument, serviceTrustPolicy } from "../iam";
import { nameFor } from "../names";

/** Where a workload's alarms go: every topology with alarms spreads these keys into its settings. */
export const alarmSettings = (ctx: SchemaContext) => ({
    /** E-mail addresses the alarms notify (each confirms its subscription once). Default none. */
    alarmEmails: emailList(),
    /** An existing SNS topic of the stack's region (e.g. the on-call tool's) the alarms publish to, instead of a topic of their own. Default: a topic of their own. */
    alarmTopicArn: inStackRegion(
        z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "expected an SNS topic ARN"),
        ctx,
        // PutMetricAlarm answers "ValidationError: Invalid region <topic's> specified. Only <alarm's> is supported."
        // (https://github.com/cds-snc/notification-terraform/pull/128)
        "CloudWatch takes an alarm action only on a topic of the alarm's region",
    ).optional(),
    /**
     * A Slack channel the alarms post to through AWS Chatbot (the workspace authorised once in the
     * Chatbot console): `teamId` (the workspace, `T...`) and `channelId` (`C...`). The channel's
     * configuration is created in the stack's region where Chatbot has its API (us-east-2, us-west-2,
     * eu-west-1, ap-southeast-1), else in us-east-2. Default: none.
     */
    alarmSlack: strictObject({
        /** The Slack workspace's ID (`T...`). Required. */
        teamId: z.string().regex(/^[A-Z0-9]{9,}$/, "expected a Slack workspace ID such as T0123ABCD"),
        /** The channel's ID (`C...`); a private channel needs the AWS Chatbot app invited. Required. */
        channelId: z.string().regex(/^[A-Z0-9]{9,}$/, "expected a Slack channel ID such as C0123ABCD"),
    }).optional(),
});

/** The settings `alarmSettings()` adds, validated. */
export interface AlarmDestinations {
    alarmEmails: string[];
    alarmTopicArn?: string;
    alarmSlack?: { teamId: string; channelId: string };
}

/**
 * Production alarms reach someone: a stack whose alarms would notify nobody is refused, naming
 * the keys that give them a destination.
 */
export const alarmsReachSomeone =
    (environment: string) =>
    (s: AlarmDestinations, issue: ReportIssue): void => {
        if (environment === "production" && s.alarmEmails.length === 0 && !s.alarmTopicArn && !s.alarmSlack)
            issue(
                ["alarmEmails"],
                "production alarms must reach someone: set alarmEmails (e-mail addresses), alarmTopicArn (an existing SNS topic) or alarmSlack ({ teamId, channelId } of a Slack channel through AWS Chatbot)",
            );
    };

/**
 * The regions AWS Chatbot (Amazon Q Developer in chat applications) has an API in: a channel
 * configuration is created through one of them, and may name SNS topics of any region.
 * https://docs.aws.amazon.com/general/latest/gr/chatbot.html
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/chatbot-regions.html
 */
export const CHATBOT_API_REGIONS: readonly string[] = ["us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1"];

/** Where a stack in `region` creates its Chatbot configuration: its own region (undefined) where the API is there, else US East (Ohio), where its console is. */
export const chatbotRegion = (region: string): string | undefined => (CHATBOT_API_REGIONS.includes(region) ? undefined : "us-east-2");

/**
 * The SNS topic of a workload's CloudWatch alarms: its own, encrypted with a key of its own
 * (CloudWatch cannot publish to a topic under the AWS-managed SNS key), with e-mail subscribers
 * and a Slack channel through AWS Chatbot; or an existing topic (`alarmTopicArn`).
 */
export class AlarmTopic extends pulumi.ComponentResource {
    readonly arn: pulumi.Output<string>;

    constructor(
        name: string,
        args: { accountId: pulumi.Input<string>; /** The stack's region (its alarms' and topic's). */ region: string; destinations: AlarmDestinations },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("platform:observability:AlarmTopic", name, {}, opts);
        const { alarmEmails: emails, alarmTopicArn, alarmSlack } = args.destinations;
        this.arn = alarmTopicArn ? pulumi.output(alarmTopicArn) : this.ownTopic(name, args.accountId, emails);
        if (alarmSlack) this.chat(name, args.accountId, chatbotRegion(args.region), alarmSlack);
        this.registerOutputs({ arn: this.arn });
    }

    private ownTopic(name: string, accountId: pulumi.Input<string>, emails: string[]): pulumi.Output<string> {
        const args = { accountId };
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
        const topic = new sns.Topic(name, { kmsMasterKeyId: key.arn }, { parent: this });
        emails.forEach(
            (email) => new sns.TopicSubscription(`${name}-email-${nameFor(email)}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent: this }),
        );
        return topic.arn;
    }

    /**
     * AWS Chatbot posting the topic's notifications to a Slack channel. Its channel role may do
     * nothing (notifications only), and the guardrail keeps anyone in the channel to read-only. The
     * configuration lives in a region with Chatbot's API (`chatbotRegion`), the topic in the stack's.
     * https://docs.aws.amazon.com/chatbot/latest/adminguide/slack-setup.html
     */
    private chat(name: string, accountId: pulumi.Input<string>, region: string | undefined, slack: { teamId: string; channelId: string }): void {
        const role = new iam.Role(
            `${name}-chat`,
            {
                assumeRolePolicy: serviceTrustPolicy("chatbot.amazonaws.com", accountId),
                description: `${name}: AWS Chatbot's channel role (notifications only)`,
            },
            { parent: this },
        );
        new chatbot.SlackChannelConfiguration(
            `${name}-slack`,
            {
                region,
                // Chatbot's configurations have no region in their ARN: one name per account, so the
                // stack's name keeps staging and production of one account on one channel apart.
                configurationName: `${name}-${pulumi.getStack()}-${slack.channelId}`.slice(0, 128),
                iamRoleArn: role.arn,
                slackTeamId: slack.teamId,
                slackChannelId: slack.channelId,
                snsTopicArns: [this.arn],
                guardrailPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                loggingLevel: "ERROR",
            },
            { parent: this },
        );
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
