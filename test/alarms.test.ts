import { expect } from "chai";
import type { Plan } from "../plan/plan";
import type { PlannedResource } from "../plan/mocks";
import { readStackFiles, shippedStacks } from "../plan/stack-files";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { ConfigValidationError, parseStackConfig } from "../stacks/schema";
import { buildStack, planOnce, rawStack } from "./helpers";

/** The problems of a stack's `platform:*` values, none when it is accepted. */
function problemsOf(values: Record<string, unknown>): string[] {
    try {
        parseStackConfig(rawStack(values), TOPOLOGY_SCHEMAS);
        return [];
    } catch (err) {
        if (err instanceof ConfigValidationError) return err.problems.map((p) => `${p.path}: ${p.message}`);
        throw err;
    }
}

type Any = any;
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const GIB = 2 ** 30;

/**
 * What an idle, healthy deployment reports, by the plan's own numbers: no traffic, no errors, no
 * backlog, healthy targets and hosts, a few pooled connections, and a fresh database's storage
 * (all of what it was given but the engine's own files). An alarm whose metric is not listed fails
 * the test: a new alarm needs its idle value here.
 */
function idleValue(alarm: PlannedResource, plan: Plan): number | undefined {
    const i = alarm.inputs as Any;
    if (i.metricQueries) return 0; // metric math: the 5xx rate of no requests
    const allocatedGib = (identifier: string) => {
        const db = plan.resources.find((r) => r.type === "aws:rds/instance:Instance" && (r.inputs.identifier === identifier || r.state.id === identifier));
        return db ? Number(db.inputs.allocatedStorage) : undefined;
    };
    const idle: Record<string, () => number | undefined> = {
        "AWS/SQS/ApproximateAgeOfOldestMessage": () => 0,
        "AWS/SQS/ApproximateNumberOfMessagesVisible": () => 0,
        "AWS/RDS/CPUUtilization": () => 5,
        "AWS/RDS/DatabaseConnections": () => 20,
        "AWS/RDS/FreeStorageSpace": () => {
            const gib = allocatedGib(i.dimensions?.DBInstanceIdentifier);
            return gib === undefined ? undefined : (gib - 1) * GIB;
        },
        "AWS/ECS/CPUUtilization": () => 5,
        "AWS/ApplicationELB/TargetResponseTime": () => 0.05,
        "AWS/ApplicationELB/UnHealthyHostCount": () => 0,
        "AWS/ApplicationELB/HTTPCode_Target_5XX_Count": () => 0,
        "AWS/ApplicationELB/HTTPCode_ELB_5XX_Count": () => 0,
        "AWS/EC2/StatusCheckFailed_System": () => 0,
        "AWS/EC2/StatusCheckFailed_Instance": () => 0,
        "CWAgent/mem_used_percent": () => 40,
        "CWAgent/disk_used_percent": () => 30,
    };
    return idle[`${i.namespace}/${i.metricName}`]?.();
}

function inAlarm(operator: string, value: number, threshold: number): boolean {
    switch (operator) {
        case "GreaterThanThreshold":
            return value > threshold;
        case "GreaterThanOrEqualToThreshold":
            return value >= threshold;
        case "LessThanThreshold":
            return value < threshold;
        case "LessThanOrEqualToThreshold":
            return value <= threshold;
        default:
            throw new Error(`operator ${operator} not modelled`);
    }
}

/** The alarms that notify people: an action on an SNS topic (scaling alarms act on scaling policies). */
const notifying = (plan: Plan) =>
    plan.resources.filter((r) => r.type === ALARM && ((r.inputs.alarmActions as string[] | undefined) ?? []).some((a) => /^arn:aws[a-z-]*:sns:/.test(a)));

