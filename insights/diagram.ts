import { PlannedResource } from "../plan/mocks";
import { PlanLike, workloadOf } from "./cost";

/** The resources a reader of an architecture diagram looks for, by layer. */
const KINDS: Record<string, { label: string; layer: 0 | 1 | 2 }> = {
    "aws:cloudfront/distribution:Distribution": { label: "CloudFront", layer: 0 },
    "aws:lb/loadBalancer:LoadBalancer": { label: "load balancer", layer: 0 },
    "aws:alb/loadBalancer:LoadBalancer": { label: "load balancer", layer: 0 },
    "aws:ecs/service:Service": { label: "ECS service", layer: 1 },
    "aws:ec2/instance:Instance": { label: "EC2 host", layer: 1 },
    "aws:rds/instance:Instance": { label: "RDS PostgreSQL", layer: 2 },
    "aws:rds/cluster:Cluster": { label: "Aurora PostgreSQL", layer: 2 },
    "aws:elasticache/replicationGroup:ReplicationGroup": { label: "ElastiCache Redis", layer: 2 },
    "aws:sqs/queue:Queue": { label: "SQS queue", layer: 2 },
    "aws:sns/topic:Topic": { label: "SNS topic", layer: 2 },
    "aws:s3/bucket:Bucket": { label: "S3 bucket", layer: 2 },
};

export interface Diagram {
    nodes: { id: string; urn: string; name: string; label: string; layer: number; workload: string }[];
    edges: { from: string; to: string }[];
}

/**
 * Workloads, their services, data stores, queues, load balancers and CDN, and the edges between
 * them: network edges from the security-group rules (who may connect to whom), "uses" edges
 * following dependencies through everything that is not drawn (queue URLs, bucket names in a
 * task's configuration), and a distribution to its workload's internet-facing balancers.
 */
export function buildDiagram(plan: PlanLike): Diagram {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    // Access-log and configuration buckets are plumbing, not architecture.
    const drawn = plan.resources.filter((r) => KINDS[r.type] && !/access-logs|-config-|-config$|-dlq/.test(r.name));
    const ids = new Map(drawn.map((r, i) => [r.urn, `n${i + 1}`]));
    const nodes = drawn.map((r) => ({
        id: ids.get(r.urn)!,
        urn: r.urn,
        name: r.name,
        label: KINDS[r.type].label,
        layer: KINDS[r.type].layer,
        workload: workloadOf(r, byUrn),
    }));
    const edges = new Set<string>();
    const add = (from: string, to: string) => from !== to && ids.has(from) && ids.has(to) && edges.add(`${ids.get(from)}>${ids.get(to)}`);

    const reach = (start: PlannedResource): Set<string> => {
        const found = new Set<string>();
        const seen = new Set<string>();
        const walk = (urn: string) => {
            for (const dep of byUrn.get(urn)?.dependencies ?? []) {
                if (seen.has(dep)) continue;
                seen.add(dep);
                if (ids.has(dep)) found.add(dep);
                else walk(dep);
            }
        };
        walk(start.urn);
        return found;
    };
    for (const r of drawn)
        if (KINDS[r.type].layer > 0 || r.type.includes("cloudfront")) reach(r).forEach((to) => KINDS[byUrn.get(to)!.type].layer > 0 && add(r.urn, to));

    // Network edges from security-group rules: `<group>-in-<key>` lets the other group's members in.
    const groups = plan.resources.filter((r) => r.type === "aws:ec2/securityGroup:SecurityGroup");
    const members = (group: PlannedResource) => drawn.filter((r) => r.dependencies.includes(group.urn));
    for (const rule of plan.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        const [target, source] = [...groups.filter((g) => rule.dependencies.includes(g.urn))].sort((a) => (rule.name.startsWith(`${a.name}-in-`) ? -1 : 1));
        if (!target || !source || !rule.name.startsWith(`${target.name}-in-`)) continue;
        for (const from of members(source)) for (const to of members(target)) add(from.urn, to.urn);
    }
    for (const cdn of drawn.filter((r) => r.type === "aws:cloudfront/distribution:Distribution")) {
        const w = workloadOf(cdn, byUrn);
        drawn
            .filter(
                (r) =>
                    KINDS[r.type].layer === 0 &&
                    r.type.endsWith("loadBalancer:LoadBalancer") &&
                    r.inputs.internal !== true &&
                    workloadOf(r, byUrn) === w &&
                    r.inputs.loadBalancerType !== "network",
            )
            .forEach((lb) => add(cdn.urn, lb.urn));
    }
    return { nodes, edges: [...edges].map((e) => ({ from: e.split(">")[0], to: e.split(">")[1] })) };
}

