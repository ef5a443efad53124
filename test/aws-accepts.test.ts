import { expect } from "chai";
import { globalClusterIdentifier } from "../components/blocks/aurora";
import { rollingDeployProblem } from "../components/blocks/operations";
import { physicalNameProblem } from "../stacks/physical-names";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { parseStackConfig } from "../stacks/schema";
import { awsPartition, healthCheckCommand } from "../stacks/schema-kit";
import { checkReadiness } from "../plan/readiness";
import { configProblems, plannedResource, rawStack } from "./helpers";

/** Stack files a team writes for its own services that AWS would refuse, or that would not run: refused at validation, naming the key. */

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

const orders = (settings: Record<string, unknown>, extra: { region?: string; stack?: string } = {}) =>
    rawStack(
        { environment: "staging", workloads: { orders: { topology: "fargate-rds", image: `${ECR}/orders:1.0.0`, ...settings } } },
        { ...(extra.region ? { region: extra.region } : {}), ...(extra.stack ? { stack: extra.stack } : {}) },
    );
/** An aurora-web workload `board` (a memory-optimized class, so disaster recovery may be on) in `stack`. */
const board = (settings: Record<string, unknown>, stack = "test") =>
    rawStack(
        {
            environment: "staging",
            workloads: {
                board: {
                    topology: "aurora-web",
                    image: `${ECR}/board:1`,
                    api: { originDomainName: "api-origin.example.com", certificateArn: CERT },
                    database: { instanceClass: "db.r6g.large" },
                    ...settings,
                },
            },
        },
        { stack },
    );
/** A compose-host workload `desk` running `services`. */
const desk = (services: Record<string, unknown>) =>
    rawStack({
        environment: "staging",
        workloads: { desk: { topology: "compose-host", imagePrefix: `${ECR}/desk`, imageTag: "1.0.0", certificateArn: CERT, services } },
    });
const accepted = (raw: ReturnType<typeof rawStack>) => expect(() => parseStackConfig(raw, TOPOLOGY_SCHEMAS)).not.to.throw();
const messages = (raw: ReturnType<typeof rawStack>) => configProblems(raw).map((p) => `${p.path}: ${p.message}`);

describe("what AWS accepts: rolling deploys that can progress", () => {
    it("knows when ECS can neither stop nor start a task (minimum rounded up, maximum rounded down)", () => {
        const bounds = (minimumHealthyPercent: number, maximumPercent: number) => ({ minimumHealthyPercent, maximumPercent });
        expect(rollingDeployProblem(1, bounds(100, 100), "desiredCount")).to.match(
            /set deployment.maximumPercent to 200, or deployment.minimumHealthyPercent to 0/,
        );
        expect(rollingDeployProblem(1, bounds(50, 150), "desiredCount"), "one task: 50% keeps it, 150% adds none").to.be.a("string");
        expect(rollingDeployProblem(2, bounds(100, 100), "desiredCount")).to.match(
            /maximumPercent to 150 or more, or deployment.minimumHealthyPercent to 50 or less/,
        );
        // Either way out is enough: the default (100/200), stop-first (0/100), and 50% of two tasks.
        expect(rollingDeployProblem(1, bounds(100, 200), "desiredCount")).to.equal(undefined);
        expect(rollingDeployProblem(1, bounds(0, 100), "desiredCount")).to.equal(undefined);
        expect(rollingDeployProblem(2, bounds(50, 100), "desiredCount")).to.equal(undefined);
        expect(rollingDeployProblem(3, bounds(100, 134), "desiredCount"), "3 x 134% rounds down to 4").to.equal(undefined);
    });

    it("refuses deployment bounds that would hang every deploy, at each topology's fewest tasks, naming the key", () => {
        const stuck = { deployment: { minimumHealthyPercent: 100, maximumPercent: 100 } };
        expect(messages(orders(stuck))).to.have.length(1);
        expect(messages(orders(stuck))[0]).to.match(
            /^platform:workloads\.orders\.deployment\.maximumPercent: at its fewest the service runs 1 task \(desiredCount\)/,
        );
        // Two tasks with 50% kept: one may stop first.
        accepted(orders({ desiredCount: 2, deployment: { minimumHealthyPercent: 50, maximumPercent: 100 } }));
        const hub = rawStack({
            environment: "staging",
            workloads: {
                hub: {
                    topology: "event-driven",
                    integration: { image: `${ECR}/integration:1` },
                    webhook: { image: `${ECR}/webhook:1` },
                    worker: { image: `${ECR}/worker:1`, minTasks: 1 },
                    api: { originDomainName: "gateway-origin.example.com", certificateArn: CERT },
                    ...stuck,
                },
            },
        });
        expect(messages(hub)).to.deep.equal([
            "platform:workloads.hub.deployment.maximumPercent: at its fewest the service runs 1 task (the worker's minTasks): minimumHealthyPercent 100 keeps it running (rounded up) and maximumPercent 100 allows no task beyond (rounded down), so ECS can neither stop an old task nor start a new one and every deploy hangs; set deployment.maximumPercent to 200, or deployment.minimumHealthyPercent to 0 (the old task stops first); got 100",
        ]);
    });
});

