import * as fs from "fs";
import * as path from "path";
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

export interface DiagramNode {
    id: string;
    urn: string;
    name: string;
    label: string;
    layer: number;
    workload: string;
    /** Where the resource runs: its own `region` input, else the stack's; `global` for CloudFront. */
    region: string;
}

export interface Diagram {
    /** The stack's own region; every other region is a disaster-recovery copy. */
    region: string;
    nodes: DiagramNode[];
    edges: { from: string; to: string }[];
}

const GLOBAL = "global";
/** The region drawn for a resource: CloudFront is global, everything else where its provider puts it. */
const regionOf = (r: PlannedResource, stackRegion: string): string =>
    r.type.startsWith("aws:cloudfront/") ? GLOBAL : typeof r.inputs.region === "string" ? r.inputs.region : stackRegion;

/**
 * Workloads, their services, data stores, queues, load balancers and CDN, and the edges between
 * them: network edges from the security-group rules (who may connect to whom), "uses" edges
 * following dependencies through everything that is not drawn (queue URLs, bucket names in a
 * task's configuration), and a distribution to its workload's internet-facing balancers.
 */
export function buildDiagram(plan: PlanLike & { region?: string }): Diagram {
    const stackRegion = plan.region ?? "us-east-1";
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
        region: regionOf(r, stackRegion),
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
    return { region: stackRegion, nodes, edges: [...edges].map((e) => ({ from: e.split(">")[0], to: e.split(">")[1] })) };
}

