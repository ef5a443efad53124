import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { readStackFiles } from "../plan/stack-files";
import { runTool } from "../plan/cli";
import { installMocks, resolveOutputs } from "../plan/mocks";
import { PlannedResource } from "../plan/resource";
import { planOnce, scratchDir } from "./helpers";
import { replayPlan } from "../tools/bench-replay";

/** A resource of a made-up type: the mocks answer its inputs back, as for any type they do not know. */
class Thing extends pulumi.CustomResource {
    constructor(name: string, props: pulumi.Inputs) {
        super("test:index:Thing", name, props);
    }
}

const byUrn = (resources: readonly PlannedResource[]) => [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));

/**
 * The offline plan skips bookkeeping of the Pulumi runtime nothing reads under the mocks (plan/offline-runtime.ts,
 * and the mock monitor's single pass in plan/mocks.ts). These prove the plan records what the SDK's own code
 * paths record.
 */
describe("offline runtime shortcuts", () => {
    it("plan the shipped production stack exactly as the SDK's own code paths do (PLATFORM_PLAN_EXACT_RUNTIME=1)", async () => {
        const json = path.join(scratchDir("exact-runtime"), "production.json");
        // Another process: the shortcuts are installed process-wide, once.
        const run = runTool("plan", ["--stack", "production", "--json", json], { env: { ...process.env, PLATFORM_PLAN_EXACT_RUNTIME: "1" } });
        expect(run.status, run.stderr).to.equal(0);
        const exact = JSON.parse(fs.readFileSync(json, "utf8")) as { resources: PlannedResource[]; outputs: unknown; prefixLists: unknown };
        const fast = await planOnce(readStackFiles("production"));
        expect(fast.resources.length).to.equal(exact.resources.length);
        // Registration order follows promise timing, which the shortcuts change: compare by URN.
        expect(byUrn(fast.resources)).to.deep.equal(byUrn(exact.resources));
        expect(fast.outputs).to.deep.equal(exact.outputs);
        expect(fast.prefixLists).to.deep.equal(exact.prefixLists);
    });

    it("make a resource's output when it is first read, with the value, secrecy and resources the monitor answered", async () => {
        const recorder = installMocks({ project: "shortcuts", stack: "test", region: "eu-west-1" });
        type Props = { size: pulumi.Output<number>; label: pulumi.Output<string>; arn: pulumi.Output<string> };
        const early = new Thing("early", { size: 3, label: pulumi.secret("hidden"), arn: undefined }) as unknown as Props & Thing;
        // Read while the registration is in flight: the Output waits for the monitor's answer.
        const earlySize = early.size;
        const later = new Thing("later", { size: earlySize.apply((n) => n + 1), label: "plain", arn: undefined }) as unknown as Props & Thing;
        await recorder.settle();
        // Read after it settled: made from what the monitor answered.
        const resolved = await resolveOutputs({ earlySize, earlyLabel: early.label, laterSize: later.size, laterLabel: later.label });
        expect(resolved).to.deep.equal({ earlySize: 3, earlyLabel: "[secret]", laterSize: 4, laterLabel: "plain" });
        // Either way the Output carries the resource it came from (what depends on it waits for it).
        for (const [output, resource] of [
            [earlySize, early],
            [later.size, later],
        ] as const) {
            const resources = await (output as unknown as { allResources(): Promise<Set<pulumi.Resource>> }).allResources();
            expect([...resources]).to.include(resource);
        }
        // Each read returns the same Output; an assignment replaces it, as it would the runtime's own property.
        expect(later.size).to.equal(later.size);
        (later as unknown as { size: unknown }).size = "replaced";
        expect((later as unknown as { size: unknown }).size).to.equal("replaced");
        // Properties the program never reads exist (enumerable, own), as the runtime's do.
        expect(Object.keys(later)).to.include.members(["size", "label", "arn"]);
        expect(Object.prototype.hasOwnProperty.call(later, "arn")).to.equal(true);
    });
});

describe("npm run bench's replay", () => {
    it("registers the production plan's resources again, with their parents, and nothing of the program", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const replayed = await replayPlan(plan);
        // The same records (the awsx VPC's children come from the mocks both times), under the same URNs.
        expect(replayed.map((r) => r.urn).sort()).to.deep.equal(plan.resources.map((r) => r.urn).sort());
        const byUrnOf = new Map(replayed.map((r) => [r.urn, r]));
        for (const r of plan.resources.filter((x) => x.custom && !x.urn.includes("$awsx:ec2:Vpc$"))) {
            expect(byUrnOf.get(r.urn)!.options.protect, r.urn).to.equal(r.options.protect);
            expect(byUrnOf.get(r.urn)!.parent, r.urn).to.equal(r.parent);
        }
    });
});