describe("what AWS accepts: partitions", () => {
    it("reads a region's partition as the AWS SDK's table does", () => {
        expect(["us-east-1", "eu-central-2", "mx-central-1", "il-central-1"].map(awsPartition)).to.deep.equal(["aws", "aws", "aws", "aws"]);
        expect(
            ["cn-north-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1"].map(awsPartition),
        ).to.deep.equal(["aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"]);
    });

    it("refuses a stack, DR or replication region outside the commercial partition (its arn:aws: ARNs would be refused there)", () => {
        const [stack] = messages(orders({}, { region: "cn-north-1" }));
        expect(stack).to.match(/^aws:region: cn-north-1 is in the aws-cn partition; this program deploys to the commercial partition \(aws\) only/);
        expect(messages(orders({}, { region: "us-gov-west-1" }))[0]).to.match(/^aws:region: us-gov-west-1 is in the aws-us-gov partition/);
        const replicated = rawStack({ environment: "staging", imageReplication: { regions: ["us-west-2", "us-gov-east-1"] } });
        expect(messages(replicated)).to.have.length(1);
        expect(messages(replicated)[0]).to.match(/^platform:imageReplication\.regions\[1\]: us-gov-east-1 is in the aws-us-gov partition/);
        const drInChina = board({ disasterRecovery: { enabled: true, region: "cn-northwest-1" } });
        expect(messages(drInChina).map((m) => m.split(":").slice(0, 2).join(":"))).to.deep.equal(["platform:workloads.board.disasterRecovery.region"]);
    });
});

describe("what AWS accepts: a profile override that breaks a workload's default names the override", () => {
    it("blames platform:profile.auroraMinReaders above auroraMaxReaders, not a key the workload never set", () => {
        const raw = board({});
        raw.values.profile = { auroraMinReaders: 2, auroraMaxReaders: 1 };
        expect(messages(raw)).to.deep.equal([
            "platform:profile.auroraMinReaders: must not exceed database.maxReaders (1) (the default of platform:workloads.board.database.minReaders)",
        ]);
    });
});

describe("what AWS accepts: the stack's name, which ends every derived physical name", () => {
    it("refuses a stack name with capitals, underscores, dots or double hyphens once it has workloads, suggesting one", () => {
        expect(messages(orders({}, { stack: "Acme_Prod.eu" }))).to.deep.equal([
            "stack \"Acme_Prod.eu\": the workloads' physical names end with the stack's name (database <workload>-db-<stack>, task family <workload>-<stack>, buckets), which AWS takes only as lowercase letters, digits and single hyphens: rename the stack (pulumi stack rename acme-prod-eu)",
        ]);
        expect(messages(orders({}, { stack: "acme--prod" })).map((m) => m.split(":")[0])).to.deep.equal(['stack "acme--prod"']);
        accepted(orders({}, { stack: "acme-corp-production-eu" }));
        accepted(rawStack({ environment: "staging" }, { stack: "Sandbox_1" }));
    });
});

describe("what AWS accepts: engine versions", () => {
    it("refuses an Aurora PostgreSQL minor before the first AWS offers of its major", () => {
        expect(messages(board({ database: { instanceClass: "db.r6g.large", engineVersion: "16.0" } }))).to.deep.equal([
            'platform:workloads.board.database.engineVersion: Aurora PostgreSQL 16 starts at 16.1: AWS has no 16.0 to create; give a version it lists (aws rds describe-db-engine-versions --engine aurora-postgresql); got "16.0"',
        ]);
        expect(messages(board({ database: { instanceClass: "db.r6g.large", engineVersion: "17.1" } }))[0]).to.contain("starts at 17.4");
        for (const version of ["15.2", "16.1", "17.4", "17.6"]) accepted(board({ database: { instanceClass: "db.r6g.large", engineVersion: version } }));
    });
});

