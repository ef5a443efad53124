import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/stack-files";
import { bootstrapCommand, planBootstrap } from "../tools/bootstrap";
import { planCli, scratchDir } from "./helpers";

/**
 * docs/ci.md's checklist from an empty account to a green deploy, run command by command: the
 * repository's own commands for real (in this process), `pulumi` and `gh` as stand-ins that refuse
 * any argument the step does not need, `jq` for real.
 */
const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs/ci.md"), "utf8");
const checklist = doc.slice(doc.indexOf("### From an empty AWS account"), doc.indexOf("### Guarding production"));
const blocks = [...checklist.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);

const FAKE_PULUMI = `#!/bin/bash
echo "pulumi $*" >> "$CALLS"
case "$*" in
  "login file://~/.pulumi-bootstrap") ;;
  "login $(jq -r .backendUrl "$OUTPUTS")") ;;
  "stack init bootstrap --secrets-provider passphrase") [ "$(basename "$PWD")" = bootstrap ] || { echo "stack init bootstrap outside bootstrap/" >&2; exit 1; } ;;
  "up --yes --policy-pack ../policy --policy-pack-config policy-config.json")
    [ -f ../policy/PulumiPolicy.yaml ] && [ -s policy-config.json ] || { echo "no pack or no pack config" >&2; exit 1; } ;;
  "stack output --json") cat "$OUTPUTS" ;;
  "stack init "*" --secrets-provider awskms://alias/platform-secrets?region=us-east-1") ;;
  "config set --stack "*" --secret --path workloads.ledger.license.token $(cat license.jwt)") ;;
  *) echo "unexpected: pulumi $*" >&2; exit 1 ;;
esac
`;
const FAKE_GH = `#!/bin/bash
case "$*" in
  "api -X PUT repos/acme/platform/environments/"*" --input -") echo "gh $* $(jq -c . < /dev/stdin)" >> "$CALLS" ;;
  "secret set "*|"variable set "*|"workflow run deploy.yml --ref main"|"run watch --exit-status") echo "gh $*" >> "$CALLS" ;;
  *) echo "unexpected: gh $*" >&2; exit 1 ;;
esac
`;

