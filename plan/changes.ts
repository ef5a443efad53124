// What a `pulumi up` does to each resource of a stack deployed from a baseline plan: the engine's matching and the provider's diff.
import { PlannedResource } from "./mocks";
import { forcesReplacement, isStateful, normalisePath } from "./replacement";

/** What `pulumi up` does to one resource, as `pulumi preview` marks it. */
export type ChangeAction = "create" | "update" | "replace" | "delete";

/** One changed resource (the `changes` entries of the plan's JSON, read by the pull-request comment). */
export interface ResourceChange {
    /** The resource's URN in this plan (a deleted resource's: in the baseline). */
    urn: string;
    name: string;
    type: string;
    action: ChangeAction;
    /** Changed input paths (`a.b[0].c`), after the resource's `ignoreChanges`; empty for a create or delete. */
    inputs: string[];
    /** A replacement deletes the old resource first (`-+`), instead of creating the new one first (`+-`). */
    deleteBeforeReplace: boolean;
    /** The resource holds data that replacing or deleting it loses (plan/replacement.ts). */
    stateful: boolean;
}

export interface ResourceDiff {
    /** One entry per changed resource, in the plan's order, deletions last. */
    changes: ResourceChange[];
    /** Resources the baseline knows under another URN, matched through an alias (their own or their parent's). */
    moved: { urn: string; from: string }[];
    /** Resources `pulumi up` leaves as they are. */
    unchanged: number;
    /**
     * Children of a remote component (awsx's VPC) the baseline recorded without them: an older plan
     * engine modelled the component alone. They exist already, so they count as unchanged.
     */
    modelledNow: string[];
    /** URNs created. */
    added: string[];
    /** URNs deleted. */
    removed: string[];
    /** Resources updated or replaced, with the input paths that changed. */
    changed: { urn: string; inputs: string[] }[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The input paths whose values differ, down to the leaves (lists of equal length element by element). */
export function changedPaths(before: unknown, after: unknown, path = "", out: string[] = []): string[] {
    if (same(before, after)) return out;
    if (isObject(before) && isObject(after)) {
        for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) changedPaths(before[key], after[key], path ? `${path}.${key}` : key, out);
    } else if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        before.forEach((item, i) => changedPaths(item, after[i], `${path}[${i}]`, out));
    } else out.push(path);
    return out;
}

const ignoreKey = (p: string) => normalisePath(p.replace(/\[\*\]/g, ""));

/** Whether `ignoreChanges` (Pulumi's property paths) covers `path` or one of its ancestors. */
function ignored(path: string, ignoreChanges: readonly string[]): boolean {
    const p = ignoreKey(path);
    return ignoreChanges.some((i) => {
        const k = ignoreKey(i);
        return p === k || p.startsWith(`${k}.`);
    });
}