describe("what AWS accepts: workload names, which begin every derived physical name", () => {
    it("refuses a double or trailing hyphen (orders--db-<stack> is no RDS identifier), at the workload's key", () => {
        const named = (name: string) => rawStack({ environment: "staging", workloads: { [name]: { topology: "fargate-rds", image: `${ECR}/orders:1.0.0` } } });
        for (const name of ["orders-", "orders--eu"])
            expect(messages(named(name))).to.deep.equal([
                `platform:workloads.${name}: workload names are 1-20 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with one; got "${name}"`,
            ]);
        accepted(named("orders-eu-2"));
        accepted(named("a".repeat(20)));
        expect(messages(named("a".repeat(21)))[0]).to.contain("1-20 characters");
    });

    it("takes compose-host service names by the same rule (desk-api--db-<stack> is no RDS identifier either)", () => {
        expect(messages(desk({ "api-": { port: 8081, dedicatedDatabase: true } })).map((m) => m.split("; got")[0])).to.deep.equal([
            "platform:workloads.desk.services.api-: service names are 1-20 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with one",
        ]);
    });
});

describe("what AWS accepts: names that outgrow S3's 63 characters", () => {
    it("counts the DR copy's longer bucket name, and says how short bucketPrefix must be", () => {
        // 31 characters: the attachments bucket fits, its DR copy (-attachments-dr-) does not.
        const stack = "acme-corporation-prod-eu-west-1";
        accepted(board({}, stack));
        expect(messages(board({ disasterRecovery: { enabled: true, region: "us-west-2" } }, stack))).to.deep.equal([
            `platform:workloads.board.bucketPrefix: makes the DR copy's bucket name <bucketPrefix>-${stack}-attachments-dr-<account> 65 characters; S3 allows 63: shorten bucketPrefix to 3 characters or fewer`,
        ]);
    });

    it("names the stack when no bucketPrefix can fit", () => {
        const stack = "acme-corporation-production-eu-central-1";
        const [problem] = messages(board({ bucketPrefix: "b" }, stack));
        expect(problem).to.contain("the stack's name (40 characters) leaves no room for any prefix; use a stack name of at most 36 characters");
    });
});

