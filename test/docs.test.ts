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

    it("lists on each topology's page every output its workloads in the shipped stacks export, and only outputs the code sets", async () => {
        const undocumented: string[] = [];
        const pages = new Map<string, string>();
        for (const stack of FIGURE_STACKS) {
            const files = readStackFiles(stack);
            const plan = await planOnce(files);
            const workloads = JSON.parse(String(files.config["platform:workloads"])) as Record<string, { topology: string }>;
            for (const [name, outputs] of Object.entries(plan.outputs.workloads as Record<string, Record<string, unknown>>)) {
                const topology = workloads[name].topology;
                const page = read(`docs/topologies/${topology}.md`);
                const start = page.indexOf("Outputs under `workloads.<name>`:");
                expect(start, `docs/topologies/${topology}.md has no "Outputs under \`workloads.<name>\`:" paragraph`).to.be.greaterThan(-1);
                const paragraph = page.slice(start, page.indexOf("\n\n", start));
                pages.set(topology, paragraph);
                for (const key of Object.keys(outputs)) if (!paragraph.includes(`\`${key}\``)) undocumented.push(`${stack} ${name} (${topology}): ${key}`);
            }
        }
        expect(undocumented, "outputs missing from their topology's page").to.deep.equal([]);
        // The conditional ones (DR, repositories, migrations) are not in every plan: each named output is a key the code sets.
        const sources = [...Object.keys(TOPOLOGY_REGISTRY).map((t) => `components/topologies/${t}.ts`), "components/blocks/operations.ts"].map(read).join("\n");
        for (const [topology, paragraph] of pages) {
            const named = [...paragraph.matchAll(/`(\w+)`/g)].map((m) => m[1]);
            expect(
                named.filter((key) => !new RegExp(`\\b${key}:`).test(sources)),
                `docs/topologies/${topology}.md names outputs the code never sets`,
            ).to.deep.equal([]);
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

    it("explains every readiness check the plan can report once in docs/offline-plan.md, and no check that does not exist", () => {
        // The first argument of every report(...) call in plan/readiness/: a literal id, or a choice of literals (`cond ? "a" : "b"`).
        const dir = path.join(PROJECT_DIR, "plan/readiness");
        const reported = new Set<string>();
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
            for (const [, arg] of fs.readFileSync(path.join(dir, file), "utf8").matchAll(/\breport\(\s*([^,)]+),/g)) {
                const ids = [...arg.slice(arg.indexOf("?") + 1).matchAll(/"([a-z0-9-]+)"/g)].map((m) => m[1]);
                expect(ids, `${file}: report(${arg.trim()}, ...) names its check by a literal id`).to.not.be.empty;
                ids.forEach((id) => reported.add(id));
            }
        }
        expect(reported.size).to.be.greaterThan(40);
        const doc = read("docs/offline-plan.md");
        const between = (from: string, to: string) => {
            const start = doc.indexOf(from);
            const end = doc.indexOf(to, start);
            expect(start, `docs/offline-plan.md has no "${from}"`).to.be.greaterThan(-1);
            expect(end, `docs/offline-plan.md has no "${to}" after "${from}"`).to.be.greaterThan(start);
            return doc.slice(start, end);
        };
        const explained = between("**Deploy readiness.**", "What it cannot promise") + between("**Readiness on the change**", "What it leaves to AWS");
        const times = (id: string) => explained.split(`\`${id}\``).length - 1;
        expect([...reported].filter((id) => times(id) !== 1).map((id) => `${id}: explained ${times(id)} times`)).to.deep.equal([]);
        // Anything in the page written like a check id (a family of the reported ones, in backticks) is one.
        const families = new Set([...reported].map((id) => (id.startsWith("day-two-") ? "day-two" : id.split("-")[0])));
        const documented = [...doc.matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)+)`/g)].map((m) => m[1]);
        const stale = documented.filter((id) => [...families].some((f) => id.startsWith(`${f}-`)) && !reported.has(id));
        expect([...new Set(stale)], "documented checks plan/readiness/ never reports").to.deep.equal([]);
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
        const citing = files.filter((f) => /\bseed\b|\bthe\s+document\b/i.test(fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")));
        expect(citing).to.deep.equal([]);
    });
});
