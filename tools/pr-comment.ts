import * as fs from "fs";
import { PlanLike } from "../insights/cost";
import { buildDiagram, renderMermaid } from "../insights/diagram";
import { diffPlans } from "../insights/diff";
import { estimate, minutes, usd } from "../insights/index";
import { USAGE_DEFAULTS } from "../stacks/usage";
import { Violation } from "../plan/policy";

/**
 * The pull-request comment of one stack, from the offline plans of the head and the base branch
 * (no cloud credentials): stateful resources the change replaces or deletes first, then cost and
 * deploy-time deltas, the resources by name, the violations the pull request adds or removes and
 * the diagram. When the branch's plan failed (its config does not validate), the comment shows
 * its errors instead.
 * usage: npm run pr-comment -- --stack <name> --head <head.json> [--head-log <head.log>] [--base <base.json>] [--out comment.md] [--region r]
 */

/** One change of the head plan against the base (`npm run plan -- --from <ref>` or `--compare`: the plan's `changes`). */
export interface PlanChange {
    urn: string;
    name: string;
    type: string;
    action: "create" | "update" | "replace" | "delete";
    inputs: string[];
    deleteBeforeReplace: boolean;
    stateful: boolean;
}

export type PlanFile = PlanLike & {
    policy?: { violations: Violation[] };
    changes?: PlanChange[];
    readiness?: { problems: { check: string; urn: string; message: string }[] };
};

/** What `pulumi up` of this branch would meet (day-two refusals included): a reviewer reads it first. */
function readinessSection(head: PlanFile): string[] {
    const problems = head.readiness?.problems ?? [];
    if (problems.length === 0) return ["**Deploy readiness**: no problems.", ""];
    return [
        `> [!WARNING]`,
        `> **Deploy readiness: ${problems.length} problem(s) \`pulumi up\` would meet**`,
        "",
        ...problems.slice(0, 50).map((p) => `- \`${p.check}\` on ${p.urn.startsWith("urn:") ? byName(p.urn) : `\`${p.urn}\``}: ${p.message}`),
        problems.length > 50 ? `- … ${problems.length - 50} more` : "",
        "",
    ];
}

/** A resource by the name the plan prints, with its type's short form. */
const byName = (urn: string) => {
    const [, , types = "", name = urn] = urn.split("::");
    return `\`${name}\` (${types.split("$").pop()})`;
};

const violationKey = (v: Violation) => `${v.policy}\u0000${v.urn}\u0000${v.message}`;
const violationLine = (v: Violation) => `- ${v.level === "mandatory" ? "❌" : "⚠️"} \`${v.policy}\` on ${byName(v.urn)}: ${v.message}`;

/** The comment's first lines: a stateful resource replaced or deleted is what a reviewer must see. */
function statefulChanges(changes: PlanChange[] | undefined): string[] {
    if (!changes) return [];
    const risky = changes.filter((c) => c.stateful && (c.action === "replace" || c.action === "delete"));
    if (risky.length === 0) return ["No stateful resource is replaced or deleted.", ""];
    return [
        `> [!CAUTION]`,
        `> **${risky.length} stateful resource(s) replaced or deleted**: their data goes with them unless it is moved first.`,
        "",
        ...risky.map((c) =>
            c.action === "delete"
                ? `- **delete** \`${c.name}\` (${c.type})`
                : `- **replace** \`${c.name}\` (${c.type})${c.deleteBeforeReplace ? ", deleted before its replacement is created" : ""}: ${c.inputs.map((i) => `\`${i}\``).join(", ") || "(no input named)"}`,
        ),
        "",
    ];
}

/** The violations the pull request adds and removes against the base branch, and a count of the rest. */
function policySection(head: Violation[], base: Violation[] | undefined): string[] {
    const mandatory = head.filter((v) => v.level === "mandatory").length;
    const lines = [`**Policy**: ${mandatory} mandatory, ${head.length - mandatory} advisory violation(s) on this branch.`];
    const order = (list: Violation[]) => [...list.filter((v) => v.level === "mandatory"), ...list.filter((v) => v.level !== "mandatory")];
    if (!base) {
        lines.push(...order(head).slice(0, 50).map(violationLine));
        return lines;
    }
    const before = new Set(base.map(violationKey));
    const after = new Set(head.map(violationKey));
    const added = head.filter((v) => !before.has(violationKey(v)));
    const removed = base.filter((v) => !after.has(violationKey(v)));
    if (added.length) lines.push("", `Added by this pull request (${added.length}):`, ...order(added).slice(0, 50).map(violationLine));
    if (removed.length) lines.push("", `Fixed by this pull request (${removed.length}):`, ...order(removed).slice(0, 50).map(violationLine));
    if (!added.length && !removed.length) lines.push("", "No violation added or fixed by this pull request.");
    const rest = head.length - added.length;
    if (rest > 0) lines.push("", `${rest} other violation(s) already on the base branch (\`npm run plan\` lists them).`);
    return lines;
}

export function renderComment(stack: string, head: PlanFile, base: PlanFile | undefined, region = "us-east-1"): string {
    const usage = { ...USAGE_DEFAULTS };
    const now = estimate(head, usage, region);
    const lines = [`<!-- platform-insights:${stack} -->`, `### Offline plan of \`${stack}\``, "", ...readinessSection(head), ...statefulChanges(head.changes)];
    const sign = (n: number) => (n >= 0 ? "+" : "−");
    if (base) {
        const diff = diffPlans(base, head, usage, region);
        lines.push(
            "| | base | this PR | change |",
            "|---|---|---|---|",
            `| monthly cost | ${usd(diff.monthlyUsd.base)} | ${usd(diff.monthlyUsd.head)} | ${sign(diff.monthlyUsd.delta)}${usd(Math.abs(diff.monthlyUsd.delta))} |`,
            `| deploy critical path | ${minutes(diff.criticalPathSeconds.base)} | ${minutes(diff.criticalPathSeconds.head)} | ${sign(diff.criticalPathSeconds.delta)}${minutes(Math.abs(diff.criticalPathSeconds.delta))} |`,
            `| resources | ${base.resources.length} | ${head.resources.length} | ${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed |`,
            "",
        );
        const show = (title: string, items: string[]) => {
            if (items.length === 0) return;
            lines.push(
                `<details><summary>${title} (${items.length})</summary>`,
                "",
                ...items.slice(0, 100).map((i) => `- ${i}`),
                items.length > 100 ? `- … ${items.length - 100} more` : "",
                "</details>",
                "",
            );
        };
        show("Added", diff.added.map(byName));
        show("Removed", diff.removed.map(byName));
        show(
            "Changed",
            diff.changed.map((c) => `${byName(c.urn)}: ${c.inputs.join(", ")}`),
        );
    } else {
        lines.push(`Monthly cost ${usd(now.monthlyUsd)}; deploy critical path ${minutes(now.deploy.criticalPathSeconds)} (no base plan to compare).`, "");
    }
    if (now.unpriced.length > 0) lines.push(`Unpriced (not counted): ${now.unpriced.map((t) => `\`${t}\``).join(", ")}`, "");
    lines.push(...policySection(head.policy?.violations ?? [], base?.policy?.violations));
    lines.push("", "<details><summary>Architecture</summary>", "", "```mermaid", renderMermaid(buildDiagram(head)).trimEnd(), "```", "", "</details>", "");
    return lines.join("\n");
}

/** The comment of a branch whose offline plan wrote nothing: what it printed (the config's errors). */
export function renderFailure(stack: string, log: string): string {
    // eslint-disable-next-line no-control-regex
    const text = log.replace(/\x1b\[[0-9;]*m/g, "").trimEnd();
    const tail = text.split("\n").slice(-80).join("\n");
    return [
        `<!-- platform-insights:${stack} -->`,
        `### Offline plan of \`${stack}\`: failed`,
        "",
        "The offline plan of this branch wrote no plan, so nothing is compared. It said:",
        "",
        "```text",
        tail.replace(/```/g, "'''") || "(no output)",
        "```",
        "",
        `Reproduce: \`npm run plan -- --stack ${stack}\`.`,
        "",
    ].join("\n");
}

