// Day two: what a change to a running stack would fail on, or lose, decided against a baseline plan.
import { ResourceChange, StackRegions, compareVersions, effectiveRegion } from "../changes";
import { Acknowledgement } from "../../stacks/acknowledge";
import { closestKey } from "../../stacks/schema-kit";
import { namesResource } from "../../policy/suppress";
import { PlannedResource } from "../mocks";
import { NAME_RULES } from "./names";
import { UNIQUE_NAMES } from "./collisions";
import { PlanIndex, Report } from "./kit";

/** The baseline a plan is compared with, and what the comparison found. */
export interface DayTwoInput {
    /** The resources of the plan of what is deployed. */
    base: readonly PlannedResource[];
    changes: readonly ResourceChange[];
    /** Resources the baseline knows under another URN (an alias). */
    moved: readonly { urn: string; from: string }[];
    /** `platform:acknowledge`. */
    acknowledgements: readonly Acknowledgement[];
    /** The stack's region in the baseline and in this plan, where known: a resource that sets none is in its stack's. */
    regions?: StackRegions;
}

/** Physical-name inputs of types the name checks do not cover: set, they fix the name. */
const OTHER_NAME_FIELDS: Record<string, string> = {
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:kms/alias:Alias": "name",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "name",
    "aws:wafv2/webAcl:WebAcl": "name",
};
const nameField = (type: string): string | undefined => NAME_RULES[type]?.field ?? OTHER_NAME_FIELDS[type];

/**
 * Types whose new resource may take the old one's name: RegisterTaskDefinition adds a revision to
 * the family (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
 */
const REVISIONED = new Set(["aws:ecs/taskDefinition:TaskDefinition"]);

/** The types sharing a name's namespace (an ALB and an NLB cannot share a name): the first of its uniqueness rule. */
const namespaceOf = (type: string): string => UNIQUE_NAMES.find((u) => u.types.includes(type))?.types[0] ?? type;

/** Names unique only within another resource: when that changes too, the new name is free. */
const NAME_SCOPES: Record<string, string[]> = {
    "aws:iam/rolePolicy:RolePolicy": ["role"],
    "aws:ecs/service:Service": ["cluster"],
    "aws:servicediscovery/service:Service": ["namespaceId"],
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ["appName"],
    "aws:ec2/securityGroup:SecurityGroup": ["vpcId"],
};

/** `16.4` -> `16`, `5.7.44` -> `5.7`: PostgreSQL 10 and later count the first number as the major version. */
export const majorVersion = (v: unknown): string => {
    const parts = String(v).split(".");
    return Number(parts[0]) >= 10 ? parts[0] : parts.slice(0, 2).join(".");
};

/** Whether an acknowledgement accepts a change: the same action, on the resource by name or URN. */
const accepts = (a: Acknowledgement, c: ResourceChange) =>
    a.action === c.action && namesResource(a.resource, c.urn) && (a.action !== "update" || movesParameterGroup(c));

/** The one update an acknowledgement can lift: a DB instance or cluster moved to another parameter group (`day-two-parameter-family`). */
const movesParameterGroup = (c: ResourceChange) => PARAMETER_GROUP_INPUTS[c.type] !== undefined && c.inputs.includes(PARAMETER_GROUP_INPUTS[c.type]);

/**
 * AWS's own deletion protection, per type: the input that turns it on. While it is on, the delete
 * that ends a replacement or a deletion fails.
 */
