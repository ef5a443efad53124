import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import type { Plan } from "../plan/plan";
import type { PlannedResource } from "../plan/mocks";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { planOnce } from "./helpers";

/**
 * The topology pages' requirement tables are checked against the shipped production plan: each
 * row's last column cites, in backticks, where the plan meets it:
 *
 *     `<type>[#<suffix>] <path> [<op> <value>]`
 *
 * `<type>` is the middle of the type token (`ecs/service` for `aws:ecs/service:Service`);
 * `#<suffix>` narrows it to the resource named `<workload><suffix>`; `<path>` walks the inputs
 * (JSON strings are read as JSON, a list matches when any element does); `<op>` is `=` (equal),
 * `~` (a regular expression), `>=` or `<=`; without one the value only has to be there. A
 * requirement the shipped stack leaves to an option it does not set cites `off: <key>`, and the
 * test checks that the stack indeed leaves that key unset.
 */
export interface Evidence {
    type: string;
    suffix?: string;
    path: string[];
    op?: "=" | "~" | ">=" | "<=";
    value?: string;
}

export function parseEvidence(text: string): Evidence {
    const m = /^([a-z0-9]+\/[A-Za-z0-9]+)(?:#(\S*))?\s+([^\s=~<>]+)(?:\s*(=|~|>=|<=)\s*(.+))?$/.exec(text.trim());
    if (!m) throw new Error(`unreadable evidence \`${text}\`: expected \`<type>[#<suffix>] <path> [<op> <value>]\``);
    return { type: m[1], suffix: m[2], path: m[3].split("."), op: m[4] as Evidence["op"], value: m[5]?.trim() };
}

/** The values at `path` under `value`, JSON strings parsed and lists spread. */
function valuesAt(value: unknown, segments: string[]): unknown[] {
    if (typeof value === "string" && /^\s*[[{]/.test(value)) {
        try {
            value = JSON.parse(value);
        } catch {
            /* a string that only looks like JSON */
        }
    }
    if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, segments));
    if (segments.length === 0) return [value];
    if (value === null || typeof value !== "object") return [];
    return valuesAt((value as Record<string, unknown>)[segments[0]], segments.slice(1));
}

function satisfies(e: Evidence, v: unknown): boolean {
    if (v === undefined || v === null) return false;
    const text = typeof v === "string" ? v : JSON.stringify(v);
    switch (e.op) {
        case undefined:
            return true;
        case "=":
            return text === e.value || String(v) === e.value;
        case "~":
            return new RegExp(e.value!).test(text);
        case ">=":
            return Number(v) >= Number(e.value);
        case "<=":
            return Number(v) <= Number(e.value);
    }
}

/** The resources of a workload: those under the topology component of that name. */
export function resourcesOf(plan: Plan, workload: string): PlannedResource[] {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const owner = (r: PlannedResource): string | undefined => {
        for (let at: PlannedResource | undefined = r; at; at = at.parent ? byUrn.get(at.parent) : undefined)
            if (at.type.startsWith("platform:topologies:")) return at.name;
        return undefined;
    };
    return plan.resources.filter((r) => owner(r) === workload);
}

/** Whether some resource of the workload shows the evidence. */
export function shows(resources: PlannedResource[], workload: string, e: Evidence): boolean {
    return resources.some(
        (r) =>
            r.type.split(":")[1] === e.type &&
            (e.suffix === undefined || r.name === `${workload}${e.suffix}`) &&
            valuesAt(r.inputs, e.path).some((v) => satisfies(e, v)),
    );
}

/** The rows of a page's requirement table: the requirement and the evidence cited in its last column. */
export function requirementRows(page: string): { requirement: string; evidence: string[] }[] {
    const section = /## The system's requirements, and where each is met\n([\s\S]*?)(\n## |$)/.exec(page)?.[1] ?? "";
    const lines = section.split("\n").filter((l) => l.startsWith("|"));
    return lines.slice(2).map((line) => {
        const cells = line
            .slice(1, -1)
            .split(/(?<!\\)\|/)
            .map((c) => c.trim());
        return { requirement: cells[0], evidence: [...cells[cells.length - 1].matchAll(/`([^`]+)`/g)].map((m) => m[1]) };
    });
}

const TOPOLOGIES = ["fargate-rds", "ecs-audit-worker", "aurora-web", "compose-host", "event-driven"];

describe("the topology pages' requirement tables against the shipped production plan", () => {
    let plan: Plan;
    let workloads: Record<string, { topology: string }>;
    before(async function () {
        this.timeout(30_000);
        const files = readStackFiles("production");
        workloads = JSON.parse(files.config["platform:workloads"]);
        plan = await planOnce(files);
    });

    for (const topology of TOPOLOGIES) {
        it(`${topology}: every requirement cites plan evidence, and the plan shows it`, () => {
            const page = fs.readFileSync(path.join(PROJECT_DIR, "docs/topologies", `${topology}.md`), "utf8");
            const header = /## The system's requirements, and where each is met\n[^|]*(\|[^\n]*)/.exec(page)?.[1];
            expect(header, "the table's columns").to.equal("| requirement | where | plan evidence |");
            const workload = Object.keys(workloads).find((w) => workloads[w].topology === topology)!;
            const resources = resourcesOf(plan, workload);
            const rows = requirementRows(page);
            expect(rows.length).to.be.greaterThan(5);
            const missing: string[] = [];
            for (const row of rows) {
                if (row.evidence.length === 0) missing.push(`${row.requirement}: no plan evidence cited`);
                for (const text of row.evidence) {
                    const off = /^off: (\S+)$/.exec(text);
                    if (off) {
                        if ((workloads[workload] as Record<string, unknown>)[off[1]] !== undefined)
                            missing.push(`${row.requirement}: \`${off[1]}\` is set, cite its evidence`);
                    } else if (!shows(resources, workload, parseEvidence(text))) missing.push(`${row.requirement}: \`${text}\` not in the plan`);
                }
            }
            expect(missing).to.deep.equal([]);
        });
    }

    it("fails when the plan no longer shows a row's evidence", () => {
        const ledger = resourcesOf(plan, "ledger");
        const e = parseEvidence("ecs/service#ledger deploymentMaximumPercent = 100");
        expect(shows(ledger, "ledger", { ...e, suffix: "" })).to.equal(true);
        const rolled = ledger.map((r) => (r.type === "aws:ecs/service:Service" ? { ...r, inputs: { ...r.inputs, deploymentMaximumPercent: 200 } } : r));
        expect(shows(rolled, "ledger", { ...e, suffix: "" })).to.equal(false);
        expect(() => parseEvidence("the ALB")).to.throw(/unreadable evidence/);
    });
});
