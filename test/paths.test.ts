import { expect } from "chai";
import { checkReadiness } from "../plan/readiness";
import { ecrImage, ecrRepositoryArn } from "../components/iam";
import { buildStack, plannedResource, rawStack } from "./helpers";

/** A staging stack with one ECR-image workload (the audit worker's) and the given network settings. */
function stack(network: Record<string, unknown>, epr: Record<string, unknown> = {}) {
    return rawStack(
        {
            environment: "staging",
            network,
            workloads: {
                epr: {
                    topology: "ecs-audit-worker",
                    imageTag: "2026.11.1",
                    clients: { cidrs: ["10.50.0.0/16"] },
                    worker: { command: ["python", "-m", "app.workers.audit_consumer"] },
                    redis: { url: "https://eu1-example.upstash.io", token: "upstash-token-value" },
                    ...epr,
                },
            },
        },
        { secretKeys: ["platform:workloads"] },
    );
}

async function pathProblems(network: Record<string, unknown>) {
    const { recorder, config } = await buildStack(stack(network));
    return checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists }).filter(
        (p) => p.check === "network-path",
    );
}

describe("readiness: network paths", () => {
    it("refuses Fargate tasks in subnets with neither NAT nor the endpoints they pull, log and read secrets through", async () => {
        const problems = await pathProblems({ natStrategy: "none" });
        expect(problems.map((p) => p.urn.split("::").pop())).to.deep.equal(["epr"]);
        const [message] = problems.map((p) => p.message);
        for (const service of ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]) expect(message).to.contain(`com.amazonaws.us-east-1.${service}`);
        // S3's gateway endpoint is on every route table: the layers are reachable.
        expect(message).not.to.contain(".s3 ");
        expect(message).to.contain("platform:network.natStrategy: single or perAz");
    });

    it("with the endpoints, still refuses the public image only NAT reaches (the bootstrap's psql from ECR Public); accepts NAT", async () => {
        const [problem, ...others] = await pathProblems({ natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] });
        expect(others).to.deep.equal([]);
        expect(problem.message).to.contain("cannot reach the internet (db-bootstrap pulls public.ecr.aws/docker/library/postgres:16-alpine");
        expect(problem.message).not.to.contain("ecr.api");
        expect(problem.message).to.contain("platform:network.natStrategy: single or perAz");
        expect(await pathProblems({ natStrategy: "single" })).to.deep.equal([]);
        // The message names the key that moves the bootstrap's image, which here is not enough: Upstash's Redis needs NAT.
        expect(problem.message).to.contain("platform:workloads.epr.database.bootstrapImage");
        expect(problem.message).to.contain("its security group opens port 6379 to the internet: Upstash Redis (external)");
        expect(problem.message).to.contain("takes that pull off the internet, not the rest");
    });

    it("starts without NAT once the bootstrap runs a private copy of its image (database.bootstrapImage) through the endpoints", async () => {
        const mirror = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ecr-public/docker/library/postgres:16-alpine";
        const { recorder, config } = await buildStack(
            stack({ natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] }, { database: { bootstrapImage: mirror } }),
        );
        const problems = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists });
        // It starts; what it calls once running is still out of reach: the topic and the queue its
        // environment names (their endpoints), and Upstash's Redis outside AWS (only NAT reaches it).
        const [problem, ...others] = problems.filter((p) => p.check === "network-path");
        expect(others).to.deep.equal([]);
        expect(problem.message).not.to.contain("db-bootstrap");
        expect(problem.message).to.contain("com.amazonaws.us-east-1.sns (api's EPR_DOCUMENT_VAULT_TOPIC_ARN");
        expect(problem.message).to.contain("com.amazonaws.us-east-1.sqs (api's EPR_AUDIT_SQS_URL");
        expect(problem.message).to.contain("the internet (its security group opens port 6379 to the internet: Upstash Redis (external))");
        expect(problem.message).to.contain("it starts, but its first request there fails");
        const task = recorder.byType("aws:ecs/taskDefinition:TaskDefinition").find((t) => String(t.inputs.containerDefinitions).includes("db-bootstrap"))!;
        const bootstrap = (JSON.parse(String(task.inputs.containerDefinitions)) as { name: string; image: string }[]).find((c) => c.name === "db-bootstrap")!;
        expect(bootstrap.image).to.equal(mirror);
        // The execution role may pull it: the repository is granted like the application's own.
        const policies = recorder.byType("aws:iam/rolePolicy:RolePolicy").map((p) => String(p.inputs.policy));
        expect(policies.some((p) => p.includes("arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/docker/library/postgres"))).to.equal(true);
        // A pull-through cache's first pull of a tag creates the repository and imports the image on the puller's rights: that repository only.
        const fills = policies
            .flatMap((p) => (JSON.parse(p) as { Statement: { Sid?: string; Action: string[]; Resource: string[] }[] }).Statement)
            .filter((s) => s.Sid === "FillPullThroughCache");
        expect(fills.length).to.be.greaterThan(0);
        for (const fill of fills) {
            expect(fill.Action).to.deep.equal(["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]);
            expect(fill.Resource).to.deep.equal(["arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/docker/library/postgres"]);
        }
    });

    it("an ECR image of another region needs the internet: the VPC's endpoints serve their own region's ECR and S3 only", async () => {
        const ireland = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/docker/library/postgres:16-alpine";
        const { recorder, config } = await buildStack(
            stack({ natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] }, { database: { bootstrapImage: ireland } }),
        );
        const problems = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists });
        const [problem, ...others] = problems.filter((p) => p.check === "network-path");
        expect(others).to.deep.equal([]);
        expect(problem.message).to.contain(`db-bootstrap pulls ${ireland} from ECR in eu-west-1, which the VPC's endpoints in us-east-1 do not serve`);
        expect(problem.message).to.contain("a private copy of its image in ECR in us-east-1 (platform:workloads.epr.database.bootstrapImage)");
    });

    it("reads every host ECR serves images on, with the repository's partition; the dual-stack host needs the internet", async () => {
        const arn = (image: string) => ecrRepositoryArn(image);
        expect(arn("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1")).to.equal("arn:aws:ecr:us-east-1:123456789012:repository/app");
        expect(arn("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/team/app:1")).to.equal("arn:aws:ecr:us-east-1:123456789012:repository/team/app");
        expect(arn("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1")).to.equal("arn:aws-cn:ecr:cn-north-1:123456789012:repository/app");
        expect(arn("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/app:1")).to.equal("arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app");
        expect(arn("123456789012.dkr-ecr.us-east-1.on.aws/app:1")).to.equal("arn:aws:ecr:us-east-1:123456789012:repository/app");
        expect(ecrImage("123456789012.dkr-ecr.us-east-1.on.aws/app:1")?.dualStack).to.equal(true);
        for (const other of ["public.ecr.aws/docker/library/postgres:16-alpine", "postgres:16-alpine", "registry.example.com/app:1"])
            expect(arn(other), other).to.equal(undefined);
        // ECR serves no PrivateLink traffic on its dual-stack host: the endpoints do not reach it.
        const dualStack = "123456789012.dkr-ecr.us-east-1.on.aws/ecr-public/docker/library/postgres:16-alpine";
        const { recorder, config } = await buildStack(
            stack({ natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] }, { database: { bootstrapImage: dualStack } }),
        );
        const [problem] = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists }).filter(
            (p) => p.check === "network-path",
        );
        expect(problem.message).to.contain(`db-bootstrap pulls ${dualStack} through ECR's dual-stack host, which serves no PrivateLink traffic`);
    });

    it("names the workload's key, not the ECS service's, for each service the bootstrap runs in", async () => {
        const { recorder, config } = await buildStack(
            stack(
                { natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] },
                {
                    worker: { mode: "service", command: ["python", "-m", "app.workers.audit_consumer"] },
                },
            ),
        );
        const problems = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists }).filter(
            (p) => p.check === "network-path",
        );
        expect(problems.map((p) => p.urn.split("::").pop()).sort()).to.deep.equal(["epr", "epr-worker"]);
        for (const p of problems) expect(p.message).to.contain("(platform:workloads.epr.database.bootstrapImage)");
    });

    it("event-driven starts without NAT once both public images it pulls, psql and Kong, are private copies (their keys named)", async () => {
        const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        const integrations = (gateway: Record<string, unknown>) =>
            rawStack({
                environment: "staging",
                network: { natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "sqs"] },
                workloads: {
                    integrations: {
                        topology: "event-driven",
                        integration: { image: `${ecr}/integration-service:1` },
                        webhook: { image: `${ecr}/webhook-receiver:1` },
                        worker: { image: `${ecr}/integration-worker:1` },
                        api: {
                            originDomainName: "gateway-origin.example.com",
                            certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/12121212-3434-5656-7878-909090909090",
                        },
                        database: { bootstrapImage: `${ecr}/ecr-public/docker/library/postgres:16-alpine` },
                        gateway,
                    },
                },
            });
        const paths = async (gateway: Record<string, unknown>) => {
            const { recorder, config } = await buildStack(integrations(gateway));
            const problems = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists });
            return { recorder, problems: problems.filter((p) => p.check === "network-path") };
        };
        const before = await paths({});
        expect(before.problems.map((p) => p.urn.split("::").pop())).to.deep.equal(["integrations-gateway"]);
        expect(before.problems[0].message).to.contain(
            "for kong, a private copy of its image in ECR in us-east-1 (platform:workloads.integrations.gateway.image) pulled through the ECR endpoints also does",
        );
        const after = await paths({ image: `${ecr}/ecr-public/docker/library/kong:3.9` });
        expect(after.problems).to.deep.equal([]);
        // Kong's copy may be a pull-through cache too: its first pull may create the repository and import the image.
        const gatewayPolicy = after.recorder.byType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "integrations-gateway-execution")!;
        const fill = (JSON.parse(String(gatewayPolicy.inputs.policy)) as { Statement: { Sid?: string; Resource: string[] }[] }).Statement.find(
            (s) => s.Sid === "FillPullThroughCache",
        );
        expect(fill?.Resource).to.deep.equal(["arn:aws:ecr:us-east-1:123456789012:repository/ecr-public/docker/library/kong"]);
    });

    it("a task that starts without NAT still needs the endpoint of each API its environment names (aurora-web's KMS signing key)", async () => {
        const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        const problems = async (endpoints: string[]) => {
            const raw = rawStack({
                environment: "staging",
                network: { natStrategy: "none", endpoints },
                workloads: {
                    braid: {
                        topology: "aurora-web",
                        image: `${ecr}/braid:1`,
                        api: {
                            originDomainName: "api.example.com",
                            certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
                        },
                        database: { bootstrapImage: `${ecr}/ecr-public/docker/library/postgres:16-alpine` },
                    },
                },
            });
            const { recorder, config } = await buildStack(raw);
            return checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists }).filter(
                (p) => p.check === "network-path",
            );
        };
        const start = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"];
        const [problem, ...others] = await problems(start);
        expect(others).to.deep.equal([]);
        // The tokens are signed by KMS; the attachments bucket is served by S3's gateway endpoint.
        expect(problem.message).to.contain("cannot reach com.amazonaws.us-east-1.kms (api's JWT_SIGNING_KEY_ID): it starts, but its first request there fails");
        expect(problem.message).to.contain("platform:network.endpoints: [kms]");
        expect(problem.message).not.to.contain("ATTACHMENTS_BUCKET");
        expect(await problems([...start, "kms"])).to.deep.equal([]);
    });

    it("names each endpoint still missing", async () => {
        const [problem] = await pathProblems({ natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs"] });
        expect(problem.message).to.contain("com.amazonaws.us-east-1.secretsmanager");
        expect(problem.message).not.to.contain("ecr.api");
    });

    it("refuses a Compose host without NAT: it downloads the Compose plugin from GitHub and pulls public images", async () => {
        const raw = rawStack(
            {
                environment: "staging",
                network: { natStrategy: "none", endpoints: ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "ssmmessages", "ec2messages"] },
                workloads: {
                    tickets: {
                        topology: "compose-host",
                        imagePrefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/tix",
                        imageTag: "1.0.0",
                        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555",
                        services: { ticketing: { port: 8081 } },
                    },
                },
            },
            { secretKeys: ["platform:workloads"] },
        );
        const { recorder, config } = await buildStack(raw);
        const problems = checkReadiness({ resources: recorder.resources, region: config.region, prefixLists: recorder.prefixLists }).filter(
            (p) => p.check === "network-path",
        );
        expect(problems.map((p) => p.urn.split("::").pop())).to.deep.equal(["tickets-host"]);
        expect(problems[0].message).to.contain("the internet (its user data downloads from github.com, its Compose services' public images)");
        expect(problems[0].message).not.to.contain("com.amazonaws");
    });

    it("refuses a task whose security groups let no HTTPS out", async () => {
        const { recorder, config } = await buildStack(stack({ natStrategy: "single" }));
        const resources = structuredClone(recorder.resources).filter(
            (r) => !(r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" && r.inputs.fromPort === 443 && r.name.startsWith("epr-tasks")),
        );
        const problems = checkReadiness({ resources, region: config.region, prefixLists: recorder.prefixLists }).filter((p) => p.check === "network-path");
        expect(problems.map((p) => p.urn.split("::").pop())).to.deep.equal(["epr"]);
        expect(problems[0].message).to.contain("none of its security groups lets HTTPS (443) out");
    });
});