/** Reads a plan file, or undefined when it is missing or not a plan. */
function readPlan(file: string | undefined): PlanFile | undefined {
    if (!file || !fs.existsSync(file)) return undefined;
    try {
        const plan = JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile;
        return Array.isArray(plan.resources) ? plan : undefined;
    } catch {
        return undefined;
    }
}

/** `npm run pr-comment -- ...`; resolves to the exit code (2 on bad arguments; a failed plan still makes a comment). */
const PR_COMMENT_USAGE = [
    "usage: npm run pr-comment -- --stack <name> --head <head.json> [--head-log <head.log>] [--base <base.json>] [--out <comment.md>] [--region <r>]",
    "  --stack     the stack the plans are of",
    "  --head      this branch's plan JSON (npm run plan -- --stack S --from origin/<base> --json head.json)",
    "  --head-log  what that plan printed: the comment shows it when the plan wrote no JSON (a config error)",
    "  --base      the base branch's plan JSON, for the cost, critical path and violations it compares",
    "  --out       write the comment there instead of stdout",
    "  --region    the stack's region, for prices (default us-east-1)",
    "example: npm run pr-comment -- --stack staging --head head.json --head-log head.log --base base.json --out comment.md",
].join("\n");

export function prCommentCommand(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): number {
    if (argv.includes("--help") || argv.includes("-h")) {
        write(`${PR_COMMENT_USAGE}\n`);
        return 0;
    }
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        if (!["--stack", "--head", "--head-log", "--base", "--out", "--region"].includes(argv[i]) || argv[i + 1] === undefined) {
            console.error(`unexpected argument ${argv[i]}\n${PR_COMMENT_USAGE}`);
            return 2;
        }
        args[argv[i].slice(2)] = argv[i + 1];
    }
    if (!args.stack || !args.head) {
        console.error(PR_COMMENT_USAGE);
        return 2;
    }
    const head = readPlan(args.head);
    const comment = head
        ? renderComment(args.stack, head, readPlan(args.base), args.region)
        : renderFailure(
              args.stack,
              args["head-log"] && fs.existsSync(args["head-log"]) ? fs.readFileSync(args["head-log"], "utf8") : `${args.head} was not written`,
          );
    if (args.out) fs.writeFileSync(args.out, comment);
    else write(comment);
    return 0;
}

if (require.main === module) process.exit(prCommentCommand(process.argv.slice(2)));
