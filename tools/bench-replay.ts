import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "../plan/mocks";
import { Plan } from "../plan/plan";
import { PlannedResource } from "../plan/resource";

/**
 * `node bin/tools/bench-replay.js <plan.json>`, run by `npm run bench`: registers a plan's resources
 * again, with their recorded inputs, parents and protection, through the SDK's runtime under the
 * same mocks, and nothing else (no program, no checks). Its time above the floor is what the SDK
 * itself costs for that many resources: the part of a plan this program cannot make faster.
 */
class Replayed extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(type, name, inputs, opts);
    }
}
/** A component; with inputs it is registered as a remote one (awsx's VPC), as the program's was. */
class ReplayedComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs, opts: pulumi.ComponentResourceOptions) {
        super(type, name, inputs, opts, Object.keys(inputs).length > 0);
    }
}

/** Registers the plan's resources again (see above); resolves to what the mocks recorded. */
export async function replayPlan(plan: Pick<Plan, "project" | "stack" | "region" | "resources">): Promise<PlannedResource[]> {
    pulumi.runtime.setAllConfig({ "aws:region": plan.region }, []);
    const recorder = installMocks({ project: plan.project, stack: plan.stack, region: plan.region });
    const registered = new Map<string, pulumi.Resource>();
    const types = new Map(plan.resources.map((r) => [r.urn, r.type]));
    const modelled = new Set<string>();
    for (const r of plan.resources) {
        // What awsx's VPC holds are the mocks' own records (added again when the VPC registers).
        if (r.parent && (types.get(r.parent) === "awsx:ec2:Vpc" || modelled.has(r.parent))) {
            modelled.add(r.urn);
            continue;
        }
        const parent = r.parent ? registered.get(r.parent) : undefined;
        const opts = { parent, protect: r.options.protect };
        registered.set(r.urn, r.custom ? new Replayed(r.type, r.name, r.inputs, opts) : new ReplayedComponent(r.type, r.name, r.inputs, opts));
    }
    await recorder.settle();
    return recorder.resources;
}

if (require.main === module) {
    const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as Plan;
    replayPlan(plan).then(
        (replayed) => {
            console.log(`Replayed ${replayed.length} resources of ${plan.stack} through the SDK's runtime.`);
            process.exit(0);
        },
        (err: unknown) => {
            console.error(err instanceof Error ? err.message : err);
            process.exit(2);
        },
    );
}
