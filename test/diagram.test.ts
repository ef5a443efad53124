import { expect } from "chai";
import { Diagram, LaidOutBox, buildDiagram, layoutDiagram, renderMermaid, renderSvg } from "../insights/diagram";
import { readStackFiles, shippedStacks } from "../plan/stack-files";
import { planOnce } from "./helpers";

/** A box of the SVG: a resource or a cluster (region, workload), by its data attributes. */
type Box = LaidOutBox;
type Point = { x: number; y: number };

/** The boxes and edges of a diagram SVG, read back from the file as a viewer would draw it. */
function parseSvg(svg: string): { boxes: Map<string, Box>; edges: { from: string; to: string; points: Point[] }[] } {
    const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    const boxes = new Map<string, Box>();
    for (const [tag] of svg.matchAll(/<rect [^>]*data-id="[^>]*>/g)) {
        const id = attr(tag, "data-id")!;
        boxes.set(id, {
            id,
            parent: attr(tag, "data-parent"),
            x: Number(attr(tag, "x")),
            y: Number(attr(tag, "y")),
            width: Number(attr(tag, "width")),
            height: Number(attr(tag, "height")),
        });
    }
    const edges = [...svg.matchAll(/<path class="edge"[^>]*>/g)].map(([tag]) => ({
        from: attr(tag, "data-from")!,
        to: attr(tag, "data-to")!,
        points: [...attr(tag, "d")!.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) })),
    }));
    return { boxes, edges };
}

/** Whether the segment a-b passes through the inside of a box (its border shrunk by 1 px: touching is fine). */
function crosses(a: Point, b: Point, box: Box): boolean {
    const [left, right, top, bottom] = [box.x + 1, box.x + box.width - 1, box.y + 1, box.y + box.height - 1];
    // Clip the segment against the box (Liang-Barsky).
    let t0 = 0;
    let t1 = 1;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    for (const [p, q] of [
        [-dx, a.x - left],
        [dx, right - a.x],
        [-dy, a.y - top],
        [dy, bottom - a.y],
    ]) {
        if (p === 0) {
            if (q < 0) return false;
            continue;
        }
        const t = q / p;
        if (p < 0) t0 = Math.max(t0, t);
        else t1 = Math.min(t1, t);
        if (t0 > t1) return false;
    }
    return true;
}

/** Whether a point lies on a box's border (within 2 px). */
const touches = (p: Point, b: Box) =>
    p.x >= b.x - 2 &&
    p.x <= b.x + b.width + 2 &&
    p.y >= b.y - 2 &&
    p.y <= b.y + b.height + 2 &&
    !crosses(p, p, { ...b, x: b.x + 2, y: b.y + 2, width: b.width - 4, height: b.height - 4 });
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

/** Every way the SVG's geometry is unreadable: an edge through a box, overlapping siblings, a box outside its cluster. */
function geometryProblems(svg: string): string[] {
    const { boxes, edges } = parseSvg(svg);
    const problems: string[] = [];
    const ancestors = (id: string): string[] => {
        const parent = boxes.get(id)?.parent;
        return parent ? [parent, ...ancestors(parent)] : [];
    };
    for (const e of edges) {
        if (e.points.length < 2) problems.push(`edge ${e.from} -> ${e.to} has no route`);
        else if (!touches(e.points[0], boxes.get(e.from)!) || !touches(e.points[e.points.length - 1], boxes.get(e.to)!))
            problems.push(`edge ${e.from} -> ${e.to} does not run from its source to its target`);
        const allowed = new Set([e.from, e.to, ...ancestors(e.from), ...ancestors(e.to)]);
        for (const box of boxes.values()) {
            if (allowed.has(box.id)) continue;
            for (let i = 1; i < e.points.length; i++)
                if (crosses(e.points[i - 1], e.points[i], box)) {
                    problems.push(`edge ${e.from} -> ${e.to} crosses ${box.id}`);
                    break;
                }
        }
    }
    const all = [...boxes.values()];
    for (const [i, a] of all.entries()) {
        for (const b of all.slice(i + 1)) if (a.parent === b.parent && overlap(a, b)) problems.push(`${a.id} overlaps ${b.id}`);
        if (a.parent && !inside(a, boxes.get(a.parent)!)) problems.push(`${a.id} is not inside ${a.parent}`);
    }
    return problems;
}

