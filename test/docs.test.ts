import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TOPOLOGY_REGISTRY } from "../components/topologies/registry";
import { PROJECT_DIR } from "../plan/stack-files";
import { generatedTables, tableIn } from "../tools/settings-docs";

/** The docs say what the schemas accept, and stay readable for someone new to the repository. */
describe("docs", () => {
    for (const { file, id, content } of generatedTables()) {
        it(`${file}: the ${id} table matches the schema (npm run docs regenerates it)`, () => {
            const page = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
            expect(tableIn(page, id), `${file} has no ${id} section`).to.not.equal(undefined);
            expect(tableIn(page, id)).to.equal(content);
        });
    }

    it("has a page for every topology of the registry", () => {
        for (const topology of Object.keys(TOPOLOGY_REGISTRY))
            expect(fs.existsSync(path.join(PROJECT_DIR, "docs/topologies", `${topology}.md`)), topology).to.equal(true);
    });

    it("keeps the README short, and cites no source a reader of this repository cannot open", () => {
        expect(fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8").split("\n").length).to.be.at.most(200);
        const files = execFileSync("git", ["ls-files"], { cwd: PROJECT_DIR, encoding: "utf8" })
            .split("\n")
            .filter((f) => f && !f.endsWith("package-lock.json") && fs.existsSync(path.join(PROJECT_DIR, f)));
        const citing = files.filter((f) => /\bseed\b|\bthe document\b/i.test(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
        expect(citing).to.deep.equal([]);
    });
});
