import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/stack-files";
import { PlanFile, prCommentCommand, renderComment } from "../tools/pr-comment";
import { planCli, scratchDir } from "./helpers";

/**
 * The pull-request comment (`npm run pr-comment`), from plan files written the way the workflow
 * writes them: the branch's plan with `changes` against the base branch, and the base's plan.
 */
const FIXTURES = path.join(PROJECT_DIR, "test/fixtures/pr-comment");
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8")) as PlanFile;

describe("the pull-request comment", () => {
    const head = read("head.json");
    const base = read("base.json");
    const comment = renderComment("production", head, base);

    it("opens with the stateful resources the change replaces or deletes, by name", () => {
        const top = comment.slice(0, comment.indexOf("| | base |"));
        expect(top).to.contain("**2 stateful resource(s) replaced or deleted**");
        expect(top).to.contain("- **replace** `ledger-db` (aws:rds/instance:Instance), deleted before its replacement is created: `dbName`");
        expect(top).to.contain("- **delete** `ledger-exports` (aws:s3/bucketV2:BucketV2)");
        // A created queue and a replaced security group rule are not data at risk.
        expect(top).to.not.contain("ledger-events").and.not.contain("ledger-tasks-in-prometheus");
        const calm = renderComment("production", { ...head, changes: head.changes!.filter((c) => !c.stateful || c.action === "create") }, base);
        expect(calm).to.contain("No stateful resource is replaced or deleted.").and.not.contain("[!CAUTION]");
    });

    it("says first what pulumi up would meet: the branch's readiness problems, day-two refusals included", () => {
        const urn = head.changes!.find((c) => c.name === "ledger-db")!.urn;
        const refused = renderComment(
            "production",
            { ...head, readiness: { problems: [{ check: "day-two-fixed-name", urn, message: "AWS refuses it as already existing" }] } },
            base,
        );
        const top = refused.slice(0, refused.indexOf("| | base |"));
        expect(top).to.contain("**Deploy readiness: 1 problem(s) `pulumi up` would meet**");
        expect(top).to.contain("- `day-two-fixed-name` on `ledger-db` (aws:rds/instance:Instance): AWS refuses it as already existing");
        expect(refused).to.not.contain("urn:pulumi:");
        expect(comment).to.contain("**Deploy readiness**: no problems.");
    });

    it("--help lists every option with an example and exits 0", () => {
        let out = "";
        expect(prCommentCommand(["--help"], (t) => (out += t))).to.equal(0);
        for (const option of ["--stack", "--head", "--head-log", "--base", "--out", "--region", "example:"]) expect(out).to.contain(option);
    });

    it("names resources by name and type, never by URN", () => {
        expect(comment).to.not.contain("urn:pulumi:");
        expect(comment).to.contain("- `ledger-events` (aws:sqs/queue:Queue)");
        expect(comment).to.contain("- `ledger-db` (aws:rds/instance:Instance): dbName");
    });

    it("lists the violations the pull request adds and fixes against the base branch, and counts the rest", () => {
        expect(comment).to.contain("**Policy**: 1 mandatory, 1 advisory violation(s) on this branch.");
        expect(comment).to.match(
            /Added by this pull request \(1\):\n- ❌ `sqs-dead-letter-queue` on `ledger-events` \(aws:sqs\/queue:Queue\): ledger-events has no dead-letter queue/,
        );
        expect(comment).to.match(/Fixed by this pull request \(1\):\n- ❌ `s3-versioning` on `ledger-exports`/);
        expect(comment).to.contain("1 other violation(s) already on the base branch");
        // The advisory both branches have is counted, not repeated.
        expect(comment).to.not.contain("Performance Insights is off");
    });

    it("posts the config errors when the branch's plan fails, instead of crashing", async () => {
        const dir = scratchDir("pr-comment");
        const broken = path.join(dir, "Pulumi.production.yaml");
        fs.writeFileSync(broken, fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.production.yaml"), "utf8").replace("cidr: 10.30.0.0/16", "cidr: 10.30.0.0/8"));
        const headJson = path.join(dir, "head.json");
        const plan = await planCli(["--stack", "production", "--config-file", broken, "--json", headJson, "--diagram-dir", dir]);
        expect(plan.status).to.equal(1);
        expect(fs.existsSync(headJson)).to.equal(false);
        const log = path.join(dir, "head.log");
        fs.writeFileSync(log, plan.stdout + plan.stderr);
        const out = path.join(dir, "comment.md");
        const status = prCommentCommand([
            "--stack",
            "production",
            "--head",
            headJson,
            "--head-log",
            log,
            "--base",
            path.join(FIXTURES, "base.json"),
            "--out",
            out,
        ]);
        expect(status).to.equal(0);
        const failed = fs.readFileSync(out, "utf8");
        expect(failed).to.match(/^<!-- platform-insights:production -->\n### Offline plan of `production`: failed/);
        expect(failed).to.contain("Stack configuration is invalid").and.contain("platform:network.cidr");
        expect(prCommentCommand(["--stack", "production"])).to.equal(2);
    });
});
