import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { TOPOLOGY_REGISTRY } from "../components/topologies/registry";
import { evaluatePolicies } from "../plan/policy";
import { checkReadiness } from "../plan/readiness";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { planOnce, scratchDir } from "./helpers";

/**
 * Each topology's page shows the smallest config of a new workload (under `<!-- minimal-config -->`);
 * all five, in one stack per environment, plan with no readiness problem and no mandatory violation.
 */
const MARKER = "<!-- minimal-config -->";

/** The workloads of a page's minimal config: the YAML block after the marker, under `platform:workloads`. */
function minimalConfig(topology: string): Record<string, Record<string, unknown>> {
    const page = fs.readFileSync(path.join(PROJECT_DIR, "docs/topologies", `${topology}.md`), "utf8");
    const at = page.indexOf(MARKER);
    expect(at, `docs/topologies/${topology}.md has no ${MARKER}`).to.be.greaterThan(0);
    const block = /```yaml\n([\s\S]*?)```/.exec(page.slice(at))![1];
    return (parse(block) as { "platform:workloads": Record<string, Record<string, unknown>> })["platform:workloads"];
}

describe("the minimal config of each topology (docs/topologies/*.md)", () => {
    const topologies = Object.keys(TOPOLOGY_REGISTRY);
    const workloads = Object.fromEntries(topologies.map((t) => [t, minimalConfig(t)]));

    it("is one workload of that topology, on every topology's page", () => {
        for (const topology of topologies) {
            const entries = Object.values(workloads[topology]);
            expect(
                entries.map((w) => w.topology),
                topology,
            ).to.deep.equal([topology]);
        }
    });

    for (const environment of ["staging", "production"]) {
        it(`plans clean in ${environment}: no readiness problem, no mandatory violation`, async function () {
            this.timeout(60_000);
            const all = Object.assign({}, ...Object.values(workloads));
            const file = path.join(scratchDir("minimal"), `Pulumi.minimal-${environment}.yaml`);
            fs.writeFileSync(
                file,
                JSON.stringify(
                    {
                        config: {
                            "aws:region": "us-east-1",
                            "platform:environment": environment,
                            // Production's event-driven pilot light runs the images in eu-west-1 (its page says so).
                            // and its NAT gateways (one per zone) and the Compose host's static addresses make six
                            // Elastic IPs, over a new account's five (the compose-host page says so).
                            ...(environment === "production"
                                ? { "platform:imageReplication": { regions: ["eu-west-1"] }, "platform:quotas": { elasticIpsPerRegion: 10 } }
                                : {}),
                            "platform:workloads": all,
                        },
                    },
                    null,
                    1,
                ),
            );
            const plan = await planOnce(readStackFiles(`minimal-${environment}`, file));
            expect(plan.resources.filter((r) => r.type.startsWith("platform:topologies:")).map((r) => r.name)).to.have.members(Object.keys(all));
            expect(checkReadiness(plan)).to.deep.equal([]);
            const mandatory = (await evaluatePolicies(plan, { environment: environment as "staging" | "production" })).filter((v) => v.level === "mandatory");
            expect(mandatory).to.deep.equal([]);
        });
    }
});
