import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    IAM_POLICIES,
    KMS_POLICIES,
    RESOURCE_POLICIES,
    ROLE,
    Statement,
    TASK_DEFINITION,
    accountOf,
    allows,
    awsPrincipals,
    iamPattern,
    identityStatements,
    isEveryone,
    list,
    ofType,
    restrictsPrincipal,
    rule,
    sid,
    stackRule,
    statementsOf,
    workloadOf,
} from "./kit";

/** Identity policies: standalone documents and the inline policies of roles. */
const IDENTITY = [...IAM_POLICIES, ROLE];

/** Actions that take no resource-level permissions: AWS requires `Resource: "*"` for them (compared case-insensitively, as IAM does). */
export const ACTIONS_WITHOUT_RESOURCES = [
    "ecr:GetAuthorizationToken",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    // With the two above, what the X-Ray daemon needs (AWS's AWSXRayDaemonWriteAccess grants them on "*").
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
    "sts:GetCallerIdentity",
    "logs:DescribeLogGroups",
];

const WITHOUT_RESOURCES = new Set(ACTIONS_WITHOUT_RESOURCES.map((a) => a.toLowerCase()));

/**
 * AWS-managed policies a role may carry: each is scoped to one service's own operation. Anything
 * else AWS manages (AdministratorAccess, PowerUserAccess, every `*FullAccess`) grants far more
 * than a workload needs.
 */
export const ALLOWED_MANAGED_POLICIES = [
    "AmazonSSMManagedInstanceCore",
    "CloudWatchAgentServerPolicy",
    "service-role/AWSDataLifecycleManagerServiceRole",
    "AWSCodeDeployRoleForECS",
    "service-role/AmazonECSTaskExecutionRolePolicy",
    "service-role/AmazonRDSEnhancedMonitoringRole",
    "AmazonECSInfrastructureRolePolicyForLoadBalancers",
];

/**
 * The accounts Elastic Load Balancing writes access logs from, one per region opened before
 * August 2022 (newer regions use the `logdelivery.elasticloadbalancing.amazonaws.com` principal).
 * A bucket policy may grant these `s3:PutObject` and nothing else.
 */
export const ELB_LOG_ACCOUNTS = [
    "127311923021", // us-east-1
    "033677994240", // us-east-2
    "027434742980", // us-west-1
    "797873946194", // us-west-2
    "098369216593", // af-south-1
    "754344448648", // ap-east-1
    "582318560864", // ap-northeast-1
    "600734575887", // ap-northeast-2
    "383597477331", // ap-northeast-3
    "718504428378", // ap-south-1
    "114774131450", // ap-southeast-1
    "783225319266", // ap-southeast-2
    "985666609251", // ca-central-1
    "054676820928", // eu-central-1
    "897822967062", // eu-north-1
    "635631232127", // eu-south-1
    "156460612806", // eu-west-1
    "652711504416", // eu-west-2
    "009996457667", // eu-west-3
    "076674570225", // me-south-1
    "507241528517", // sa-east-1
];

const wildcardAction = (a: string) => a === "*" || /^[a-z0-9*-]+:\*$/i.test(a);

/**
 * Whether an ARN names every resource of its kind in an account (or in every account): a
 * resource part that is only wildcards once the resource type is set aside, `secret:*`,
 * `repository/*`, `arn:aws:s3:::*`. Sub-resources of one named resource (a bucket's objects, a
 * log group's streams) are not account-wide.
 */
export function isAccountWide(arn: string): boolean {
    const parts = arn.split(":");
    if (parts[0] !== "arn") return false;
    // A wildcard spans colons: `arn:*`, `arn:aws:secretsmanager:*` or `arn:aws:sqs:us-east-1:*` match
    // every ARN of the partition, service or region.
    if (parts.length < 6) return /[*?]/.test(parts[parts.length - 1]);
    const [, , service, , account] = parts;
    const resource = parts.slice(5).join(":");
    if (account === "*") return true;
    const wild = (s: string) => /^[*?]*$/.test(s);
    if (service === "s3") return wild(resource.split("/")[0]);
    const typed = /^([A-Za-z0-9-]+)([:/])(.*)$/.exec(resource);
    return wild(typed ? typed[3].split(typed[2])[0] : resource);
}

/**
 * Whether a web-identity trust names its subjects: a `<provider>:sub` key tested strictly (not
 * `…IfExists`, not negated, not `ForAllValues`, which passes without the key) with concrete values.
 * `*`, or GitHub's `repo:*` / `repo:*:…`, lets any repository of any owner assume the role.
 */
function namesSubject(condition: Statement["Condition"]): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        if (/IfExists$/.test(operator) || operator === "Null" || /^ForAllValues:/.test(operator) || /Not(Equals|Like)/.test(operator)) continue;
        for (const [key, value] of Object.entries(keys ?? {})) {
            if (!/:sub$/i.test(key)) continue;
            const values = list(value as string | string[]);
            if (values.length > 0 && values.every((v) => typeof v === "string" && !/^[*?]*$/.test(v) && !/^repo:[*?]/.test(v))) return true;
        }
    }
    return false;
}

