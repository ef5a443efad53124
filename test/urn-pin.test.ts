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
