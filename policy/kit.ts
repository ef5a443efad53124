import type {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/**
 * What every rule file of the pack shares: the rule constructors, the resource-type groups and
 * the readers of policy documents, container definitions and CIDRs.
 *
 * Values unknown at preview (outputs of resources not yet created) arrive as `undefined`: every
 * rule checks what is known and is silent about the rest, so presence is tested with `in` and a
 * missing JSON document is skipped rather than reported.
 */

/** Environment-dependent rules read `environment` from their policy config. */
export interface PolicyConfig {
    environment?: "staging" | "production";
}

export const ENVIRONMENT_SCHEMA: PolicyConfigSchema = {
    properties: { environment: { type: "string", enum: ["staging", "production"] } },
};

// What the policy SDK hands a rule: the resource's inputs, untyped JSON of any resource type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;
type Check = (props: Props, report: ReportViolation, args: ResourceValidationArgs) => void;

/** A resource rule over one or more type tokens; `production` rules do nothing elsewhere. */
export function rule(
    name: string,
    description: string,
    level: "mandatory" | "advisory",
    types: string[],
    check: Check,
    options: { production?: boolean } = {},
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: level,
        ...(options.production ? { configSchema: ENVIRONMENT_SCHEMA } : {}),
        validateResource: (args, report) => {
            if (!types.includes(args.type)) return;
            if (options.production && args.getConfig<PolicyConfig>().environment !== "production") return;
            check(args.props, report, args);
        },
    };
}

/** A rule over the whole stack, for relations between resources (through their dependencies). */
export function stackRule(
    name: string,
    description: string,
    level: "mandatory" | "advisory",
    check: (args: StackValidationArgs, report: ReportViolation) => void,
    options: { production?: boolean } = {},
): StackValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: level,
        ...(options.production ? { configSchema: ENVIRONMENT_SCHEMA } : {}),
        validateStack: (args, report) => {
            if (options.production && args.getConfig<PolicyConfig>().environment !== "production") return;
            check(args, report);
        },
    };
}

export const LB = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
export const LISTENER = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
export const LISTENER_RULE = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];
export const SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup";
export const SG_RULES = [
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
];
export const IAM_POLICIES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"];
export const ROLE = "aws:iam/role:Role";
/** Resources whose `policy` grants other principals access to them. */
export const RESOURCE_POLICIES = [
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:s3/bucketPolicy:BucketPolicy",
    // The same documents given inline on the resource itself.
    "aws:sqs/queue:Queue",
    "aws:sns/topic:Topic",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
];
export const KMS_POLICIES = ["aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"];
export const BUCKETS = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
export const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

export function parseJson<T>(value: unknown): T | undefined {
    if (typeof value !== "string") return undefined;
    try {
        return JSON.parse(value) as T;
    } catch {
        return undefined;
    }
}

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}
export function statementsOf(policy: unknown): Statement[] {
    const doc =
        typeof policy === "string"
            ? parseJson<{ Statement?: Statement | Statement[] }>(policy)
            : (policy as { Statement?: Statement | Statement[] } | undefined);
    if (!doc?.Statement) return [];
    return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}
/** The identity-policy documents a resource carries: `policy`, or a role's `inlinePolicies`. */
export function identityStatements(type: string, props: Props): Statement[] {
    if (type === ROLE) return list(props.inlinePolicies as Props[]).flatMap((p) => statementsOf(p?.policy));
    return statementsOf(props.policy);
}
const iamPatterns = new Map<string, RegExp>();
/**
 * An IAM pattern (`*` any run of characters, `?` one) as a regular expression, compiled once per
 * pattern: the rules and the readiness checks match thousands of actions and ARNs against a few
 * hundred patterns. Actions compare case-insensitively (`ignoreCase`), ARNs exactly.
 */
export function iamPattern(pattern: string, ignoreCase = false): RegExp {
    const key = `${ignoreCase ? "i" : "s"}${pattern}`;
    let compiled = iamPatterns.get(key);
    if (!compiled) {
        const source = pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".");
        compiled = new RegExp(`^${source}$`, ignoreCase ? "i" : "");
        iamPatterns.set(key, compiled);
    }
    return compiled;
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
export const allows = (s: Statement) => (s.Effect ?? "Allow") === "Allow";
export const sid = (s: Statement) => s.Sid ?? "(no Sid)";
/** The AWS principals (ARNs or account IDs) a statement names; `*` for everyone. */
export function awsPrincipals(principal: unknown): string[] {
    if (principal === "*") return ["*"];
    if (typeof principal !== "object" || principal === null) return [];
    return list((principal as Record<string, unknown>).AWS as string | string[]).filter((p): p is string => typeof p === "string");
}
export const isEveryone = (principal: unknown) => awsPrincipals(principal).includes("*");

