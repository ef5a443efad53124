import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../plan/stack-files";
import { scratchDir } from "./helpers";

const WORKFLOWS = path.join(PROJECT_DIR, ".github/workflows");
const validator = require.resolve("@action-validator/cli/cli.mjs");
const validate = (file: string) => spawnSync(process.execPath, [validator, file], { encoding: "utf8" });
const workflow = (name: string) => parse(fs.readFileSync(path.join(WORKFLOWS, name), "utf8"));
type Step = { uses?: string; run?: string; with?: Record<string, unknown>; "working-directory"?: string };
const pulumiStep = (steps: Step[]) => steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;

describe("CI workflows", () => {
    const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

    it("ships the pull-request, deploy and drift workflows", () => {
        expect(files).to.have.members(["pull-request.yml", "deploy.yml", "drift.yml"]);
    });

    for (const file of files) {
        it(`${file} passes the GitHub workflow schema (action-validator)`, () => {
            const run = validate(path.join(WORKFLOWS, file));
            expect(run.status, run.stdout + run.stderr).to.equal(0);
        });
    }

    it("the validator really rejects a broken workflow", () => {
        const bad = path.join(scratchDir("wf"), "bad.yml");
        fs.writeFileSync(bad, "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
        expect(validate(bad).status).to.not.equal(0);
    });

    it("pull requests: offline tests and plans without credentials, then a commented preview per stack with the policy pack, through OIDC", () => {
        const wf = workflow("pull-request.yml");
        expect(Object.keys(wf.on)).to.deep.equal(["pull_request"]);
        const offline = wf.jobs.offline;
        expect(offline.permissions).to.equal(undefined);
        expect(wf.permissions).to.deep.equal({ contents: "read" });
        expect(offline.steps.map((s: Step) => s.run).filter(Boolean)).to.include.members(["npm ci", "npm test"]);
        const preview = wf.jobs.preview;
        expect(preview.needs).to.equal("offline");
        expect(preview.permissions["id-token"]).to.equal("write");
        expect(preview.strategy.matrix.stack).to.deep.equal(["staging", "production"]);
        expect(preview.steps.some((s: Step) => s.run === "npm ci" && s["working-directory"] === "policy")).to.equal(true);
        expect(preview.steps.find((s: Step) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!.with!["role-to-assume"]).to.equal(
            "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
        );
        const pulumi = pulumiStep(preview.steps).with!;
        expect(pulumi).to.include({ command: "preview", "comment-on-pr": true, policyPacks: "policy/", "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}" });
        expect(pulumi.policyPackConfigs).to.equal("policy/config/${{ matrix.stack }}.json");
    });

    it("main: staging, then production behind an approved environment, one deployment per stack at a time", () => {
        const wf = workflow("deploy.yml");
        expect(wf.on.push.branches).to.deep.equal(["main"]);
        expect(wf.jobs.staging.needs).to.equal("test");
        expect(wf.jobs.production.needs).to.equal("staging");
        expect(wf.jobs.production.environment).to.equal("production");
        for (const stack of ["staging", "production"]) {
            const job = wf.jobs[stack];
            expect(job.concurrency).to.deep.equal({ group: `deploy-${stack}`, "cancel-in-progress": false });
            expect(pulumiStep(job.steps).with).to.include({
                command: "up",
                "stack-name": stack,
                policyPacks: "policy/",
                policyPackConfigs: `policy/config/${stack}.json`,
            });
        }
    });

    it("drift: a scheduled, refreshed preview per stack that fails on any change", () => {
        const wf = workflow("drift.yml");
        expect(wf.on.schedule).to.have.length(1);
        const job = wf.jobs.drift;
        expect(job.strategy.matrix.stack).to.deep.equal(["staging", "production"]);
        expect(job.concurrency.group).to.equal("deploy-${{ matrix.stack }}");
        expect(pulumiStep(job.steps).with).to.include({ command: "preview", refresh: true, "expect-no-changes": true });
    });
});
