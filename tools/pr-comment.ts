import * as fs from "fs";
import { PlanLike } from "../insights/cost";
import { buildDiagram, renderMermaid } from "../insights/diagram";
import { diffPlans } from "../insights/diff";
import { estimate, minutes, usd } from "../insights/index";
import { USAGE_DEFAULTS } from "../stacks/usage";
import { Violation } from "../plan/policy";

/**
 * The pull-request comment of one stack, from the offline plans of the head and the base branch
 * (no cloud credentials): cost and deploy-time deltas, the changes, policy results, the diagram.
 * usage: npm run pr-comment -- --stack <name> --head <head.json> --base <base.json> [--out comment.md] [--region r]
 */
type PlanFile = PlanLike & { policy?: { violations: Violation[] } };

export function renderComment(stack: string, head: PlanFile, base: PlanFile | undefined, region = "us-east-1"): string {
    const usage = { ...USAGE_DEFAULTS };
    const now = estimate(head, usage, region);
    const lines = [`<!-- platform-insights:${stack} -->`, `### Offline plan of \`${stack}\``, ""];
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
                ...items.slice(0, 100).map((i) => `- \`${i}\``),
                items.length > 100 ? `- … ${items.length - 100} more` : "",
                "</details>",
                "",
            );
        };
        show("Added", diff.added);
        show("Removed", diff.removed);
        show(
            "Changed",
            diff.changed.map((c) => `${c.urn}: ${c.inputs.join(", ")}`),
        );
    } else {
        lines.push(`Monthly cost ${usd(now.monthlyUsd)}; deploy critical path ${minutes(now.deploy.criticalPathSeconds)} (no base plan to compare).`, "");
    }
    if (now.unpriced.length > 0) lines.push(`Unpriced (not counted): ${now.unpriced.map((t) => `\`${t}\``).join(", ")}`, "");
    const violations = head.policy?.violations ?? [];
    const mandatory = violations.filter((v) => v.level === "mandatory");
    lines.push(`**Policy**: ${mandatory.length} mandatory, ${violations.length - mandatory.length} advisory violation(s).`);
    for (const v of [...mandatory, ...violations.filter((x) => x.level !== "mandatory")].slice(0, 50))
        lines.push(`- ${v.level === "mandatory" ? "❌" : "⚠️"} \`${v.policy}\` on \`${v.urn.split("::").pop()}\`: ${v.message}`);
    lines.push("", "<details><summary>Architecture</summary>", "", "```mermaid", renderMermaid(buildDiagram(head)).trimEnd(), "```", "", "</details>", "");
    return lines.join("\n");
}

if (require.main === module) {
    const args: Record<string, string> = {};
    const argv = process.argv.slice(2);
    for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, "")] = argv[i + 1];
    if (!args.stack || !args.head) {
        console.error("usage: pr-comment --stack <name> --head <head.json> [--base <base.json>] [--out comment.md] [--region r]");
        process.exit(2);
    }
    const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile;
    const base = args.base && fs.existsSync(args.base) ? read(args.base) : undefined;
    const comment = renderComment(args.stack, read(args.head), base, args.region);
    if (args.out) fs.writeFileSync(args.out, comment);
    else process.stdout.write(comment);
}
