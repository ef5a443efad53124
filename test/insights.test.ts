import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { USAGE_DEFAULTS } from "../stacks/usage";
import { estimateCost } from "../insights/cost";
import { estimateDeploy } from "../insights/deploy";
import { buildDiagram, layoutDiagram, renderMermaid, renderSvg } from "../insights/diagram";
import { diffPlans } from "../insights/diff";
import { PlannedResource } from "../plan/mocks";
import { readStackFiles } from "../plan/stack-files";
import { renderComment } from "../tools/pr-comment";
import { runTool } from "../plan/cli";
import { scratchDir, planOnce, planCli } from "./helpers";

function res(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    deps: PlannedResource[] = [],
    parent?: PlannedResource,
    custom = true,
): PlannedResource {
    return {
        urn: `urn:pulumi:t::p::${type}::${name}`,
        type,
        name,
        parent: parent?.urn ?? null,
        custom,
        inputs,
        options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: [] },
        dependencies: deps.map((d) => d.urn),
        state: { id: name },
    };
}

/** A small stack whose cost and critical path are worked out by hand below. */
function smallPlan() {
    const network = res("platform:network:Network", "network", {}, [], undefined, false);
    const app = res("platform:topologies:FargateRds", "app", {}, [], undefined, false);
    const vpc = res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 2, natGateways: { strategy: "Single" } }, [], network, false);
    // What awsx creates for one NAT gateway (the offline plan records the VPC's children).
    const natIp = res("aws:ec2/eip:Eip", "nat-ip", {}, [], vpc);
    const nat = res("aws:ec2/natGateway:NatGateway", "nat", {}, [natIp], vpc);
    const subnets = res("aws:rds/subnetGroup:SubnetGroup", "db", {}, [vpc], app);
    const db = res("aws:rds/instance:Instance", "db", { instanceClass: "db.t4g.micro", multiAz: false, allocatedStorage: 20 }, [subnets], app);
    const task = res("aws:ecs/taskDefinition:TaskDefinition", "task", { cpu: "512", memory: "1024" }, [db], app);
    const service = res("aws:ecs/service:Service", "svc", { desiredCount: 2 }, [task], app);
    const alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: false, subnets: ["a", "b"] }, [vpc], app);
    const secret = res("aws:secretsmanager/secret:Secret", "secret", {}, [], app);
    const odd = res("aws:foo/bar:Baz", "odd", {}, [], app);
    return { resources: [network, app, vpc, natIp, nat, subnets, db, task, service, alb, secret, odd], vpc, db, service, secret, alb };
}
const usage = { ...USAGE_DEFAULTS, hoursPerMonth: 700 };