export const iamResourcePolicies: ResourceValidationPolicy[] = [
    rule(
        "iam-no-wildcard-action",
        'Identity policies name their actions: never `"*"` nor a whole service (`s3:*`), inline role policies included.',
        "mandatory",
        IDENTITY,
        (p, report, args) => {
            for (const s of identityStatements(args.type, p)) {
                const wild = list(s.Action).filter(wildcardAction);
                if (allows(s) && wild.length) report(`statement ${sid(s)} allows ${wild.join(", ")}`);
            }
        },
    ),
    rule(
        "iam-no-wildcard-resource",
        'Identity policies name resource ARNs: `Resource: "*"` only for actions that take none, and never every resource of a kind (`secret:*`).',
        "mandatory",
        IDENTITY,
        (p, report, args) => {
            for (const s of identityStatements(args.type, p)) {
                if (!allows(s)) continue;
                const resources = list(s.Resource);
                if (resources.includes("*")) {
                    const needArns = list(s.Action).filter((a) => !WITHOUT_RESOURCES.has(String(a).toLowerCase()));
                    if (needArns.length > 0) report(`statement ${sid(s)} grants ${needArns.join(", ")} on "*"`);
                }
                for (const arn of resources.filter((r) => r !== "*" && isAccountWide(r))) report(`statement ${sid(s)} grants every resource of a kind: ${arn}`);
            }
        },
    ),
    rule(
        "iam-no-not-elements",
        "No policy allows through `NotAction`, `NotResource` or `NotPrincipal`: each grants everything it does not name.",
        "mandatory",
        [...IDENTITY, ...RESOURCE_POLICIES, ...KMS_POLICIES],
        (p, report, args) => {
            const statements = [...identityStatements(args.type, p), ...(args.type === ROLE ? statementsOf(p.assumeRolePolicy) : [])];
            for (const s of statements) {
                if (!allows(s)) continue;
                for (const key of ["NotAction", "NotResource", "NotPrincipal"] as const) if (key in s) report(`statement ${sid(s)} allows through ${key}`);
            }
        },
    ),
    rule(
        "iam-managed-policies",
        `Roles carry only narrow AWS-managed policies (${ALLOWED_MANAGED_POLICIES.join(", ")}); their own permissions are written out.`,
        "mandatory",
        [
            ROLE,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:iam/policyAttachment:PolicyAttachment",
            "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        ],
        (p, report) => {
            for (const arn of [p.policyArn, ...list(p.managedPolicyArns as string[])]) {
                const managed = typeof arn === "string" ? /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn) : null;
                if (managed && !ALLOWED_MANAGED_POLICIES.includes(managed[1])) report(`attaches the AWS-managed ${managed[1]}`);
            }
        },
    ),
    rule(
        "iam-trust-services-only",
        "Roles are assumed by AWS services (or a federated identity with a `sub` condition), never by `*`; accounts are checked by iam-no-foreign-accounts.",
        "mandatory",
        [ROLE],
        (p, report) => {
            for (const s of statementsOf(p.assumeRolePolicy)) {
                if (!allows(s)) continue;
                if (isEveryone(s.Principal)) report(`statement ${sid(s)} lets anyone assume the role`);
                const federated = (s.Principal as { Federated?: unknown } | undefined)?.Federated;
                if (federated && !namesSubject(s.Condition)) report(`statement ${sid(s)} trusts ${federated} without a sub condition naming who`);
            }
        },
    ),
    rule(
        "resource-policy-no-open-principal",
        "Queue, topic, bucket, repository, secret and key policies allow `*` only under a condition that names the caller (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, …).",
        "mandatory",
        [...RESOURCE_POLICIES, ...KMS_POLICIES],
        (p, report) => {
            for (const s of statementsOf(p.policy)) {
                if (allows(s) && isEveryone(s.Principal) && !restrictsPrincipal(s.Condition))
                    report(`statement ${sid(s)} allows everyone${s.Condition ? " under a condition that restricts no caller" : ""}`);
            }
        },
    ),
];

/** The stack's own account: the one its identity policies name most often. */
function homeAccount(resources: PolicyResource[]): string | undefined {
    const counts = new Map<string, number>();
    for (const r of ofType(resources, IDENTITY))
        for (const s of identityStatements(r.type, r.props))
            for (const arn of list(s.Resource)) {
                const account = accountOf(arn);
                if (account) counts.set(account, (counts.get(account) ?? 0) + 1);
            }
    return [...counts.entries()].sort(([, a], [, b]) => b - a)[0]?.[0];
}

/** Each statement that grants principals something, with the resource it sits on. */
function grantsOf(r: PolicyResource): Statement[] {
    if (r.type === ROLE) return statementsOf(r.props.assumeRolePolicy);
    if (RESOURCE_POLICIES.includes(r.type) || KMS_POLICIES.includes(r.type)) return statementsOf(r.props.policy);
    return [];
}