const DELETION_PROTECTION: Record<string, { input: string; doc: string }> = {
    "aws:ec2/instance:Instance": {
        input: "disableApiTermination",
        doc: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingDisableAPITermination.html",
    },
    "aws:rds/instance:Instance": { input: "deletionProtection", doc: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html" },
    "aws:rds/cluster:Cluster": { input: "deletionProtection", doc: "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html" },
    "aws:rds/globalCluster:GlobalCluster": {
        input: "deletionProtection",
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyGlobalCluster.html",
    },
    "aws:lb/loadBalancer:LoadBalancer": {
        input: "enableDeletionProtection",
        doc: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#deletion-protection",
    },
};

const NETWORK_TYPES = new Set(["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet"]);

const ENGINE_TYPES = new Set(["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"]);

/** The input naming a DB instance's or cluster's parameter group. */
const PARAMETER_GROUP_INPUTS: Record<string, string> = {
    "aws:rds/instance:Instance": "parameterGroupName",
    "aws:rds/cluster:Cluster": "dbClusterParameterGroupName",
};
const PARAMETER_GROUP_TYPES = ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"];

/** The parameter group a DB instance or cluster names: the resource its value came from, else the one of that name. */
function parameterGroupOf(index: PlanIndex, r: PlannedResource, input: string): PlannedResource | undefined {
    const value = r.inputs[input];
    const groups = PARAMETER_GROUP_TYPES.flatMap((t) => index.of(t));
    const from = r.propertyDependencies?.[input];
    return groups.find((g) => from?.includes(g.urn)) ?? groups.find((g) => g.inputs.name === value || g.state.id === value);
}

/**
 * What a `pulumi up` from the baseline to this plan would fail on, or lose:
 *
 * - replacing a resource whose physical name is fixed creates the new one under the same name while
 *   the old one still exists ("already exists") unless it is `deleteBeforeReplace`, or the name (or
 *   what it is unique within: a role policy's role, a service's cluster) changes too; a task
 *   definition's family takes a new revision instead
 *   (https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/);
 * - the engine refuses to replace or delete a protected resource
 *   (https://www.pulumi.com/docs/iac/concepts/options/protect/), and AWS to delete one with its own
 *   deletion protection on (EC2 `disableApiTermination`, RDS `deletionProtection`, a load balancer's
 *   `enableDeletionProtection`: the pages in DELETION_PROTECTION);
 * - replacing or deleting a resource that holds data loses it, unless `platform:acknowledge` accepts it;
 * - ModifyDBInstance and ModifyDBCluster refuse another major engine version without
 *   `AllowMajorVersionUpgrade` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html,
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html);
 * - RDS upgrades a read replica only together with its source, so a replica cannot take the new
 *   major version's parameter group in the deploy that upgrades its source;
 * - RDS storage cannot shrink (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.ModifyingExisting.html;
 *   a smaller size under storage autoscaling is no change at all, the provider ignores it), nor can an
 *   EBS volume (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVolume.html: the target
 *   size must be at least the current one).
 */
export function checkDayTwo(index: PlanIndex, input: DayTwoInput, report: Report): void {
    const baseByUrn = new Map(input.base.map((r) => [r.urn, r]));
    const movedFrom = new Map(input.moved.map((m) => [m.urn, m.from]));
    const baseOf = (urn: string) => baseByUrn.get(movedFrom.get(urn) ?? urn);
    const acknowledged = (c: ResourceChange) => input.acknowledgements.some((a) => accepts(a, c));
    // How an acknowledgement names a change: by its name, unless an entry by that name would accept
    // another change too (a cluster and its global database replaced together), where the name alone
    // is refused as ambiguous.
    const ackName = (c: ResourceChange) => {
        const { action } = c;
        if (action === "create") return c.name;
        return input.changes.some((x) => x.urn !== c.urn && accepts({ resource: c.name, action, reason: "" }, x)) ? c.urn : c.name;
    };

    for (const c of input.changes) {
        const head = index.byUrn.get(c.urn);
        const base = baseOf(c.urn);
        if (c.action === "replace" && head) {
            const field = nameField(c.type);
            const name = field ? head.inputs[field] : undefined;
            const freed =
                [field, ...(NAME_SCOPES[c.type] ?? [])].some((f) => f && c.inputs.some((p) => p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`))) ||
                // A name unique per region is free in the region the resource moves to.
                (c.inputs.includes("region") && UNIQUE_NAMES.some((u) => u.scope === "region" && u.types.includes(c.type)));
            // retainOnDelete: the engine never deletes the old one, not even before its replacement
            // (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/), so it keeps the name.
            const kept = base?.options.retainOnDelete === true;
            if (field && typeof name === "string" && (!c.deleteBeforeReplace || kept) && !REVISIONED.has(c.type) && !freed) {
                report(
                    "day-two-fixed-name",
                    c.urn,
                    kept && c.deleteBeforeReplace
                        ? `replacing it (${c.inputs.join(", ")}) creates the new one as ${field} "${name}", which the old one keeps: it is retainOnDelete, so the engine leaves it in AWS instead of deleting it first, and AWS refuses the new one as already existing. Change ${field} too, or delete the old one outside the stack before this deploy`
                        : `replacing it (${c.inputs.join(", ")}) creates the new one as ${field} "${name}" while the old one still holds that name: AWS refuses it as already existing. Set deleteBeforeReplace on it, or change ${field} too`,
                );
            }
        }
        // The engine replaces a protected resource only when its old or its new goal is unprotected
        // (pulumi/pulumi#8873), and deletes one only when its state is unprotected. An acknowledgement
        // says the operator lifts the guard outside the program before this deploy.
        const engineRefuses = c.action === "replace" ? head?.options.protect && base?.options.protect : base?.options.protect;
        if ((c.action === "replace" || c.action === "delete") && engineRefuses && !acknowledged(c)) {
            report(
                "day-two-protected",
                c.urn,
                `it is protected: the engine refuses to ${c.action} it (https://www.pulumi.com/docs/iac/concepts/options/protect/). If that is meant, run pulumi state unprotect '${c.urn}' before this deploy and say so in platform:acknowledge: [{ resource: ${ackName(c)}, action: ${c.action}, reason: <why> }]`,
            );
        }
        const guard = DELETION_PROTECTION[c.type];
        // A retained resource is never deleted by the engine (retainOnDelete): AWS's guard never meets a delete.
        const retained = base?.options.retainOnDelete === true;
        if ((c.action === "replace" || c.action === "delete") && guard && base?.inputs[guard.input] === true && !retained && !acknowledged(c)) {
            report(
                "day-two-deletion-protection",
                c.urn,
                `${c.action === "replace" ? `replacing it (${c.inputs.join(", ")}) ends by deleting the old one` : "deleting it"}, which AWS refuses while ${guard.input} is true (${guard.doc}). Keep the change from replacing it, or turn ${guard.input} off on the running resource before this deploy and say so in platform:acknowledge: [{ resource: ${ackName(c)}, action: ${c.action}, reason: <why> }]`,
            );
        }
        if ((c.action === "replace" || c.action === "delete") && c.stateful && !acknowledged(c)) {
            const what = c.action === "replace" ? `replacing it (${c.inputs.join(", ")}) starts an empty one` : "deleting it";
            // retainOnDelete: the engine drops the old one from the stack without deleting it
            // (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
            const fate = retained
                ? "; the old one stays in AWS outside the stack (retainOnDelete), with its data and its cost, and what still refers to it (its security or subnet group) cannot be deleted"
                : ", and loses what the old one holds";
            // An alias keeps a resource whose URN moved, never one whose region does (the provider replaces it).
            const keep = c.inputs.includes("region")
                ? "It moves to another region, which no resource does in place: keep its region (and aws:region), or accept it"
                : "Give it an alias if it only moved, or accept it";
            report(
                "day-two-stateful",
                c.urn,
                `${what}${fate}. ${keep}: platform:acknowledge: [{ resource: ${ackName(c)}, action: ${c.action}, reason: <how its data is kept> }]`,
            );
        }
        // A replaced VPC or subnet strands what lives in it: AWS refuses to move a DB or cache subnet
        // group, a load balancer or a security group to another VPC in place, and a new subnet whose
        // block overlaps the old one's cannot be created before the old one is deleted.
        if (c.action === "replace" && NETWORK_TYPES.has(c.type)) {
            report(
                "day-two-network-replaced",
                c.urn,
                `replacing it (${c.inputs.join(", ")}) moves everything in the network: AWS refuses to move subnet groups, load balancers and security groups to another VPC (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Subnets), and a subnet overlapping the old one cannot be created beside it (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html); ${c.inputs.includes("region") ? "keep aws:region" : "keep network.cidr and network.azCount"}, or build the new network in a new stack and move the workloads`,
            );
        }
        if (c.action !== "update" || !head || !base) continue;
        if (ENGINE_TYPES.has(c.type) && c.inputs.includes("engineVersion")) {
            const [from, to] = [base.inputs.engineVersion, head.inputs.engineVersion];
            if (compareVersions(to, from) < 0) {
                report(
                    "day-two-engine-downgrade",
                    c.urn,
                    `engineVersion ${String(from)} -> ${String(to)} goes down: RDS only upgrades an engine in place ("Cannot upgrade ... from ${String(from)} to ${String(to)}"); restore a snapshot into a new instance to go back`,
                );
            }
            if (majorVersion(from) !== majorVersion(to) && compareVersions(to, from) > 0 && head.inputs.allowMajorVersionUpgrade !== true) {
                report(
                    "day-two-major-version",
                    c.urn,
                    `engineVersion ${String(from)} -> ${String(to)} is a major version upgrade: RDS refuses it unless allowMajorVersionUpgrade is true`,
                );
            }
        }
        // The provider cannot point a read replica at another source in place ("cannot elect new source
        // database for replication"; terraform-provider-aws resourceInstanceUpdate).
        // The same source under a value only unknown until its replacement exists (a replaced source
        // keeps its identifier) is not another source: the source's own replacement is what to look at.
        if (
            c.type === "aws:rds/instance:Instance" &&
            c.inputs.includes("replicateSourceDb") &&
            typeof head.inputs.replicateSourceDb === "string" &&
            head.inputs.replicateSourceDb !== base.inputs.replicateSourceDb
        ) {
            report(
                "day-two-replica-source",
                c.urn,
                `replicateSourceDb ${String(base.inputs.replicateSourceDb)} -> ${String(head.inputs.replicateSourceDb)}: the provider cannot move a read replica to another source in place; remove the replica in one deploy (readReplica: false) and add it back in the next`,
            );
        }
        // RDS upgrades in-Region read replicas together with their source and cannot upgrade one on its
        // own; a replica moved to a parameter group of the new family in the same deploy still runs the
        // old major, and ModifyDBInstance refuses the group
        // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.html).
        if (c.type === "aws:rds/instance:Instance" && c.inputs.includes("parameterGroupName") && typeof head.inputs.replicateSourceDb === "string") {
            // The source by identifier, or by ARN (which the provider also takes for an in-Region source).
            const source = index
                .of("aws:rds/instance:Instance")
                .find((r) => r.inputs.identifier === head.inputs.replicateSourceDb || r.state.arn === head.inputs.replicateSourceDb);
            const [from, to] = [source && baseOf(source.urn)?.inputs.engineVersion, source?.inputs.engineVersion];
            if (source && from !== undefined && majorVersion(from) !== majorVersion(to)) {
                report(
                    "day-two-replica-upgrade",
                    c.urn,
                    `its source ${source.name} moves from ${String(from)} to ${String(to)} while this read replica is moved to another parameter group: RDS upgrades in-Region replicas together with their source, not on their own, and refuses the new family's group on a replica still running ${majorVersion(from)}. Upgrade without the replica (readReplica: false on the workload; the plan then lists what its deletion needs acknowledged), then turn it back on`,
                );
            }
        }
        // RDS refuses a parameter group of another family than the engine the instance or cluster runs
        // when the group is set ("The parameter group ... with DBParameterGroupFamily aurora-postgresql16
        // can't be used for this instance"). A cluster of a global database does not take its own
        // engineVersion (the program ignores it there): the global database upgrades it, after this update
        // for the primary, which the global database depends on, before it for a secondary, which depends on
        // the global database; a major upgrade sets the members to the new version's default groups and
        // custom groups are applied after it
        // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyGlobalCluster.html).
        const groupInput = PARAMETER_GROUP_INPUTS[c.type];
        if (groupInput && c.inputs.includes(groupInput) && typeof head.inputs.replicateSourceDb !== "string") {
            const group = parameterGroupOf(index, head, groupInput);
            const family = typeof group?.inputs.family === "string" ? group.inputs.family : undefined;
            const globals = index.of("aws:rds/globalCluster:GlobalCluster");
            const upgradedFirst = globals.find(
                (g) => head.dependencies.includes(g.urn) && input.changes.some((x) => x.urn === g.urn && x.inputs.includes("engineVersion")),
            );
            const running = c.inputs.includes("engineVersion") ? head.inputs.engineVersion : (upgradedFirst ?? base).inputs.engineVersion;
            const familyMajor = family ? /(\d+(?:\.\d+)?)$/.exec(family)?.[1] : undefined;
            const global = globals.find(
                (g) => g.dependencies.includes(c.urn) && input.changes.some((x) => x.urn === g.urn && x.inputs.includes("engineVersion")),
            );
            // Once the operator has upgraded the global database, the group's family is the engine's.
            const upgradedOutside = global !== undefined && acknowledged(c);
            if (group && familyMajor && running !== undefined && majorVersion(running) !== familyMajor && !upgradedOutside) {
                report(
                    "day-two-parameter-family",
                    c.urn,
                    global
                        ? `it moves to the parameter group ${group.name} (family ${family}) while it still runs ${String(running)}: its global database ${global.name} upgrades it to ${String(global.inputs.engineVersion)} only after this update, and RDS refuses a group of another family than the engine's. A global database's major upgrade sets its clusters to the new version's default groups, custom ones are applied after it (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyGlobalCluster.html): upgrade the global database first (aws rds modify-global-cluster --global-cluster-identifier ${String(global.inputs.globalClusterIdentifier ?? global.state.id)} --engine-version ${String(global.inputs.engineVersion)} --allow-major-version-upgrade), then deploy this change with pulumi up --refresh, saying so in platform:acknowledge: [{ resource: ${ackName(c)}, action: update, reason: <when the global database was upgraded> }]`
                        : `it moves to the parameter group ${group.name} (family ${family}) while it runs ${String(running)}: RDS refuses a group of another family than the engine's; change engineVersion in the same deploy (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.html)`,
                );
            }
        }
        const storage = c.type === "aws:rds/instance:Instance" ? "allocatedStorage" : c.type === "aws:ebs/volume:Volume" ? "size" : undefined;
        if (storage && c.inputs.includes(storage) && Number(head.inputs[storage]) < Number(base.inputs[storage])) {
            report(
                "day-two-storage-shrink",
                c.urn,
                `${storage} ${String(base.inputs[storage])} -> ${String(head.inputs[storage])} GiB: AWS cannot shrink ${c.type === "aws:ebs/volume:Volume" ? "an EBS volume" : "a DB instance's storage"}; keep the size, or move the data to a new, smaller one`,
            );
        }
    }

    // The engine deletes what the program no longer registers only once the program has run, after
    // every create and replacement (https://github.com/pulumi/pulumi/blob/master/developer-docs/architecture/resource-registration.md):
    // a name such a resource holds is still taken when another resource is created under it.
    const deleted = input.changes.filter((c) => c.action === "delete").map((c) => baseByUrn.get(c.urn)!);
    // A name unique per region is held in the resource's effective region (its own, else its stack's);
    // an account's or the world's (IAM, S3) wherever it is.
    const physicalName = (r: PlannedResource, stackRegion: string | undefined) => {
        const field = nameField(r.type);
        const name = field ? r.inputs[field] : undefined;
        if (typeof name !== "string") return undefined;
        const scope = (NAME_SCOPES[r.type] ?? []).map((f) => JSON.stringify(r.inputs[f] ?? null));
        const uniqueIn = UNIQUE_NAMES.find((u) => u.types.includes(r.type))?.scope;
        const region = uniqueIn === "account" || uniqueIn === "global" ? "" : (effectiveRegion(r, stackRegion) ?? "");
        return [namespaceOf(r.type), region, name, ...scope].join("|");
    };
    const heldByDeleted = new Map(
        deleted.flatMap((r) => {
            const key = r && physicalName(r, input.regions?.base);
            return key ? [[key, r] as const] : [];
        }),
    );
    for (const c of input.changes) {
        const head = index.byUrn.get(c.urn);
        if (!head || (c.action !== "create" && c.action !== "replace") || REVISIONED.has(c.type)) continue;
        const key = physicalName(head, input.regions?.head);
        const holder = key ? heldByDeleted.get(key) : undefined;
        if (!holder) continue;
        const field = nameField(c.type)!;
        report(
            "day-two-name-taken",
            c.urn,
            `it is ${c.action === "create" ? "created" : "re-created"} as ${field} "${String(head.inputs[field])}", which ${holder.name} (${holder.urn}) holds ${holder.options.retainOnDelete ? "for good: it is retainOnDelete, so the engine leaves it in AWS" : "until the engine deletes it, after every create (the engine deletes what the program no longer registers last)"}: AWS refuses it as already existing. If it is the same resource moved, give it an alias to that URN (it is then updated, not created); else remove the old one in a deploy of its own first`,
        );
    }

    // An acknowledgement names a resource of the stack, as the plan prints it.
    const names = [...new Set([...index.resources, ...input.base].flatMap((r) => [r.name, r.urn]))];
    input.acknowledgements.forEach((a, i) => {
        // A name several changed resources share (a cluster and its global cluster, a log group and a
        // secret) would accept them all: the URN says which one is meant.
        const matching = input.changes.filter((c) => accepts(a, c));
        if (!a.resource.startsWith("urn:") && matching.length > 1) {
            report(
                "acknowledge-ambiguous",
                `platform:acknowledge[${i}]`,
                `"${a.resource}" names ${matching.length} resources this change ${{ replace: "replaces", delete: "deletes", update: "updates" }[a.action]}: give the URN of the one meant (${matching.map((c) => c.urn).join(", ")})`,
            );
        }
        if (names.includes(a.resource)) return;
        const stateful = [...new Set(input.changes.filter((c) => c.stateful).map((c) => c.name))];
        const guess = closestKey(a.resource, stateful.length ? stateful : names.filter((n) => !n.startsWith("urn:")));
        report(
            "acknowledge-unknown-resource",
            `platform:acknowledge[${i}]`,
            `no resource of the plan or its baseline is named "${a.resource}"${guess ? `; did you mean "${guess}"?` : ""}`,
        );
    });
}

/** The acknowledgements no change of this plan needs (deployed already, or never meant): to remove. */
export function unusedAcknowledgements(changes: readonly ResourceChange[], acknowledgements: readonly Acknowledgement[]): Acknowledgement[] {
    return acknowledgements.filter((a) => !changes.some((c) => accepts(a, c)));
}
