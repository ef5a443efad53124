import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROJECT_DIR } from "../plan/stack-files";

/**
 * The import graph of the program (type-only imports included) has no cycle between files, and
 * the folders depend on each other in one direction only.
 */

const FOLDERS = ["stacks", "components", "plan", "insights", "policy", "tools", "test"];

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" || e.name === "fixtures" ? [] : sourceFiles(full);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
    });
}

/** file -> the project files it imports (relative specifiers only). */
function importGraph(): Map<string, string[]> {
    const files = [path.join(PROJECT_DIR, "index.ts"), ...FOLDERS.flatMap((f) => sourceFiles(path.join(PROJECT_DIR, f)))];
    const graph = new Map<string, string[]>();
    for (const file of files) {
        const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
        const targets = importedFiles
            .map((i) => i.fileName)
            .filter((spec) => spec.startsWith("."))
            .map((spec) => path.resolve(path.dirname(file), spec))
            .map((base) => [`${base}.ts`, path.join(base, "index.ts")].find((c) => fs.existsSync(c)))
            .filter((t): t is string => t !== undefined);
        graph.set(file, targets);
    }
    return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "visiting" | "done">();
    const stack: string[] = [];
    const visit = (node: string): string[] | undefined => {
        if (state.get(node) === "done") return undefined;
        if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
        state.set(node, "visiting");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            const cycle = visit(next);
            if (cycle) return cycle;
        }
        stack.pop();
        state.set(node, "done");
        return undefined;
    };
    for (const node of graph.keys()) {
        const cycle = visit(node);
        if (cycle) return cycle;
    }
    return undefined;
}

describe("architecture", () => {
    const graph = importGraph();
    const rel = (f: string) => path.relative(PROJECT_DIR, f);

    it("has no import cycle between files", () => {
        expect(findCycle(graph)?.map(rel)).to.equal(undefined);
    });

    it("has no loop between folders", () => {
        const folderOf = (f: string) => rel(f).split(path.sep)[0].replace(/\.ts$/, "");
        const folders = new Map<string, string[]>();
        for (const [file, targets] of graph) {
            const from = folderOf(file);
            const to = new Set([...(folders.get(from) ?? []), ...targets.map(folderOf).filter((t) => t !== from)]);
            folders.set(from, [...to]);
        }
        expect(findCycle(folders)).to.equal(undefined);
    });

    it("finds a cycle when there is one (the check is not a rubber stamp)", () => {
        expect(
            findCycle(
                new Map([
                    ["a", ["b"]],
                    ["b", ["c"]],
                    ["c", ["a"]],
                ]),
            ),
        ).to.deep.equal(["a", "b", "c", "a"]);
    });
});
