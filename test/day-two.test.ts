import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { diffResources, ResourceChange } from "../plan/changes";
import { diffPlans } from "../insights/diff";
import { PlanLike } from "../insights/cost";
import { USAGE_DEFAULTS } from "../stacks/usage";
import { Acknowledgement } from "../stacks/acknowledge";
import { installMocks, PlannedResource } from "../plan/mocks";
import { forcesReplacement } from "../plan/replacement";
import { Plan, planStack, renderTree } from "../plan/plan";
import { checkReadiness, ReadinessProblem } from "../plan/readiness";
import { unusedAcknowledgements } from "../plan/readiness/day-two";
import { PROJECT_DIR, readStackFiles, StackFileConfig } from "../plan/stack-files";
import { parse, stringify } from "yaml";
import { configProblems, planCli, planOnce, plannedResource, rawStack, scratchDir } from "./helpers";

// One workload of the shipped staging stack (a fargate-rds ledger with its database), changed one
// key at a time and written as a stack file: each plan takes a fraction of a second.
const dir = scratchDir("day-two");
const stagingDoc = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> };
const stagingWorkloads = stagingDoc.config["platform:workloads"] as Record<string, Record<string, unknown>>;
let written = 0;

interface LedgerChange {
    ledger?: Record<string, unknown>;
    /** Another workload of the staging stack instead of the ledger. */
    workload?: string;
    config?: Record<string, unknown>;
    withoutLedger?: boolean;
}

/** Writes the one-workload stack file with a change; returns its path. */
function ledgerFile(change: LedgerChange = {}): string {
    const name = change.workload ?? "ledger";
    const workloads = change.withoutLedger ? {} : { [name]: { ...stagingWorkloads[name], ...change.ledger } };
    const file = path.join(dir, `Pulumi.ledger-${written++}.yaml`);
    fs.writeFileSync(file, stringify({ config: { ...stagingDoc.config, "platform:workloads": workloads, ...change.config } }));
    return file;
}

const ledgerStack = (change: LedgerChange = {}): StackFileConfig => readStackFiles("ledger", ledgerFile(change));

/** The readiness problems of `head` planned against `base` as deployed, with the changes between them. */
async function dayTwo(base: StackFileConfig, head: StackFileConfig): Promise<{ problems: ReadinessProblem[]; changes: ResourceChange[]; plan: Plan }> {
    const [before, after] = [await planOnce(base), await planOnce(head)];
    const diff = diffResources(before.resources, after.resources);
    const problems = checkReadiness({
        ...after,
        dayTwo: { base: before.resources, changes: diff.changes, moved: diff.moved, acknowledgements: after.acknowledgements },
    });
    return { problems, changes: diff.changes, plan: after };
}

const dbUrn = (plan: Plan) => plan.resources.find((r) => r.type === "aws:rds/instance:Instance" && r.name === "ledger-db")!.urn;
const checks = (problems: ReadinessProblem[], urn?: string) => problems.filter((p) => !urn || p.urn === urn).map((p) => p.check);

