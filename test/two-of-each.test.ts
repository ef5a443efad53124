import { expect } from "chai";
import * as path from "path";
import { Plan } from "../plan/plan";
import { PlannedResource } from "../plan/mocks";
import { evaluatePolicies } from "../plan/policy";
import { checkReadiness } from "../plan/readiness";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { planOnce, policyOf } from "./helpers";

/**
 * Two workloads of every topology in one production stack (test/fixtures/Pulumi.two-of-each.yaml):
 * the second named after the first with a suffix (`tickets`, `tickets-payments`), every image from
 * one existing ECR repository. Planned once; everything below reads that plan.
 */
const FIXTURE = path.join(PROJECT_DIR, "test/fixtures/Pulumi.two-of-each.yaml");
const TOPOLOGY = "platform:topologies:";

/** The workload (topology component's name) each resource sits under. */
function owners(plan: Plan): Map<string, string | undefined> {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const owner = new Map<string, string | undefined>();
    for (const r of plan.resources) {
        let at: PlannedResource | undefined = r;
        while (at && !at.type.startsWith(TOPOLOGY)) at = at.parent ? byUrn.get(at.parent) : undefined;
        owner.set(r.urn, at?.name);
    }
    return owner;
}

describe("a stack with two workloads of every topology (names prefixing each other, one shared image repository)", () => {
    let plan: Plan;
    let ownerOf: Map<string, string | undefined>;
    before(async function () {
        this.timeout(60_000);
        plan = await planOnce(readStackFiles("two-of-each", FIXTURE));
        ownerOf = owners(plan);
    });

    it("deploys ten workloads, two of each topology", () => {
        const workloads = plan.resources.filter((r) => r.type.startsWith(TOPOLOGY));
        const byTopology = new Map<string, string[]>();
        for (const w of workloads) byTopology.set(w.type, [...(byTopology.get(w.type) ?? []), w.name]);
        expect([...byTopology.values()].map((names) => names.length)).to.deep.equal([2, 2, 2, 2, 2]);
    });

    it("plans with no readiness problem and no mandatory policy violation", async () => {
        expect(checkReadiness(plan)).to.deep.equal([]);
        const violations = await evaluatePolicies(plan, { environment: "production" });
        expect(violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
        // Settings named like secrets (PASSWORD_MIN_LENGTH=12, TOKEN_LIFETIME_SECONDS, AUTH_PROVIDER) are advisory only.
        const named = violations.filter((v) => v.policy === "ecs-secret-named-environment").map((v) => v.message);
        expect(named.join("\n")).to.include("PASSWORD_MIN_LENGTH").and.include("TOKEN_LIFETIME_SECONDS").and.include("AUTH_PROVIDER");
    });

    it("gives each workload's roles only its own resources (and the shared repository outside the stack)", () => {
        const known = plan.resources.filter((r) => typeof r.state.arn === "string" && ownerOf.get(r.urn));
        const named = (pattern: string) =>
            known.filter((r) => {
                const arn = r.state.arn!;
                const prefix = pattern.endsWith("*") ? pattern.slice(0, -1) : undefined;
                return pattern === arn || pattern.startsWith(`${arn}/`) || pattern.startsWith(`${arn}:`) || (prefix !== undefined && arn.startsWith(prefix));
            });
        let checked = 0;
        const foreign: string[] = [];
        for (const policy of plan.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
            const workload = ownerOf.get(policy.urn);
            if (!workload) continue;
            for (const statement of policyOf(policy.inputs.policy).Statement)
                for (const resource of [statement.Resource].flat() as string[]) {
                    if (resource === "*") continue;
                    for (const r of named(resource)) {
                        checked++;
                        if (ownerOf.get(r.urn) !== workload) foreign.push(`${policy.name} (${workload}) -> ${r.name} (${ownerOf.get(r.urn)})`);
                    }
                }
        }
        expect(foreign).to.deep.equal([]);
        expect(checked, "statements naming the stack's resources").to.be.greaterThan(100);
        // The shared repository is named by the roles of every workload that pulls from it.
        const pullers = new Set(
            plan.resources
                .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && String(r.inputs.policy).includes(":repository/apps"))
                .map((r) => ownerOf.get(r.urn)),
        );
        expect([...pullers].sort()).to.include.members(["orders", "orders-sync", "board", "board-admin", "hooks", "hooks-partner"]);
    });

    it("lets each workload's security groups admit and reach only its own groups", () => {
        const groupOwner = new Map(
            plan.resources
                .filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup")
                .map((g) => [g.state.id, { owner: ownerOf.get(g.urn), name: g.name }]),
        );
        const rules = plan.resources.filter(
            (r) =>
                (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" ||
                    r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") &&
                typeof r.inputs.referencedSecurityGroupId === "string",
        );
        const crossing = rules
            .map((r) => ({
                rule: r.name,
                from: groupOwner.get(String(r.inputs.securityGroupId)),
                to: groupOwner.get(String(r.inputs.referencedSecurityGroupId)),
            }))
            .filter(({ from, to }) => from?.owner !== undefined && to?.owner !== undefined && from.owner !== to.owner);
        expect(crossing).to.deep.equal([]);
        expect(rules.length, "rules between groups").to.be.greaterThan(40);
        // Each workload has groups of its own, so the check above covers every one of them.
        for (const workload of [
            "orders",
            "orders-sync",
            "entity",
            "entity-audit",
            "board",
            "board-admin",
            "tickets",
            "tickets-payments",
            "hooks",
            "hooks-partner",
        ])
            expect(
                [...groupOwner.values()].filter((g) => g.owner === workload),
                workload,
            ).to.not.be.empty;
    });
});