describe("alarms of the shipped stacks", () => {
    for (const stack of shippedStacks()) {
        it(`${stack}: none is in alarm on an idle, healthy deployment, and each reaches someone`, async () => {
            const plan = await planOnce(readStackFiles(stack));
            const alarms = notifying(plan);
            expect(alarms.length, "notifying alarms").to.be.greaterThan(10);
            const firing: string[] = [];
            for (const alarm of alarms) {
                const value = idleValue(alarm, plan);
                expect(value, `${alarm.name}: ${alarm.inputs.namespace}/${alarm.inputs.metricName} has no idle value in this test`).to.be.a("number");
                if (inAlarm(String(alarm.inputs.comparisonOperator), value!, Number(alarm.inputs.threshold)))
                    firing.push(`${alarm.name} (${alarm.inputs.metricName} ${value} vs ${alarm.inputs.threshold})`);
            }
            expect(firing).to.deep.equal([]);

            // Every alarm topic the stack owns has a subscriber: e-mail, or a chat channel.
            const topics = plan.resources.filter((r) => r.type === "aws:sns/topic:Topic" && r.parent?.includes("AlarmTopic"));
            for (const topic of topics) {
                const reached = plan.resources.some(
                    (r) =>
                        (r.type === "aws:sns/topicSubscription:TopicSubscription" ||
                            r.type === "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration") &&
                        r.dependencies.includes(topic.urn),
                );
                expect(reached, `${topic.name} has a subscriber`).to.equal(true);
            }
        });
    }

    it("derives the ticketing databases' free-storage threshold from their allocated storage", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const storage = plan.resources.filter((r) => r.type === ALARM && r.inputs.metricName === "FreeStorageSpace");
        expect(storage).to.have.length(2);
        for (const alarm of storage) {
            const db = plan.resources.find(
                (r) => r.type === "aws:rds/instance:Instance" && r.inputs.identifier === (alarm.inputs.dimensions as Any).DBInstanceIdentifier,
            )!;
            expect(alarm.inputs.threshold).to.equal((Number(db.inputs.allocatedStorage) / 10) * GIB);
        }
    });

    it("sends the alarms to an existing topic, or to Slack through AWS Chatbot with a read-only guardrail", async () => {
        const epr = (extra: Record<string, unknown>) =>
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        epr: {
                            topology: "ecs-audit-worker",
                            imageTag: "1",
                            worker: { command: ["python", "-m", "worker"] },
                            redis: { url: "https://eu1-example.upstash.io", token: "upstash-token-value" },
                            ...extra,
                        },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            );
        const topicArn = "arn:aws:sns:us-east-1:123456789012:oncall";
        const { recorder: existing } = await buildStack(epr({ alarmTopicArn: topicArn }));
        expect(existing.byType("aws:sns/topic:Topic").filter((t) => t.name === "epr-alarms")).to.deep.equal([]);
        for (const alarm of existing.byType(ALARM)) expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([topicArn]);
        const { recorder: slack } = await buildStack(epr({ alarmSlack: { teamId: "T0123ABCDE", channelId: "C0123ABCDE" } }));
        const chat = slack.get("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", "epr-alarms-slack");
        expect(chat.inputs).to.include({ slackTeamId: "T0123ABCDE", slackChannelId: "C0123ABCDE" });
        // Named per stack: a staging and a production stack of one account may post to one channel.
        expect(chat.inputs.configurationName).to.equal(`epr-alarms-${chat.urn.split(":")[2]}-C0123ABCDE`);
        // Chatbot has no API in us-east-1, the stack's region: the channel is configured in us-east-2, the topic stays.
        expect(chat.inputs.region).to.equal("us-east-2");
        expect(chat.inputs.guardrailPolicyArns).to.deep.equal(["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        expect(chat.dependencies).to.include(slack.get("aws:sns/topic:Topic", "epr-alarms").urn);
        const trust = JSON.parse(String(slack.get("aws:iam/role:Role", "epr-alarms-chat").inputs.assumeRolePolicy));
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "chatbot.amazonaws.com" });
    });

    it("refuses a production workload whose alarms reach no one, naming the keys; accepts a topic or a Slack channel", () => {
        const tickets = {
            topology: "compose-host",
            imagePrefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/t",
            imageTag: "1",
            certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/99999999-8888-7777-6666-555555555555",
            services: { ticketing: { port: 8081 } },
        };
        const alarmProblems = (environment: string, extra: Record<string, unknown> = {}) =>
            problemsOf({ environment, workloads: { tickets: { ...tickets, ...extra } } }).filter((p) => /alarm/i.test(p));
        expect(alarmProblems("production").join("\n")).to.match(
            /workloads\.tickets\.alarmEmails: production alarms must reach someone.*alarmTopicArn.*alarmSlack/,
        );
        expect(alarmProblems("production", { alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:oncall" })).to.deep.equal([]);
        expect(alarmProblems("production", { alarmSlack: { teamId: "T0123ABCDE", channelId: "C0123ABCDE" } })).to.deep.equal([]);
        expect(alarmProblems("staging")).to.deep.equal([]);
    });
});
