import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../plan/stack-files";
import { stacksCommand } from "../tools/stacks";
import { scratchDir } from "./helpers";

const WORKFLOWS = path.join(PROJECT_DIR, ".github/workflows");
const validator = require.resolve("@action-validator/cli/cli.mjs");
const validate = (file: string) => spawnSync(process.execPath, [validator, file], { encoding: "utf8" });
const workflow = (name: string) => parse(fs.readFileSync(path.join(WORKFLOWS, name), "utf8"));
type Step = {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
    "working-directory"?: string;
};
type Job = {
    if?: string;
    needs?: string | string[];
    environment?: string;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress"?: boolean; queue?: string };
    strategy?: { matrix: Record<string, unknown> };
    env?: Record<string, string>;
    outputs?: Record<string, string>;
    steps: Step[];
};
const pulumiStep = (steps: Step[]) => steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command)!;
const needs = (job: Job) => [job.needs ?? []].flat();

describe("CI workflows", () => {
    const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
    const jobs = files.flatMap((file) => Object.entries(workflow(file).jobs as Record<string, Job>).map(([name, job]) => ({ file, name, job })));

    it("ships the pull-request, comment, deploy and drift workflows", () => {
        expect(files).to.have.members(["pull-request.yml", "pr-comment.yml", "deploy.yml", "drift.yml"]);
    });

    for (const file of files) {
        it(`${file} passes the GitHub workflow schema (action-validator)`, () => {
            // action-validator 0.6.0 (the latest) predates the concurrency key `queue` (GitHub, May 2026):
            // it validates everything else; the next test checks `queue` against GitHub's documented values.
            const text = fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
            const copy = path.join(scratchDir("wf"), file);
            fs.writeFileSync(copy, text.replace(/^\s+queue: max\n/gm, ""));
            const run = validate(copy);
            expect(run.status, run.stdout + run.stderr).to.equal(0);
        });
    }

    it("the validator really rejects a broken workflow", () => {
        const bad = path.join(scratchDir("wf"), "bad.yml");
        fs.writeFileSync(bad, "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
        expect(validate(bad).status).to.not.equal(0);
    });

    it("runs on Node 22 everywhere, as @pulumi/pulumi requires, and says so in package.json", () => {
        const setups = jobs.flatMap(({ job }) => job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@")));
        expect(setups.length).to.be.greaterThan(5);
        for (const step of setups) expect(step.with!["node-version"]).to.equal(22);
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
        expect(pkg.engines.node).to.equal(">=22");
    });

    describe("every stack file is previewed, deployed and drift-checked, with its own policy config", () => {
        // A repository with one more stack file than the shipped ones: a per-customer production stack.
        const project = scratchDir("stacks");
        for (const f of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\..+)?\.yaml$/.test(f)))
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(project, f));
        fs.copyFileSync(path.join(PROJECT_DIR, "test/fixtures/Pulumi.acme-prod.yaml"), path.join(project, "Pulumi.acme-prod.yaml"));
        const matrices = () => {
            const output = path.join(project, "github-output");
            fs.writeFileSync(output, "");
            const saved = process.env.GITHUB_OUTPUT;
            process.env.GITHUB_OUTPUT = output;
            try {
                expect(stacksCommand(["--github-output"], { out: () => undefined, err: (t) => expect.fail(t) }, project)).to.equal(0);
            } finally {
                if (saved === undefined) delete process.env.GITHUB_OUTPUT;
                else process.env.GITHUB_OUTPUT = saved;
            }
            return Object.fromEntries(
                fs
                    .readFileSync(output, "utf8")
                    .trim()
                    .split("\n")
                    .map((line) => [
                        line.slice(0, line.indexOf("=")),
                        JSON.parse(line.slice(line.indexOf("=") + 1)) as { stack: string; environment: string }[],
                    ]),
            );
        };

        /** The stacks a workflow's job runs on, resolving its matrix from the first job's outputs. */
        const stacksOf = (file: string, name: string, outputs: ReturnType<typeof matrices>) => {
            const wf = workflow(file);
            const job: Job = wf.jobs[name];
            const include = job.strategy!.matrix.include as string;
            const key = /^\$\{\{ fromJSON\(needs\.stacks\.outputs\.(\w+)\) \}\}$/.exec(include)?.[1];
            expect(key, `${file} ${name}: matrix.include ${include}`).to.be.a("string");
            expect(needs(job), `${file} ${name}`).to.include("stacks");
            const stacksJob: Job = wf.jobs.stacks;
            expect(stacksJob.steps.find((s) => s.run?.startsWith("npm run -s stacks"))!.run).to.equal("npm run -s stacks -- --github-output");
            expect(stacksJob.outputs![key!]).to.equal(`\${{ steps.stacks.outputs.${key} }}`);
            return outputs[key!].map((s) => s.stack);
        };

        it("lists the stacks from the Pulumi.*.yaml files, split by their platform:environment", () => {
            const outputs = matrices();
            expect(outputs.all.map((s) => s.stack)).to.deep.equal(["acme-prod", "production", "staging"]);
            expect(outputs.production.map((s) => s.stack)).to.deep.equal(["acme-prod", "production"]);
            expect(outputs.staging.map((s) => s.stack)).to.deep.equal(["staging"]);
            fs.writeFileSync(path.join(project, "Pulumi.bad.yaml"), "config:\n  aws:region: us-east-1\n");
            let err = "";
            expect(stacksCommand([], { out: () => undefined, err: (t) => (err += t) }, project)).to.equal(1);
            expect(err).to.contain("Pulumi.bad.yaml: platform:environment must be staging or production");
            fs.rmSync(path.join(project, "Pulumi.bad.yaml"));
            fs.writeFileSync(path.join(project, "Pulumi.x$(id).yaml"), "config:\n  platform:environment: staging\n");
            expect(stacksCommand([], { out: () => undefined, err: (t) => (err = t) }, project)).to.equal(1);
            expect(err).to.contain('Pulumi.x$(id).yaml: a stack name holds only letters, digits, "-", "_" and "."');
            fs.rmSync(path.join(project, "Pulumi.x$(id).yaml"));
        });

        it("covers an added stack file in every workflow: preview and offline plan, deploy after staging, drift", () => {
            const outputs = matrices();
            expect(stacksOf("pull-request.yml", "preview", outputs)).to.include("acme-prod");
            expect(stacksOf("pull-request.yml", "insights", outputs)).to.include("acme-prod");
            expect(stacksOf("drift.yml", "drift", outputs)).to.include("acme-prod");
            expect(stacksOf("deploy.yml", "production", outputs)).to.include("acme-prod");
            expect(stacksOf("deploy.yml", "staging", outputs)).to.not.include("acme-prod");
            // No job lists stacks by hand.
            for (const { file, name, job } of jobs) expect(job.strategy?.matrix.stack, `${file} ${name}`).to.equal(undefined);
        });

        it("deploys production stacks after the staging ones, each in the GitHub environment of its name, with its generated policy config", () => {
            const wf = workflow("deploy.yml");
            expect(wf.on.push.branches).to.deep.equal(["main"]);
            expect(needs(wf.jobs.staging)).to.have.members(["stacks", "test"]);
            expect(needs(wf.jobs.production)).to.have.members(["stacks", "staging"]);
            expect(wf.jobs.production.if).to.contain("!failure() && !cancelled()");
            for (const name of ["staging", "production"]) {
                const job: Job = wf.jobs[name];
                expect(job.environment).to.equal("${{ matrix.stack }}");
                expect(job.env!.STACK).to.equal("${{ matrix.stack }}");
                expect(job.if).to.contain("github.ref == 'refs/heads/main'").and.contain(`needs.stacks.outputs.${name} != '[]'`);
                const steps = job.steps;
                const config = steps.findIndex((s) => s.run === 'npm run -s policy-config -- --stack "$STACK" --out policy-config.json');
                const select = steps.findIndex((s) => s.run?.includes('pulumi stack select --create --secrets-provider "$PULUMI_SECRETS_PROVIDER" "$STACK"'));
                const migrate = steps.findIndex((s) => s.run === 'npm run migrations -- --stack "$STACK" --policy-pack-config policy-config.json');
                const up = steps.indexOf(pulumiStep(steps));
                const install = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && !s.with);
                expect(
                    [install, config, select, migrate].every((i) => i >= 0),
                    name,
                ).to.equal(true);
                expect(install).to.be.lessThan(select);
                expect(select).to.be.lessThan(migrate);
                expect(migrate).to.be.lessThan(up);
                expect(steps[select].env!.PULUMI_SECRETS_PROVIDER).to.equal("${{ vars.PULUMI_SECRETS_PROVIDER }}");
                expect(steps[up].with).to.include({
                    command: "up",
                    "stack-name": "${{ matrix.stack }}",
                    upsert: true,
                    "secrets-provider": "${{ vars.PULUMI_SECRETS_PROVIDER }}",
                    policyPacks: "policy/",
                    policyPackConfigs: "policy-config.json",
                });
            }
        });

        it("refuses to deploy a production stack whose GitHub environment has no required reviewers, before any credential", () => {
            const job: Job = workflow("deploy.yml").jobs.production;
            const check = job.steps.findIndex((s) => s.name === "Production stacks deploy only behind required reviewers");
            const credentials = job.steps.findIndex((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            expect(check).to.be.greaterThan(-1).and.lessThan(credentials);
            expect(job.permissions!.actions).to.equal("read");
            expect(workflow("deploy.yml").jobs.staging.steps.some((s: Step) => s.name === job.steps[check].name)).to.equal(false);
            const dir = scratchDir("reviewers");
            const run = (rules: string) => {
                fs.writeFileSync(path.join(dir, "rules.json"), rules);
                // A fake gh answering GET /repos/o/r/environments/acme-prod with these protection rules.
                fs.writeFileSync(
                    path.join(dir, "gh"),
                    `#!/bin/bash\n[ "$2" = repos/o/r/environments/acme-prod ] || exit 9\njq "$4" "${path.join(dir, "rules.json")}"\n`,
                    { mode: 0o755 },
                );
                return spawnSync("bash", ["-c", job.steps[check].run!], {
                    encoding: "utf8",
                    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, GITHUB_REPOSITORY: "o/r", STACK: "acme-prod" },
                });
            };
            const unguarded = run(JSON.stringify({ protection_rules: [{ type: "branch_policy" }] }));
            expect(unguarded.status).to.equal(1);
            expect(unguarded.stdout).to.contain("acme-prod is a production stack (platform:environment) but its GitHub environment has no required reviewers");
            expect(run(JSON.stringify({ protection_rules: [{ type: "required_reviewers", reviewers: [{ type: "Team" }] }] })).status).to.equal(0);
        });

        it("previews each stack with the pack and its generated config, in its <stack>-preview environment, through OIDC", () => {
            const wf = workflow("pull-request.yml");
            expect(Object.keys(wf.on)).to.deep.equal(["pull_request"]);
            expect(wf.permissions).to.deep.equal({ contents: "read" });
            expect(wf.jobs.offline.permissions).to.equal(undefined);
            expect(wf.jobs.offline.steps.map((s: Step) => s.run).filter(Boolean)).to.include.members(["npm ci", "npm test"]);
            const preview: Job = wf.jobs.preview;
            expect(needs(preview)).to.have.members(["stacks", "offline"]);
            expect(preview.environment).to.equal("${{ matrix.stack }}-preview");
            expect(preview.permissions!["id-token"]).to.equal("write");
            expect(preview.steps.some((s) => s.run === "npm ci --ignore-scripts" && s["working-directory"] === "policy")).to.equal(true);
            expect(preview.steps.some((s) => s.run === 'npm run -s policy-config -- --stack "$STACK" --out policy-config.json')).to.equal(true);
            expect(preview.steps.find((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))!.with!["role-to-assume"]).to.equal(
                "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
            );
            const pulumi = pulumiStep(preview.steps);
            expect(pulumi.with).to.include({ command: "preview", "comment-on-pr": true, policyPacks: "policy/", policyPackConfigs: "policy-config.json" });
            // A stack the pull request adds has no state yet: the read-only role skips it with a notice.
            expect(pulumi.if).to.equal("steps.exists.outputs.exists == 'true'");
        });
    });

    describe("runs are never lost", () => {
        it("queues every deploy of a stack behind the running one: never cancelled, never replaced by a later push", () => {
            const wf = workflow("deploy.yml");
            expect(wf.concurrency).to.equal(undefined);
            for (const name of ["staging", "production"])
                expect(wf.jobs[name].concurrency).to.deep.equal({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false, queue: "max" });
        });

        it("gives no other job a deploy's concurrency group: a drift check or a pull request can never replace a waiting deploy", () => {
            const groups = files.flatMap((file) => {
                const wf = workflow(file);
                const own = wf.concurrency ? [{ file, name: "(workflow)", group: String(wf.concurrency.group ?? wf.concurrency) }] : [];
                return [
                    ...own,
                    ...jobs.filter((j) => j.file === file && j.job.concurrency).map(({ name, job }) => ({ file, name, group: job.concurrency!.group })),
                ];
            });
            const deploys = groups.filter((g) => /^deploy-/i.test(g.group));
            expect(deploys.map((g) => `${g.file} ${g.name}`)).to.have.members(["deploy.yml staging", "deploy.yml production"]);
            const drift: Job = workflow("drift.yml").jobs.drift;
            expect(drift.concurrency!.group).to.equal("drift-${{ matrix.stack }}");
            // Drift skips while a deploy is queued or running, rather than reporting its half-applied changes.
            const check = drift.steps.find((s) => s.run?.includes("gh run list"))!;
            expect(check.run).to.contain("--workflow deploy.yml");
            expect(drift.permissions!.actions).to.equal("read");
        });
    });

    describe("the pull-request comment", () => {
        it("is rendered without a write token (forks included) and posted by a workflow_run job that runs none of the pull request's code", () => {
            const pr = workflow("pull-request.yml");
            const insights: Job = pr.jobs.insights;
            expect(insights.permissions).to.equal(undefined);
            expect(insights.if).to.equal(undefined);
            const plan = insights.steps.find((s) => s.name === "Offline plan of this branch")!;
            // The baseline for `changes` (replacements, deletions) is the same stack at the base branch; a
            // stack the pull request adds is planned as a first deploy. Run with stand-in git and npm:
            const planArgs = (existsAtBase: boolean) => {
                const bin = scratchDir("wf-bin");
                fs.writeFileSync(path.join(bin, "git"), `#!/bin/sh\nexit ${existsAtBase ? 0 : 1}\n`, { mode: 0o755 });
                fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "$@" > "${bin}/args"\n`, { mode: 0o755 });
                const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, STACK: "acme-prod", BASE_REF: "main" };
                spawnSync("bash", ["-e", "-c", plan.run!], { cwd: bin, env, encoding: "utf8" });
                return fs.readFileSync(path.join(bin, "args"), "utf8").trim();
            };
            expect(planArgs(true)).to.equal("run -s plan -- --stack acme-prod --from origin/main --json head.json");
            expect(planArgs(false)).to.equal("run -s plan -- --stack acme-prod --json head.json");
            expect(insights.steps.find((s) => s.name === "Render the comment")!.run).to.contain("--head-log head.log");
            const upload = insights.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
            expect(upload.with!.name).to.equal("pr-comment-${{ matrix.stack }}");

            const post = workflow("pr-comment.yml");
            expect(post.on.workflow_run).to.deep.equal({ workflows: [pr.name], types: ["completed"] });
            const job: Job = post.jobs.comment;
            expect(job.permissions).to.deep.equal({ actions: "read", "pull-requests": "write" });
            expect(job.steps.some((s) => s.uses?.startsWith("actions/checkout@"))).to.equal(false);
            expect(job.steps.find((s) => s.uses?.startsWith("actions/download-artifact@"))!.with).to.include({
                pattern: "pr-comment-*",
                "run-id": "${{ github.event.workflow_run.id }}",
            });
        });

        it("posts each stack's comment only to the pull request whose head the run planned, updating its own earlier comment", () => {
            const script = workflow("pr-comment.yml").jobs.comment.steps.find((s: Step) => s.run?.includes("gh api"))!.run as string;
            const dir = scratchDir("post");
            const log = path.join(dir, "gh.log");
            // A fake gh: PR 7's head is abc; it already has this bot's comment for staging (id 41).
            fs.writeFileSync(
                path.join(dir, "gh"),
                `#!/bin/bash\necho "gh $*" >> "${log}"\ncase "$*" in\n  *"pulls/7 --jq .head.sha"*) echo abc ;;\n  *"pulls/8 --jq .head.sha"*) echo other ;;\n  *"issues/7/comments --jq"*) [[ "$*" == *staging* ]] && echo 41 ;;\nesac\nexit 0\n`,
                { mode: 0o755 },
            );
            const comments = path.join(dir, "comments");
            const put = (artifact: string, number: string, stack: string) => {
                fs.mkdirSync(path.join(comments, artifact), { recursive: true });
                fs.writeFileSync(path.join(comments, artifact, "number"), `${number}\n`);
                fs.writeFileSync(path.join(comments, artifact, `${stack}.md`), `<!-- platform-insights:${stack} -->\n### Offline plan\n`);
            };
            put("pr-comment-staging", "7", "staging");
            put("pr-comment-acme-prod", "7", "acme-prod");
            const run = (env: Record<string, string>) =>
                spawnSync("bash", ["-c", script], {
                    cwd: dir,
                    encoding: "utf8",
                    env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, GITHUB_REPOSITORY: "o/r", ...env },
                });
            const ok = run({ HEAD_SHA: "abc" });
            expect(ok.status, ok.stderr).to.equal(0);
            const calls = fs.readFileSync(log, "utf8").trim().split("\n");
            expect(calls).to.include(`gh api -X PATCH repos/o/r/issues/comments/41 -F body=@comments/pr-comment-staging/staging.md`);
            expect(calls).to.include(`gh api repos/o/r/issues/7/comments -F body=@comments/pr-comment-acme-prod/acme-prod.md`);

            // An artifact naming another pull request (whose head is not this run's) gets nothing.
            fs.rmSync(comments, { recursive: true });
            fs.writeFileSync(log, "");
            put("pr-comment-staging", "8", "staging");
            const other = run({ HEAD_SHA: "abc" });
            expect(other.status).to.equal(0);
            expect(other.stdout).to.contain("has moved on");
            expect(fs.readFileSync(log, "utf8")).to.not.contain("comments -F");
            fs.writeFileSync(path.join(comments, "pr-comment-staging", "number"), "7; rm -rf /\n");
            expect(run({ HEAD_SHA: "abc" }).status).to.equal(1);
        });
    });

    describe("guarding production", () => {
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
            expect(guarded.map(({ name }) => name)).to.include.members(["preview", "staging", "production", "drift", "comment"]);
            for (const { file, name, job } of guarded)
                for (const run of job.steps.map((s) => s.run).filter((r): r is string => typeof r === "string" && /npm ci/.test(r)))
                    expect(run, `${file} ${name}`).to.match(/npm ci --ignore-scripts/);
        });

        it("gives a cloud identity only inside an environment of the job's own stack", () => {
            expect(workflow("drift.yml").jobs.drift.environment).to.equal("${{ matrix.stack }}-drift");
            expect(workflow("drift.yml").permissions).to.deep.equal({ contents: "read" });
            for (const { file, name, job } of jobs.filter(({ job }) => job.permissions?.["id-token"] === "write"))
                expect(job.environment, `${file} ${name}`).to.match(/^\$\{\{ matrix\.stack \}\}(-preview|-drift)?$/);
        });

        it("deploys only from main, a manual run included", () => {
            const wf = workflow("deploy.yml");
            for (const stack of ["staging", "production"]) expect(wf.jobs[stack].if).to.contain("github.ref == 'refs/heads/main'");
        });
    });
});