describe("plan insights", () => {
    it("prices a hand-computed plan: NAT, Fargate, RDS, ALB, a secret; an unknown type is listed, not zero", () => {
        const cost = estimateCost(smallPlan(), usage, "us-east-1");
        const byName = Object.fromEntries(cost.lines.map((l) => [l.urn.split("::").pop(), l.monthlyUsd]));
        expect(byName.nat).to.equal(36); // 1 NAT: 0.045 x 700 + 0.045 x 100 GB
        expect(byName["nat-ip"]).to.equal(3.5); // its Elastic IP: IPv4 0.005 x 700
        expect(byName.vpc).to.equal(undefined); // the component is priced through its children
        expect(byName.svc).to.equal(34.56); // 2 x (0.5 x 0.04048 + 1 x 0.004445) x 700
        expect(byName.db).to.equal(13.5); // 0.016 x 700 + 20 GB x 0.115
        expect(byName.alb).to.equal(28.35); // 0.0225 x 700 + 1 LCU x 0.008 x 700 + 2 IPv4 x 0.005 x 700
        expect(byName.secret).to.equal(0.4);
        expect(cost.monthlyUsd).to.equal(116.31);
        expect(cost.byWorkload).to.deep.equal({ app: 76.81, network: 39.5 });
        expect(cost.byType["aws:ecs/service:Service"]).to.equal(34.56);
        expect(cost.unpriced).to.deep.equal(["aws:foo/bar:Baz"]);
    });

    it("doubles Multi-AZ databases and applies the region factor of resources placed elsewhere", () => {
        const plan = smallPlan();
        plan.db.inputs = { ...plan.db.inputs, multiAz: true, region: "eu-central-1" };
        const line = estimateCost(plan, usage, "us-east-1").lines.find((l) => l.urn === plan.db.urn)!;
        expect(line.monthlyUsd).to.equal(30.24); // 2 x 13.5 x 1.12
        expect(line.detail).to.contain("eu-central-1");
    });

    it("finds the critical path and the serial total of a hand-computed graph", () => {
        const deploy = estimateDeploy(smallPlan());
        // vpc 150 -> subnet group 3 -> RDS 420 -> task definition 3 -> service 30
        expect(deploy.criticalPathSeconds).to.equal(606);
        expect(deploy.criticalPath.map((u) => u.split("::").pop())).to.deep.equal(["vpc", "db", "db", "task", "svc"]);
        // + ALB 150 + secret 3 + unknown 3 + the NAT gateway and its address 3 each
        expect(deploy.serialSeconds).to.equal(768);
        expect(deploy.byWorkload).to.deep.equal({ network: 150, app: 606 });
    });

    it("diffs two plans by resource and input, with cost and deploy deltas", () => {
        const base = smallPlan();
        const head = smallPlan();
        head.service.inputs = { desiredCount: 3 };
        head.resources = head.resources.filter((r) => r !== head.secret);
        head.resources.push(res("aws:sqs/queue:Queue", "work", {}));
        const diff = diffPlans(base, head, usage, "us-east-1");
        expect(diff.added).to.deep.equal(["urn:pulumi:t::p::aws:sqs/queue:Queue::work"]);
        expect(diff.removed).to.deep.equal([base.secret.urn]);
        expect(diff.changed).to.deep.equal([{ urn: head.service.urn, inputs: ["desiredCount"] }]);
        expect(diff.monthlyUsd.delta).to.equal(Math.round((17.28 + 4 - 0.4) * 100) / 100);
        expect(diff.criticalPathSeconds.delta).to.equal(0);
    });

    it("draws workloads, their services and data stores, with network edges from security-group rules", async () => {
        const lbGroup = res("aws:ec2/securityGroup:SecurityGroup", "web-lb", {});
        const taskGroup = res("aws:ec2/securityGroup:SecurityGroup", "web-tasks", {});
        const lb = res("aws:lb/loadBalancer:LoadBalancer", "web-lb", {}, [lbGroup]);
        const svc = res("aws:ecs/service:Service", "web", {}, [taskGroup]);
        const rule = res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-tasks-in-load-balancer", {}, [taskGroup, lbGroup]);
        const queue = res("aws:sqs/queue:Queue", "jobs", {});
        const task = res("aws:ecs/taskDefinition:TaskDefinition", "web", {}, [queue]);
        svc.dependencies.push(task.urn);
        const d = buildDiagram({ resources: [lbGroup, taskGroup, lb, svc, rule, queue, task] });
        expect(d.nodes.map((n) => n.name)).to.have.members(["web-lb", "web", "jobs"]);
        const id = (n: string) => d.nodes.find((x) => x.name === n)!.id;
        expect(d.edges).to.deep.include({ from: id("web-lb"), to: id("web") });
        expect(d.edges).to.deep.include({ from: id("web"), to: id("jobs") });
        const mermaid = renderMermaid(d);
        expect(mermaid.split("\n")[0]).to.equal("flowchart LR");
        expect(mermaid).to.contain(`${id("web-lb")} --> ${id("web")}`);
        expect(renderSvg(await layoutDiagram(d)))
            .to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
            .and.contain("web-lb");
    });

    it("lets the Compose host boot while its databases are still being created (a dependency the plan showed it did not need)", async () => {
        const plan = await planOnce(readStackFiles("production"));
        const host = plan.resources.find((r) => r.type === "aws:ec2/instance:Instance" && r.name === "tickets-host")!;
        const compose = plan.resources.find((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.name === "tickets-compose")!;
        expect(host.dependencies).not.to.include(compose.urn);
        const deploy = estimateDeploy(plan);
        // The workload's last resource is its database, no longer the host behind it (651 s before the
        // change); the network's NAT addresses come before awsx's VPC (3 s).
        expect(deploy.byWorkload.tickets).to.equal(579);
    });

    it("writes the estimate into the plan JSON and compares against a base plan", async () => {
        const dir = scratchDir("insights");
        const run = (args: string[]) => planCli(["--diagram-dir", dir, ...args]);
        const first = await run(["--stack", "staging", "--json", path.join(dir, "base.json")]);
        expect(first.status, first.stderr).to.equal(0);
        const plan = JSON.parse(fs.readFileSync(path.join(dir, "base.json"), "utf8"));
        expect(plan.estimate).to.have.keys("monthlyUsd", "byWorkload", "byType", "unpriced", "deploy");
        expect(plan.estimate.deploy).to.have.keys("criticalPathSeconds", "serialSeconds", "criticalPath", "byWorkload");
        expect(plan.estimate.monthlyUsd).to.be.greaterThan(0);
        expect(Object.keys(plan.estimate.byWorkload)).to.include.members(["network", "ledger", "epr", "braidmgr", "tickets", "integrations"]);
        expect(first.stdout)
            .to.match(/Monthly cost: \$[\d,.]+/)
            .and.match(/Deploy time: critical path \d+ min/);
        expect(fs.readFileSync(path.join(dir, "architecture.mmd"), "utf8")).to.contain("flowchart LR");
        expect(fs.readFileSync(path.join(dir, "architecture.svg"), "utf8")).to.match(/^<svg /);
        const second = await run(["--stack", "staging", "--compare", path.join(dir, "base.json")]);
        expect(second.stdout).to.contain("0 to create, 0 to update, 0 to replace, 0 to delete").and.contain("(+$0.00)");
    });

    it("renders the pull-request comment from two plan files", async () => {
        const head = await planOnce(readStackFiles("production"));
        const base = { ...head, resources: head.resources.filter((r) => !r.urn.includes("FargateRds")) };
        const comment = renderComment(
            "production",
            { ...head, policy: { violations: [{ policy: "p", level: "advisory", urn: "urn:x::y", message: "m" }] } },
            base,
        );
        expect(comment).to.contain("<!-- platform-insights:production -->");
        expect(comment).to.match(/\| monthly cost \| \$[\d,.]+ \| \$[\d,.]+ \| \+\$[\d,.]+ \|/);
        expect(comment).to.match(/\d+ added, 0 removed, 0 changed/);
        expect(comment).to.contain("**Policy**: 0 mandatory, 1 advisory").and.contain("```mermaid\nflowchart LR");
        const dir = scratchDir("comment");
        fs.writeFileSync(path.join(dir, "head.json"), JSON.stringify(head));
        fs.writeFileSync(path.join(dir, "base.json"), JSON.stringify(base));
        const run = runTool("pr-comment", [
            "--stack",
            "production",
            "--head",
            path.join(dir, "head.json"),
            "--base",
            path.join(dir, "base.json"),
            "--out",
            path.join(dir, "c.md"),
        ]);
        expect(run.status, run.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(dir, "c.md"), "utf8")).to.contain("### Offline plan of `production`");
    });
});