describe("what AWS accepts: derived names that outgrow RDS's 63 characters or a DNS label's, refused at the key that names them", () => {
    const RDS_LIMIT = "AWS allows 63 (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html)";
    const w20 = "orders-platform-euw1"; // a workload name of 20 characters, the longest there is
    const s20 = "payments-settlements"; // and a service name of 20
    const stack = "acme-corp-production-eu";
    const compose = (services: Record<string, unknown>, database: Record<string, unknown> = {}) =>
        rawStack(
            {
                environment: "staging",
                workloads: { [w20]: { topology: "compose-host", imagePrefix: `${ECR}/desk`, imageTag: "1.0.0", certificateArn: CERT, services, database } },
            },
            { stack },
        );

    it("a compose-host service's dedicated database: <workload>-<service>-db-<stack>, shortened by services.<name>.databaseIdentifier", () => {
        expect(`${w20}-${s20}-db-${stack}`).to.have.length(68);
        expect(messages(compose({ [s20]: { port: 8081, dedicatedDatabase: true } }))).to.deep.equal([
            `platform:workloads.${w20}.services.${s20}.databaseIdentifier: the dedicated database's identifier ${w20}-${s20}-db-${stack} has 68 characters; ${RDS_LIMIT}: set services.${s20}.databaseIdentifier to a name of at most 63 characters`,
        ]);
        accepted(compose({ [s20]: { port: 8081, dedicatedDatabase: true, databaseIdentifier: "orders-settlements-db-prod-eu" } }));
        // It names the service's own instance only, and no two instances of the workload share one.
        expect(messages(compose({ api: { port: 8081, databaseIdentifier: "orders-api-db" } }))).to.deep.equal([
            `platform:workloads.${w20}.services.api.databaseIdentifier: names the service's own RDS instance, which it has only with dedicatedDatabase: true (the shared instance's is database.identifier); got "orders-api-db"`,
        ]);
        // And database.identifier names the shared instance, which no service of an all-dedicated host uses.
        expect(messages(compose({ api: { port: 8081, dedicatedDatabase: true } }, { identifier: "desk-shared" }))).to.deep.equal([
            `platform:workloads.${w20}.database.identifier: names the shared RDS instance, which no service uses (every service has dedicatedDatabase: true), so none is created: remove it, or name each service's own with services.<name>.databaseIdentifier; got "desk-shared"`,
        ]);
        expect(
            messages(
                compose({ api: { port: 8081 }, [s20]: { port: 8082, dedicatedDatabase: true, databaseIdentifier: "orders-db" } }, { identifier: "orders-db" }),
            ),
        ).to.deep.equal([
            `platform:workloads.${w20}.services.${s20}.databaseIdentifier: orders-db is also the identifier database.identifier gives: RDS takes an identifier once per account and region; give another; got "orders-db"`,
        ]);
    });

    it("a database's read replica (<identifier>-replica) and an Aurora global database (<identifier>-global): database.identifier, with the room they leave", () => {
        const ledger = (database: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
            rawStack(
                {
                    environment: "staging",
                    workloads: { [w20]: { topology: "fargate-rds", image: `${ECR}/orders:1.0.0`, readReplica: true, database, ...extra } },
                },
                { stack: "acme-corporation-production-eu-w1" },
            );
        // 20 + 4 + 33 = 57 for the master, 65 for its replica.
        expect(messages(ledger({}))).to.deep.equal([
            `platform:workloads.${w20}.database.identifier: the database's read replica's identifier ${w20}-db-acme-corporation-production-eu-w1-replica has 65 characters; ${RDS_LIMIT}: set database.identifier to a name of at most 55 characters`,
        ]);
        accepted(ledger({}, { readReplica: false }));
        const given = "a".repeat(56);
        expect(messages(ledger({ identifier: given }))).to.deep.equal([
            `platform:workloads.${w20}.database.identifier: the database's read replica's identifier ${given}-replica has 64 characters; ${RDS_LIMIT}: shorten database.identifier to 55 characters or fewer; got "${given}"`,
        ]);
        accepted(ledger({ identifier: given.slice(1) }));

        const dr = { disasterRecovery: { enabled: true, region: "us-west-2" }, bucketPrefix: "b" };
        const boardStack = "acme-corporation-production-eu-w1";
        const long = board(dr, boardStack);
        long.values.workloads = { [w20]: (long.values.workloads as Record<string, unknown>).board };
        // Its cluster's identifier (57) fits; `-global` would make the global database's 64, so that one is
        // cut and hashed: turning DR on never asks to rename (and so replace) a running cluster.
        accepted(long);
        const cluster = `${w20}-db-${boardStack}`;
        const globalId = globalClusterIdentifier(cluster);
        expect(globalId).to.match(/^[a-z][a-z0-9]*(-[a-z0-9]+)*-global$/);
        expect(globalId).to.have.length.at.most(63);
        expect(globalId).to.not.equal(globalClusterIdentifier(`${cluster}x`));
        expect(physicalNameProblem("aws:rds/globalCluster:GlobalCluster", globalId)).to.equal(undefined);
        // A name that fits keeps its plain form (the shipped and every deployed global database).
        expect(globalClusterIdentifier("braidmgr-production")).to.equal("braidmgr-production-global");
        accepted(board({ ...dr, database: { instanceClass: "db.r6g.large", identifier: "orders-db-prod-eu" } }, boardStack));
    });

    it("every topology's database in a long-named stack, and the DNS names whose one label is the stack's name", () => {
        const stack = "acme-corporation-production-europe-central-frankfurt-primary-region-01"; // 70 characters
        const entity = {
            topology: "ecs-audit-worker",
            imageTag: "1.0.0",
            worker: { command: ["python", "-m", "app.audit_consumer"] },
            redis: { url: "https://db.upstash.io", token: "token" },
        };
        const hooks = {
            topology: "event-driven",
            integration: { image: `${ECR}/integration:1` },
            webhook: { image: `${ECR}/webhook:1` },
            worker: { image: `${ECR}/worker:1` },
            api: { originDomainName: "gateway-origin.example.com", certificateArn: CERT },
            disasterRecovery: {
                enabled: true,
                region: "us-west-2",
                certificateArn: "arn:aws:acm:us-west-2:123456789012:certificate/11111111-2222-3333-4444-555555555555",
            },
        };
        const raw = rawStack(
            { environment: "staging", workloads: { ledger: { topology: "fargate-rds", image: `${ECR}/orders:1.0.0` }, entity, hooks } },
            { stack, secretKeys: ["platform:workloads"] },
        );
        const problems = configProblems(raw);
        expect(problems.map((p) => p.path)).to.have.members([
            "platform:workloads.ledger.database.identifier",
            "platform:workloads.ledger",
            "platform:workloads.entity.database.identifier",
            "platform:workloads.hooks.database.identifier",
            "platform:workloads.hooks",
        ]);
        const at = (path: string) => problems.find((p) => p.path === path)!.message;
        expect(at("platform:workloads.entity.database.identifier")).to.equal(
            `the database's identifier entity-db-${stack} has 80 characters; ${RDS_LIMIT}: set database.identifier to a name of at most 63 characters`,
        );
        // No key shortens a label that is the stack's name: the message says so, and shows no value of the workload.
        expect(at("platform:workloads.ledger")).to.equal(
            `the Prometheus scraper's DNS namespace ledger.${stack}.internal is not a DNS name: labels of at most 63 letters, digits and hyphens, joined by dots (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html): the stack's name (70 characters) is one of its labels, and no key of the workload shortens it: use a stack name of at most 63 characters (pulumi stack rename)`,
        );
        expect(at("platform:workloads.hooks"))
            .to.contain(`the DR region's private zone hooks.${stack}.dr.internal is not a DNS name`)
            .and.not.to.contain("got");
        // Without DR, the event-driven workload names no zone.
        const noDr = rawStack({ environment: "staging", workloads: { hooks: { ...hooks, disasterRecovery: { enabled: false } } } }, { stack });
        expect(configProblems(noDr).map((p) => p.path)).to.deep.equal(["platform:workloads.hooks.database.identifier"]);
    });
});

describe("what AWS accepts: the audit queue of ecs-audit-worker", () => {
    const entity = (audit: Record<string, unknown>) =>
        rawStack(
            {
                environment: "staging",
                workloads: {
                    entity: {
                        topology: "ecs-audit-worker",
                        imageTag: "1.0.0",
                        worker: { command: ["python", "-m", "app.audit_consumer"] },
                        redis: { url: "https://db.upstash.io", token: "token" },
                        audit,
                    },
                },
            },
            { secretKeys: ["platform:workloads"] },
        );

    it("refuses an existing audit topic of another region: SNS subscribes a queue only in the topic's region", () => {
        expect(messages(entity({ topicArn: "arn:aws:sns:eu-west-1:123456789012:audit-events" }))).to.deep.equal([
            "platform:workloads.entity.audit.topicArn: is in eu-west-1, not the stack's region us-east-1: the stack subscribes its audit queue from its own region, and SNS takes a subscription only in the topic's region; give one of us-east-1; got \"arn:aws:sns:eu-west-1:123456789012:audit-events\"",
        ]);
        accepted(entity({ topicArn: "arn:aws:sns:us-east-1:123456789012:audit-events" }));
    });

    it("refuses an age alarm on the audit queue at or beyond its 4-day retention", () => {
        expect(messages(entity({ maxMessageAgeSeconds: 432000 }))).to.deep.equal([
            "platform:workloads.entity.audit.maxMessageAgeSeconds: must be under the audit queue's retention (345600 s, 4 days): SQS deletes an older message, so the alarm would never fire and the audit trail would lose it silently; got 432000",
        ]);
        accepted(entity({ maxMessageAgeSeconds: 86400 }));
    });
});

describe("what AWS accepts: alarm topics", () => {
    it("refuses an alarmTopicArn of another region: CloudWatch notifies only a topic of the alarm's region", () => {
        const [problem] = messages(board({ alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:oncall" }));
        expect(problem).to.match(
            /^platform:workloads\.board\.alarmTopicArn: is in eu-west-1, not the stack's region us-east-1: CloudWatch takes an alarm action only on a topic of the alarm's region/,
        );
        accepted(board({ alarmTopicArn: "arn:aws:sns:us-east-1:123456789012:oncall" }));
    });
});

describe("what AWS accepts: container health checks", () => {
    it("takes a health check as ECS and Compose do: CMD or CMD-SHELL first", () => {
        expect(healthCheckCommand.safeParse(["CMD", "/bin/healthcheck"]).success).to.equal(true);
        expect(healthCheckCommand.safeParse(["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]).success).to.equal(true);
        expect(messages(desk({ api: { port: 8081, healthCheck: ["curl", "-f", "http://localhost:8081/health"] } }))).to.deep.equal([
            'platform:workloads.desk.services.api.healthCheck: starts with "curl": a health check starts with CMD (the command run directly) or CMD-SHELL (the command run by the container\'s shell), as ECS and Compose take it, e.g. ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"]; got ["curl","-f","http://localhost:8081/health"]',
        ]);
    });

    it("refuses a shell command line after CMD (Docker executes it as a file name), and suggests the marker a lowercase one meant", () => {
        const problems = (healthCheck: string[]) => messages(desk({ api: { port: 8081, healthCheck } })).map((m) => m.replace(/; got .*$/, ""));
        expect(problems(["CMD", "curl -f http://localhost:8081/health || exit 1"])).to.deep.equal([
            'platform:workloads.desk.services.api.healthCheck: CMD runs "curl -f http://localhost:8081/health || exit 1" as the name of the executable, without a shell (no file has that name): write ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"]',
        ]);
        expect(problems(["cmd-shell", "curl -f http://localhost:8081/health || exit 1"])[0]).to.match(
            /e\.g\. \["CMD-SHELL", "curl -f http:\/\/localhost:8081\/health \|\| exit 1"\]$/,
        );
        expect(problems(["CMD", "curl", "-f", "http://localhost:8081/health", "||", "exit", "1"])).to.deep.equal([
            'platform:workloads.desk.services.api.healthCheck: CMD passes "||" to "curl" as an argument, without a shell to read it: write ["CMD-SHELL", "curl -f http://localhost:8081/health || exit 1"]',
        ]);
        // One argument may hold a space; the program name may not.
        expect(healthCheckCommand.safeParse(["CMD", "pg_isready", "-d", "my db"]).success).to.equal(true);
    });
});

describe("what AWS accepts: DNS names the program derives from the stack's", () => {
    it("readiness refuses a Cloud Map namespace or hosted zone with a label over 63 characters (a 70-character stack name)", () => {
        const stack = "acme-corporation-production-europe-central-frankfurt-primary-region-01";
        const namespace = plannedResource("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "orders-tasks", { name: `orders.${stack}.internal` });
        const zone = plannedResource("aws:route53/zone:Zone", "hooks-dr", { name: `hooks.${stack.slice(0, 63)}.dr.internal` });
        const problems = checkReadiness({ resources: [namespace, zone], region: "us-east-1", prefixLists: {} });
        expect(problems.map((p) => `${p.check} ${p.urn.split("::").pop()}`)).to.deep.equal(["aws-name-characters orders-tasks"]);
        expect(problems[0].message).to.contain("labels of at most 63");
    });
});

describe("what AWS accepts: services with an API in some regions only", () => {
    it("readiness refuses an AWS Chatbot channel configured in a region without Chatbot's API; its topics may be in any", () => {
        const topic = plannedResource("aws:sns/topic:Topic", "alarms", {}, {}, { id: "alarms", arn: "arn:aws:sns:us-east-1:123456789012:alarms" });
        const channel = (region?: string) =>
            plannedResource("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration", "slack", {
                ...(region ? { region } : {}),
                snsTopicArns: ["arn:aws:sns:us-east-1:123456789012:alarms"],
            });
        const problems = (region?: string) =>
            checkReadiness({ resources: [topic, channel(region)], region: "us-east-1", prefixLists: {} }).map((p) => `${p.check}: ${p.message}`);
        expect(problems()).to.deep.equal([
            "aws-service-region: AWS Chatbot has its API in us-east-2, us-west-2, eu-west-1, ap-southeast-1 only, not in us-east-1: give the resource one of those regions (its SNS topics may stay in us-east-1) (https://docs.aws.amazon.com/general/latest/gr/chatbot.html)",
        ]);
        expect(problems("us-east-2")).to.deep.equal([]);
    });
});
