import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { allPolicies } from "../policy/rules";
import { Plan } from "../plan/plan";
import { evaluatePolicies, Violation } from "../plan/policy";
import { ServedPolicyPack } from "../plan/policy-protocol";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { planOnce } from "./helpers";

/**
 * The pack CI runs with `pulumi preview --policy-pack policy/`, served and queried over the
 * Analyzer protocol as the CLI does, gives the same verdicts as the offline plan's direct call.
 */

const key = (v: Violation) => `${v.level} ${v.policy} ${v.urn} ${v.message}`;
const sorted = (list: Violation[]) => list.map(key).sort();

describe("the policy pack over the Analyzer protocol, as the CLI runs it", function () {
    this.timeout(60000);
    let pack: ServedPolicyPack | undefined;
    let production: Plan;
    const config = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policy/config/production.json"), "utf8")) as Record<string, Record<string, unknown>>;

    before(async () => {
        [pack, production] = await Promise.all([ServedPolicyPack.start(), planOnce(readStackFiles("production"))]);
    });
    after(() => pack?.close());

    it("serves exactly the rules the offline plan runs, with their enforcement levels", () => {
        expect(pack!.packName).to.equal("platform-policies");
        const served = pack!.policies.map((p) => [p.name, p.enforcementLevel]).sort();
        const direct = allPolicies.map((p) => [p.name, p.enforcementLevel ?? "advisory"]).sort();
        expect(served).to.deep.equal(direct);
    });

    it("accepts the production policy config under each rule's config schema, as the CLI checks it", async () => {
        const ajv = new Ajv({ strict: false });
        for (const policy of pack!.policies) {
            const { enforcementLevel: _level, ...properties } = { ...(config.all ?? {}), ...(config[policy.name] ?? {}) };
            if (Object.keys(properties).length === 0) continue;
            expect(policy.configSchema, `${policy.name} takes no config, yet the config file gives it some`).to.not.equal(undefined);
            const validate = ajv.compile({ type: "object", properties: policy.configSchema!.properties, required: policy.configSchema!.required });
            expect(validate(properties), `${policy.name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
        }
        await pack!.configure(config);
    });

    it("reports over the protocol what the offline evaluation reports, on the shipped production plan and on an insecure one", async () => {
        const overProtocol = await pack!.analyzePlan(production.resources);
        const direct = await evaluatePolicies(production, { environment: "production" });
        expect(sorted(overProtocol)).to.deep.equal(sorted(direct));
        expect(overProtocol.filter((v) => v.level === "mandatory")).to.deep.equal([]);

        const insecure = structuredClone(production);
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
});
