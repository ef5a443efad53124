import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { TOPOLOGY_REGISTRY } from "../components/topologies/registry";
import { evaluatePolicies } from "../plan/policy";
import { checkReadiness } from "../plan/readiness";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { configProblems, planOnce, rawStack, scratchDir } from "./helpers";

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

    it("refuses, on every topology that takes a container health check, one Docker would never pass", () => {
        const [desk, hooks, entity] = ["compose-host", "event-driven", "ecs-audit-worker"].map((t) => structuredClone(workloads[t]));
        /** Sets the workload's setting at `path` (the minimal config has every object on the way). */
        const set = (w: Record<string, Record<string, unknown>>, path: string[], value: unknown) => {
            let at = Object.values(w)[0];
            for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
            at[path[path.length - 1]] = value;
        };
        // Words meant for the shell split up (only "curl" would run), a bare command, and a good one of each kind.
        set(desk, ["services", "api", "healthCheck"], ["CMD-SHELL", "curl", "-f", "http://127.0.0.1:8081/health"]);
        set(hooks, ["integration", "healthCheck"], ["curl", "-f", "http://127.0.0.1:8080/health"]);
        set(hooks, ["webhook", "healthCheck"], ["CMD-SHELL", "curl -f http://127.0.0.1:8080/health || exit 1"]);
        set(entity, ["worker", "healthCheck"], ["CMD", "python", "-m", "app.health"]);
        set(entity, ["redis"], { url: "https://eu1-example.upstash.io", token: "upstash-token-value" });
        const problems = configProblems(
            rawStack({ environment: "staging", workloads: { ...desk, ...hooks, ...entity } }, { secretKeys: ["platform:workloads"] }),
        );
        expect(problems.map((p) => p.path)).to.have.members([
            "platform:workloads.desk.services.api.healthCheck",
            "platform:workloads.hooks.integration.healthCheck",
        ]);
        const messages = problems.map((p) => p.message).join("\n");
        expect(messages).to.contain(
            'CMD-SHELL takes the command line as one word (the shell runs only the first one after it): write ["CMD-SHELL","curl -f http://127.0.0.1:8081/health"]',
        );
        expect(messages).to.contain('starts with "curl"');
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
