import { expect } from "chai";
import * as path from "path";
import Ajv from "ajv";
import { allPolicies } from "../policy/rules";
import { Plan } from "../plan/plan";
import { PolicyOutcome, applySuppressions, evaluatePolicies, Violation } from "../plan/policy";
import { PackConfig, packConfig, stackPackConfig } from "../plan/policy-config";
import { ServedPolicyPack } from "../plan/policy-protocol";
import { PROJECT_DIR, StackFileConfig, readStackFiles } from "../plan/stack-files";
import { policyConfigCommand } from "../tools/policy-config";
import { planOnce } from "./helpers";

/**
 * The pack CI runs with `pulumi preview/up --policy-pack policy --policy-pack-config <generated>`,
 * served and queried over the Analyzer protocol as the CLI does, with the config `npm run
 * policy-config` generates from each stack file, gives exactly the offline plan's verdict,
 * suppressions included.
 */

const key = (v: Violation) => `${v.level} ${v.policy} ${v.urn} ${v.message}`;
const sorted = (list: Violation[]) => list.map(key).sort();

/** A per-customer production stack with the suppression example of docs/policy.md. */
const ACME = path.join(PROJECT_DIR, "test/fixtures/Pulumi.acme-prod.yaml");
const STACKS: Record<string, StackFileConfig> = {
    staging: readStackFiles("staging"),
    production: readStackFiles("production"),
    "acme-prod": readStackFiles("acme-prod", ACME),
};

describe("the policy pack over the Analyzer protocol, as the CLI runs it", function () {
    this.timeout(60000);
    let pack: ServedPolicyPack | undefined;
    const plans: Record<string, Plan> = {};
    const offline: Record<string, PolicyOutcome> = {};
    const configs: Record<string, PackConfig> = {};

    before(async () => {
        const started = ServedPolicyPack.start();
        for (const [stack, files] of Object.entries(STACKS)) {
            plans[stack] = await planOnce(files);
            offline[stack] = applySuppressions(await evaluatePolicies(plans[stack], { environment: plans[stack].environment }), plans[stack].suppressions);
            configs[stack] = stackPackConfig(files);
        }
        pack = await started;
    });
    after(() => pack?.close());

    it("serves exactly the rules the offline plan runs, with their enforcement levels", () => {
        expect(pack!.packName).to.equal("platform-policies");
        const served = pack!.policies.map((p) => [p.name, p.enforcementLevel]).sort();
        const direct = allPolicies.map((p) => [p.name, p.enforcementLevel ?? "advisory"]).sort();
        expect(served).to.deep.equal(direct);
    });

    it("generates each stack's config (npm run policy-config) that every rule's served schema accepts, as the CLI checks it", () => {
        const ajv = new Ajv({ strict: false });
        for (const [stack, config] of Object.entries(configs)) {
            const environment = plans[stack].environment;
            for (const policy of pack!.policies) {
                const properties = config[policy.name] ?? {};
                if (policy.configSchema?.properties.environment) expect(properties.environment, `${stack} ${policy.name}`).to.equal(environment);
                if (Object.keys(properties).length === 0) continue;
                expect(policy.configSchema, `${policy.name} takes no config, yet ${stack}'s gives it some`).to.not.equal(undefined);
                const validate = ajv.compile({ type: "object", properties: policy.configSchema!.properties, required: policy.configSchema!.required });
                expect(validate(properties), `${stack} ${policy.name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
            }
        }
        // The suppression lands under the rule it names, with its reason.
        expect(configs["acme-prod"]["sg-no-world-ingress"].suppress).to.deep.equal([
            { resource: "ledger-tasks-in-prometheus-0-0-0-0-0", reason: "The scraper runs outside AWS until the VPN lands in Q1." },
        ]);
        expect(configs.staging["rds-multi-az-production"].environment).to.equal("staging");
    });

    for (const stack of Object.keys(STACKS)) {
        it(`gives the offline plan's verdict on ${stack} with its generated config, suppressions included`, async () => {
            await pack!.configure(configs[stack]);
            const overProtocol = await pack!.analyzePlan(plans[stack].resources);
            expect(sorted(overProtocol)).to.deep.equal(sorted(offline[stack].violations));
            expect(overProtocol.filter((v) => v.level === "mandatory")).to.deep.equal([]);
        });
    }

    it("honours the suppression only through the config: without it the docs example is a mandatory violation over the protocol too", async () => {
        expect(offline["acme-prod"].suppressed.map((v) => `${v.policy} ${v.urn.split("::").pop()}`)).to.deep.equal([
            "sg-no-world-ingress ledger-tasks-in-prometheus-0-0-0-0-0",
        ]);
        await pack!.configure(packConfig("production", []));
        const unsuppressed = await pack!.analyzePlan(plans["acme-prod"].resources);
        const direct = await evaluatePolicies(plans["acme-prod"], { environment: "production" });
        expect(sorted(unsuppressed)).to.deep.equal(sorted(direct));
        expect(unsuppressed.filter((v) => v.level === "mandatory").map((v) => v.policy)).to.deep.equal(["sg-no-world-ingress"]);
    });

    it("reports over the protocol what the offline evaluation reports on an insecure production plan", async () => {
        await pack!.configure(configs.production);
        const insecure = structuredClone(plans.production);
        const find = (type: string, name: string) => insecure.resources.find((r) => r.type === type && r.name === name)!;
        find("aws:rds/instance:Instance", "ledger-db").inputs.storageEncrypted = false;
        find("aws:rds/instance:Instance", "ledger-db").inputs.multiAz = false;
        find("aws:lb/loadBalancer:LoadBalancer", "ledger-api").inputs.dropInvalidHeaderFields = false;
        const ingress = find("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ledger-api-in-client-10-30-0-0-16");
        Object.assign(ingress.inputs, { cidrIpv4: "0.0.0.0/0", fromPort: 22, toPort: 22 });
        const insecureOverProtocol = await pack!.analyzePlan(insecure.resources);
        const insecureDirect = await evaluatePolicies(insecure, { environment: "production" });
        expect(insecureDirect.filter((v) => v.level === "mandatory").length).to.be.greaterThan(2);
        expect(sorted(insecureOverProtocol)).to.deep.equal(sorted(insecureDirect));
    });

    describe("npm run policy-config", () => {
        const run = (args: string[]) => {
            let out = "";
            let err = "";
            const status = policyConfigCommand(args, { out: (t) => (out += t), err: (t) => (err += `${t}\n`) });
            return { status, out, err };
        };

        it("prints the generated config of a stack file as JSON", () => {
            const result = run(["--stack", "acme-prod", "--config-file", ACME]);
            expect(result.status, result.err).to.equal(0);
            expect(JSON.parse(result.out)).to.deep.equal(configs["acme-prod"]);
        });

        it("refuses an invalid stack config with its problems, and bad arguments with the usage", () => {
            const bad = path.join(PROJECT_DIR, "test/fixtures/Pulumi.acme-prod.yaml.missing");
            expect(run(["--stack", "acme-prod", "--config-file", bad])).to.include({ status: 1 });
            expect(run(["--stack", "acme-prod", "--config-file", bad]).err).to.contain("stack file not found");
            expect(run(["--stak", "x"])).to.include({ status: 2 });
            expect(run([]).err).to.contain("--stack is required");
        });
    });
});