describe("docs/ci.md: from an empty account to a green deploy, every command", function () {
    this.timeout(60000);

    it("runs each step's commands in order, and they leave the pipeline fully configured", async () => {
        expect(blocks.length).to.equal(5);
        const dir = scratchDir("checklist");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.mkdirSync(path.join(dir, "bootstrap"));
        fs.symlinkSync(path.join(PROJECT_DIR, "policy"), path.join(dir, "policy"));
        fs.writeFileSync(path.join(dir, "license.jwt"), "eyJ-license");
        fs.writeFileSync(path.join(bin, "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "gh"), FAKE_GH, { mode: 0o755 });
        const outputs = path.join(dir, "stack-outputs.json");
        fs.writeFileSync(outputs, JSON.stringify((await planBootstrap()).plan.outputs));
        const calls = path.join(dir, "calls.log");
        fs.writeFileSync(calls, "");

        // The repository's commands run here, for real; the shell gets a stand-in that checks it is one of them.
        const npmRuns: string[] = [];
        const npm = async (line: string) => {
            const [, script, rest = ""] = /^npm run (\S+)(?: -- (.*))?$/.exec(line) ?? [];
            const args = rest.split(" ").filter(Boolean);
            // The suite runs on the installed tree: npm ci is the one command it does not repeat.
            if (line === "npm ci") {
                npmRuns.push(line);
                return;
            }
            if (script === "bootstrap") {
                const i = args.indexOf("--policy-config");
                args[i + 1] = path.join(dir, args[i + 1]);
                expect(await bootstrapCommand(args, { out: () => undefined, err: (t) => expect.fail(t) }), line).to.equal(0);
            } else if (script === "plan") {
                const run = await planCli([...args, "--diagram-dir", dir]);
                expect(run.status, `${line}\n${run.stderr}`).to.equal(0);
            } else expect.fail(`docs/ci.md runs ${line}: teach this test to run it`);
            npmRuns.push(line);
        };
        let cwd = dir;
        for (const block of blocks) {
            // Each block's npm lines first (in order), then the whole block in bash with the stand-ins.
            for (const line of block.split("\n").filter((l) => l.startsWith("npm "))) await npm(line);
            fs.writeFileSync(
                path.join(bin, "npm"),
                `#!/bin/bash\ngrep -qxF "npm $*" "${path.join(dir, "npm-ran")}" || { echo "npm $* did not run" >&2; exit 1; }\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(dir, "npm-ran"), npmRuns.join("\n") + "\n");
            const script = `set -euo pipefail\ncd "${cwd}"\n${block}\npwd > "${path.join(dir, "cwd")}"\n`;
            const run = spawnSync("bash", ["-c", script], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, OUTPUTS: outputs, HOME: dir },
            });
            expect(run.status, `${block}\n${run.stderr}`).to.equal(0);
            cwd = fs.readFileSync(path.join(dir, "cwd"), "utf8").trim();
        }

        expect(npmRuns).to.deep.equal(["npm ci", "npm run bootstrap -- --policy-config bootstrap/policy-config.json", "npm run plan -- --stack staging"]);
        const log = fs.readFileSync(calls, "utf8").trim().split("\n");
        const stack = JSON.parse(fs.readFileSync(outputs, "utf8")) as {
            backendUrl: string;
            secretsProvider: string;
            roles: Record<string, { preview: string; deploy: string }>;
        };
        expect(log.slice(0, 4)).to.deep.equal([
            "pulumi login file://~/.pulumi-bootstrap",
            "pulumi stack init bootstrap --secrets-provider passphrase",
            "pulumi up --yes --policy-pack ../policy --policy-pack-config policy-config.json",
            "pulumi stack output --json",
        ]);
        expect(JSON.parse(fs.readFileSync(path.join(dir, "bootstrap-outputs.json"), "utf8"))).to.deep.equal(stack);
        expect(log).to.include(`pulumi login ${stack.backendUrl}`).and.include(`pulumi stack init staging --secrets-provider ${stack.secretsProvider}`);

        // Every environment the workflows name exists, with its secret and variables; reviewers guard production.
        const environment = (name: string) => {
            const line = log.find((l) => l.startsWith(`gh api -X PUT repos/acme/platform/environments/${name} --input - `));
            expect(line, name).to.be.a("string");
            return JSON.parse(line!.slice(line!.indexOf("{")));
        };
        for (const s of ["staging", "production"]) {
            for (const env of [s, `${s}-preview`, `${s}-drift`]) {
                environment(env);
                expect(log).to.include(`gh secret set PULUMI_BACKEND_URL --env ${env} --body ${stack.backendUrl}`);
                expect(log).to.include(`gh variable set PULUMI_SECRETS_PROVIDER --env ${env} --body ${stack.secretsProvider}`);
                expect(log).to.include(`gh variable set AWS_REGION --env ${env} --body us-east-1`);
            }
            expect(log).to.include(`gh variable set AWS_DEPLOY_ROLE_ARN --env ${s} --body ${stack.roles[s].deploy}`);
            for (const env of [`${s}-preview`, `${s}-drift`])
                expect(log).to.include(`gh variable set AWS_PREVIEW_ROLE_ARN --env ${env} --body ${stack.roles[s].preview}`);
            expect(environment(s).deployment_branch_policy).to.deep.equal({ protected_branches: true, custom_branch_policies: false });
        }
        for (const env of ["production", "production-preview"]) expect(environment(env).reviewers, env).to.have.length(1);
        expect(log.slice(-2)).to.deep.equal(["gh workflow run deploy.yml --ref main", "gh run watch --exit-status"]);
    });
});
