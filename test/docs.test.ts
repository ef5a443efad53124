import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TOPOLOGY_REGISTRY } from "../components/topologies/registry";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { sectionIn } from "../tools/doc-sections";
import { FIGURE_STACKS, generatedFigures, generatedTables } from "../tools/settings-docs";
import { planOnce } from "./helpers";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

/** The docs say what the schemas accept and what the plans show, and stay readable for someone new to the repository. */
describe("docs", () => {
    const tables = generatedTables();
    for (const { file, id, content } of tables) {
        it(`${file}: the ${id} table matches the schema (npm run docs regenerates it)`, () => {
            expect(sectionIn(read(file), id), `${file} has no ${id} section`).to.not.equal(undefined);
            expect(sectionIn(read(file), id)).to.equal(content);
        });
    }

    it("describes every key, and says when a key is required only once its optional parent is set", () => {
        for (const { file, content } of tables) {
            const undescribed = content
                .split("\n")
                .slice(2)
                .filter((row) => /\|\s*\|$/.test(row));
            expect(undescribed, file).to.deep.equal([]);
        }
        const table = (topology: string) => tables.find((t) => t.file === `docs/topologies/${topology}.md`)!.content;
        expect(table("fargate-rds")).to.contain("| `migrations.command` | list of text | required when `migrations` is set |");
        expect(table("aurora-web"))
            .to.contain("| `domain.names` | list of text | required when `domain` is set |")
            .and.contain("| `domain.certificateArn` | text | required when `domain` is set |")
            // A key of an object that must be there stays plainly required.
            .and.contain("| `api.originDomainName` | text | **required** |");
        expect(table("compose-host")).to.contain("| `services.<NAME>.migrations.command` | list of text | required when `services.<NAME>.migrations` is set |");
        expect(tables[0].content).to.contain("| `platform:imageReplication.regions` | list of text | required when `platform:imageReplication` is set |");
    });

    it("quotes the figures of fresh plans of the shipped stacks: cost, critical path, serial time, resources (npm run docs)", async () => {
        const plans = [];
        for (const stack of FIGURE_STACKS) plans.push(await planOnce(readStackFiles(stack)));
        for (const { file, id, content } of generatedFigures(plans)) {
            expect(sectionIn(read(file), id), `${file} has no ${id} section`).to.not.equal(undefined);
            expect(sectionIn(read(file), id), `${file} (${id}): run npm run docs`).to.equal(content);
        }
    });

    it("carries the benchmark npm run bench wrote, whole (its figures depend on the machine)", () => {
        const bench = sectionIn(read("docs/insights.md"), "bench");
        expect(bench, "docs/insights.md has no bench section: run npm run bench").to.be.a("string");
        const lines = bench!.split("\n");
        expect(lines[0]).to.match(/^Measured on \d+ cores \(.+\), \d+ GiB, Node v\d+\.\d+\.\d+\.$/);
        expect(lines.slice(2, 4)).to.deep.equal(["| plan | resources | wall | × floor | ms/resource above floor | peak memory |", "|---|---|---|---|---|---|"]);
        expect(lines[4]).to.match(/^\| floor \| \| \d+\.\d\d s \| 1\.00 \| \| \d+ MB \|$/);
        const plans = lines.slice(5).map((row) => /^\| (.+?) \| ([\d,]+) \| (\d+\.\d\d) s \| (\d+\.\d\d) \| (-?\d+\.\d\d) \| (\d+) MB \|$/.exec(row)?.[1]);
        expect(plans).to.deep.equal([
            "shipped production stack",
            "the same, writing the diagram (`--diagram-dir`)",
            "1 fargate-rds workload",
            "5 fargate-rds workloads",
            "20 fargate-rds workloads",
            "40 fargate-rds workloads",
            "production's resources replayed through the SDK alone (no program, no checks)",
        ]);
    });

    it("has a page for every topology of the registry", () => {
        for (const topology of Object.keys(TOPOLOGY_REGISTRY))
            expect(fs.existsSync(path.join(PROJECT_DIR, "docs/topologies", `${topology}.md`)), topology).to.equal(true);
    });

    it("keeps the README short, and cites no source a reader of this repository cannot open", () => {
        expect(read("README.md").split("\n").length).to.be.at.most(200);
        const files = execFileSync("git", ["ls-files"], { cwd: PROJECT_DIR, encoding: "utf8" })
            .split("\n")
            .filter((f) => f && !f.endsWith("package-lock.json") && fs.existsSync(path.join(PROJECT_DIR, f)));
        const citing = files.filter((f) => /\bseed\b|\bthe document\b/i.test(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
        expect(citing).to.deep.equal([]);
    });
});