describe("day two: a change against what is deployed", () => {
    it("replaces the database when its name changes, and refuses it: fixed identifier without deleteBeforeReplace, data lost", async () => {
        const { problems, changes, plan } = await dayTwo(ledgerStack(), ledgerStack({ ledger: { database: { name: "books" } } }));
        const db = changes.find((c) => c.urn === dbUrn(plan))!;
        expect(db).to.deep.equal({
            urn: dbUrn(plan),
            name: "ledger-db",
            type: "aws:rds/instance:Instance",
            action: "replace",
            inputs: ["dbName"],
            deleteBeforeReplace: false,
            stateful: true,
        });
        expect(checks(problems, db.urn)).to.have.members(["day-two-fixed-name", "day-two-stateful"]);
        expect(problems.find((p) => p.check === "day-two-fixed-name")!.message)
            .to.contain('identifier "ledger-db-ledger"')
            .and.contain("deleteBeforeReplace");
    });

    it("accepts a stateful replacement the stack acknowledges by name, and names an unknown resource with a did-you-mean", async () => {
        const reason = "The ledger is rebuilt from the vendor's export after the rename.";
        const acknowledged = ledgerStack({
            ledger: { database: { name: "books" } },
            config: { "platform:acknowledge": [{ resource: "ledger-db", action: "replace", reason }] },
        });
        const { problems, plan } = await dayTwo(ledgerStack(), acknowledged);
        expect(checks(problems, dbUrn(plan))).to.deep.equal(["day-two-fixed-name"]);
        const typo = ledgerStack({
            ledger: { database: { name: "books" } },
            config: { "platform:acknowledge": [{ resource: "ledger-dbb", action: "replace", reason }] },
        });
        const second = await dayTwo(ledgerStack(), typo);
        const unknown = second.problems.find((p) => p.check === "acknowledge-unknown-resource")!;
        expect(unknown.urn).to.equal("platform:acknowledge[0]");
        expect(unknown.message).to.contain('did you mean "ledger-db"?');
        expect(checks(second.problems, dbUrn(second.plan))).to.include("day-two-stateful");
    });

    it("lets a task definition take a new revision of its family, and a name move with its scope, when replaced", async () => {
        const plan = await planOnce(ledgerStack());
        const taskDefinition = plan.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")!;
        const policy = {
            ...taskDefinition,
            urn: "urn:pulumi:ledger::platform::aws:iam/rolePolicy:RolePolicy::p",
            type: "aws:iam/rolePolicy:RolePolicy",
            inputs: { name: "p", role: "r2" },
        };
        const replaced = (r: PlannedResource, inputs: string[]): ResourceChange => ({
            urn: r.urn,
            name: r.name,
            type: r.type,
            action: "replace",
            inputs,
            deleteBeforeReplace: false,
            stateful: false,
        });
        const problems = (changes: ResourceChange[]) =>
            checks(
                checkReadiness({ ...plan, resources: [...plan.resources, policy], dayTwo: { base: plan.resources, changes, moved: [], acknowledgements: [] } }),
            );
        expect(problems([replaced(taskDefinition, ["containerDefinitions"])])).to.deep.equal([]);
        expect(problems([replaced(policy, ["role"])])).to.deep.equal([]);
        expect(problems([replaced(policy, ["policy"])])).to.deep.equal(["day-two-fixed-name"]);
    });

    it("validates platform:acknowledge like a suppression: known actions, no stray keys, a sentence of reason in production", () => {
        const problems = (environment: string, acknowledge: unknown) =>
            configProblems(rawStack({ environment, acknowledge })).map((p) => `${p.path}: ${p.message}`);
        expect(problems("production", [{ resource: "ledger-db", action: "replace", reason: "ticket 42" }])).to.deep.equal([
            'platform:acknowledge[0].reason: in production, accepting the replace of ledger-db needs a reason of at least a sentence (6 words or more) saying how its data is kept; got "ticket 42"',
        ]);
        expect(problems("staging", [{ resource: "ledger-db", action: "destroy", reason: "r", why: "x" }]).join("\n"))
            .to.contain("platform:acknowledge[0].action: must be one of: replace, delete")
            .and.contain("platform:acknowledge[0].why: unknown key");
    });

    it("refuses to delete or replace a protected database (and says how to unprotect it)", async () => {
        const protectedStack = (ledger?: Record<string, unknown>) =>
            ledgerStack({ ledger, config: { "platform:profile": { protectStatefulResources: true } } });
        const replaced = await dayTwo(protectedStack(), protectedStack({ database: { name: "books" } }));
        expect(checks(replaced.problems, dbUrn(replaced.plan))).to.include("day-two-protected");
        const removed = await dayTwo(
            protectedStack(),
            ledgerStack({ withoutLedger: true, config: { "platform:profile": { protectStatefulResources: true } } }),
        );
        const base = await planOnce(protectedStack());
        const deleted = removed.changes.find((c) => c.urn === dbUrn(base))!;
        expect(deleted.action).to.equal("delete");
        expect(checks(removed.problems, deleted.urn)).to.have.members(["day-two-protected", "day-two-stateful"]);
        expect(removed.problems.find((p) => p.check === "day-two-protected")!.message).to.contain("pulumi state unprotect");
    });

    it("refuses replacing a database AWS protects from deletion (deletionProtection) until the stack acknowledges lifting it", async () => {
        const guarded = (ledger?: Record<string, unknown>, acknowledge: unknown[] = []) =>
            ledgerStack({
                ledger,
                config: { "platform:profile": { deletionProtection: true }, "platform:acknowledge": acknowledge },
            });
        const { problems, plan } = await dayTwo(guarded(), guarded({ database: { name: "books" } }));
        expect(checks(problems, dbUrn(plan))).to.include.members(["day-two-fixed-name", "day-two-deletion-protection"]);
        expect(problems.find((p) => p.check === "day-two-deletion-protection")!.message).to.contain("AWS refuses while deletionProtection is true");
        const ack = [
            { resource: "ledger-db", action: "replace", reason: "Deletion protection is turned off by hand; a restore from the nightly export follows." },
        ];
        const accepted = await dayTwo(guarded(undefined, ack), guarded({ database: { name: "books" } }, ack));
        // The guard is lifted by the operator; the fixed identifier still collides.
        expect(checks(accepted.problems, dbUrn(accepted.plan))).to.deep.equal(["day-two-fixed-name"]);
    });

    it("counts the VPC's children as there all along against a baseline whose engine recorded awsx's VPC alone", async () => {
        const plan = await planOnce(ledgerStack({ config: { "platform:profile": { protectStatefulResources: true } } }));
        const vpc = plan.resources.find((r) => r.type === "awsx:ec2:Vpc")!;
        const under = (r: PlannedResource): boolean => {
            for (let p = r.parent; p; p = plan.resources.find((x) => x.urn === p)?.parent ?? null) if (p === vpc.urn) return true;
            return false;
        };
        const children = plan.resources.filter(under);
        const aliasedOut = plan.resources.filter((r) => (r.aliases ?? []).some((a) => a.includes("awsx:ec2:Vpc$")));
        expect(children.length).to.be.greaterThan(10);
        // The old engine: no children under the VPC, the NAT addresses still awsx's (under their alias).
        const base = plan.resources.filter((r) => !under(r) && !aliasedOut.includes(r));
        const diff = diffResources(base, plan.resources);
        expect(diff.changes.filter((c) => c.action === "create")).to.deep.equal([]);
        expect(diff.modelledNow).to.have.members([...children, ...aliasedOut].map((r) => r.urn));
        // A baseline that already modelled them: unchanged; one that had no VPC at all: created.
        expect(diffResources(plan.resources, plan.resources).modelledNow).to.deep.equal([]);
        const noVpc = plan.resources.filter((r) => r !== vpc && !under(r) && !aliasedOut.includes(r));
        expect(diffResources(noVpc, plan.resources).changes.filter((c) => c.action === "create").length).to.equal(children.length + aliasedOut.length + 1);
    });

    it("lets a protected resource be replaced once its goal is unprotected (the engine's rule), or when acknowledged", async () => {
        const stack = (protect: boolean, ledger?: Record<string, unknown>, acknowledge: unknown[] = []) =>
            ledgerStack({ ledger, config: { "platform:profile": { protectStatefulResources: protect }, "platform:acknowledge": acknowledge } });
        const unprotected = await dayTwo(stack(true), stack(false, { database: { name: "books" } }));
        expect(checks(unprotected.problems, dbUrn(unprotected.plan))).not.to.include("day-two-protected");
        const ack = [{ resource: "ledger-db", action: "replace", reason: "We unprotect it in state first and restore the export after." }];
        const acknowledged = await dayTwo(stack(true, undefined, ack), stack(true, { database: { name: "books" } }, ack));
        expect(checks(acknowledged.problems, dbUrn(acknowledged.plan))).not.to.include("day-two-protected");
    });

    it("refuses a major engine version without allowMajorVersionUpgrade; a minor bump or the flag passes", async () => {
        const { problems, changes, plan } = await dayTwo(ledgerStack(), ledgerStack({ ledger: { database: { engineVersion: "17" } } }));
        const db = plan.resources.find((r) => r.urn === dbUrn(plan))!;
        expect(changes.find((c) => c.urn === db.urn)).to.include({ action: "update" });
        // The program sets allowMajorVersionUpgrade itself where it can; without it, RDS refuses.
        expect(checks(problems, db.urn)).to.deep.equal(db.inputs.allowMajorVersionUpgrade === true ? [] : ["day-two-major-version"]);
        const base = await planOnce(ledgerStack());
        const refused = (to: string, allow?: boolean) => {
            const head = plan.resources.map((r) =>
                r.urn === db.urn ? { ...r, inputs: { ...r.inputs, engineVersion: to, allowMajorVersionUpgrade: allow } } : r,
            ) as PlannedResource[];
            const diff = diffResources(base.resources, head);
            return checks(checkReadiness({ ...plan, resources: head, dayTwo: { base: base.resources, ...diff, acknowledgements: [] } }), db.urn);
        };
        expect(refused("17")).to.deep.equal(["day-two-major-version"]);
        expect(refused("17", true)).to.deep.equal([]);
        // A minor version is no major upgrade; the plan's parameter group is of the 17 family, though,
        // which RDS refuses for a 16 engine.
        expect(refused("16.4")).to.deep.equal(["day-two-parameter-family"]);
    });

    it("refuses shrinking RDS storage, except under storage autoscaling, where the provider ignores it", async () => {
        const sized = (allocated: number, max: number) =>
            ledgerStack({ config: { "platform:profile": { dbAllocatedStorageGb: allocated, dbMaxAllocatedStorageGb: max } } });
        const autoscaled = await dayTwo(sized(100, 200), sized(50, 200));
        expect(autoscaled.changes.filter((c) => c.urn === dbUrn(autoscaled.plan))).to.deep.equal([]);
        // Without autoscaling above it (the config always keeps it 10% above, as RDS requires: an
        // instance made elsewhere may not), the smaller size is a change RDS refuses.
        const base = (await planOnce(sized(100, 200))).resources;
        const head = autoscaled.plan.resources.map((r) =>
            r.urn === dbUrn(autoscaled.plan) ? { ...r, inputs: { ...r.inputs, maxAllocatedStorage: undefined } } : r,
        ) as PlannedResource[];
        const diff = diffResources(base, head);
        const shrunk = checkReadiness({ ...autoscaled.plan, resources: head, dayTwo: { base, ...diff, acknowledgements: [] } });
        expect(checks(shrunk, dbUrn(autoscaled.plan))).to.deep.equal(["day-two-storage-shrink"]);
        expect(shrunk.find((p) => p.check === "day-two-storage-shrink")!.message).to.contain("allocatedStorage 100 -> 50");
        // And the config refuses an autoscaling ceiling less than 10% above the allocated storage.
        expect(
            configProblems(rawStack({ environment: "staging", profile: { dbAllocatedStorageGb: 100, dbMaxAllocatedStorageGb: 105 } })).map((p) => p.path),
        ).to.deep.equal(["platform:profile.dbMaxAllocatedStorageGb"]);
    });

    it("refuses shrinking the Compose host's data volume; growing it is an update", async () => {
        const host = (dataVolumeGb: number) => ledgerStack({ workload: "tickets", ledger: { dataVolumeGb } });
        const volume = (plan: Plan) => plan.resources.find((r) => r.type === "aws:ebs/volume:Volume")!.urn;
        const shrunk = await dayTwo(host(100), host(50));
        expect(checks(shrunk.problems, volume(shrunk.plan))).to.deep.equal(["day-two-storage-shrink"]);
        expect(shrunk.problems.find((p) => p.check === "day-two-storage-shrink")!.message).to.contain("size 100 -> 50 GiB: AWS cannot shrink an EBS volume");
        const grown = await dayTwo(host(50), host(100)); // the same two plans, the other way round
        expect(grown.changes.find((c) => c.urn === volume(grown.plan))).to.include({ action: "update" });
        expect(checks(grown.problems, volume(grown.plan))).to.deep.equal([]);
    });

    it("counts the staging plan twice as zero changes: nothing random or time-dependent in its inputs", async () => {
        // Production's second plan is the one the --from test below writes.
        const files = readStackFiles("staging");
        const first = await planOnce(files);
        const diff = diffResources(first.resources, (await planStack(files)).resources);
        expect(diff.changes).to.deep.equal([]);
        expect(diff.unchanged).to.equal(first.resources.length);
    });

    it("follows a renamed component's children through its alias, and carries a replacement to inputs holding the old ARN", () => {
        const res = (
            urn: string,
            type: string,
            name: string,
            parent: string | null,
            inputs: Record<string, unknown> = {},
            extra: Partial<PlannedResource> = {},
        ): PlannedResource => ({
            urn,
            type,
            name,
            parent,
            custom: !type.startsWith("platform:"),
            inputs,
            options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: [] },
            dependencies: [],
            state: { id: name },
            ...extra,
        });
        const prefix = "urn:pulumi:s::p::";
        const oldParent = res(`${prefix}platform:topologies:FargateRds::old`, "platform:topologies:FargateRds", "old", null);
        const oldDb = res(`${prefix}platform:topologies:FargateRds$aws:rds/instance:Instance::old-db`, "aws:rds/instance:Instance", "old-db", oldParent.urn, {
            dbName: "a",
        });
        const newParent = res(`${prefix}platform:topologies:FargateRds::new`, "platform:topologies:FargateRds", "new", null, {}, { aliases: [oldParent.urn] });
        const newDb = res(`${prefix}platform:topologies:FargateRds$aws:rds/instance:Instance::new-db`, "aws:rds/instance:Instance", "new-db", newParent.urn, {
            dbName: "a",
        });
        const moved = diffResources([oldParent, oldDb], [newParent, newDb]);
        expect(moved.changes).to.deep.equal([]);
        expect(moved.moved.map((m) => m.from)).to.deep.equal([oldParent.urn, oldDb.urn]);
        const unaliased = diffResources([oldParent, oldDb], [{ ...newParent, aliases: undefined }, newDb]);
        expect(unaliased.changes.map((c) => `${c.action} ${c.name}`)).to.deep.equal(["create new", "create new-db", "delete old", "delete old-db"]);

        // A replaced database's ARN is unknown until it exists again: the replica naming it changes with it
        // (replaced where the provider's table says that input forces replacement).
        const arn = "arn:aws:rds:us-east-1:123456789012:db:old-db";
        const db = { ...oldDb, state: { id: "old-db", arn } };
        const replica = res(`${prefix}aws:rds/instance:Instance::replica`, "aws:rds/instance:Instance", "replica", null, { replicateSourceDb: arn });
        const carried = diffResources([db, replica], [{ ...db, inputs: { dbName: "b" } }, replica]);
        const follows = forcesReplacement("aws:rds/instance:Instance", "replicateSourceDb") ? "replace" : "update";
        expect(carried.changes.map((c) => `${c.action} ${c.name} ${c.inputs.join(",")}`)).to.deep.equal([
            "replace old-db dbName",
            `${follows} replica replicateSourceDb`,
        ]);
    });

    it("replaces on a region move, refuses an engine downgrade and a replica moved to another source, and says what a retained resource leaves behind", () => {
        const resource = (type: string, name: string, inputs: Record<string, unknown>, retainOnDelete = false) =>
            plannedResource(type, name, inputs, { retainOnDelete });
        const problemsOf = (base: PlannedResource[], head: PlannedResource[], acknowledgements: Acknowledgement[] = []) => {
            const diff = diffResources(base, head);
            const found = checkReadiness({ resources: head, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff, acknowledgements } });
            return { diff, checks: found.map((p) => p.check), messages: found.map((p) => p.message) };
        };
        // pulumi-aws v7: a resource's own region forces replacement; unset stays the provider's region.
        const queue = (region?: string) => resource("aws:sqs/queue:Queue", "work", { name: "work", ...(region ? { region } : {}) });
        expect(diffResources([queue("eu-west-1")], [queue("us-west-2")]).changes.map((c) => c.action)).to.deep.equal(["replace"]);
        expect(diffResources([queue()], [queue("us-east-1")]).changes).to.deep.equal([]);
        const db = (engineVersion: string, extra: Record<string, unknown> = {}) =>
            resource("aws:rds/instance:Instance", "db", { engine: "postgres", engineVersion, allowMajorVersionUpgrade: true, ...extra });
        expect(problemsOf([db("16.4")], [db("15.8")]).checks).to.deep.equal(["day-two-engine-downgrade"]);
        expect(problemsOf([db("16.4")], [db("17.2")]).checks).to.deep.equal([]);
        expect(problemsOf([db("16.4", { replicateSourceDb: "old-db" })], [db("16.4", { replicateSourceDb: "new-db" })]).checks).to.deep.equal([
            "day-two-replica-source",
        ]);
        // A major upgrade of a source whose read replica takes the new family's parameter group in the
        // same deploy: RDS upgrades the replica only with its source, and refuses the group before then.
        const source = (engineVersion: string) => resource("aws:rds/instance:Instance", "ledger-db", { ...db(engineVersion).inputs, identifier: "ledger-db" });
        const replica = (parameterGroupName: string) =>
            resource("aws:rds/instance:Instance", "ledger-db-replica", { identifier: "ledger-db-replica", replicateSourceDb: "ledger-db", parameterGroupName });
        const upgrade = problemsOf([source("16.4"), replica("ledger-db-pg16")], [source("17.2"), replica("ledger-db-pg17")]);
        expect(upgrade.checks).to.deep.equal(["day-two-replica-upgrade"]);
        expect(upgrade.messages[0]).to.contain("readReplica: false");
        // The replica may name its source by ARN rather than identifier.
        const sourceArn = "arn:aws:rds:us-east-1:123456789012:db:ledger-db";
        const byArn = (engineVersion: string, parameterGroupName: string) => [
            { ...source(engineVersion), state: { id: "ledger-db", arn: sourceArn } },
            resource("aws:rds/instance:Instance", "ledger-db-replica", { identifier: "ledger-db-replica", replicateSourceDb: sourceArn, parameterGroupName }),
        ];
        expect(problemsOf(byArn("16.4", "ledger-db-pg16"), byArn("17.2", "ledger-db-pg17")).checks).to.deep.equal(["day-two-replica-upgrade"]);
        // The same upgrade without a replica, or a replica whose group stays, is not refused.
        expect(problemsOf([source("16.4")], [source("17.2")]).checks).to.deep.equal([]);
        expect(problemsOf([source("16.4"), replica("shared")], [source("17.2"), replica("shared")]).checks).to.deep.equal([]);
        // A retained database is left running outside the stack, not deleted: AWS's deletion guard never
        // meets a delete, and the message says what stays behind.
        const retainedDb = resource("aws:rds/instance:Instance", "db", { engine: "postgres", engineVersion: "16.4", deletionProtection: true }, true);
        const removed = problemsOf([retainedDb], []);
        expect(removed.checks).to.deep.equal(["day-two-stateful"]);
        expect(removed.messages[0]).to.contain("stays in AWS outside the stack (retainOnDelete)");
        // A type the replacement table does not cover (a Cloudflare zone: this program never creates one) shows as an update, marked as unsure.
        const zone = (type: string) => resource("cloudflare:index/zone:Zone", "example", { name: "example.com", type });
        const uncovered = diffResources([zone("full")], [zone("partial")]);
        expect(renderTree({ project: "p", stack: "s", resources: [zone("partial")] }, { changes: uncovered, base: [zone("full")] })).to.contain(
            "changed: type (no replacement rules for this type: it may be replaced)",
        );
        // The Cloudflare types the program creates have rules: a record's new address is a plain update.
        const record = (content: string) => resource("cloudflare:index/dnsRecord:DnsRecord", "www", { zoneId: "z", content });
        const cloudflare = diffResources([record("1.2.3.4")], [record("5.6.7.8")]);
        expect(cloudflare.changes.map((c) => c.action)).to.deep.equal(["update"]);
        expect(renderTree({ project: "p", stack: "s", resources: [record("5.6.7.8")] }, { changes: cloudflare, base: [record("1.2.3.4")] })).to.not.contain(
            "may be replaced",
        );
        // An acknowledgement by a name two deleted resources share is refused: the URN says which.
        const secret = resource("aws:secretsmanager/secret:Secret", "db", {}, true);
        const ack = (resource: string): Acknowledgement => ({ resource, action: "delete", reason: "Both are exported before the deploy." });
        expect(problemsOf([retainedDb, secret], [], [ack("db")]).checks).to.include("acknowledge-ambiguous");
        expect(problemsOf([retainedDb, secret], [], [ack(retainedDb.urn), ack(secret.urn)]).checks).to.deep.equal([]);
        // A new block for the network replaces its subnets: what lives in them cannot follow.
        const subnet = (cidrBlock: string) => resource("aws:ec2/subnet:Subnet", "private-1", { vpcId: "vpc-1", cidrBlock });
        expect(problemsOf([subnet("10.30.0.0/19")], [subnet("10.30.0.0/18")]).checks).to.deep.equal(["day-two-network-replaced"]);
    });

    it("replaces every regional resource when the stack's aws:region moves, frees per-region names, and keeps global ones", () => {
        const resource = (type: string, name: string, inputs: Record<string, unknown>) => plannedResource(type, name, inputs);
        const queue = (region?: string) => resource("aws:sqs/queue:Queue", "work", { name: "work", ...(region ? { region } : {}) });
        const role = resource("aws:iam/role:Role", "task", { name: "task-role" });
        const logs = resource("aws:cloudwatch/logGroup:LogGroup", "api", { name: "/ecs/api", retentionInDays: 30 });
        const bucket = resource("aws:s3/bucket:Bucket", "files", { bucket: "files-123456789012" });
        const moved = { base: "us-east-1", head: "us-east-2" };
        // The provider replaces every regional resource whose effective region changes (terraform-provider-aws's
        // forceNewIfRegionChanges); IAM is global: its roles stay.
        const diff = diffResources([queue(), role, logs, bucket], [queue(), role, logs, bucket], moved);
        expect(diff.changes.map((c) => [c.name, c.action, c.inputs.join()])).to.deep.equal([
            ["work", "replace", "region"],
            ["api", "replace", "region"],
            ["files", "replace", "region"],
        ]);
        // Route 53's zones are global; its Resolver is regional.
        const zone = resource("aws:route53/zone:Zone", "internal", { name: "svc.internal" });
        const resolver = resource("aws:route53/resolverRule:ResolverRule", "forward", { domainName: "corp.example" });
        expect(diffResources([zone, resolver], [zone, resolver], moved).changes.map((c) => [c.name, c.action])).to.deep.equal([["forward", "replace"]]);
        // A log group's name is unique per region, free where it moves; a bucket's is global.
        const found = checkReadiness({
            resources: [queue(), role, logs, bucket],
            region: "us-east-2",
            prefixLists: {},
            dayTwo: { base: [queue(), role, logs, bucket], ...diff, acknowledgements: [] },
        });
        expect(found.filter((p) => p.check === "day-two-fixed-name").map((p) => p.urn)).to.deep.equal([bucket.urn]);
        // What holds data is refused with what a region move needs: an alias would not keep it.
        const logsRefusal = found.find((p) => p.check === "day-two-stateful" && p.urn === logs.urn)!;
        expect(logsRefusal.message).to.contain("It moves to another region, which no resource does in place: keep its region (and aws:region)");
        expect(logsRefusal.message).not.to.contain("alias");
        // The stack staying where it is: a resource given another region moves (its effective region
        // changes), one given the stack's own region does not.
        const still = { base: "us-east-1", head: "us-east-1" };
        expect(diffResources([queue()], [queue("eu-west-1")], still).changes.map((c) => c.action)).to.deep.equal(["replace"]);
        expect(diffResources([queue()], [queue("us-east-1")], still).changes).to.deep.equal([]);
        // The plan's JSON records the stack's region: the comparison of two plans reads it.
        const plans = diffPlans(
            { resources: [queue()], region: "us-east-1" } as PlanLike,
            { resources: [queue()], region: "us-east-2" } as PlanLike,
            USAGE_DEFAULTS,
            "us-east-2",
        );
        expect(plans.changes.map((c) => c.action)).to.deep.equal(["replace"]);
    });

    it("refuses a cluster moved to the new family's parameter group before its global database upgrades it", () => {
        const urnOf = (type: string, name: string) => `urn:pulumi:test::platform::${type}::${name}`;
        const group = (name: string, family: string) =>
            plannedResource("aws:rds/clusterParameterGroup:ClusterParameterGroup", name, { family }, {}, { id: `${name}-id` });
        const cluster = (name: string, engineVersion: string, groupName: string, dependencies: string[] = []) => ({
            ...plannedResource(
                "aws:rds/cluster:Cluster",
                name,
                { engine: "aurora-postgresql", engineVersion, dbClusterParameterGroupName: `${groupName}-id`, allowMajorVersionUpgrade: true },
                { ignoreChanges: ["engineVersion"] },
            ),
            dependencies,
            propertyDependencies: { dbClusterParameterGroupName: [urnOf("aws:rds/clusterParameterGroup:ClusterParameterGroup", groupName)] },
        });
        const primaryUrn = urnOf("aws:rds/cluster:Cluster", "db");
        const global = (engineVersion: string) => ({
            ...plannedResource("aws:rds/globalCluster:GlobalCluster", "db-global", { globalClusterIdentifier: "db-global", engineVersion }),
            dependencies: [primaryUrn],
        });
        const globalUrn = urnOf("aws:rds/globalCluster:GlobalCluster", "db-global");
        const stack = (version: string, family: string, suffix: string) => [
            group(`db-${suffix}`, family),
            group(`db-dr-${suffix}`, family),
            cluster("db", version, `db-${suffix}`),
            global(version),
            cluster("db-dr", version, `db-dr-${suffix}`, [globalUrn]),
        ];
        const [base, head] = [stack("15.10", "aurora-postgresql15", "15"), stack("16.6", "aurora-postgresql16", "16")];
        const diff = diffResources(base, head);
        const found = checkReadiness({ resources: head, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff, acknowledgements: [] } });
        // The primary updates before the global database (which depends on it) and still runs 15; the
        // secondary updates after it, on 16 already.
        expect(found.map((p) => [p.check, p.urn])).to.deep.equal([["day-two-parameter-family", primaryUrn]]);
        expect(found[0].message).to.contain(
            "aws rds modify-global-cluster --global-cluster-identifier db-global --engine-version 16.6 --allow-major-version-upgrade",
        );
        // Once the operator has upgraded the global database outside Pulumi, the stack says so by name
        // and the refusal is lifted (the entry is unused once deployed); a replace entry does not lift it.
        const withAck = (action: "update" | "replace") =>
            checkReadiness({
                resources: head,
                region: "us-east-1",
                prefixLists: {},
                dayTwo: { base, ...diff, acknowledgements: [{ resource: "db", action, reason: "Global database upgraded to 16.6 with the CLI." }] },
            }).map((p) => p.check);
        expect(withAck("update")).to.deep.equal([]);
        expect(withAck("replace")).to.deep.equal(["day-two-parameter-family"]);
        expect(unusedAcknowledgements(diffResources(head, head).changes, [{ resource: "db", action: "update", reason: "done" }])).to.have.length(1);
        // An update entry lifts nothing else: on the global database's own update it is unused.
        expect(unusedAcknowledgements(diff.changes, [{ resource: globalUrn, action: "update", reason: "done" }])).to.have.length(1);
        expect(unusedAcknowledgements(diff.changes, [{ resource: primaryUrn, action: "update", reason: "done" }])).to.deep.equal([]);
        // As the program names them, the cluster and its global database share a name; an update entry
        // can lift only the cluster's refusal (the global database moves no parameter group), so the name
        // says which one is meant.
        const sharedGlobalUrn = urnOf("aws:rds/globalCluster:GlobalCluster", "db");
        const shared = (version: string, family: string, suffix: string) =>
            stack(version, family, suffix).map((r) => ({
                ...r,
                ...(r.type === "aws:rds/globalCluster:GlobalCluster" ? { name: "db", urn: sharedGlobalUrn } : {}),
                dependencies: r.dependencies.map((d) => (d === globalUrn ? sharedGlobalUrn : d)),
            }));
        const [sharedBase, sharedHead] = [shared("15.10", "aurora-postgresql15", "15"), shared("16.6", "aurora-postgresql16", "16")];
        const sharedDiff = diffResources(sharedBase, sharedHead);
        const sharedPlan = (acknowledgements: Acknowledgement[]) =>
            checkReadiness({ resources: sharedHead, region: "us-east-1", prefixLists: {}, dayTwo: { base: sharedBase, ...sharedDiff, acknowledgements } });
        const [refusal] = sharedPlan([]);
        expect(refusal.message).to.contain("platform:acknowledge: [{ resource: db, action: update,");
        const reason = "Global database upgraded to 16.6 with the CLI.";
        expect(sharedPlan([{ resource: "db", action: "update", reason }])).to.deep.equal([]);
        expect(sharedPlan([{ resource: primaryUrn, action: "update", reason }])).to.deep.equal([]);
        // Without a global database, the cluster takes its engine version and the group in one call.
        const alone = (version: string, family: string, suffix: string) => [
            group(`db-${suffix}`, family),
            { ...cluster("db", version, `db-${suffix}`), options: { ...cluster("db", version, `db-${suffix}`).options, ignoreChanges: [] } },
        ];
        const [b2, h2] = [alone("15.10", "aurora-postgresql15", "15"), alone("16.6", "aurora-postgresql16", "16")];
        const diff2 = diffResources(b2, h2);
        expect(checkReadiness({ resources: h2, region: "us-east-1", prefixLists: {}, dayTwo: { base: b2, ...diff2, acknowledgements: [] } })).to.deep.equal([]);
    });

    it("does not call a read replica moved to another source when its source is replaced under the same identifier", () => {
        const db = (dbName: string) =>
            plannedResource(
                "aws:rds/instance:Instance",
                "db",
                { identifier: "db-prod", dbName },
                {},
                { id: "db-prod", arn: "arn:aws:rds:us-east-1:123456789012:db:db-prod" },
            );
        const replica = {
            ...plannedResource("aws:rds/instance:Instance", "db-replica", { identifier: "db-prod-replica", replicateSourceDb: "db-prod" }),
            propertyDependencies: { replicateSourceDb: [db("a").urn] },
        };
        const [base, head] = [
            [db("a"), replica],
            [db("b"), replica],
        ];
        const diff = diffResources(base, head);
        expect(diff.changes.map((c) => [c.name, c.action])).to.deep.equal([
            ["db", "replace"],
            ["db-replica", "update"],
        ]);
        const found = checkReadiness({ resources: head, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff, acknowledgements: [] } });
        expect(found.map((p) => p.check)).to.not.include("day-two-replica-source");
    });

    it("refuses a name a resource deleted in the same deploy still holds: the engine deletes it last", () => {
        const role = (name: string, roleName: string) => plannedResource("aws:iam/role:Role", name, { name: roleName });
        const policy = (name: string, roleName: string) => plannedResource("aws:iam/rolePolicy:RolePolicy", name, { name: "SQSAccess", role: roleName });
        // The worker's role, named by the runbook, moves to the API's role when the worker stops being a service.
        const base = [role("api-task", "api-role"), role("worker-task", "omenEprTaskRole"), policy("worker-task", "omenEprTaskRole")];
        const head = [role("api-task", "omenEprTaskRole"), policy("api-task", "omenEprTaskRole")];
        const diff = diffResources(base, head);
        const found = checkReadiness({ resources: head, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff, acknowledgements: [] } });
        expect(found.filter((p) => p.check === "day-two-name-taken").map((p) => p.urn)).to.deep.equal([head[0].urn, head[1].urn]);
        expect(found[0].message).to.contain(base[1].urn);
        // A policy of the same name on another role is another name.
        const elsewhere = [role("api-task", "api-role"), policy("api-task", "api-role")];
        const diff2 = diffResources(base, elsewhere);
        const found2 = checkReadiness({ resources: elsewhere, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff2, acknowledgements: [] } });
        expect(found2.map((p) => p.check)).to.not.include("day-two-name-taken");
        // A name unique per region is held in the effective region: the stack's where a resource sets none.
        const queue = (name: string, region?: string) => plannedResource("aws:sqs/queue:Queue", name, { name: "orders", ...(region ? { region } : {}) });
        const taken = (base: PlannedResource[], head: PlannedResource[], regions: { base: string; head: string }) =>
            checkReadiness({
                resources: head,
                region: regions.head,
                prefixLists: {},
                dayTwo: { base, ...diffResources(base, head, regions), acknowledgements: [], regions },
            })
                .filter((p) => p.check === "day-two-name-taken")
                .map((p) => p.urn);
        const moved = { base: "us-east-1", head: "us-east-2" };
        // The old queue in us-east-1 (the old stack's region), the new one in us-east-2: two names.
        expect(taken([queue("old")], [queue("new")], moved)).to.deep.equal([]);
        // The old one pinned to us-east-2, the new one there by the stack's region: one name.
        expect(taken([queue("old", "us-east-2")], [queue("new")], moved)).to.deep.equal([queue("new").urn]);
        // A role's name is the account's, whatever the regions.
        expect(taken([role("old", "shared-role")], [role("new", "shared-role")], moved)).to.deep.equal([role("new", "shared-role").urn]);
    });

    it("refuses replacing a retained resource under its own name even with deleteBeforeReplace: the engine never deletes it", () => {
        const role = (path: string, retainOnDelete: boolean) =>
            plannedResource("aws:iam/role:Role", "task", { name: "omenEprTaskRole", path }, { deleteBeforeReplace: true, retainOnDelete });
        const problems = (retainOnDelete: boolean) => {
            const [base, head] = [[role("/", retainOnDelete)], [role("/ecs/", retainOnDelete)]];
            const diff = diffResources(base, head);
            expect(diff.changes.map((c) => c.action)).to.deep.equal(["replace"]);
            return checkReadiness({ resources: head, region: "us-east-1", prefixLists: {}, dayTwo: { base, ...diff, acknowledgements: [] } });
        };
        expect(problems(false).map((p) => p.check)).to.deep.equal([]);
        const kept = problems(true);
        expect(kept.map((p) => p.check)).to.deep.equal(["day-two-fixed-name"]);
        expect(kept[0].message).to.contain("retainOnDelete");
    });

    it("refuses deleting a global database AWS protects from deletion", () => {
        const global = plannedResource("aws:rds/globalCluster:GlobalCluster", "db", { globalClusterIdentifier: "db-global", deletionProtection: true });
        const diff = diffResources([global], []);
        const found = checkReadiness({ resources: [], region: "us-east-1", prefixLists: {}, dayTwo: { base: [global], ...diff, acknowledgements: [] } });
        expect(found.map((p) => p.check)).to.include("day-two-deletion-protection");
    });

    it("decides the provider's value-dependent replacements: user data with userDataReplaceOnChange, a rule's kind of source", () => {
        const host = (inputs: Record<string, unknown>): PlannedResource => ({
            urn: "urn:pulumi:s::p::aws:ec2/instance:Instance::host",
            type: "aws:ec2/instance:Instance",
            name: "host",
            parent: null,
            custom: true,
            inputs,
            options: { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: [] },
            dependencies: [],
            state: { id: "i-1" },
        });
        const action = (replaceOnChange: boolean) =>
            diffResources(
                [host({ userData: "a", userDataReplaceOnChange: replaceOnChange })],
                [host({ userData: "b", userDataReplaceOnChange: replaceOnChange })],
            ).changes[0].action;
        expect(action(true)).to.equal("replace");
        expect(action(false)).to.equal("update");
        // A security-group rule is replaced when its kind of source changes, updated when only the value does.
        const rule = (inputs: Record<string, unknown>) => ({ ...host(inputs), type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" });
        const ruleAction = (to: Record<string, unknown>) => diffResources([rule({ cidrIpv4: "10.0.0.0/16" })], [rule(to)]).changes[0].action;
        expect(ruleAction({ referencedSecurityGroupId: "sg-1" })).to.equal("replace");
        expect(ruleAction({ cidrIpv4: "10.1.0.0/16" })).to.equal("update");
    });

    it("carries a replacement only to inputs whose value came from the replaced resource, not to an equal value", () => {
        // ECS's ID of a task definition is its family; a container of the service is named the same.
        const taskDefinition = (image: string) =>
            plannedResource(
                "aws:ecs/taskDefinition:TaskDefinition",
                "api",
                { family: "omen-epr", containerDefinitions: JSON.stringify([{ name: "omen-epr", image }]) },
                {},
                { id: "omen-epr", arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/omen-epr:1" },
            );
        const service = (propertyDependencies?: Record<string, string[]>) => ({
            ...plannedResource("aws:ecs/service:Service", "api", {
                taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/omen-epr:1",
                loadBalancers: [{ containerName: "omen-epr", containerPort: 8080 }],
            }),
            ...(propertyDependencies ? { propertyDependencies } : {}),
        });
        const tdUrn = taskDefinition("a").urn;
        const changed = (head: PlannedResource) =>
            diffResources([taskDefinition("example/api:1"), head], [taskDefinition("example/api:2"), head]).changes.find(
                (c) => c.type === "aws:ecs/service:Service",
            )?.inputs;
        expect(changed(service({ taskDefinition: [tdUrn] }))).to.deep.equal(["taskDefinition"]);
        // Without recorded property dependencies (a baseline from an older plan), an equal value still counts.
        expect(changed(service())).to.deep.equal(["taskDefinition", "loadBalancers[0].containerName"]);
    });

    it("decides a load balancer's subnet and security-group changes as the provider's CustomizeDiff does", () => {
        const balancer = (inputs: Record<string, unknown>) => plannedResource("aws:lb/loadBalancer:LoadBalancer", "lb", inputs);
        const action = (type: string, key: string, from: unknown[], to: unknown[]) =>
            diffResources([balancer({ loadBalancerType: type, [key]: from })], [balancer({ loadBalancerType: type, [key]: to })]).changes[0]?.action ?? "none";
        // A network load balancer adds subnets in place, but cannot drop or swap one.
        expect(action("network", "subnets", ["subnet-a", "subnet-b"], ["subnet-a", "subnet-b", "subnet-c"])).to.equal("update");
        expect(action("network", "subnets", ["subnet-a", "subnet-b"], ["subnet-a"])).to.equal("replace");
        expect(action("network", "subnets", ["subnet-a", "subnet-b"], ["subnet-a", "subnet-c"])).to.equal("replace");
        // An application load balancer moves between subnets in place.
        expect(action("application", "subnets", ["subnet-a", "subnet-b"], ["subnet-a", "subnet-c"])).to.equal("update");
        // Subnets are a set: the same ones in another order are no change.
        expect(action("network", "subnets", ["subnet-a", "subnet-b"], ["subnet-b", "subnet-a"])).to.equal("none");
        // Security groups on a network load balancer: none to some, or some to none, replaces it.
        expect(action("network", "securityGroups", [], ["sg-1"])).to.equal("replace");
        expect(action("network", "securityGroups", ["sg-1"], [])).to.equal("replace");
        expect(action("network", "securityGroups", ["sg-1"], ["sg-2"])).to.equal("update");
        expect(action("application", "securityGroups", ["sg-1"], [])).to.equal("update");
        // Subnet mappings: a changed one replaces either kind; an application load balancer may drop one it keeps the rest of.
        const mapping = (subnetId: string, allocationId?: string) => ({ subnetId, ...(allocationId ? { allocationId } : {}) });
        expect(action("network", "subnetMappings", [mapping("subnet-a", "eipalloc-1")], [mapping("subnet-a", "eipalloc-2")])).to.equal("replace");
        expect(action("network", "subnetMappings", [mapping("subnet-a")], [mapping("subnet-a"), mapping("subnet-b")])).to.equal("update");
        expect(action("network", "subnetMappings", [mapping("subnet-a"), mapping("subnet-b")], [mapping("subnet-a")])).to.equal("replace");
        expect(action("application", "subnetMappings", [mapping("subnet-a"), mapping("subnet-b")], [mapping("subnet-a")])).to.equal("update");
    });

    it("records a resource's aliases as the URNs the engine matches", async () => {
        await planOnce(ledgerStack()); // no plan of another test is in flight while the mocks change
        const recorder = installMocks({ project: "p", stack: "s", region: "us-east-1" });
        const parent = new pulumi.ComponentResource("platform:test:Parent", "parent", {});
        new pulumi.ComponentResource(
            "platform:test:Thing",
            "new",
            {},
            { parent, aliases: [{ name: "old" }, { name: "older", parent: pulumi.rootStackResource }] },
        );
        await recorder.settle();
        expect(recorder.get("platform:test:Thing", "new").aliases).to.deep.equal([
            "urn:pulumi:s::p::platform:test:Parent$platform:test:Thing::old",
            "urn:pulumi:s::p::platform:test:Thing::older",
        ]);
    });
});

describe("plan output against a baseline", () => {
    const run = (args: string[]) => planCli(["--diagram-dir", path.join(dir, "diagram"), ...args]);

    it("marks the replaced database +- with its changed input, counts the rest, prints the legend and the verdict first and last", async () => {
        const base = path.join(dir, "base.json");
        fs.writeFileSync(base, JSON.stringify(await planOnce(ledgerStack())));
        const head = ledgerFile({ ledger: { database: { name: "books" } } });
        const out = path.join(dir, "head.json");
        const result = await run(["--stack", "ledger", "--config-file", head, "--compare", base, "--json", out]);
        expect(result.status, result.stderr).to.equal(1);
        const lines = result.stdout.trimEnd().split("\n");
        expect(lines[0]).to.equal("Verdict for platform/ledger: NOT READY");
        const verdict = lines.slice(0, 4).join("\n");
        expect(result.stdout.trimEnd().endsWith(verdict)).to.equal(true);
        // The task definition reads the database name too: it changes with it.
        expect(verdict).to.match(/changes against .*base\.json: 0 to create, \d+ to update, [1-9]\d* to replace, 0 to delete, \d+ unchanged/);
        expect(result.stdout).to.match(/\n +\+- ledger-db \(aws:rds\/instance:Instance\) changed: dbName\n/);
        expect(result.stdout)
            .to.match(/\(\d+ unchanged\)/)
            .and.contain("Legend: + create, ~ update");
        expect(result.stdout).not.to.contain("network-vpc (awsx:ec2:Vpc)");
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        expect(written.changes.find((c: ResourceChange) => c.name === "ledger-db")).to.include({ action: "replace", stateful: true });
        for (const c of written.changes) expect(c).to.have.keys("urn", "name", "type", "action", "inputs", "deleteBeforeReplace", "stateful");
    });

    it("shows deleted resources under their old parents, and names the acknowledgements no change needs", async () => {
        const base = path.join(dir, "base.json");
        fs.writeFileSync(base, JSON.stringify(await planOnce(ledgerStack())));
        const reason = "The ledger moves to the shared cluster; its data was exported first.";
        const head = ledgerFile({
            withoutLedger: true,
            config: {
                "platform:acknowledge": [
                    { resource: "ledger-db", action: "delete", reason },
                    { resource: "ledger-db", action: "replace", reason },
                ],
            },
        });
        const result = await run(["--stack", "ledger", "--config-file", head, "--compare", base]);
        const component = /\n( +)- {2}ledger-db \(platform:data:PostgresDatabase\)\n/.exec(result.stdout);
        expect(component, result.stdout.slice(0, 2000)).to.not.equal(null);
        expect(result.stdout).to.contain(`\n${component![1]}  -  ledger-db (aws:rds/instance:Instance)`);
        expect(result.stdout).to.contain("unused acknowledgement: replace of ledger-db matches no change of this plan");
        expect(result.stdout).not.to.contain("unused acknowledgement: delete of ledger-db");
        expect(result.stdout).not.to.match(/\[day-two-stateful\] [^\n]*aws:rds\/instance:Instance::ledger-db\n/);
    });

    it("prints a first deploy without markers, and --workload shows that workload's part only", async () => {
        const file = ledgerFile();
        const result = await run(["--stack", "ledger", "--config-file", file, "--workload", "ledger"]);
        expect(result.status, result.stderr).to.equal(0);
        const tree = result.stdout.slice(result.stdout.indexOf("platform/ledger:"), result.stdout.indexOf("By type:"));
        expect(tree).to.contain("(workloads: ledger;").and.contain("    ledger-db (aws:rds/instance:Instance)");
        expect(tree).not.to.contain("network-vpc");
        expect(tree).not.to.match(/^\s+[-+~]/m);
        expect(result.stdout).to.contain("No baseline (--compare or --from)");
        const typo = await run(["--stack", "ledger", "--config-file", file, "--workload", "ledgr"]);
        expect(typo.status).to.equal(2);
        expect(typo.stderr.trim()).to.equal("--workload ledgr: no such workload in ledger; did you mean ledger? (it has: network, ledger)");
    });

    it("--help lists every option with an example and exits 0", async () => {
        const help = await planCli(["--help"]);
        expect(help.status).to.equal(0);
        for (const option of ["--stack", "--config-file", "--json", "--diagram-dir", "--compare", "--from", "--workload", "--help"]) {
            expect(help.stdout, option).to.match(
                new RegExp(`\\n  ${option} [^\\n]*\\n(?: {26}[^\\n]*\\n)* {28}npm run plan -- [^\\n]*${option === "--stack" ? "" : option}`),
            );
        }
    });

    it("refuses a baseline of another stack or project, a file that is not a plan, a ref that does not exist: one line, exit 2, nothing written", async () => {
        const file = ledgerFile();
        const json = (name: string, value: unknown) => {
            const p = path.join(dir, name);
            fs.writeFileSync(p, typeof value === "string" ? value : JSON.stringify(value));
            return p;
        };
        const cases: [string[], string][] = [
            [
                ["--compare", json("other-stack.json", { project: "platform", stack: "staging", resources: [] })],
                "a plan of platform/staging, not of platform/ledger",
            ],
            [["--compare", json("other-project.json", { project: "shop", stack: "ledger", resources: [] })], "a plan of shop/ledger, not of platform/ledger"],
            [["--compare", json("not-a-plan.json", { resources: [{ urn: 1 }] })], "not a plan written by npm run plan -- --json"],
            [["--compare", json("not-json.json", "config:\n  a: b\n")], "not a plan (not JSON)"],
            [["--compare", path.join(dir, "missing.json")], "cannot read it (ENOENT)"],
            [["--from", "no-such-ref-h25b"], "--from no-such-ref-h25b: no such commit in this repository"],
            [["--from", "HEAD"], "is outside the repository"],
        ];
        for (const [args, message] of cases) {
            const out = path.join(dir, "never.json");
            const diagrams = path.join(dir, "never");
            const result = await planCli(["--stack", "ledger", "--config-file", file, "--json", out, "--diagram-dir", diagrams, ...args]);
            expect(result.status, args.join(" ")).to.equal(2);
            expect(result.stderr.trim().split("\n"), args.join(" ")).to.have.length(1);
            expect(result.stderr).to.contain(message);
            expect(fs.existsSync(out) || fs.existsSync(diagrams), args.join(" ")).to.equal(false);
        }
    });

    it("plans the production stack of the parent commit (--from) against this one: no stateful replacement or deletion; planned again, zero changes", async function () {
        // Before a change is committed, its parent is HEAD; once committed (CI), HEAD~1.
        const git = (...args: string[]) => spawnSync("git", args, { cwd: PROJECT_DIR, encoding: "utf8" });
        const dirty = git("status", "--porcelain", "--untracked-files=no").stdout.trim() !== "";
        const parent = dirty ? "HEAD" : "HEAD~1";
        if (git("rev-parse", "--verify", "--quiet", `${parent}^{commit}`).status !== 0) this.skip(); // a shallow clone has no parent
        const out = path.join(dir, "from.json");
        const result = await run(["--stack", "production", "--from", parent, "--json", out]);
        expect(result.stdout).to.contain(`changes against ${parent} (the program and stack file at that commit)`);
        const written = JSON.parse(fs.readFileSync(out, "utf8"));
        // A replacement the stack acknowledges by name is meant (a rename an issue asked for); any other loses data.
        const acknowledged = (written.acknowledgements ?? []) as { resource: string; action: string }[];
        const meant = (c: ResourceChange) => acknowledged.some((a) => a.action === c.action && (a.resource === c.name || a.resource === c.urn));
        const lost = (written.changes as ResourceChange[]).filter((c) => c.stateful && (c.action === "replace" || c.action === "delete") && !meant(c));
        expect(lost.map((c) => `${c.action} ${c.urn}`)).to.deep.equal([]);
        const refused = (written.readiness.problems as ReadinessProblem[]).filter((p) => p.check.startsWith("day-two-"));
        expect(refused.map((p) => `${p.check} ${p.urn}`)).to.deep.equal([]);
        expect(result.status, result.stdout.slice(-2000)).to.equal(0);
        // The second up: this plan against another of the same stack file changes nothing.
        const again = diffResources((await planOnce(readStackFiles("production"))).resources, written.resources);
        expect(again.changes).to.deep.equal([]);
    });
});
