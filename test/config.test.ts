import { expect } from "chai";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { PROFILES } from "../stacks/profiles";
import { ConfigValidationError, parseStackConfig } from "../stacks/schema";
import { readStackFiles } from "../plan/stack-files";
import { configProblems, planOnce, rawStack } from "./helpers";

function problemsOf(values: Record<string, unknown>, region: unknown = "us-east-1"): string[] {
    try {
        parseStackConfig(rawStack(values, { region }), TOPOLOGY_SCHEMAS);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigValidationError);
        return (err as ConfigValidationError).problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error("expected the config to be rejected");
}

describe("stack config validation", () => {
    it("accepts a minimal staging stack and fills the staging profile", () => {
        const config = parseStackConfig(rawStack({ environment: "staging" }), TOPOLOGY_SCHEMAS);
        expect(config.environment).to.equal("staging");
        expect(config.profile).to.deep.equal(PROFILES.staging);
        expect(config.network).to.deep.equal({ cidr: "10.0.0.0/16", azCount: 2, natStrategy: "single", flowLogRetentionDays: 14, endpoints: [] });
        expect(config.workloads).to.deep.equal({});
    });

    it("gives production 3 AZs, a NAT gateway per AZ and protected state", () => {
        const config = parseStackConfig(rawStack({ environment: "production" }), TOPOLOGY_SCHEMAS);
        expect(config.network.azCount).to.equal(3);
        expect(config.network.natStrategy).to.equal("perAz");
        expect(config.profile.protectStatefulResources).to.equal(true);
        expect(config.profile.deletionProtection).to.equal(true);
        expect(config.profile.multiAz).to.equal(true);
        expect(config.profile.backupRetentionDays).to.be.greaterThan(PROFILES.staging.backupRetentionDays);
        expect(config.profile.logRetentionDays).to.be.greaterThan(PROFILES.staging.logRetentionDays);
    });

    it("lets the stack override profile keys one at a time, and network keys over the profile", () => {
        const config = parseStackConfig(
            rawStack({ environment: "production", profile: { logRetentionDays: 30, multiAz: false }, network: { azCount: 2, natStrategy: "single" } }),
            TOPOLOGY_SCHEMAS,
        );
        expect(config.profile.logRetentionDays).to.equal(30);
        expect(config.profile.multiAz).to.equal(false);
        expect(config.profile.deletionProtection).to.equal(true); // untouched keys keep the profile's value
        expect(config.network.azCount).to.equal(2);
        expect(config.network.natStrategy).to.equal("single");
    });

    it("rejects an unknown environment naming the allowed ones", () => {
        expect(problemsOf({ environment: "prod" })).to.deep.equal(['platform:environment: must be one of: staging, production; got "prod"']);
    });

    it("rejects an unknown topology", () => {
        const problems = problemsOf({ environment: "staging", workloads: { api: { topology: "lambda" } } });
        expect(problems).to.have.length(1);
        expect(problems[0]).to.match(/^platform:workloads\.api\.topology: must be one of: fargate-rds, .*event-driven; got "lambda"$/);
    });

    it("knows exactly the topologies of the registry", () => {
        const problems = problemsOf({ environment: "staging", workloads: { api: { topology: "kubernetes" } } });
        expect(problems).to.deep.equal([`platform:workloads.api.topology: must be one of: ${Object.keys(TOPOLOGY_SCHEMAS).join(", ")}; got "kubernetes"`]);
    });

    for (const [cidr, why] of [
        ["10.0.0.0", /not an IPv4 CIDR block/],
        ["10.0.0.300/16", /not an IPv4 CIDR block/],
        ["10.0.0.1/16", /host bits must be zero/],
        ["10.0.0.0/8", /prefix length must be \/16 to \/22/],
        ["10.0.0.0/24", /prefix length must be \/16 to \/22/],
    ] as const) {
        it(`rejects the CIDR ${cidr}`, () => {
            const problems = problemsOf({ environment: "staging", network: { cidr } });
            expect(problems).to.have.length(1);
            expect(problems[0])
                .to.match(/^platform:network\.cidr: /)
                .and.match(why)
                .and.contain(`got "${cidr}"`);
        });
    }

    for (const azCount of [0, 1, 7, 2.5]) {
        it(`rejects an AZ count of ${azCount}`, () => {
            const problems = problemsOf({ environment: "staging", network: { azCount } });
            expect(problems).to.have.length(1);
            expect(problems[0]).to.match(/^platform:network\.azCount: .*2\.\.6.*; got /);
        });
    }

    it("rejects unknown keys at every level, listing the allowed keys and the likely one", () => {
        const problems = problemsOf({ environment: "staging", networks: {}, network: { cidrBlock: "10.0.0.0/16" }, profile: { logRetention: 7 } });
        expect(problems).to.have.members([
            'platform:networks: unknown key; did you mean "network"? (allowed keys: environment, insights, profile, network, imageReplication, policy, acknowledge, quotas, workloads); got {}',
            'platform:network.cidrBlock: unknown key; allowed keys: cidr, azCount, natStrategy, flowLogRetentionDays, endpoints; got "10.0.0.0/16"',
            `platform:profile.logRetention: unknown key; did you mean "logRetentionDays"? (allowed keys: ${Object.keys(PROFILES.staging).join(", ")}); got 7`,
        ]);
    });

    it("rejects values of the wrong type", () => {
        const problems = problemsOf({ environment: "staging", network: { azCount: "three" }, profile: { multiAz: "yes" } });
        expect(problems).to.have.members([
            'platform:network.azCount: expected an integer (allowed: 2..6); got "three"',
            'platform:profile.multiAz: expected a boolean, not a string; got "yes"',
        ]);
    });

    it("rejects a CloudWatch retention AWS does not offer, and inconsistent task bounds", () => {
        const problems = problemsOf({ environment: "staging", profile: { logRetentionDays: 10, minTasks: 5, maxTasks: 2 } });
        expect(problems).to.have.length(2);
        expect(problems[0]).to.match(/^platform:profile\.logRetentionDays: must be one of: 1, 3, 5, 7, 14, .*; got 10$/);
        expect(problems[1]).to.equal("platform:profile.minTasks: must not exceed maxTasks (2); got 5");
    });

    it("requires aws:region", () => {
        expect(problemsOf({ environment: "staging" }, null)).to.deep.equal([
            "aws:region: required: pulumi config set aws:region us-east-1 (or another region)",
        ]);
    });

    it("rejects badly named workloads", () => {
        const problems = problemsOf({ environment: "staging", workloads: { "Bad Name": { topology: "fargate-rds" } } });
        expect(problems.some((p) => p.startsWith("platform:workloads.Bad Name: workload names are 1-20 characters"))).to.equal(true);
    });

    it("reports every problem of a stack at once", () => {
        const problems = problemsOf({
            environment: "staging",
            network: { cidr: "10.0.0.0/33", azCount: 0 },
            workloads: { api: { topology: "kubernetes" } },
            colour: "blue",
        });
        expect(problems).to.have.length(4);
        expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).to.have.members([
            "platform:network.cidr",
            "platform:network.azCount",
            "platform:workloads.api.topology",
            "platform:colour",
        ]);
    });
});

describe("platform:imageReplication", () => {
    it("copies every private image to the DR regions the shipped production stack names, and only to other regions", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const replication = plan.resources.filter((r) => r.type === "aws:ecr/replicationConfiguration:ReplicationConfiguration");
        expect(replication).to.have.length(1);
        const destinations = (replication[0].inputs.replicationConfiguration as any).rules[0].destinations;
        expect(destinations).to.deep.equal([
            { region: "us-west-2", registryId: "123456789012" },
            { region: "eu-west-1", registryId: "123456789012" },
        ]);
        const problems = configProblems(rawStack({ environment: "staging", imageReplication: { regions: ["eu-west-1", "us-east-1"] } }));
        expect(problems.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
            "platform:imageReplication.regions[1]: us-east-1 is the stack's own region: images are replicated to other regions",
        ]);
        expect(parseStackConfig(rawStack({ environment: "staging" }), TOPOLOGY_SCHEMAS).imageReplication).to.equal(undefined);
    });
});