describe("readiness: network paths, record by record", () => {
    it("a host pulling private ECR images needs S3 for their layers, even when it fetches nothing else from S3", () => {
        const subnet = plannedResource("aws:ec2/subnet:Subnet", "private-1", { vpcId: "vpc-1", cidrBlock: "10.0.1.0/24" }, {}, { id: "subnet-1" });
        const association = plannedResource("aws:ec2/routeTableAssociation:RouteTableAssociation", "private-1", {
            subnetId: "subnet-1",
            routeTableId: "rtb-1",
        });
        const endpoints = ["ecr.api", "ecr.dkr", "ssm", "ssmmessages", "ec2messages"].map((service) =>
            plannedResource("aws:ec2/vpcEndpoint:VpcEndpoint", service, {
                vpcId: "vpc-1",
                serviceName: `com.amazonaws.us-east-1.${service}`,
                vpcEndpointType: "Interface",
                privateDnsEnabled: true,
            }),
        );
        const host = plannedResource("aws:ec2/instance:Instance", "host", {
            subnetId: "subnet-1",
            userData: '{"credHelpers":{"123456789012.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"}}',
        });
        const problems = checkReadiness({ resources: [subnet, association, ...endpoints, host], region: "us-east-1", prefixLists: {} }).filter(
            (p) => p.check === "network-path",
        );
        expect(problems.map((p) => p.message)).to.deep.equal([
            "runs in private-1, whose route table has no route to a NAT gateway, and cannot reach com.amazonaws.us-east-1.s3 (its private images' layers): it cannot start. Fix: give its network a NAT gateway (platform:network.natStrategy: single or perAz) or S3's gateway endpoint on the subnet's route table (the network's own is on every table it makes)",
        ]);
    });
});