const escape = (text: string) => text.replace(/"/g, "'");

/** Mermaid flowchart: one subgraph per workload. */
export function renderMermaid(d: Diagram): string {
    const lines = ["flowchart LR"];
    for (const workload of [...new Set(d.nodes.map((n) => n.workload))]) {
        lines.push(`  subgraph ${workload.replace(/[^a-zA-Z0-9_]/g, "_")}["${escape(workload)}"]`);
        for (const n of d.nodes.filter((x) => x.workload === workload)) {
            const shape = n.layer === 2 ? [`[("`, `")]`] : [`["`, `"]`];
            lines.push(`    ${n.id}${shape[0]}${escape(n.name)}<br/>${n.label}${shape[1]}`);
        }
        lines.push("  end");
    }
    for (const e of d.edges) lines.push(`  ${e.from} --> ${e.to}`);
    return lines.join("\n") + "\n";
}

/** A self-contained SVG: workloads as bands, layers (edge, compute, data) as columns, edges as lines. */
export function renderSvg(d: Diagram): string {
    const W = 200;
    const H = 44;
    const colX = [40, 320, 600];
    const out: string[] = [];
    const pos = new Map<string, { x: number; y: number }>();
    let y = 20;
    for (const workload of [...new Set(d.nodes.map((n) => n.workload))]) {
        const members = d.nodes.filter((n) => n.workload === workload);
        const rows = Math.max(...[0, 1, 2].map((l) => members.filter((n) => n.layer === l).length), 1);
        const top = y;
        y += 28;
        for (const layer of [0, 1, 2]) members.filter((n) => n.layer === layer).forEach((n, i) => pos.set(n.id, { x: colX[layer], y: y + i * (H + 14) }));
        const height = 28 + rows * (H + 14) + 6;
        out.push(
            `<rect x="20" y="${top}" width="840" height="${height}" rx="8" fill="#f5f7fa" stroke="#c8d0da"/><text x="32" y="${top + 19}" font-weight="bold">${workload}</text>`,
        );
        y = top + height + 16;
    }
    for (const e of d.edges) {
        const a = pos.get(e.from)!;
        const b = pos.get(e.to)!;
        out.push(`<line x1="${a.x + W}" y1="${a.y + H / 2}" x2="${b.x}" y2="${b.y + H / 2}" stroke="#7a8797" marker-end="url(#arrow)"/>`);
    }
    for (const n of d.nodes) {
        const p = pos.get(n.id)!;
        const fill = ["#e3f0ff", "#e6f7ea", "#fff4e0"][n.layer];
        out.push(
            `<g><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="${fill}" stroke="#5b6b7c"/><text x="${p.x + 8}" y="${p.y + 18}" font-size="12">${n.name.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</text><text x="${p.x + 8}" y="${p.y + 34}" font-size="11" fill="#4a5868">${n.label}</text></g>`,
        );
    }
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="880" height="${y + 10}" font-family="sans-serif" font-size="13">`,
        `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7a8797"/></marker></defs>`,
        ...out,
        "</svg>",
        "",
    ].join("\n");
}
