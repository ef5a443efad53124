import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { readStackFiles, secretPlaceholder, shippedStacks } from "../plan/stack-files";
import { runTool } from "../plan/cli";
import { scratchDir, planOnce, planCli, rawStack } from "./helpers";
import { deployPlatform, observePlatform } from "../components/platform";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { installMocks } from "../plan/mocks";
import { parseStackConfig } from "../stacks/schema";

// The plan CLI as a user runs it (without --diagram-dir it writes no diagram).
const runPlanCli = (args: string[]) => runTool("plan", args);

describe("offline plan", () => {
    it("ships staging and production stack files", () => {
        expect(shippedStacks()).to.include.members(["staging", "production"]);
    });

    for (const stack of ["staging", "production"]) {
        it(`plans the shipped ${stack} stack with its region, tags and environment`, async () => {
            const files = readStackFiles(stack);
            expect(files.config["platform:environment"]).to.equal(stack);
            expect(JSON.parse(files.config["aws:defaultTags"])).to.deep.equal({ tags: { project: "platform", stack, environment: stack } });
            const plan = await planOnce(files);
            expect(plan.project).to.equal("platform");
            expect(plan.stack).to.equal(stack);
            expect(plan.resources.map((r) => r.type)).to.include.members(["awsx:ec2:Vpc", "aws:ec2/flowLog:FlowLog"]);
        });
    }

    it("turns secure: values into secret placeholders and marks their keys secret", () => {
        const dir = scratchDir("plan");
        const file = path.join(dir, "Pulumi.secret.yaml");
        fs.writeFileSync(
            file,
            "config:\n  aws:region: eu-west-1\n  platform:environment: staging\n  platform:workloads:\n    api:\n      token:\n        secure: v1:abc\n",
        );
        const files = readStackFiles("secret", file);
        expect(files.secretKeys).to.deep.equal(["platform:workloads"]);
        expect(JSON.parse(files.config["platform:workloads"])).to.deep.equal({ api: { token: secretPlaceholder("platform:workloads.api.token") } });
    });

    it("writes the plan as JSON with every resource's inputs, options and dependencies", async () => {
        const out = path.join(scratchDir("plan"), "production.json");
        const run = await planCli(["--stack", "production", "--json", out]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.contain("\n  network (platform:network:Network)\n").and.contain("By type:");
        // Laying the diagram out costs more than the rest of the estimate: only with --diagram-dir.
        expect(run.stdout).not.to.contain("Diagram:");

        const plan = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(plan).to.have.keys(
            "project",
            "stack",
            "region",
            "resources",
            "prefixLists",
            "outputs",
            "usage",
            "environment",
            "suppressions",
            "acknowledgements",
            "quotas",
            "readiness",
            "policy",
            "estimate",
        );
        expect(plan.readiness.problems).to.deep.equal([]);
        expect(plan.policy.violations.filter((v: { level: string }) => v.level === "mandatory")).to.deep.equal([]);
        expect(plan.project).to.equal("platform");
        expect(plan.stack).to.equal("production");
        for (const r of plan.resources) {
            // `aliases` only where the resource has some (the provider's own renamed types, for one), and
            // `propertyDependencies` only where an input came from another resource's output.
            const { aliases, propertyDependencies, ...rest } = r;
            expect(rest).to.have.keys("urn", "type", "name", "parent", "custom", "inputs", "options", "dependencies", "state");
            for (const alias of aliases ?? []) expect(alias).to.match(/^urn:pulumi:production::platform::/);
            for (const [input, urns] of Object.entries((propertyDependencies ?? {}) as Record<string, string[]>)) {
                expect(r.inputs, `${r.urn} ${input}`).to.have.property(input);
                for (const urn of urns) expect(r.dependencies, `${r.urn} ${input}`).to.include(urn);
            }
            expect(r.options).to.have.keys("protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "dependsOn");
            expect(r.urn).to.match(/^urn:pulumi:production::platform::/);
        }
        const vpc = plan.resources.find((r: { type: string }) => r.type === "awsx:ec2:Vpc");
        const flowLog = plan.resources.find((r: { type: string }) => r.type === "aws:ec2/flowLog:FlowLog");
        const network = plan.resources.find((r: { type: string }) => r.type === "platform:network:Network");
        expect(network.parent).to.equal(null);
        expect(vpc.parent).to.equal(network.urn);
        expect(vpc.custom).to.equal(false);
        expect(flowLog.custom).to.equal(true);
        expect(flowLog.dependencies).to.include(vpc.urn);
        // Which input came from where: the flow log's VPC ID from awsx's VPC.
        expect(flowLog.propertyDependencies.vpcId).to.deep.equal([vpc.urn]);
        expect(flowLog.inputs.logDestination).to.match(/^arn:aws:logs:us-east-1:123456789012:log-group:/);
        expect(plan.outputs.vpcId).to.match(/^vpc-/);
        expect(plan.outputs.privateSubnetIds).to.have.length(3);
    });

    it("rejects a bad stack file with every problem, a non-zero exit and no JSON", () => {
        const dir = scratchDir("plan");
        const file = path.join(dir, "Pulumi.broken.yaml");
        const out = path.join(dir, "broken.json");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  aws:region: us-east-1",
                "  platform:environment: staging",
                "  platform:network:",
                "    cidr: 10.0.0.0/33",
                "    azCount: 0",
                "    colour: blue",
                "  platform:workloads:",
                "    api:",
                "      topology: kubernetes",
                "",
            ].join("\n"),
        );
        const run = runPlanCli(["--stack", "broken", "--config-file", file, "--json", out]);
        expect(run.status).to.equal(1);
        expect(run.stderr).to.contain("Stack configuration is invalid (4 problems); nothing was created");
        expect(run.stderr).to.contain("platform:network.cidr: not an IPv4 CIDR block");
        expect(run.stderr).to.contain("platform:network.azCount: must be at least 2");
        expect(run.stderr).to.contain("platform:network.colour: unknown key");
        expect(run.stderr).to.contain("platform:workloads.api.topology: must be one of: fargate-rds");
        expect(fs.existsSync(out)).to.equal(false);
    });
});

describe("paced registrations", () => {
    it("lets the network and each workload settle before the next under the offline plan, and only there", async () => {
        const config = parseStackConfig(
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        a: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } },
                        b: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            ),
            TOPOLOGY_SCHEMAS,
        );
        const recorder = installMocks({ project: "platform", stack: "test", region: "us-east-1" });
        const seen: number[] = [];
        let validated: unknown;
        observePlatform({
            deploying: (c) => (validated = c),
            pace: async () => {
                await recorder.settle();
                seen.push(recorder.resources.length);
            },
        });
        try {
            await deployPlatform(config);
        } finally {
            observePlatform(undefined);
        }
        await recorder.settle();
        // After the network, after workload a, after workload b: each step's resources all registered.
        expect(seen).to.have.length(3);
        expect(seen[0]).to.be.below(seen[1]);
        expect(seen[2]).to.equal(recorder.resources.length);
        expect(seen[2] - seen[1]).to.equal(seen[1] - seen[0]);
        expect(validated).to.equal(config);
    });
});
