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
const pulumiStep = (steps: Step[]) => steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command)!;

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
        expect(preview.steps.some((s: Step) => s.run === "npm ci --ignore-scripts" && s["working-directory"] === "policy")).to.equal(true);
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

    describe("guarding production", () => {
        type Job = { if?: string; environment?: string; permissions?: Record<string, string>; steps: Step[] };
        const jobs = files.flatMap((file) => Object.entries(workflow(file).jobs as Record<string, Job>).map(([name, job]) => ({ file, name, job })));
        const holdsSecrets = (job: Job) =>
            JSON.stringify(job).includes("${{ secrets.") || job.permissions?.["id-token"] === "write" || job.permissions?.["pull-requests"] === "write";

        it("pins every third-party action by commit SHA (a tag can be moved to other code)", () => {
            for (const { file, name, job } of jobs)
                for (const step of job.steps.filter((s) => s.uses)) expect(step.uses, `${file} ${name}`).to.match(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
            const raw = files.map((f) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8")).join("\n");
            // Each pin says which release it is, for the reader and for update tools.
            for (const line of raw.split("\n").filter((l) => /uses: /.test(l))) expect(line).to.match(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
        });

        it("installs without package scripts in every job that holds secrets, a cloud identity or a write token", () => {
            const guarded = jobs.filter(({ job }) => holdsSecrets(job));
            expect(guarded.map(({ name }) => name)).to.include.members(["insights", "preview", "staging", "production", "drift"]);
            for (const { file, name, job } of guarded)
                for (const run of job.steps.map((s) => s.run).filter((r): r is string => typeof r === "string" && /npm ci/.test(r)))
                    expect(run, `${file} ${name}`).to.match(/npm ci --ignore-scripts/);
        });

        it("runs each preview and drift check in an environment of its own stack, so production's secrets sit behind production-preview", () => {
            expect(workflow("pull-request.yml").jobs.preview.environment).to.equal("${{ matrix.stack }}-preview");
            expect(workflow("drift.yml").jobs.drift.environment).to.equal("${{ matrix.stack }}-drift");
            expect(workflow("drift.yml").permissions).to.deep.equal({ contents: "read" });
            // No job gets a cloud identity outside an environment.
            for (const { file, name, job } of jobs.filter(({ job }) => job.permissions?.["id-token"] === "write"))
                expect(job.environment, `${file} ${name}`).to.be.a("string");
        });

        it("runs the migrations a workload asks for before pulumi up rolls the services", () => {
            const wf = workflow("deploy.yml");
            for (const stack of ["staging", "production"]) {
                const steps: Step[] = wf.jobs[stack].steps;
                const migrate = steps.findIndex((s) => s.run === `npm run migrations -- --stack ${stack}`);
                const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
                const install = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && !s.with);
                expect(install, stack).to.be.greaterThan(-1).and.lessThan(migrate);
                expect(migrate, stack).to.be.lessThan(up);
            }
        });

        it("deploys only from main, a manual run included", () => {
            const wf = workflow("deploy.yml");
            for (const stack of ["staging", "production"]) expect(wf.jobs[stack].if).to.equal("github.ref == 'refs/heads/main'");
        });
    });
});