/**
 * The workload a resource belongs to, by structure: the topology component it sits under, else a
 * `workload` tag naming one. Names decide nothing: `tickets` never claims `tickets-payments-db`.
 */
function ownerOf(r: PolicyResource, workloads: Map<string, string>): string | undefined {
    const tag = (r.props.tags as Record<string, unknown> | undefined)?.workload;
    return workloadOf(r) ?? (typeof tag === "string" ? workloads.get(tag) : undefined);
}

/**
 * The stack's resources a statement's resource pattern names (or something inside them: `<bucket>/*`,
 * `<log group>:*`), from the known ARNs by owner. A pattern without wildcards is looked up by its
 * prefixes; one with wildcards is matched against the known ARNs that start like it.
 */
function namedBy(pattern: string, owned: Map<string, { owner: string; name: string }>): { owner: string; name: string }[] {
    const wildcard = pattern.search(/[*?]/);
    if (wildcard < 0) {
        const found: { owner: string; name: string }[] = [];
        for (let i = pattern.length; i > 0; i = Math.max(pattern.lastIndexOf("/", i - 1), pattern.lastIndexOf(":", i - 1))) {
            const hit = owned.get(pattern.slice(0, i));
            if (hit) found.push(hit);
        }
        return found;
    }
    const literal = pattern.slice(0, wildcard);
    const re = iamPattern(pattern);
    const found: { owner: string; name: string }[] = [];
    for (const [arn, o] of owned) {
        const candidate = arn.startsWith(literal) || literal.startsWith(arn);
        if (candidate && (re.test(arn) || re.test(`${arn}/x`) || re.test(`${arn}:x`))) found.push(o);
    }
    return found;
}

export const iamStackPolicies: StackValidationPolicy[] = [
    stackRule(
        "iam-no-foreign-accounts",
        "Trust and resource policies name only this stack's account (and the regional Elastic Load Balancing log writer on access-log buckets).",
        "mandatory",
        ({ resources }, report) => {
            const home = homeAccount(resources);
            if (!home) return;
            for (const r of resources) {
                for (const s of grantsOf(r)) {
                    if (!allows(s)) continue;
                    const elbLogWriter = r.type === "aws:s3/bucketPolicy:BucketPolicy" && list(s.Action).every((a) => a === "s3:PutObject");
                    for (const principal of awsPrincipals(s.Principal)) {
                        const account = accountOf(principal);
                        if (!account || account === home || (elbLogWriter && ELB_LOG_ACCOUNTS.includes(account))) continue;
                        report(`${r.name}: statement ${sid(s)} grants account ${account}`, r.urn);
                    }
                }
            }
        },
    ),
    stackRule(
        "iam-own-workload-resources",
        "A workload's roles name only that workload's resources: what a role policy depends on or names belongs to the role's workload (by the component it sits under, or its `workload` tag); resources outside the stack belong to every workload that names them.",
        "mandatory",
        ({ resources }, report) => {
            const workloads = new Map(resources.filter((r) => r.type.startsWith("platform:topologies:")).map((r) => [r.name, r.urn]));
            // Resources of the stack whose ARN is known (deployed ones, in a preview), by owner. An ARN
            // no resource of the stack has is outside it: named in the config of the workload granting it.
            const owned = new Map<string, { owner: string; name: string }>();
            for (const r of resources) {
                const owner = ownerOf(r, workloads);
                if (owner && typeof r.props.arn === "string" && r.props.arn.startsWith("arn:")) owned.set(r.props.arn, { owner, name: r.name });
            }
            for (const policy of ofType(resources, IDENTITY)) {
                const workload = workloadOf(policy);
                if (!workload) continue;
                const foreign = new Set<string>();
                for (const d of policy.dependencies) {
                    const other = ownerOf(d, workloads);
                    if (other && other !== workload) foreign.add(d.name);
                }
                for (const s of identityStatements(policy.type, policy.props))
                    for (const resource of list(s.Resource)) {
                        if (typeof resource !== "string" || resource === "*") continue;
                        for (const o of namedBy(resource, owned)) if (o.owner !== workload) foreign.add(`${resource} (${o.name})`);
                    }
                if (foreign.size) report(`${policy.name} grants resources of another workload: ${[...foreign].join(", ")}`, policy.urn);
            }
        },
    ),
    stackRule(
        "ecs-task-role-per-service",
        "Every task definition has its own task role: two services never share an application identity.",
        "mandatory",
        ({ resources }, report) => {
            const byRole = new Map<string, PolicyResource[]>();
            for (const td of ofType(resources, [TASK_DEFINITION])) {
                const role = td.props.taskRoleArn;
                if (typeof role === "string") byRole.set(role, [...(byRole.get(role) ?? []), td]);
            }
            for (const [role, tds] of byRole)
                if (tds.length > 1) report(`task definitions ${tds.map((t) => t.name).join(", ")} share the task role ${role}`, tds[1].urn);
        },
    ),
];
