// The shared reader of the readiness checks: the plan indexed by type, parent and dependency, and IAM statements.
import { PlannedResource } from "../mocks";
import { iamPattern } from "../../policy/kit";

/** One reason `pulumi up` would fail. */
export interface ReadinessProblem {
    check: string;
    urn: string;
    message: string;
}

export type Report = (check: string, urn: string, message: string) => void;

export const T = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    policy: "aws:iam/policy:Policy",
    instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    instance: "aws:ec2/instance:Instance",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    sgRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    listeners: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    rules: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
    targetGroups: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
    loadBalancers: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketObject: "aws:s3/bucketObjectv2:BucketObjectv2",
} as const;

export class PlanIndex {
    readonly byUrn = new Map<string, PlannedResource>();
    private readonly byType = new Map<string, PlannedResource[]>();
    private readonly children = new Map<string, PlannedResource[]>();
    private readonly closure = new Map<string, Set<string>>();

    constructor(readonly resources: PlannedResource[]) {
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
            if (r.parent) this.children.set(r.parent, [...(this.children.get(r.parent) ?? []), r]);
        }
    }

    of(...types: string[]): PlannedResource[] {
        return types.flatMap((t) => this.byType.get(t) ?? []);
    }

    /** The resource whose provider ID or ARN is `value`. */
    byIdOrArn(value: unknown, ...types: string[]): PlannedResource | undefined {
        if (typeof value !== "string") return undefined;
        return this.of(...types).find((r) => r.state.id === value || r.state.arn === value);
    }

    /**
     * Everything `r` waits for before it is created: its dependencies, theirs, and so on; a
     * dependency on a component waits for all of the component's descendants (Pulumi's rule).
     */
    waitsFor(r: PlannedResource): Set<string> {
        const cached = this.closure.get(r.urn);
        if (cached) return cached;
        const seen = new Set<string>();
        const stack = [...r.dependencies];
        while (stack.length > 0) {
            const urn = stack.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            const dep = this.byUrn.get(urn);
            if (!dep) continue;
            stack.push(...dep.dependencies);
            if (!dep.custom) stack.push(...(this.children.get(urn) ?? []).map((c) => c.urn));
        }
        this.closure.set(r.urn, seen);
        return seen;
    }

    /** The top-level component a resource belongs to (its workload, or the network). */
    root(r: PlannedResource): string {
        let current = r;
        while (current.parent && this.byUrn.has(current.parent)) current = this.byUrn.get(current.parent)!;
        return current.urn;
    }

    /** Every IAM statement attached to a role (inline, role policies, attached customer or known managed policies). */
    statementsOf(role: PlannedResource): { statements: Statement[]; sources: PlannedResource[] } {
        const roleName = role.state.id;
        const statements: Statement[] = [];
        const sources: PlannedResource[] = [];
        for (const inline of asArray(role.inputs.inlinePolicies)) statements.push(...parseStatements((inline as Record<string, unknown>).policy));
        for (const p of this.of(T.rolePolicy).filter((p) => p.inputs.role === roleName || p.inputs.role === role.state.arn)) {
            statements.push(...parseStatements(p.inputs.policy));
            sources.push(p);
        }
        const attached = [
            ...asArray(role.inputs.managedPolicyArns),
            ...this.of(T.attachment)
                .filter((a) => a.inputs.role === roleName || a.inputs.role === role.state.arn)
                .map((a) => {
                    sources.push(a);
                    return a.inputs.policyArn;
                }),
        ];
        for (const arn of attached) {
            const customer = this.byIdOrArn(arn, T.policy);
            if (customer) statements.push(...parseStatements(customer.inputs.policy));
            else statements.push(...(MANAGED_POLICIES[String(arn)] ?? []));
        }
        return { statements, sources };
    }
}

/** The workload (topology component) a resource sits under, through its parents. */
export function workloadComponent(r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): PlannedResource | undefined {
    for (let at: PlannedResource | undefined = r; at; at = at.parent ? byUrn.get(at.parent) : undefined)
        if (at.type.startsWith("platform:topologies:")) return at;
    return undefined;
}

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

export interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: string | Record<string, unknown>;
    /** `{ operator: { key: value | values } }`, as IAM writes it. */
    Condition?: Record<string, Record<string, unknown>>;
}

export function parseStatements(policy: unknown): Statement[] {
    if (typeof policy !== "string" || policy.startsWith("[")) return [];
    try {
        const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
        return asArray(doc.Statement) as Statement[];
    } catch {
        return [];
    }
}

/**
 * AWS-managed policies the program may attach, reduced to what the checks ask of them.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryReadOnly.html
 */
/** Log in to ECR and read image layers: what both managed policies below grant for pulling. */
export const ECR_READ_ACTIONS = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"];

export const MANAGED_POLICIES: Record<string, Statement[]> = {
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy": [
        {
            Effect: "Allow",
            Action: [...ECR_READ_ACTIONS, "logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: "*",
        },
    ],
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly": [
        {
            Effect: "Allow",
            Action: [...ECR_READ_ACTIONS, "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetRepositoryPolicy", "ecr:ListImages"],
            Resource: "*",
        },
    ],
};

const glob = (pattern: string, value: string, ignoreCase: boolean) => iamPattern(pattern, ignoreCase).test(value);

/** Whether the statements allow `action` on `resource` (an explicit deny wins; conditions are taken as met). */
export function allows(statements: Statement[], action: string, resource: string): boolean {
    const matches = (s: Statement) => {
        const actionOk =
            s.Action !== undefined
                ? asArray(s.Action).some((a) => glob(String(a), action, true))
                : !asArray(s.NotAction).some((a) => glob(String(a), action, true));
        const resourceOk =
            s.Resource !== undefined
                ? asArray(s.Resource).some((r) => glob(String(r), resource, false))
                : !asArray(s.NotResource).some((r) => glob(String(r), resource, false));
        return actionOk && resourceOk;
    };
    if (statements.some((s) => s.Effect === "Deny" && matches(s))) return false;
    return statements.some((s) => (s.Effect ?? "Allow") === "Allow" && matches(s));
}

/** Every target group ARN a listener or rule forwards to. */
export function forwardedTargetGroups(r: PlannedResource): string[] {
    const actions = [...asArray(r.inputs.defaultActions), ...asArray(r.inputs.actions)] as Record<string, unknown>[];
    return actions.flatMap((a) => [
        ...(typeof a.targetGroupArn === "string" ? [a.targetGroupArn] : []),
        ...asArray((a.forward as Record<string, unknown> | undefined)?.targetGroups).map((t) => String((t as Record<string, unknown>).arn)),
    ]);
}

/** The region a resource lives in: its `region` input, or the stack's. */
export const regionOf = (r: PlannedResource, stackRegion: string): string => (typeof r.inputs.region === "string" ? r.inputs.region : stackRegion);

/**
 * The copy in region `at` of a Secrets Manager secret the plan holds, read there by `arn`: the secret
 * itself where it lives, or its replica there (which keeps the primary's ARN with its own region),
 * with the key that encrypts that copy as the plan gives it (`kmsKeyId`, the replica's own for a
 * replica; absent: Secrets Manager's AWS managed key of that region). `undefined` for a secret the
 * plan does not hold there.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html
 */
export function plannedSecretCopy(index: PlanIndex, stackRegion: string, arn: string, at: string): { secret: PlannedResource; kmsKeyId: unknown } | undefined {
    for (const secret of index.of("aws:secretsmanager/secret:Secret")) {
        if (!secret.state.arn) continue;
        const home = regionOf(secret, stackRegion);
        if (home === at) {
            if (secret.state.arn === arn) return { secret, kmsKeyId: secret.inputs.kmsKeyId };
            continue;
        }
        if (secret.state.arn.replace(`:secretsmanager:${home}:`, `:secretsmanager:${at}:`) !== arn) continue;
        const replica = asArray(secret.inputs.replicas).find((r) => (r as Record<string, unknown>).region === at) as Record<string, unknown> | undefined;
        if (replica) return { secret, kmsKeyId: replica.kmsKeyId };
    }
    return undefined;
}
