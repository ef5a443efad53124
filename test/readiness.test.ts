import { expect } from "chai";
import * as sqs from "@pulumi/aws/sqs";
import * as pulumi from "@pulumi/pulumi";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { ConfigValidationError, parseStackConfig } from "../stacks/schema";
import { installMocks, PlannedResource } from "../plan/mocks";
import { Plan } from "../plan/plan";
import { checkReadiness, ReadinessProblem } from "../plan/readiness";
import { readStackFiles } from "../plan/stack-files";
import { buildStack, planOnce, policyOf, rawStack } from "./helpers";

/**
 * Deploy readiness: each check fires on a copy of the shipped production plan changed in the one
 * way `pulumi up` would refuse, and stays silent on the shipped stacks.
 */

type Mutation = (plan: Plan, find: (type: string, name: string) => PlannedResource) => void;

function problemsAfter(base: Plan, mutate: Mutation): ReadinessProblem[] {
    const plan = structuredClone(base);
    const find = (type: string, name: string) => {
        const found = plan.resources.find((r) => r.type === type && r.name === name);
        if (!found) throw new Error(`no ${type} ${name} in the plan`);
        return found;
    };
    mutate(plan, find);
    return checkReadiness(plan);
}

/** The plan without the resource of that name. */
const without =
    (name: string): Mutation =>
    (plan) => {
        plan.resources = plan.resources.filter((r) => r.name !== name);
    };

/** Rewrites a role policy's JSON document. */
function editPolicy(policy: PlannedResource, edit: (statements: Record<string, any>[]) => Record<string, any>[]) {
    const doc = JSON.parse(String(policy.inputs.policy));
    doc.Statement = edit(doc.Statement);
    policy.inputs.policy = JSON.stringify(doc);
}

const T = {
    service: "aws:ecs/service:Service",
    task: "aws:ecs/taskDefinition:TaskDefinition",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    listener: "aws:lb/listener:Listener",
    rule: "aws:lb/listenerRule:ListenerRule",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    balancer: "aws:lb/loadBalancer:LoadBalancer",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
};