const versionParts = (v: unknown) => String(v).split(".").map(Number);
/** -1, 0 or 1 as version `a` is lower than, equal to or higher than `b` (numeric components; a missing one counts as equal). */
export function compareVersions(a: unknown, b: unknown): number {
    const [x, y] = [versionParts(a), versionParts(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return Number.isNaN(x[i] - y[i]) ? 0 : Math.sign(x[i] - y[i]);
    return 0;
}

const RULE_SOURCES = ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"];
const sourceKind = (r: PlannedResource) => RULE_SOURCES.filter((k) => r.inputs[k] !== undefined).join(",");
/** aws_vpc_security_group_{ingress,egress}_rule: its ModifyPlan replaces a rule whose kind of source changes. */
const ruleSourceRule = {
    replaces: (path: string, base: PlannedResource, head: PlannedResource) => RULE_SOURCES.includes(path) && sourceKind(base) !== sourceKind(head),
};

/**
 * The provider's diff rules that depend on the values, which a table of replacing inputs cannot
 * hold: per type, whether a changed path is no change at all (`suppress`) or forces replacement.
 */
/** ElastiCache recreates a group or cluster whose `engineVersion` goes down (see below). */
const cacheDowngradeRule = {
    replaces: (path: string, base: PlannedResource, head: PlannedResource) =>
        path === "engineVersion" && compareVersions(head.inputs.engineVersion, base.inputs.engineVersion) < 0,
};

/** The set-typed inputs of aws_lb (Terraform sets: order means nothing), as sets of their elements. */
const LB_SETS = ["subnets", "subnetMappings", "securityGroups"];
const asSet = (v: unknown) => new Set((Array.isArray(v) ? v : []).map((e) => JSON.stringify(e)));
const topKey = (path: string) => path.split(/[.[]/)[0];
const subsetOf = (a: Set<string>, b: Set<string>) => [...a].every((e) => b.has(e));
/**
 * aws_lb's CustomizeDiff (customizeDiffLoadBalancerALB and ...NLB in terraform-provider-aws): a
 * network load balancer cannot drop or swap subnets, nor gain security groups where it had none or
 * lose them all; an application load balancer moves its subnets in place but replaces subnet
 * mappings that change rather than only grow or shrink.
 */
const loadBalancerRule = {
    suppress: (path: string, base: PlannedResource, head: PlannedResource) => {
        const key = topKey(path);
        if (!LB_SETS.includes(key)) return false;
        const [o, n] = [asSet(base.inputs[key]), asSet(head.inputs[key])];
        return o.size === n.size && subsetOf(o, n);
    },
    replaces: (path: string, base: PlannedResource, head: PlannedResource) => {
        const type = String(head.inputs.loadBalancerType ?? "application");
        const key = topKey(path);
        const [o, n] = [asSet(base.inputs[key]), asSet(head.inputs[key])];
        if (key === "subnetMappings" && (type === "network" || type === "application")) {
            if (n.size === o.size) return true;
            if (n.size < o.size) return type === "network" || !subsetOf(n, o);
            return !subsetOf(o, n);
        }
        if (key === "subnets" && type === "network") return n.size <= o.size;
        if (key === "securityGroups" && type === "network") return (o.size === 0) !== (n.size === 0);
        return false;
    },
};

const CONDITIONAL_RULES: Record<
    string,
    {
        suppress?: (path: string, base: PlannedResource, head: PlannedResource) => boolean;
        replaces?: (path: string, base: PlannedResource, head: PlannedResource) => boolean;
    }
> = {
    // terraform-provider-aws, aws_db_instance `allocated_storage`: its DiffSuppressFunc ignores a smaller
    // configured size while storage autoscaling (`max_allocated_storage`) is above it.
    "aws:rds/instance:Instance": {
        suppress: (path, base, head) =>
            path === "allocatedStorage" &&
            Number(base.inputs.allocatedStorage) > Number(head.inputs.allocatedStorage) &&
            Number(head.inputs.maxAllocatedStorage ?? 0) > Number(head.inputs.allocatedStorage),
    },
    // terraform-provider-aws, aws_elasticache_replication_group and aws_elasticache_cluster:
    // customizeDiffEngineVersionForceNewOnDowngrade recreates the group when `engine_version` goes down.
    "aws:elasticache/replicationGroup:ReplicationGroup": cacheDowngradeRule,
    // aws_instance `user_data_replace_on_change`: with it, a changed user_data (or its base64 form)
    // destroys and recreates the instance instead of updating it with a stop and start.
    "aws:ec2/instance:Instance": {
        replaces: (path, _base, head) => (path === "userData" || path === "userDataBase64") && head.inputs.userDataReplaceOnChange === true,
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ruleSourceRule,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ruleSourceRule,
    "aws:elasticache/cluster:Cluster": cacheDowngradeRule,
    "aws:lb/loadBalancer:LoadBalancer": loadBalancerRule,
    "aws:alb/loadBalancer:LoadBalancer": loadBalancerRule,
};

/** The stack's region (`aws:region`, the default provider's) in the baseline and in this plan. */
export interface StackRegions {
    base: string;
    head: string;
}

/**
 * Types of AWS's global services (IAM, CloudFront, Route 53 but its Resolver and Profiles, whose
 * types take a `region` in @pulumi/aws): not region-aware, so the provider's region is not theirs
 * (https://hashicorp.github.io/terraform-provider-aws/enhanced-region-support/).
 */
const GLOBAL_TYPES = /^aws:(iam|cloudfront)\/|^aws:route53\/(?!resolver|profiles)/;

/**
 * A resource's effective region: its own `region`, else the provider's (the stack's) for a regional
 * type (terraform-provider-aws's enhanced region support; pulumi-aws v7 fills `region` in from the
 * provider's configuration). Undefined for a global or non-AWS type, or when the stack's is unknown.
 */
export const effectiveRegion = (r: PlannedResource, stackRegion: string | undefined): string | undefined =>
    typeof r.inputs.region === "string" ? r.inputs.region : r.type.startsWith("aws:") && !GLOBAL_TYPES.test(r.type) ? stackRegion : undefined;

/**
 * The provider's per-resource `region` (pulumi-aws v7, terraform-provider-aws 6): not in any
 * resource's own schema, injected for all regional ones, and "changing the value of `region` will
 * force resource replacement" (the provider's enhanced region support guide). Unset means the
 * provider's region: with the stacks' regions known, the resource's effective region before and
 * after decides (a new `aws:region` moves every regional resource that sets none: the provider
 * defaults an unset `region` to its own and forces a new resource when that differs from the state's,
 * terraform-provider-aws internal/provider/sdkv2/region.go `defaultRegion`/`forceNewIfRegionChanges`;
 * pulumi-aws's earlier provider-level cascade, pulumi/pulumi-aws#4000, was removed for v7 in #5656;
 * setting the stack's own region is no move). Without them, only a change between two set regions counts.
 */
const regionMoves = (path: string, base: PlannedResource, head: PlannedResource, regions?: StackRegions) =>
    path === "region" &&
    head.type.startsWith("aws:") &&
    (regions
        ? effectiveRegion(base, regions.base) !== effectiveRegion(head, regions.head)
        : typeof base.inputs.region === "string" && typeof head.inputs.region === "string");

/** Whether changing `path` replaces `head`: the provider's table, then its value-dependent rules. */
const replaces = (path: string, base: PlannedResource, head: PlannedResource, regions?: StackRegions) =>
    forcesReplacement(head.type, path) === true ||
    regionMoves(path, base, head, regions) ||
    (CONDITIONAL_RULES[head.type]?.replaces?.(path, base, head) ?? false);

/** The URN a child gets under a parent's alias URN: the engine's rule (a child named after its parent is renamed with it). */
function inheritedAlias(child: PlannedResource, parent: PlannedResource, parentAlias: string): string {
    const [urnStack, project, qualifiedType, ...name] = parentAlias.split("::");
    const aliasName = name.join("::");
    const childName = child.name.startsWith(parent.name) ? aliasName + child.name.slice(parent.name.length) : child.name;
    return `${urnStack}::${project}::${qualifiedType}$${child.type}::${childName}`;
}

/**
 * What a `pulumi up` of `head` does to a stack deployed from `base`, resource by resource: the
 * engine's matching (URN, else an alias, its own or inherited from a renamed parent), each changed
 * input path after `ignoreChanges`, the provider's replacement rules, and replacements carried to
 * the resources whose inputs hold a replaced resource's ID or ARN (unknown until it exists again).
 */
export function diffResources(base: readonly PlannedResource[], head: readonly PlannedResource[], regions?: StackRegions): ResourceDiff {
    const baseByUrn = new Map(base.map((r) => [r.urn, r]));
    const headByUrn = new Map(head.map((r) => [r.urn, r]));
    const aliasCache = new Map<string, string[]>();
    const aliasesOf = (r: PlannedResource): string[] => {
        const cached = aliasCache.get(r.urn);
        if (cached) return cached;
        const parent = r.parent ? headByUrn.get(r.parent) : undefined;
        const own = r.aliases ?? [];
        const inherited = parent ? aliasesOf(parent).map((a) => inheritedAlias(r, parent, a)) : [];
        const all = [...new Set([...own, ...inherited])];
        aliasCache.set(r.urn, all);
        return all;
    };

    const pairs = new Map<string, PlannedResource>(); // head URN -> its baseline resource
    const moved: ResourceDiff["moved"] = [];
    const claimed = new Set<string>();
    for (const r of head) {
        const direct = baseByUrn.get(r.urn);
        if (direct) {
            pairs.set(r.urn, direct);
            claimed.add(direct.urn);
        }
    }
    for (const r of head) {
        if (pairs.has(r.urn)) continue;
        const from = aliasesOf(r).find((a) => baseByUrn.has(a) && !claimed.has(a));
        if (from) {
            pairs.set(r.urn, baseByUrn.get(from)!);
            claimed.add(from);
            moved.push({ urn: r.urn, from });
        }
    }

    // Remote components the baseline recorded without children, and their type chains: a resource
    // under one (or aliased from under one) was there all along, only not modelled then.
    const baseParents = new Set(base.map((b) => b.parent));
    const unmodelled = base.filter((b) => !b.custom && b.type.startsWith("awsx:") && !baseParents.has(b.urn));
    const typeChain = (urn: string) => urn.split("::")[2] ?? "";
    const modelledNow = (r: PlannedResource): boolean => {
        for (let p = r.parent ? headByUrn.get(r.parent) : undefined; p; p = p.parent ? headByUrn.get(p.parent) : undefined) {
            if (unmodelled.some((u) => u.urn === p!.urn)) return true;
        }
        return aliasesOf(r).some((a) => unmodelled.some((u) => typeChain(a).startsWith(`${typeChain(u.urn)}$`)));
    };
    const modelled: string[] = [];

    const byUrn = new Map<string, ResourceChange>();
    const change = (r: PlannedResource, action: ChangeAction, inputs: string[]): ResourceChange => ({
        urn: r.urn,
        name: r.name,
        type: r.type,
        action,
        inputs,
        deleteBeforeReplace: r.options.deleteBeforeReplace,
        stateful: isStateful(r.type),
    });
    const decide = (r: PlannedResource, b: PlannedResource, paths: string[]) => {
        const action: ChangeAction = paths.some((p) => replaces(p, b, r, regions)) ? "replace" : "update";
        byUrn.set(r.urn, change(r, action, paths));
    };
    for (const r of head) {
        const b = pairs.get(r.urn);
        if (!b) {
            if (modelledNow(r)) modelled.push(r.urn);
            else byUrn.set(r.urn, change(r, "create", []));
            continue;
        }
        // A component's inputs go to no provider: only its creation or deletion is a change.
        if (!r.custom) continue;
        const suppress = CONDITIONAL_RULES[r.type]?.suppress;
        const paths = changedPaths(b.inputs, r.inputs).filter(
            (p) => !ignored(p, r.options.ignoreChanges) && !suppress?.(p, b, r) && !(p === "region" && !regionMoves(p, b, r, regions)),
        );
        // The stack's region moved: a regional resource that sets none moves with it.
        if (regions && !paths.includes("region") && regionMoves("region", b, r, regions) && !ignored("region", r.options.ignoreChanges)) paths.push("region");
        if (paths.length > 0) decide(r, b, paths);
    }

    // A replaced resource's ID and ARN are unknown until the new one exists: every input holding them
    // changes too, and replaces its resource where that input forces replacement.
    // Each replaced resource's old ID and ARN, with its URN: an input holds one only when its value
    // came from that resource (its property dependencies, where recorded), not when it merely reads
    // the same (a task definition's ID is its family, which a container may be named too).
    const replacedValues = new Map<string, string>();
    const addReplaced = () => {
        let added = false;
        for (const c of byUrn.values()) {
            const b = c.action === "replace" ? pairs.get(c.urn) : undefined;
            for (const v of b ? [b.state.id, b.state.arn] : []) {
                if (v && v.length >= 6 && !replacedValues.has(v)) {
                    replacedValues.set(v, c.urn);
                    added = true;
                }
            }
        }
        return added;
    };
    const ancestorsOf = (urn: string): string[] => {
        const parent = headByUrn.get(urn)?.parent;
        return parent ? [parent, ...ancestorsOf(parent)] : [];
    };
    const holding = (r: PlannedResource, value: unknown, path: string, out: string[]): string[] => {
        if (typeof value === "string") {
            const from = [...replacedValues].filter(([v]) => value === v || (v.startsWith("arn:") && value.includes(v))).map(([, urn]) => urn);
            const sources = r.propertyDependencies?.[path.split(/[.[]/)[0]];
            // A value taken from a component's output (awsx's VPC for its subnets) names the component.
            const lineage = (urn: string) => [urn, ...ancestorsOf(urn)];
            if (from.length > 0 && (!r.propertyDependencies || from.some((urn) => lineage(urn).some((u) => sources?.includes(u))))) out.push(path);
        } else if (Array.isArray(value)) value.forEach((v, i) => holding(r, v, `${path}[${i}]`, out));
        else if (isObject(value)) for (const [k, v] of Object.entries(value)) holding(r, v, path ? `${path}.${k}` : k, out);
        return out;
    };
    while (addReplaced()) {
        for (const r of head) {
            const b = pairs.get(r.urn);
            const current = byUrn.get(r.urn);
            if (!b || !r.custom || current?.action === "replace") continue;
            const paths = holding(r, r.inputs, "", []).filter((p) => !ignored(p, r.options.ignoreChanges));
            if (paths.length === 0) continue;
            decide(r, b, [...new Set([...(current?.inputs ?? []), ...paths])]);
        }
    }

    const matched = new Set([...pairs.values()].map((b) => b.urn));
    const deleted = base.filter((b) => !matched.has(b.urn)).map((b) => change(b, "delete", []));
    const changes = [...head.map((r) => byUrn.get(r.urn)).filter((c): c is ResourceChange => c !== undefined), ...deleted];
    return {
        changes,
        moved,
        unchanged: head.length - byUrn.size,
        modelledNow: modelled,
        added: changes.filter((c) => c.action === "create").map((c) => c.urn),
        removed: deleted.map((c) => c.urn),
        changed: changes.filter((c) => c.action === "update" || c.action === "replace").map((c) => ({ urn: c.urn, inputs: c.inputs })),
    };
}

/** Pulumi's marker of an action: `+` create, `~` update, `+-` replace (`-+` deleting first), `-` delete. */
export function marker(c: Pick<ResourceChange, "action" | "deleteBeforeReplace">): string {
    return { create: "+", update: "~", replace: c.deleteBeforeReplace ? "-+" : "+-", delete: "-" }[c.action];
}

/** One line counting the changes the way `pulumi preview` ends. */
export function summariseChanges(diff: Pick<ResourceDiff, "changes" | "unchanged"> & { modelledNow?: string[] }): string {
    const n = (a: ChangeAction) => diff.changes.filter((c) => c.action === a).length;
    const modelled = diff.modelledNow?.length ? ` (${diff.modelledNow.length} of them modelled now, not in the baseline's plan)` : "";
    return `${n("create")} to create, ${n("update")} to update, ${n("replace")} to replace, ${n("delete")} to delete, ${diff.unchanged} unchanged${modelled}`;
}
