import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { planOnce } from "./helpers";

/**
 * The URNs of every protected resource of the shipped production stack (databases, buckets,
 * secrets, volumes, ...). A refactor that renames or re-parents one would make `pulumi up` replace
 * it: this fails first. To move a resource on purpose, give it `aliases: [{ name, parent }]` with
 * its old URN, then update test/fixtures/protected-urns.production.json.
 */
describe("URN pin of the production stack's protected resources", () => {
    it("keeps every protected resource at its URN", async () => {
        const pinned = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "test/fixtures/protected-urns.production.json"), "utf8")) as string[];
        const plan = await planOnce(readStackFiles("production"));
        const protectedNow = plan.resources.filter((r) => r.options.protect).map((r) => r.urn);
        const missing = pinned.filter((urn) => !protectedNow.includes(urn));
        expect(missing, "protected resources whose URN changed (add aliases, see above)").to.deep.equal([]);
        expect(
            protectedNow.filter((urn) => !pinned.includes(urn)),
            "new protected resources: add them to the fixture",
        ).to.deep.equal([]);
    });
});

describe("production keeps its data", () => {
    it("protects and retains every bucket, log group, queue, secret, cache, volume and published address, and force-destroys no bucket", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const kept = [
            "aws:s3/bucket:Bucket",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:sqs/queue:Queue",
            "aws:secretsmanager/secret:Secret",
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "aws:ebs/volume:Volume",
            "aws:ec2/eip:Eip",
            "aws:rds/instance:Instance",
            "aws:rds/cluster:Cluster",
        ];
        const exposed = plan.resources
            .filter((r) => kept.includes(r.type) && !(r.options.protect && r.options.retainOnDelete))
            .map((r) => r.urn.split("::").pop());
        expect(exposed).to.deep.equal([]);
        expect(plan.resources.filter((r) => r.inputs.forceDestroy === true).map((r) => r.urn.split("::").pop())).to.deep.equal([]);
    });
});