describe("deploy readiness", () => {
    let production: Plan;
    before(async () => {
        production = await planOnce(readStackFiles("production"));
    });

    for (const stack of ["staging", "production"]) {
        it(`finds nothing to refuse in the shipped ${stack} stack`, async () => {
            expect(checkReadiness(await planOnce(readStackFiles(stack)))).to.deep.equal([]);
        });
    }

    // Each case: what changes, the check that must fire, and the resource it must name.
    const cases: { what: string; check: string; urn: string; mutate: Mutation }[] = [
        {
            // The shipped stack declares a raised quota (10); back to a new account's five, the sixth address fails.
            what: "more Elastic IPs in a region than the account's quota",
            check: "aws-regional-quota",
            urn: "aws:ec2/eip:Eip::tickets-ip-3",
            mutate: (plan) => {
                plan.quotas = { elasticIpsPerRegion: 5, vpcsPerRegion: 5 };
            },
        },
        {
            what: "a URN registered twice",
            check: "engine-duplicate-urn",
            urn: "aws:sqs/queue:Queue::epr-audit",
            mutate: (plan, find) => plan.resources.push(structuredClone(find("aws:sqs/queue:Queue", "epr-audit"))),
        },
        {
            what: "a dependency on a resource never registered",
            check: "engine-unknown-reference",
            urn: "aws:ecs/service:Service::ledger",
            mutate: (_, find) => find(T.service, "ledger").dependencies.push("urn:pulumi:production::platform::aws:lb/listener:Listener::gone"),
        },
        {
            what: "a load balancer named explicitly beyond 32 characters",
            check: "aws-name-length",
            urn: "aws:lb/loadBalancer:LoadBalancer::ledger-api",
            mutate: (_, find) => (find(T.balancer, "ledger-api").inputs.name = "ledger-internal-api-load-balancer-1"),
        },
        {
            what: "a target group whose auto-name would exceed 32 characters",
            check: "aws-name-length",
            urn: "aws:lb/targetGroup:TargetGroup::tickets-alb-notifications-x",
            mutate: (_, find) => {
                const group = find(T.targetGroup, "tickets-alb-notific-d8d1");
                group.name = "tickets-alb-notifications-x";
                group.urn = group.urn.replace(/::[^:]+$/, "::tickets-alb-notifications-x");
            },
        },
        {
            what: "a bucket name with capitals",
            check: "aws-name-characters",
            urn: "aws:s3/bucket:Bucket::braidmgr-attachments",
            mutate: (_, find) => (find("aws:s3/bucket:Bucket", "braidmgr-attachments").inputs.bucket = "BraidMgr-Attachments"),
        },
        {
            what: "a second reference to CloudFront's prefix list (55 entries each) on one group",
            check: "aws-security-group-rules",
            urn: "aws:ec2/securityGroup:SecurityGroup::braidmgr-api",
            mutate: (plan, find) => {
                const rule = structuredClone(find(T.ingress, "braidmgr-api-in-cloudfront"));
                rule.name = "braidmgr-api-in-cloudfront-http";
                rule.urn = `${rule.urn}-http`;
                rule.inputs.fromPort = rule.inputs.toPort = 80;
                plan.resources.push(rule);
            },
        },
        {
            what: "six security groups on a service's network interfaces",
            check: "aws-security-groups-per-interface",
            urn: "aws:ecs/service:Service::ledger",
            mutate: (_, find) =>
                ((find(T.service, "ledger").inputs.networkConfiguration as any).securityGroups = ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]),
        },
        {
            what: "101 rules on one listener",
            check: "aws-listener-rules",
            urn: "aws:lb/listener:Listener::tickets-alb",
            mutate: (plan, find) => {
                const rule = find(T.rule, "tickets-alb-ticketing");
                for (let i = 0; i < 97; i++) plan.resources.push({ ...structuredClone(rule), urn: `${rule.urn}-${i}` });
            },
        },
        {
            what: "a listener certificate from another region",
            check: "aws-certificate-region",
            urn: "aws:lb/listener:Listener::braidmgr-api",
            mutate: (_, find) =>
                (find(T.listener, "braidmgr-api").inputs.certificateArn =
                    "arn:aws:acm:eu-west-1:123456789012:certificate/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        },
        {
            what: "a CloudFront certificate outside us-east-1",
            check: "aws-certificate-region",
            urn: "aws:cloudfront/distribution:Distribution::braidmgr-cdn",
            mutate: (_, find) =>
                ((find("aws:cloudfront/distribution:Distribution", "braidmgr-cdn").inputs.viewerCertificate as any).acmCertificateArn =
                    "arn:aws:acm:eu-west-1:123456789012:certificate/f"),
        },
        {
            what: "a disaster-recovery copy in the stack's own region",
            check: "dr-region",
            urn: "aws:s3/bucket:Bucket::integrations-documents-dr",
            mutate: (_, find) => (find("aws:s3/bucket:Bucket", "integrations-documents-dr").inputs.region = "us-east-1"),
        },
        {
            what: "an execution role without ECR pull for a private image",
            check: "iam-image-pull",
            urn: "aws:ecs/taskDefinition:TaskDefinition::ledger",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "ledger-execution"), (s) => s.filter((x) => x.Sid !== "PullImages")),
        },
        {
            what: "an execution role that cannot read a container's secret",
            check: "iam-secret-read",
            urn: "aws:ecs/taskDefinition:TaskDefinition::ledger",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "ledger-execution"), (s) => s.filter((x) => x.Sid !== "ReadSecrets")),
        },
        {
            what: "an execution role that cannot write the awslogs group",
            check: "iam-log-write",
            urn: "aws:ecs/taskDefinition:TaskDefinition::ledger",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "ledger-execution"), (s) => s.filter((x) => x.Sid !== "WriteLogs")),
        },
        {
            what: "a container told of a queue its task role may not use",
            check: "iam-environment-resource",
            urn: "aws:ecs/taskDefinition:TaskDefinition::epr-worker",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "epr-worker-task"), (s) => s.filter((x) => !String(x.Action).includes("sqs:"))),
        },
        {
            what: "a flow log whose role may not look its log group up (AWS's minimum for the flow-logs service)",
            check: "iam-flow-log",
            urn: "aws:ec2/flowLog:FlowLog::network-flow-log",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "network-flow-logs"), (s) => s.filter((x) => x.Sid !== "FindLogGroup")),
        },
        {
            what: "alarms notifying a topic under the AWS managed key, which CloudWatch may not use",
            check: "kms-alarm-topic",
            urn: "aws:sns/topic:Topic::epr-alarms",
            mutate: (_, find) => (find("aws:sns/topic:Topic", "epr-alarms").inputs.kmsMasterKeyId = "alias/aws/sns"),
        },
        {
            what: "alarms notifying a topic whose key policy does not admit CloudWatch",
            check: "kms-alarm-topic",
            urn: "aws:sns/topic:Topic::braidmgr-alarms",
            mutate: (_, find) => editPolicy(find("aws:kms/key:Key", "braidmgr-alarms"), (s) => s.filter((x) => x.Sid !== "CloudWatchPublishes")),
        },
        {
            what: "a Compose host whose role cannot pull its ECR images",
            check: "iam-image-pull",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "tickets-host"), (s) => s.filter((x) => !String(x.Sid).startsWith("Pull"))),
        },
        {
            what: "a Compose host whose role cannot read a secret its env files are written from",
            check: "iam-secret-read",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) =>
                editPolicy(find(T.rolePolicy, "tickets-host"), (s) =>
                    s.map((x) =>
                        x.Sid === "ReadServiceSecrets" ? { ...x, Resource: [x.Resource].flat().filter((arn: string) => !arn.includes("payments")) } : x,
                    ),
                ),
        },
        {
            what: "a Compose host whose role cannot copy the Compose file its sync job fetches",
            check: "iam-host-config",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) =>
                editPolicy(find(T.rolePolicy, "tickets-host"), (s) =>
                    s.map((x) => (x.Sid === "ReadComposeDefinition" ? { ...x, Resource: String(x.Resource).replace("/compose/*", "/other/*") } : x)),
                ),
        },
        {
            what: "a Compose host whose role cannot write its containers' awslogs groups",
            check: "iam-log-write",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) => editPolicy(find(T.rolePolicy, "tickets-host"), (s) => s.filter((x) => x.Sid !== "WriteContainerLogs")),
        },
        {
            what: "a Compose host that never logs Docker in to ECR",
            check: "host-ecr-login",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) => {
                const host = find("aws:ec2/instance:Instance", "tickets-host");
                host.inputs.userData = String(host.inputs.userData).replace(/ecr-login/g, "none");
            },
        },
        {
            what: "a service that does not wait for the listener forwarding to its target group",
            check: "order-service-listener",
            urn: "aws:ecs/service:Service::ledger",
            mutate: (_, find) => {
                const listener = find(T.listener, "ledger-api").urn;
                const service = find(T.service, "ledger");
                service.dependencies = service.dependencies.filter((d) => d !== listener);
            },
        },
        {
            what: "a blue/green service that waits for neither listener",
            check: "order-service-listener",
            urn: "aws:ecs/service:Service::integrations-gateway",
            mutate: (_, find) => {
                const service = find(T.service, "integrations-gateway");
                service.dependencies = service.dependencies.filter((d) => !d.includes("aws:lb/listener:Listener"));
            },
        },
        {
            what: "a service that may start before its execution role's policy",
            check: "order-service-role-policy",
            urn: "aws:ecs/service:Service::ledger",
            mutate: (_, find) => {
                const policy = find(T.rolePolicy, "ledger-execution").urn;
                const service = find(T.service, "ledger");
                service.dependencies = service.dependencies.filter((d) => d !== policy);
            },
        },
        {
            what: "a host that may boot before its instance role's policy",
            check: "order-host-role-policy",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: (_, find) => {
                const policy = find(T.rolePolicy, "tickets-host").urn;
                const host = find("aws:ec2/instance:Instance", "tickets-host");
                host.dependencies = host.dependencies.filter((d) => d !== policy);
            },
        },
        {
            what: "a load balancer logging to a bucket before its policy exists",
            check: "order-access-log-policy",
            urn: "aws:lb/loadBalancer:LoadBalancer::ledger-api",
            mutate: (_, find) => {
                const balancer = find(T.balancer, "ledger-api");
                balancer.dependencies = balancer.dependencies.filter((d) => !d.includes("aws:s3/bucketPolicy:BucketPolicy"));
            },
        },
        {
            what: "a DR service in the primary region's security group",
            check: "cross-region-reference",
            urn: "aws:ecs/service:Service::integrations-gateway-dr",
            mutate: (_, find) => {
                const primaryGroup = find("aws:ec2/securityGroup:SecurityGroup", "integrations-gateway-tasks").state.id;
                (find(T.service, "integrations-gateway-dr").inputs.networkConfiguration as any).securityGroups = [primaryGroup];
            },
        },
        {
            what: "a DR security group in the primary region's VPC",
            check: "cross-region-reference",
            urn: "aws:ec2/securityGroup:SecurityGroup::integrations-alb-dr",
            mutate: (_, find) => {
                const primaryVpc = find("awsx:ec2:Vpc", "network-vpc").state.networkIds![0];
                find("aws:ec2/securityGroup:SecurityGroup", "integrations-alb-dr").inputs.vpcId = primaryVpc;
            },
        },
        {
            what: "a DR balancer's rule referencing the primary region's ID of CloudFront's prefix list",
            check: "cross-region-reference",
            urn: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::integrations-alb-dr-in-cloudfront",
            mutate: (plan, find) => {
                const primaryList = Object.values(plan.prefixLists).find((l) => l.region === plan.region)!;
                find(T.ingress, "integrations-alb-dr-in-cloudfront").inputs.prefixListId = primaryList.id;
            },
        },
        {
            what: "a DR access-log bucket admitting the primary region's ELB account",
            check: "cross-region-reference",
            urn: "aws:s3/bucketPolicy:BucketPolicy::integrations-alb-dr-access-logs",
            mutate: (_, find) =>
                editPolicy(find("aws:s3/bucketPolicy:BucketPolicy", "integrations-alb-dr-access-logs"), (statements) =>
                    statements.map((st) => (st.Sid === "ElbWritesAccessLogs" ? { ...st, Principal: { AWS: "arn:aws:iam::127311923021:root" } } : st)),
                ),
        },
        {
            // The Prometheus scraper's /32 on the same port admits the scraper, not the balancer.
            what: "tasks whose security group does not admit their load balancer",
            check: "network-path-target",
            urn: "aws:ecs/service:Service::ledger",
            mutate: without("ledger-tasks-in-load-balancer"),
        },
        {
            what: "a blue/green service's balancer (forwarding by listener rules) that may not send to the tasks",
            check: "network-path-target",
            urn: "aws:ecs/service:Service::integrations-integration",
            mutate: without("integrations-services-out-targets-integration"),
        },
        {
            what: "a Compose host that does not admit its load balancer on one service's port",
            check: "network-path-target",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: without("tickets-host-in-load-balancer-payments"),
        },
        {
            // The static-IP balancer's 443 target group checks the ALB's health on 80.
            what: "a network load balancer that may not reach its ALB target's health-check port",
            check: "network-path-target",
            urn: "aws:lb/loadBalancer:LoadBalancer::tickets-alb",
            mutate: without("tickets-edge-out-alb-80"),
        },
        {
            what: "a database whose security group does not admit the tasks its endpoint is given to",
            check: "network-path-data",
            urn: "aws:ecs/service:Service::ledger",
            mutate: without("ledger-db-master-in-tasks"),
        },
        {
            what: "tasks whose security group may not reach the cache their environment names",
            check: "network-path-data",
            urn: "aws:ecs/service:Service::integrations-webhook",
            mutate: without("integrations-webhook-tasks-out-webhook-redis"),
        },
        {
            // Kept at zero tasks until a failover, when the rules must already be there.
            what: "a disaster-recovery standby its region's cache does not admit",
            check: "network-path-data",
            urn: "aws:ecs/service:Service::integrations-worker-dr",
            mutate: without("integrations-redis-dr-cache-in-worker"),
        },
        {
            what: "a Compose host its second database does not admit",
            check: "network-path-data",
            urn: "aws:ec2/instance:Instance::tickets-host",
            mutate: without("tickets-payments-db-master-in-host-payments"),
        },
        {
            what: "a load balancer sending to a port the container does not map",
            check: "target-port",
            urn: "aws:ecs/service:Service::braidmgr",
            mutate: (_, find) => ((find(T.service, "braidmgr").inputs.loadBalancers as { containerPort: number }[])[0].containerPort = 8080),
        },
        {
            what: "a data-volume attachment replaced create-before-delete",
            check: "replace-volume-attachment",
            urn: "aws:ec2/volumeAttachment:VolumeAttachment::tickets-data",
            mutate: (_, find) => (find("aws:ec2/volumeAttachment:VolumeAttachment", "tickets-data").options.deleteBeforeReplace = false),
        },
    ];

    for (const c of cases) {
        it(`refuses ${c.what} (${c.check})`, () => {
            const problems = problemsAfter(production, c.mutate);
            const hit = problems.filter((p) => p.check === c.check && p.urn.endsWith(c.urn));
            expect(hit, JSON.stringify(problems, null, 2)).to.have.length.greaterThan(0);
            expect(hit[0].message).to.be.a("string").and.not.be.empty;
        });
    }

    it("reads a container's secrets as ECS does: a JSON key of a secret in any partition, an SSM parameter by name", () => {
        /** The ledger's task reading its license from `valueFrom`, its execution role granted `grant`. */
        const secretProblems = (valueFrom: string, grant: Record<string, unknown>) =>
            problemsAfter(production, (_, find) => {
                const task = find(T.task, "ledger");
                const containers = JSON.parse(String(task.inputs.containerDefinitions)) as { secrets?: { name: string; valueFrom: string }[] }[];
                // The ledger's own container alone (the bootstrap's reads the database logins).
                task.inputs.containerDefinitions = JSON.stringify([{ ...containers[0], secrets: [{ name: "LEDGER_LICENSE", valueFrom }] }]);
                editPolicy(find(T.rolePolicy, "ledger-execution"), (statements) => [...statements.filter((x) => x.Sid !== "ReadSecrets"), grant]);
            }).filter((p) => p.check === "iam-secret-read" && p.urn.endsWith("::ledger"));
        // GovCloud: the role names the secret's own ARN; the container one of its keys.
        const gov = "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:ledger-license-AbCdEf";
        expect(secretProblems(`${gov}:license::`, { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: gov })).to.deep.equal([]);
        // A parameter in the task's region, by name: IAM sees its ARN.
        const parameter = "arn:aws:ssm:us-east-1:123456789012:parameter/ledger/license";
        expect(secretProblems("/ledger/license", { Effect: "Allow", Action: "ssm:GetParameters", Resource: parameter })).to.deep.equal([]);
        const [denied] = secretProblems("/ledger/license", { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" });
        expect(denied.message).to.contain(`reads LEDGER_LICENSE from ${parameter}, but its execution role lacks ssm:GetParameters on it`);
    });

    it("catches a URN registered twice by a real program under the same mocks", async () => {
        const recorder = installMocks({ project: "platform", stack: "dup", region: "us-east-1" });
        const parent = new pulumi.ComponentResource("platform:test:Box", "box");
        new sqs.Queue("jobs", {}, { parent });
        new sqs.Queue("jobs", {}, { parent });
        await recorder.settle();
        const problems = checkReadiness({ resources: recorder.resources, region: "us-east-1", prefixLists: {} });
        expect(problems.map((p) => [p.check, p.urn])).to.deep.equal([
            ["engine-duplicate-urn", "urn:pulumi:dup::platform::platform:test:Box$aws:sqs/queue:Queue::jobs"],
        ]);
    });

    it("plans a balancer in a region opened since August 2022: access logs through the log-delivery service, no ELB account", async () => {
        const api = (region: string) =>
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        api: {
                            topology: "ecs-audit-worker",
                            imageTag: "1.0.0",
                            worker: { command: ["python", "-m", "worker"] },
                            redis: { url: "https://example.upstash.io", token: "token" },
                        },
                    },
                },
                { region, secretKeys: ["platform:workloads"] },
            );
        const writerIn = async (region: string) => {
            const { recorder } = await buildStack(api(region));
            expect(checkReadiness({ resources: recorder.resources, region, prefixLists: recorder.prefixLists }), region).to.deep.equal([]);
            const policy = policyOf(recorder.get("aws:s3/bucketPolicy:BucketPolicy", "api-api-access-logs").inputs.policy);
            return policy.Statement.find((st) => st.Sid === "ElbWritesAccessLogs")!.Principal;
        };
        expect(await writerIn("il-central-1")).to.deep.equal({ Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
        expect(await writerIn("eu-west-1")).to.deep.equal({ AWS: "arn:aws:iam::156460612806:root" });
    });

    describe("the stack config refuses what AWS would, naming the key", () => {
        const CERT = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/12121212-3434-5656-7878-909090909090`;
        const problemsOf = (values: Record<string, unknown>, region = "us-east-1") => {
            try {
                parseStackConfig(rawStack(values, { region }), TOPOLOGY_SCHEMAS);
                return [];
            } catch (err) {
                if (!(err instanceof ConfigValidationError)) throw err;
                return err.problems;
            }
        };
        const tickets = (extra: Record<string, unknown>) => ({
            environment: "staging",
            workloads: {
                tickets: { topology: "compose-host", imagePrefix: "registry.example.com/tix", imageTag: "1", certificateArn: CERT("us-east-1"), ...extra },
            },
        });

        const hub = (apiRegion: string, disasterRecovery: Record<string, unknown>) => ({
            environment: "production",
            workloads: {
                hub: {
                    topology: "event-driven",
                    api: { originDomainName: "gw.example.com", certificateArn: CERT(apiRegion) },
                    integration: { image: "example/i:1" },
                    webhook: { image: "example/w:1" },
                    worker: { image: "example/q:1" },
                    alarmEmails: ["oncall@example.com"],
                    internalTls: { domainName: "services.example.com", certificateArn: CERT(apiRegion) },
                    disasterRecovery,
                },
            },
        });

        it("a load balancer certificate issued in another region", () => {
            const problems = problemsOf(tickets({ certificateArn: CERT("eu-west-1") }));
            expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.tickets.certificateArn"]);
            expect(problems[0].message).to.contain("issued in eu-west-1").and.contain("us-east-1");
        });

        it("a disaster-recovery region equal to the stack's", () => {
            const problems = problemsOf(hub("eu-west-1", { enabled: true, region: "eu-west-1", certificateArn: CERT("eu-west-1") }), "eu-west-1");
            expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.disasterRecovery.region"]);
            expect(problems[0].message).to.contain("must differ from the stack's own region");
            // The default region (eu-west-1) in a stack of eu-west-1: refused where the pilot light is on,
            // not in a staging stack that has none.
            const byDefault = problemsOf(hub("eu-west-1", { certificateArn: CERT("eu-west-1") }), "eu-west-1");
            expect(byDefault.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.disasterRecovery.region"]);
            expect(problemsOf({ ...hub("eu-west-1", {}), environment: "staging" }, "eu-west-1")).to.deep.equal([]);
        });

        it("a disaster-recovery pilot light without a certificate of its region for the standby balancer", () => {
            const missing = problemsOf(hub("us-east-1", {}));
            expect(missing.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.disasterRecovery.certificateArn"]);
            expect(missing[0].message).to.contain("required with disasterRecovery.enabled").and.contain("eu-west-1").and.contain("gw.example.com");
            const elsewhere = problemsOf(hub("us-east-1", { region: "us-west-2", certificateArn: CERT("us-east-1") }));
            expect(elsewhere.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.disasterRecovery.certificateArn"]);
            expect(elsewhere[0].message).to.contain("issued in us-east-1").and.contain("us-west-2");
            expect(problemsOf(hub("us-east-1", { enabled: false }))).to.deep.equal([]);
        });

        it("101 Compose services: more listener rules and target groups than one load balancer takes", () => {
            const services = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`s${i}`, { port: 2000 + i }]));
            const problems = problemsOf(tickets({ services }));
            expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.tickets.services"]);
            expect(problems[0].message).to.contain("at most 100 services");
            const hundred = Object.fromEntries(Object.entries(services).slice(0, 100));
            expect(problemsOf(tickets({ services: hundred }))).to.deep.equal([]);
        });
    });
});
