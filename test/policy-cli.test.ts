import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { policyCommand } from "../tools/policy";
import { MIN_REASON_WORDS } from "../stacks/policy-config";
import { parseStackConfig } from "../stacks/schema";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { configProblems, planCli, planOnce, rawStack, scratchDir } from "./helpers";

async function policyCli(args: string[]) {
    let stdout = "";
    let stderr = "";
    const status = await policyCommand(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
    return { status, stdout, stderr };
}

describe("npm run policy: the pack on written plan files", () => {
    it("passes the shipped production plan, fails a weakened copy, and lists the violations per file in JSON", async () => {
        const dir = scratchDir("policy-cli");
        const plan = await planOnce(readStackFiles("production"));
        const good = path.join(dir, "production.json");
        fs.writeFileSync(good, JSON.stringify(plan));
        // The weakened copy: one production bucket that deletes its objects with it.
        const weakened = {
            ...plan,
            resources: plan.resources.map((r) =>
                r.name === "ledger-api-access-logs" && r.type === "aws:s3/bucket:Bucket" ? { ...r, inputs: { ...r.inputs, forceDestroy: true } } : r,
            ),
        };
        const bad = path.join(dir, "weakened.json");
        fs.writeFileSync(bad, JSON.stringify(weakened));
        const out = path.join(dir, "out.json");

        const run = await policyCli(["--plan", good, bad, "--json", out]);
        expect(run.status, run.stdout + run.stderr).to.equal(1);
        expect(run.stdout).to.contain("[mandatory] s3-no-force-destroy-production");
        const report = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(report.plans.map((p: { file: string }) => p.file)).to.deep.equal([good, bad]);
        expect(report.plans[0].violations.filter((v: { level: string }) => v.level === "mandatory")).to.deep.equal([]);
        expect(report.plans[1].violations).to.deep.include({
            policy: "s3-no-force-destroy-production",
            level: "mandatory",
            urn: plan.resources.find((r) => r.name === "ledger-api-access-logs" && r.type === "aws:s3/bucket:Bucket")!.urn,
            message: "forceDestroy is true",
        });
        expect(report.plans[1].environment).to.equal("production");

        // The rule is production's: as staging, the same file passes.
        expect((await policyCli(["--plan", bad, "--environment", "staging"])).status).to.equal(0);
        expect((await policyCli(["--plan", good])).status).to.equal(0);
    });

    it("refuses bad arguments and unreadable files with the usage, exit 2", async () => {
        for (const args of [[], ["--plan"], ["--plan", "x.json", "--environment", "prod"], ["--plan", path.join(PROJECT_DIR, "package.json")]]) {
            const run = await policyCli(args);
            expect(run.status, args.join(" ")).to.equal(2);
            expect(run.stderr, args.join(" ")).to.match(/usage: npm run policy|no resources|not a readable plan/);
        }
    });
});

describe("platform:policy.suppress: violations accepted on purpose", () => {
    it("shows a suppressed violation with its reason, in the output and the JSON, and lets the plan pass", async () => {
        const dir = scratchDir("suppress");
        const file = path.join(dir, "Pulumi.suppressed.yaml");
        const staging = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8");
        const opened = staging.replace("      prometheusCidrs:\n        - 10.20.200.10/32", "      prometheusCidrs:\n        - 0.0.0.0/0");
        expect(opened).to.not.equal(staging);
        const reason = "The scraper runs outside AWS until the VPN lands in Q1.";
        fs.writeFileSync(
            file,
            opened.replace(
                "  platform:environment: staging\n",
                `  platform:environment: staging\n  platform:policy:\n    suppress:\n      - rule: sg-no-world-ingress\n        resource: ledger-tasks-in-prometheus-0-0-0-0-0\n        reason: ${reason}\n      - rule: ecs-pinned-images\n        resource: gone\n        reason: left over\n`,
            ),
        );
        const out = path.join(dir, "plan.json");
        const run = await planCli(["--stack", "suppressed", "--config-file", file, "--json", out]);
        expect(run.status, run.stdout + run.stderr).to.equal(0);
        expect(run.stdout).to.contain("Suppressed by platform:policy.suppress (1):");
        expect(run.stdout).to.contain(`reason: ${reason}`);
        expect(run.stdout).to.contain("unused suppression: ecs-pinned-images on gone matches no violation");
        const plan = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(plan.policy.suppressed).to.have.length(1);
        expect(plan.policy.suppressed[0]).to.include({ policy: "sg-no-world-ingress", level: "mandatory", reason });
        expect(plan.policy.violations.some((v: { policy: string }) => v.policy === "sg-no-world-ingress")).to.equal(false);
        // npm run policy applies the suppressions the plan file carries.
        expect((await policyCli(["--plan", out])).status).to.equal(0);
    });

    const withSuppression = (environment: string, suppression: Record<string, unknown>) => rawStack({ environment, policy: { suppress: [suppression] } });

    it(`refuses, in production, a mandatory rule suppressed without a sentence of reason (${MIN_REASON_WORDS} words)`, () => {
        const problems = configProblems(withSuppression("production", { rule: "sg-no-world-ingress", resource: "x", reason: "JIRA-123" }));
        expect(problems).to.have.length(1);
        expect(problems[0].path).to.equal("platform:policy.suppress[0].reason");
        expect(problems[0].message).to.contain("at least a sentence");
        // Staging, or an advisory rule, takes any reason.
        expect(
            parseStackConfig(withSuppression("staging", { rule: "sg-no-world-ingress", resource: "x", reason: "JIRA-123" }), TOPOLOGY_SCHEMAS).policy.suppress,
        ).to.have.length(1);
        expect(() =>
            parseStackConfig(withSuppression("production", { rule: "ecs-read-only-root-filesystem", resource: "x", reason: "JIRA-123" }), TOPOLOGY_SCHEMAS),
        ).to.not.throw();
    });

    it("names the rule it does not know, with a guess, and requires every field", () => {
        const problems = configProblems(withSuppression("staging", { rule: "sg-no-world-ingres", resource: "x" }));
        const messages = problems.map((p) => `${p.path}: ${p.message}`).join("\n");
        expect(messages).to.contain('no rule of the policy pack is named "sg-no-world-ingres"; did you mean "sg-no-world-ingress"?');
        expect(messages).to.match(/platform:policy\.suppress\[0\]\.reason/);
    });
});