const escape = (text: string) => text.replace(/"/g, "'");
const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

/** A box around part of the diagram: a region, or a workload within one. */
interface Cluster {
    id: string;
    title: string;
    /** The region cluster a workload cluster sits in. */
    parent?: string;
    /** The stack's own region, a disaster-recovery region, the global edge (CloudFront), or a workload. */
    kind: "primary" | "dr" | "global" | "workload";
}

/** The clusters of a diagram (the stack's region first, then the DR regions, then global) and the cluster of each node. */
function clustersOf(d: Diagram): { clusters: Cluster[]; parentOf: (n: DiagramNode) => string } {
    const order = (r: string) => (r === d.region ? 0 : r === GLOBAL ? 2 : 1);
    const regions = [...new Set(d.nodes.map((n) => n.region))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    const clusters: Cluster[] = [];
    for (const region of regions) {
        const kind = region === d.region ? "primary" : region === GLOBAL ? "global" : "dr";
        const title = kind === "primary" ? `${region} (the stack's region)` : kind === "dr" ? `${region} (disaster recovery)` : "global (CloudFront)";
        clusters.push({ id: `region:${region}`, title, kind });
        // CloudFront sits in the global band by itself: one distribution per workload, named after it.
        if (kind === "global") continue;
        for (const workload of [...new Set(d.nodes.filter((n) => n.region === region).map((n) => n.workload))])
            clusters.push({ id: `workload:${region}:${workload}`, title: workload, parent: `region:${region}`, kind: "workload" });
    }
    const parentOf = (n: DiagramNode) => (n.region === GLOBAL ? `region:${GLOBAL}` : `workload:${n.region}:${n.workload}`);
    return { clusters, parentOf };
}

/** Mermaid flowchart: one subgraph per region, holding one per workload. */
export function renderMermaid(d: Diagram): string {
    const lines = ["flowchart LR"];
    const { clusters, parentOf } = clustersOf(d);
    const id = (clusterId: string) => clusterId.replace(/[^a-zA-Z0-9_]/g, "_");
    const emit = (parent: string | undefined, depth: number) => {
        const pad = "  ".repeat(depth);
        for (const c of clusters.filter((x) => x.parent === parent)) {
            lines.push(`${pad}subgraph ${id(c.id)}["${escape(c.title)}"]`);
            emit(c.id, depth + 1);
            for (const n of d.nodes.filter((x) => parentOf(x) === c.id)) {
                const shape = n.layer === 2 ? [`[("`, `")]`] : [`["`, `"]`];
                lines.push(`${pad}  ${n.id}${shape[0]}${escape(n.name)}<br/>${n.label}${shape[1]}`);
            }
            lines.push(`${pad}end`);
        }
    };
    emit(undefined, 1);
    for (const e of d.edges) lines.push(`  ${e.from} --> ${e.to}`);
    return lines.join("\n") + "\n";
}

/** A box of the laid-out diagram: a node or a cluster, in absolute coordinates. */
export interface LaidOutBox {
    id: string;
    /** The enclosing cluster's id; undefined at the top. */
    parent?: string;
    x: number;
    y: number;
    width: number;
    height: number;
}

/** The diagram with every box placed and every edge routed (orthogonal polylines). */
export interface DiagramLayout {
    width: number;
    height: number;
    clusters: (LaidOutBox & Cluster)[];
    nodes: (LaidOutBox & DiagramNode)[];
    edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

// Text is measured by estimate (no font metrics offline): generous per-character widths of a sans-serif face.
const NAME_FONT = 12;
const LABEL_FONT = 11;
const textWidth = (text: string, size: number) => Math.ceil(text.length * size * 0.62);
const NODE_HEIGHT = 40;
const CLUSTER_TITLE = 26;

/**
 * Lays the diagram out with the Eclipse Layout Kernel (elkjs): its layered algorithm over the whole
 * hierarchy at once (regions > workloads > resources), left to right from the edge to the data,
 * edges routed orthogonally around the boxes. Loading ELK and laying out a shipped stack take most
 * of a second, about as long as the rest of the plan above Node's start: the plan does it only
 * when it writes a diagram (`--diagram-dir`).
 */
export async function layoutDiagram(d: Diagram): Promise<DiagramLayout> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ELK = require("elkjs/lib/elk.bundled.js") as typeof import("elkjs/lib/elk-api").default;
    const { clusters, parentOf } = clustersOf(d);
    type Graph = import("elkjs/lib/elk-api").ElkNode;
    const graphs = new Map<string, Graph>();
    const root: Graph = {
        id: "root",
        layoutOptions: {
            "elk.algorithm": "layered",
            "elk.direction": "RIGHT",
            "elk.hierarchyHandling": "INCLUDE_CHILDREN",
            "elk.edgeRouting": "ORTHOGONAL",
            "elk.json.shapeCoords": "ROOT",
            "elk.json.edgeCoords": "ROOT",
            "elk.spacing.nodeNode": "18",
            "elk.layered.spacing.nodeNodeBetweenLayers": "36",
            "elk.spacing.edgeNode": "14",
            "elk.spacing.edgeEdge": "8",
            "elk.layered.spacing.edgeNodeBetweenLayers": "14",
            "elk.layered.spacing.edgeEdgeBetweenLayers": "8",
            "elk.spacing.componentComponent": "30",
            "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
        },
        children: [],
        edges: [],
    };
    for (const c of clusters) {
        const minWidth = textWidth(c.title, 13) + 24;
        const g: Graph = {
            id: c.id,
            layoutOptions: {
                "elk.padding": `[top=${CLUSTER_TITLE + 8},left=14,bottom=14,right=14]`,
                "elk.nodeSize.constraints": "MINIMUM_SIZE",
                "elk.nodeSize.minimum": `(${minWidth},${CLUSTER_TITLE + 20})`,
            },
            children: [],
        };
        graphs.set(c.id, g);
        (c.parent ? graphs.get(c.parent)! : root).children!.push(g);
    }
    for (const n of d.nodes) {
        const width = Math.max(textWidth(n.name, NAME_FONT), textWidth(n.label, LABEL_FONT)) + 20;
        graphs.get(parentOf(n))!.children!.push({ id: n.id, width, height: NODE_HEIGHT });
    }
    root.edges = d.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] }));
    const laid = await new ELK().layout(root);

    const boxes = new Map<string, LaidOutBox>();
    const collect = (g: Graph, parent?: string) => {
        for (const child of g.children ?? []) {
            boxes.set(child.id, { id: child.id, parent, x: child.x ?? 0, y: child.y ?? 0, width: child.width ?? 0, height: child.height ?? 0 });
            collect(child, child.id);
        }
    };
    collect(laid);
    const edges = (laid.edges ?? []).map((e, i) => {
        const section = e.sections?.[0];
        const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : [];
        return { ...d.edges[i], points: points.map((p) => ({ x: p.x, y: p.y })) };
    });
    return {
        width: laid.width ?? 0,
        height: laid.height ?? 0,
        clusters: clusters.map((c) => ({ ...c, ...boxes.get(c.id)! })),
        nodes: d.nodes.map((n) => ({ ...n, ...boxes.get(n.id)! })),
        edges,
    };
}