/** Each shipped stack's diagram, laid out once for the tests below. */
const laidOut = new Map<string, Promise<{ diagram: Diagram; svg: string }>>();
function diagramOf(stack: string): Promise<{ diagram: Diagram; svg: string }> {
    if (!laidOut.has(stack))
        laidOut.set(
            stack,
            planOnce(readStackFiles(stack)).then(async (plan) => {
                const diagram = buildDiagram(plan);
                return { diagram, svg: renderSvg(await layoutDiagram(diagram)) };
            }),
        );
    return laidOut.get(stack)!;
}

describe("architecture diagram", () => {
    for (const stack of shippedStacks()) {
        it(`lays out the ${stack} stack: no edge through a box that is not its end or around it, no overlapping boxes`, async () => {
            const { svg } = await diagramOf(stack);
            expect(parseSvg(svg).edges.length).to.be.greaterThan(20);
            expect(geometryProblems(svg)).to.deep.equal([]);
        });
    }

    it("draws regions holding workloads holding resources, the DR regions apart from the stack's own", async () => {
        const { diagram, svg } = await diagramOf("production");
        const { boxes } = parseSvg(svg);
        const named = (name: string) => diagram.nodes.find((n) => n.name === name)!.id;
        // The Aurora secondary is drawn in its own region's box, the primary in the stack's.
        expect(boxes.get(named("braidmgr-db-dr"))!.parent).to.equal("workload:us-west-2:braidmgr");
        expect(boxes.get("workload:us-west-2:braidmgr")!.parent).to.equal("region:us-west-2");
        expect(boxes.get(named("braidmgr-db"))!.parent).to.equal("workload:us-east-1:braidmgr");
        expect(boxes.get(named("integrations-gateway-dr"))!.parent).to.equal("workload:eu-west-1:integrations");
        expect(boxes.get(named("braidmgr-cdn"))!.parent).to.equal("region:global");
        const regions = [...boxes.values()].filter((b) => b.parent === undefined).map((b) => b.id);
        expect(regions).to.have.members(["region:us-east-1", "region:us-west-2", "region:eu-west-1", "region:global"]);
        // Every DR copy (named -dr) sits in a DR region.
        for (const n of diagram.nodes.filter((x) => x.name.endsWith("-dr"))) expect(n.region, n.name).to.not.equal(diagram.region);
        expect(renderMermaid(diagram))
            .to.contain('subgraph region_us_west_2["us-west-2 (disaster recovery)"]')
            .and.contain('  subgraph workload_us_west_2_braidmgr["braidmgr"]');
    });

    it("finds an edge drawn through a box, and overlapping boxes (the check the layout must pass)", () => {
        const svg = [
            `<rect data-id="w" x="0" y="0" width="500" height="200"/>`,
            `<rect data-id="a" data-parent="w" x="10" y="40" width="100" height="40"/>`,
            `<rect data-id="b" data-parent="w" x="150" y="40" width="100" height="40"/>`,
            `<rect data-id="c" data-parent="w" x="300" y="40" width="100" height="40"/>`,
            `<rect data-id="d" data-parent="w" x="320" y="60" width="200" height="40"/>`,
            `<path class="edge" data-from="a" data-to="c" d="M110,60 L300,60"/>`,
            `<path class="edge" data-from="a" data-to="b" d="M110,60 L150,60"/>`,
            `<path class="edge" data-from="b" data-to="a" d="M250,60 L300,60"/>`,
        ].join("\n");
        expect(geometryProblems(svg)).to.deep.equal([
            "edge a -> c crosses b",
            "edge b -> a does not run from its source to its target",
            "c overlaps d",
            "d is not inside w",
        ]);
    });
});