/**
 * Condition keys that narrow a statement to known callers: the source resource or account, the
 * caller's organization or account, a VPC endpoint. A condition on anything else (a user agent, the
 * transport) restricts no one.
 */
const RESTRICTING_KEYS = [
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "kms:calleraccount",
];
/** Whether a condition block restricts the principal: a restricting key, tested strictly, with concrete values. */
export function restrictsPrincipal(condition: Statement["Condition"]): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        // `...IfExists` passes when the key is absent; `Null` only tests presence; a negated operator
        // (`StringNotEquals`, `ArnNotLike`, …) in an Allow admits every caller but the ones it names.
        if (/IfExists$/.test(operator) || operator === "Null" || /^ForAnyValue:|^ForAllValues:/.test(operator) || /Not(Equals|Like)/.test(operator)) continue;
        for (const [key, value] of Object.entries(keys ?? {})) {
            const values = list(value as string | string[]);
            const concrete = values.length > 0 && values.every((v) => typeof v === "string" && v !== "" && !/^[*?]+$/.test(v) && !/:\*$/.test(v));
            if (RESTRICTING_KEYS.includes(key.toLowerCase()) && concrete) return true;
        }
    }
    return false;
}

/** The account ID an ARN or a bare principal names, if any. */
export function accountOf(principalOrArn: string): string | undefined {
    if (/^\d{12}$/.test(principalOrArn)) return principalOrArn;
    return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(principalOrArn)?.[1];
}

export interface Container {
    name?: string;
    image?: string;
    privileged?: boolean;
    readonlyRootFilesystem?: boolean;
    logConfiguration?: { logDriver?: string };
    environment?: { name: string; value: string }[];
    command?: string[];
    entryPoint?: string[];
}
export const containersOf = (props: Props) => parseJson<Container[]>(props.containerDefinitions) ?? [];

/** IPv4 ranges this wide are the internet, whatever their exact prefix (0.0.0.0/1 is half of it). */
export function isWorldCidr(cidr: unknown): boolean {
    if (typeof cidr !== "string") return false;
    const [address, bits] = cidr.split("/");
    const prefix = Number(bits);
    if (!Number.isInteger(prefix)) return false;
    return address.includes(":") ? prefix < 16 : prefix < 8;
}
/** The CIDRs a security group rule of any of the three shapes opens. */
export const cidrsOf = (p: Props): string[] =>
    [...list(p.cidrBlocks as string[]), ...list(p.ipv6CidrBlocks as string[]), p.cidrIpv4, p.cidrIpv6].filter(Boolean);
/** Whether a rule (standalone or inline) is ingress. */
export const isIngressRule = (type: string, p: Props) =>
    type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" || (type === "aws:ec2/securityGroupRule:SecurityGroupRule" && p.type === "ingress");
/** Whether a rule covers every port (protocol -1/all, or 0-65535): with protocol -1 AWS ignores the ports given. */
export const allPorts = (p: Props) => ["-1", "all", -1].includes(p.ipProtocol ?? p.protocol) || (p.fromPort === 0 && p.toPort === 65535);

export const dependsOn = (r: PolicyResource, target: PolicyResource) =>
    r.dependencies.some((d) => d.urn === target.urn) || Object.values(r.propertyDependencies ?? {}).some((ds) => ds.some((d) => d.urn === target.urn));
export const ofType = (resources: PolicyResource[], types: string[]) => resources.filter((r) => types.includes(r.type));
/** The topology component a resource belongs to (its `platform:topologies:*` ancestor), if any. */
export function workloadOf(r: PolicyResource | undefined): string | undefined {
    for (let at = r; at; at = at.parent) if (at.type.startsWith("platform:topologies:")) return at.urn;
    return undefined;
}

/** Whether listener actions pass requests on to targets (`forward`, or an `authenticate-*` before one). */
export const forwardsRequests = (actions: unknown) =>
    list(actions as Props[]).some((a) => a?.type === "forward" || (typeof a?.type === "string" && a.type.startsWith("authenticate")));
/** The listener rules attached to a listener (each depends on it through `listenerArn`). */
export const rulesOf = (resources: PolicyResource[], listener: PolicyResource) => ofType(resources, LISTENER_RULE).filter((r) => dependsOn(r, listener));
/** The plain-HTTP listeners of the stack (HTTP is the listener's default protocol), each with the balancer it sits on. */
export const plainHttpListeners = (resources: PolicyResource[]) =>
    ofType(resources, LISTENER)
        .filter((listener) => (listener.props.protocol ?? "HTTP") === "HTTP")
        .map((listener) => ({ listener, balancer: ofType(resources, LB).find((b) => dependsOn(listener, b)) }));
