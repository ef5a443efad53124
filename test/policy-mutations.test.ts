import { expect } from "chai";
import { evaluatePolicies } from "../plan/policy";
import { readStackFiles } from "../plan/stack-files";
import { planOnce } from "./helpers";
import { applyMutant, mutantsOf } from "./mutations";

/** The kill rate below which the pack is considered to miss a class of weakness. */
const MIN_KILL_RATE = 0.95;

describe("policy mutation suite (single-property changes to the production plan)", () => {
    it(`raises a mandatory violation for at least ${MIN_KILL_RATE * 100}% of a few hundred insecure changes`, async function () {
        this.timeout(60_000);
        const plan = await planOnce(readStackFiles("production"));
        const baseline = await evaluatePolicies(plan, { environment: "production" });
        expect(
            baseline.filter((v) => v.level === "mandatory"),
            "the shipped plan itself",
        ).to.deep.equal([]);

        const mutants = mutantsOf(plan);
        expect(mutants.length, "mutants generated").to.be.at.least(300);
        const survivors: string[] = [];
        const byKind = new Map<string, { total: number; killed: number }>();
        for (const mutant of mutants) {
            const violations = await evaluatePolicies(
                applyMutant(plan, mutant),
                { environment: "production" },
                { resources: new Set(mutant.changed.map((r) => r.urn)) },
            );
            const killed = violations.some((v) => v.level === "mandatory");
            const tally = byKind.get(mutant.kind) ?? { total: 0, killed: 0 };
            byKind.set(mutant.kind, { total: tally.total + 1, killed: tally.killed + Number(killed) });
            if (!killed) survivors.push(`${mutant.kind}: ${mutant.description}`);
        }
        const rate = 1 - survivors.length / mutants.length;
        const report = [
            `mutation suite: ${mutants.length - survivors.length}/${mutants.length} killed (${(rate * 100).toFixed(1)}%)`,
            ...[...byKind].map(([kind, t]) => `  ${kind}: ${t.killed}/${t.total}`),
            ...survivors.map((s) => `  survived: ${s}`),
        ].join("\n");
        console.log(report);
        expect(rate, report).to.be.at.least(MIN_KILL_RATE);
    });
});
