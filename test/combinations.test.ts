import { parseStackConfig } from "../stacks/schema";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { expect } from "chai";
import { PlannedResource } from "../plan/mocks";
import { checkReadiness } from "../plan/readiness";
import { buildStack, configProblems, plannedResource, rawStack } from "./helpers";

/** Values AWS accepts one by one and refuses together, and a disaster-recovery standby that can start. */

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const DR_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

const record = (type: string, name: string, inputs: Record<string, unknown>, state: PlannedResource["state"] = { id: name }) =>
    plannedResource(type, name, inputs, {}, state);
const checks = (resources: PlannedResource[], region = "us-east-1") =>
    checkReadiness({ resources, region, prefixLists: {} }).map((p) => `${p.check} ${p.urn.split("::").pop()}`);

const hub = (overrides: Record<string, unknown>, values: Record<string, unknown> = {}) =>
    rawStack({
        environment: "production",
        ...values,
        workloads: {
            hub: {
                topology: "event-driven",
                integration: { image: `${ECR}/integration:1` },
                webhook: { image: `${ECR}/webhook:1` },
                worker: { image: `${ECR}/worker:1`, command: ["node", "worker.js"] },
                api: { originDomainName: "gateway-origin.example.com", certificateArn: CERT },
                disasterRecovery: { certificateArn: DR_CERT },
                alarmEmails: ["oncall@example.com"],
                internalTls: { domainName: "services.hub.example.com", certificateArn: CERT },
                ...overrides,
            },
        },
    });

describe("combinations AWS refuses", () => {
    it("refuses a burstable Aurora class with a global database (disaster recovery), naming the key", () => {
        const braid = (database: Record<string, unknown>) =>
            rawStack({
                environment: "staging",
                workloads: {
                    braid: {
                        topology: "aurora-web",
                        image: "registry.example.com/braidmgr:1",
                        api: { originDomainName: "api-origin.example.com", certificateArn: CERT },
                        database,
                        disasterRecovery: { enabled: true, region: "us-west-2" },
                    },
                },
            });
        const [problem] = configProblems(braid({ instanceClass: "db.t4g.medium" }));
        expect(problem.path).to.equal("platform:workloads.braid.database.instanceClass");
        expect(problem.message).to.contain("memory-optimized");
        // The staging profile's own class (db.t4g.medium) is refused the same way when DR is on.
        expect(configProblems(braid({})).map((p) => p.path)).to.deep.equal(["platform:workloads.braid.database.instanceClass"]);
    });

    it("refuses a blue/green test listener on a port the balancer already listens on, and only that", () => {
        const problems = configProblems(hub({ blueGreen: { testListenerPort: 443 } }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.blueGreen.testListenerPort"]);
        expect(problems[0].message).to.contain("DuplicateListener");
        // The gateway's balancer has no listener on 80 (CloudFront reaches it over HTTPS only).
        expect(() => parseStackConfig(hub({ blueGreen: { testListenerPort: 80 } }), TOPOLOGY_SCHEMAS)).not.to.throw();
    });

    it("readiness: two listeners on one port of one balancer, a VPC wider than its region, a burstable global-database member", () => {
        const lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1";
        const listeners = [443, 443, 8443].map((port, i) => record("aws:lb/listener:Listener", `l${i}`, { loadBalancerArn: lb, port }));
        // The name-collision check holds one listener per port of a balancer (plan/readiness/collisions.ts).
        expect(checks(listeners)).to.deep.equal(["aws-name-collision l1"]);

        const vpc = (region: string, zones: number) => record("awsx:ec2:Vpc", `vpc-${region}`, { region, numberOfAvailabilityZones: zones });
        expect(checks([vpc("eu-west-1", 4), vpc("us-east-1", 4), vpc("us-west-1", 3)]).filter((c) => c.startsWith("aws-zones"))).to.deep.equal([
            "aws-zones vpc-eu-west-1",
            "aws-zones vpc-us-west-1",
        ]);

        const cluster = record("aws:rds/cluster:Cluster", "db", { clusterIdentifier: "db-prod", globalClusterIdentifier: "db-global" });
        const member = (name: string, cls: string) =>
            record("aws:rds/clusterInstance:ClusterInstance", name, { clusterIdentifier: "db-prod", instanceClass: cls });
        expect(checks([cluster, member("writer", "db.t4g.medium"), member("reader", "db.r6g.large")])).to.deep.equal(["aws-instance-class writer"]);
    });
});

describe("the disaster-recovery standby can start", () => {
    it("refuses standby tasks whose ECR images nothing copies to the DR region; accepts them with platform:imageReplication", async () => {
        const without = await buildStack(hub({}));
        const problems = checkReadiness({ resources: without.recorder.resources, region: "us-east-1", prefixLists: {} }).filter(
            (p) => p.check === "dr-standby-image",
        );
        expect(problems.map((p) => p.urn.split("::").pop()).sort()).to.deep.equal(["hub-integration-dr", "hub-webhook-dr", "hub-worker-dr"]);
        expect(problems[0].message).to.contain("add eu-west-1 to platform:imageReplication.regions");

        const withCopies = await buildStack(hub({}, { imageReplication: { regions: ["eu-west-1"] } }));
        const resources = withCopies.recorder.resources;
        expect(checkReadiness({ resources, region: "us-east-1", prefixLists: {} }).filter((p) => p.check.startsWith("dr-standby"))).to.deep.equal([]);

        // The program's secrets have replicas there; one without is refused by name.
        const copy = structuredClone(resources);
        const secret = copy.find((r) => r.type === "aws:secretsmanager/secret:Secret" && Array.isArray(r.inputs.replicas) && r.name.startsWith("hub-db"))!;
        delete secret.inputs.replicas;
        const missing = checkReadiness({ resources: copy, region: "us-east-1", prefixLists: {} }).filter((p) => p.check === "dr-standby-secret");
        expect(missing.length).to.be.greaterThan(0);
        expect(missing[0].message).to.contain("not replicated to eu-west-1");
    });

    it("names the standby's images in the DR region whatever host ECR serves them on (standard, FIPS, dual-stack)", async () => {
        const images = {
            integration: `${ECR}/integration:1`,
            webhook: `${ECR.replace(".dkr.ecr.", ".dkr.ecr-fips.")}/webhook:1`,
            worker: `${ECR.replace(".dkr.ecr.", ".dkr-ecr.").replace(".amazonaws.com", ".on.aws")}/worker:1`,
        };
        const built = await buildStack(
            hub(
                {
                    integration: { image: images.integration },
                    webhook: { image: images.webhook },
                    worker: { image: images.worker, command: ["node", "worker.js"] },
                },
                { imageReplication: { regions: ["eu-west-1"] } },
            ),
        );
        const standbyImage = (service: string) => {
            const task = built.recorder.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === `hub-${service}-dr`)!;
            return (JSON.parse(String(task.inputs.containerDefinitions)) as { name: string; image: string }[])[0].image;
        };
        for (const [service, image] of Object.entries(images)) expect(standbyImage(service), service).to.equal(image.replace(".us-east-1.", ".eu-west-1."));
    });

    it("refuses existing secrets the standby reads in the DR region until their replication is vouched for", () => {
        const existing = { API_KEY: "arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-key-AbCdEf" };
        const problems = configProblems(hub({ integration: { image: `${ECR}/integration:1`, existingSecrets: existing } }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.hub.integration.existingSecrets.API_KEY"]);
        expect(problems[0].message).to.contain("disasterRecovery.existingSecretsReplicated: true");
    });
});