const FILL: Record<Cluster["kind"], string> = { primary: "#f5f7fa", dr: "#fdf3f1", global: "#f1f6fd", workload: "#ffffff" };
const STROKE: Record<Cluster["kind"], string> = { primary: "#c8d0da", dr: "#e0b4a8", global: "#b4c8e0", workload: "#d5dbe3" };
const LAYER_FILL = ["#e3f0ff", "#e6f7ea", "#fff4e0"];
const MARGIN = 12;
const LEGEND = 30;

/**
 * A self-contained SVG of a laid-out diagram: regions and workloads as nested boxes, resources as
 * boxes coloured by layer (edge, compute, data), edges as orthogonal arrows. Every box carries its
 * `data-id` and `data-parent`, every edge its `data-from` and `data-to`, so tests can check the geometry.
 */
export function renderSvg(layout: DiagramLayout): string {
    const out: string[] = [];
    const box = (b: LaidOutBox) =>
        `data-id="${xml(b.id)}"${b.parent ? ` data-parent="${xml(b.parent)}"` : ""} x="${b.x}" y="${b.y}" width="${b.width}" height="${b.height}"`;
    for (const c of layout.clusters) {
        out.push(
            `<g class="cluster"><rect ${box(c)} rx="8" fill="${FILL[c.kind]}" stroke="${STROKE[c.kind]}"${c.kind === "dr" ? ' stroke-dasharray="6 3"' : ""}/>` +
                `<text x="${c.x + 10}" y="${c.y + 18}" font-weight="bold" font-size="${c.kind === "workload" ? 12 : 13}">${xml(c.title)}</text></g>`,
        );
    }
    for (const e of layout.edges) {
        const d = e.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
        out.push(
            `<path class="edge" data-from="${e.from}" data-to="${e.to}" d="${d}" fill="none" stroke="#7a8797" stroke-width="1.2" marker-end="url(#arrow)"/>`,
        );
    }
    for (const n of layout.nodes) {
        out.push(
            `<g class="node"><rect ${box(n)} rx="6" fill="${LAYER_FILL[n.layer]}" stroke="#5b6b7c"/>` +
                `<text x="${n.x + 10}" y="${n.y + 17}" font-size="${NAME_FONT}">${xml(n.name)}</text>` +
                `<text x="${n.x + 10}" y="${n.y + 32}" font-size="${LABEL_FONT}" fill="#4a5868">${xml(n.label)}</text></g>`,
        );
    }
    // A legend above the diagram: what the colours and the dashed border mean.
    const keys: [string, string][] = [
        ["edge (CDN, load balancers)", `fill="${LAYER_FILL[0]}" stroke="#5b6b7c"`],
        ["compute (services, hosts)", `fill="${LAYER_FILL[1]}" stroke="#5b6b7c"`],
        ["data (databases, caches, queues, topics, buckets)", `fill="${LAYER_FILL[2]}" stroke="#5b6b7c"`],
        ["disaster-recovery region", `fill="${FILL.dr}" stroke="${STROKE.dr}" stroke-dasharray="4 2"`],
    ];
    let at = 0;
    const legend = keys.map(([text, style]) => {
        const item = `<rect x="${at}" y="${-LEGEND}" width="14" height="14" rx="3" ${style}/><text x="${at + 20}" y="${-LEGEND + 12}" font-size="12">${xml(text)}</text>`;
        at += 20 + textWidth(text, 12) + 24;
        return item;
    });
    const width = Math.ceil(Math.max(layout.width, at)) + 2 * MARGIN;
    const height = Math.ceil(layout.height) + 2 * MARGIN + LEGEND;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${-MARGIN} ${-MARGIN - LEGEND} ${width} ${height}" font-family="sans-serif" font-size="13">`,
        `<rect x="${-MARGIN}" y="${-MARGIN - LEGEND}" width="${width}" height="${height}" fill="#ffffff"/>`,
        `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7a8797"/></marker></defs>`,
        ...legend,
        ...out,
        "</svg>",
        "",
    ].join("\n");
}

/** Writes `architecture.mmd` and the laid-out `architecture.svg` of a plan into `dir`; returns the two paths. */
export async function writeDiagram(plan: PlanLike & { region?: string }, dir: string): Promise<string[]> {
    const diagram = buildDiagram(plan);
    fs.mkdirSync(dir, { recursive: true });
    const files = [path.join(dir, "architecture.mmd"), path.join(dir, "architecture.svg")];
    fs.writeFileSync(files[0], renderMermaid(diagram));
    fs.writeFileSync(files[1], renderSvg(await layoutDiagram(diagram)));
    return files;
}
