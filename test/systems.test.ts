import { expect } from "chai";
import type { Plan } from "../plan/plan";
import type { PlannedResource } from "../plan/mocks";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { ConfigValidationError, parseStackConfig } from "../stacks/schema";
import { readStackFiles } from "../plan/stack-files";
import { planOnce, rawStack } from "./helpers";

type Any = any;
const named = (plan: Plan, type: string, name: string): PlannedResource => {
    const found = plan.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} ${name}`);
    return found;
};

/** The documented systems as the production stack ships them: the runbooks' names, one ledger engine, TLS as asked. */
describe("the shipped production stack against the systems' documents", () => {
    let plan: Plan;
    before(async function () {
        this.timeout(30_000);
        plan = await planOnce(readStackFiles("production"));
    });

    it("EPR: the runbook's cluster, service, family, container, log group, task role and policy, with ECS Exec", () => {
        const service = named(plan, "aws:ecs/service:Service", "epr");
        expect(named(plan, "aws:ecs/cluster:Cluster", "epr").inputs.name).to.equal("omen-production");
        expect(service.inputs.name).to.equal("omen-epr-service");
        expect(service.inputs.enableExecuteCommand).to.equal(true);
        const td = named(plan, "aws:ecs/taskDefinition:TaskDefinition", "epr");
        expect(td.inputs.family).to.equal("omen-epr");
        const containers = JSON.parse(String(td.inputs.containerDefinitions)) as Any[];
        expect(containers.map((c) => c.name)).to.include("omen-epr");
        expect(named(plan, "aws:cloudwatch/logGroup:LogGroup", "epr").inputs.name).to.equal("/ecs/omen-epr");
        // The role the runbook inspects for SQS rights is the one that consumes the audit queue (the worker's, as a service).
        const role = plan.resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs.name === "omenEprTaskRole")!;
        const policy = plan.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.name === "SQSAccess")!;
        expect(policy.dependencies).to.include(role.urn);
        expect(String(policy.inputs.policy)).to.contain("sqs:ReceiveMessage");
        expect(named(plan, "aws:ecs/service:Service", "epr-worker").inputs.name).to.equal("omen-epr-audit-worker");
        expect(named(plan, "aws:ecs/taskDefinition:TaskDefinition", "epr-worker").inputs.family).to.equal("omen-epr-worker");
    });

    it("the ledger runs one batch engine: one task, stopped before its successor starts", () => {
        const service = named(plan, "aws:ecs/service:Service", "ledger");
        expect(service.inputs.desiredCount).to.equal(1);
        expect(service.inputs.deploymentMinimumHealthyPercent).to.equal(0);
        expect(service.inputs.deploymentMaximumPercent).to.equal(100);
    });

    it("no HTTP listener forwards traffic: plain HTTP only redirects", () => {
        const listeners = plan.resources.filter((r) => r.type === "aws:lb/listener:Listener" && r.inputs.protocol === "HTTP");
        for (const listener of listeners)
            for (const action of listener.inputs.defaultActions as Any[]) expect(action.type, `${listener.name}`).to.be.oneOf(["redirect", "fixed-response"]);
        const rules = plan.resources.filter((r) => r.type === "aws:lb/listenerRule:ListenerRule");
        for (const rule of rules) {
            const listener = plan.resources.find((l) => rule.dependencies.includes(l.urn) && l.type === "aws:lb/listener:Listener");
            if (listener?.inputs.protocol === "HTTP") for (const action of rule.inputs.actions as Any[]) expect(action.type, rule.name).to.not.equal("forward");
        }
    });

    it("Kong reaches the services over HTTPS on their balancer's own name and verifies the certificate", () => {
        for (const name of [
            "integrations-services-integration",
            "integrations-services-integration-test",
            "integrations-services-webhook",
            "integrations-services-webhook-test",
        ]) {
            const listener = named(plan, "aws:lb/listener:Listener", name);
            expect(listener.inputs.protocol, name).to.equal("HTTPS");
            expect(listener.inputs.certificateArn, name).to.match(/^arn:aws:acm:us-east-1:/);
        }
        const kong = (JSON.parse(String(named(plan, "aws:ecs/taskDefinition:TaskDefinition", "integrations-gateway").inputs.containerDefinitions)) as Any[])[0];
        const env = Object.fromEntries((kong.environment as Any[]).map((e) => [e.name, e.value]));
        const config = JSON.parse(env.KONG_DECLARATIVE_CONFIG_STRING);
        const upstreams = (config.services as Any[]).filter((s) => s.name !== "gateway-health");
        expect(upstreams.map((s) => s.url)).to.deep.equal(["https://services.integrations.example.com:8081", "https://services.integrations.example.com:8082"]);
        expect(upstreams.every((s) => s.tls_verify === true)).to.equal(true);
        expect(env.KONG_NGINX_PROXY_PROXY_SSL_TRUSTED_CERTIFICATE).to.equal("/etc/ssl/certs/ca-certificates.crt");
        const zone = named(plan, "aws:route53/zone:Zone", "integrations-services");
        expect(zone.inputs.name).to.equal("services.integrations.example.com");
    });

    it("BRAID asks TLS 1.3: viewers get TLS 1.3 only; its origin the strictest policy CloudFront still reaches", () => {
        expect((named(plan, "aws:cloudfront/distribution:Distribution", "braidmgr-cdn").inputs.viewerCertificate as Any).minimumProtocolVersion).to.equal(
            "TLSv1.3_2025",
        );
        expect(named(plan, "aws:lb/listener:Listener", "braidmgr-api").inputs.sslPolicy).to.equal("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    });

    it("refuses a production event-driven workload without internalTls, naming the key", () => {
        const files = readStackFiles("production");
        const workloads = JSON.parse(files.config["platform:workloads"]) as Record<string, Any>;
        const integrations = { ...workloads.integrations };
        delete integrations.internalTls;
        let problems: string[] = [];
        try {
            parseStackConfig(rawStack({ environment: "production", workloads: { integrations } }), TOPOLOGY_SCHEMAS);
        } catch (err) {
            if (!(err instanceof ConfigValidationError)) throw err;
            problems = err.problems.map((p) => `${p.path}: ${p.message}`);
        }
        expect(problems.join("\n")).to.match(/workloads\.integrations\.internalTls: production encrypts Kong's traffic/);
    });
});
