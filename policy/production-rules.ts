import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    Props,
    ROLE,
    SECURITY_GROUP,
    SG_RULES,
    allows,
    cidrsOf,
    dependsOn,
    forwardsRequests,
    isIngressRule,
    list,
    ofType,
    plainHttpListeners,
    rule,
    rulesOf,
    sid,
    stackRule,
    statementsOf,
    workloadOf,
} from "./kit";
import { secretName, secretValue } from "./workload-rules";
import { gunzipSync } from "zlib";

/**
 * Production guarantees of the documented systems that a review found the pack letting through:
 * mutable image tags, secrets deleted without a recovery window, service trust open to any
 * account's resources, secrets in user data in forms other than `NAME=value`, databases that
 * export no logs, data stores reachable from outside their workload, load balancers that
 * forward plain HTTP, and a Cloudflare zone that leaves its origin exposed. Each rule is mandatory in production and silent elsewhere.
 */

/** Days a deleted production secret stays recoverable at least (AWS allows 7 to 30; 0 deletes at once). */
export const MIN_SECRET_RECOVERY_DAYS = 7;

/**
 * Service principals that do not send `aws:SourceAccount`/`aws:SourceArn` when they assume a role,
 * so a trust condition on them cannot be asked for: EC2 assumes an instance profile's role for the
 * instance, not for a resource of an account (prowler-cloud/prowler#2810).
 */
export const SERVICES_WITHOUT_SOURCE_KEYS = ["ec2.amazonaws.com"];

const REPOSITORY = "aws:ecr/repository:Repository";
const SECRET = "aws:secretsmanager/secret:Secret";
const INSTANCE = "aws:ec2/instance:Instance";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const CLOUDFLARE = {
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    ruleset: "cloudflare:index/ruleset:Ruleset",
    originPulls: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
};
/** The Cloudflare Managed Ruleset's global ID (https://developers.cloudflare.com/waf/managed-rules/reference/cloudflare-managed-ruleset/). */
const CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee";
/** Resources that hold a workload's data behind security groups. */
const DATA_STORES = [RDS_INSTANCE, RDS_CLUSTER, "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"];

/** Whether a condition block scopes a service's trust with `aws:SourceAccount`/`aws:SourceArn` to concrete values. */
export function scopedBySource(condition: Record<string, Record<string, unknown>> | undefined): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        // `...IfExists` passes when the service sends no key, `Null` only tests presence, set operators test any value.
        if (/IfExists$/.test(operator) || operator === "Null" || /^ForAnyValue:|^ForAllValues:/.test(operator) || /^StringNot|^ArnNot/.test(operator)) continue;
        for (const [key, value] of Object.entries(keys ?? {})) {
            if (!["aws:sourceaccount", "aws:sourcearn"].includes(key.toLowerCase())) continue;
            const values = list(value as string | string[]);
            if (values.length > 0 && values.every((v) => typeof v === "string" && /\d{12}/.test(v) && !/^arn:[^:]*:[^:]*:[^:]*:\*/.test(v))) return true;
        }
    }
    return false;
}

/** User data as text: plain `userData`, base64 `userDataBase64` (and a launch template's `userData`), gzip-compressed or not. */
export function userDataOf(type: string, p: Props): string {
    const decode = (encoded: unknown): string => {
        if (typeof encoded !== "string") return "";
        const bytes = Buffer.from(encoded, "base64");
        try {
            return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
        } catch {
            return bytes.toString("utf8");
        }
    };
    const plain = type === INSTANCE && typeof p.userData === "string" ? p.userData : "";
    return plain + decode(type === LAUNCH_TEMPLATE ? p.userData : p.userDataBase64);
}

/** A literal: not a shell variable, a command substitution, a template placeholder or an empty value. */
const literal = (value: string) => value !== "" && !/^[$`{(<]|^\$\(|^\{\{|^null$|^""$|^''$/.test(value);

/**
 * Secrets in user data in every form a host script or cloud-config carries them: `NAME=value`
 * (any position), YAML `name: value` and JSON `"name": "value"` pairs, `--password value` flags,
 * and values that are credentials whatever their name.
 */
export function userDataSecrets(text: string): string[] {
    const found = new Set<string>();
    for (const line of text.split("\n")) {
        const unquote = (v: string) => v.trim().replace(/^["']|["',]+$/g, "");
        for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|]+)/g)) if (secretName(m[1]) && literal(unquote(m[2]))) found.add(m[1]);
        const pair = /^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*:\s+(.+?)\s*$/.exec(line);
        if (pair && secretName(pair[1].replace(/[.-]/g, "_")) && literal(unquote(pair[2])) && !/^[|>]/.test(pair[2])) found.add(pair[1]);
        for (const m of line.matchAll(/(?:^|\s)--?([A-Za-z][A-Za-z0-9-]*)(?:=|\s+)("[^"]*"|'[^']*'|[^\s-][^\s]*)/g))
            if (secretName(m[1].replace(/-/g, "_")) && literal(unquote(m[2]))) found.add(`--${m[1]}`);
        for (const m of line.matchAll(/"([A-Za-z_][A-Za-z0-9_.-]*)"\s*:\s*"([^"]*)"/g))
            if (secretName(m[1].replace(/[.-]/g, "_")) && literal(m[2])) found.add(m[1]);
        if (line.split(/[\s"'=:,]+/).some(secretValue)) found.add("a credential");
    }
    return [...found];
}

export const productionResourcePolicies: ResourceValidationPolicy[] = [
    rule(
        "ecr-immutable-tags-production",
        "Production image repositories keep tags immutable (IMMUTABLE, no exclusions), so a deployed tag always means the same image.",
        "mandatory",
        [REPOSITORY],
        (p, report) => {
            if (p.imageTagMutability !== "IMMUTABLE") report(`imageTagMutability is ${p.imageTagMutability ?? "MUTABLE (the default)"}`);
        },
        { production: true },
    ),
    rule(
        "secrets-recovery-window-production",
        `Production secrets keep a recovery window of at least ${MIN_SECRET_RECOVERY_DAYS} days (AWS's default is 30), so an accidental delete can be undone.`,
        "mandatory",
        [SECRET],
        (p, report) => {
            const days = p.recoveryWindowInDays;
            if (typeof days === "number" && days < MIN_SECRET_RECOVERY_DAYS)
                report(`recoveryWindowInDays is ${days}${days === 0 ? " (deleted at once)" : ""}; at least ${MIN_SECRET_RECOVERY_DAYS}`);
        },
        { production: true },
    ),
    rule(
        "iam-service-trust-scoped-production",
        `In production, every role an AWS service assumes scopes its trust with aws:SourceAccount or aws:SourceArn (confused deputy), under a strict operator and a concrete account; services that send neither (${SERVICES_WITHOUT_SOURCE_KEYS.join(", ")}) are exempt.`,
        "mandatory",
        [ROLE],
        (p, report) => {
            for (const s of statementsOf(p.assumeRolePolicy)) {
                const services = list((s.Principal as { Service?: string | string[] } | undefined)?.Service).filter(
                    (x) => typeof x === "string" && !SERVICES_WITHOUT_SOURCE_KEYS.includes(x),
                );
                if (allows(s) && services.length > 0 && !scopedBySource(s.Condition))
                    report(`statement ${sid(s)} trusts ${services.join(", ")} without an aws:SourceAccount/aws:SourceArn condition naming the account`);
            }
        },
        { production: true },
    ),
    rule(
        "ec2-user-data-secrets-production",
        "Production user data carries no secret in any form (shell assignments anywhere on a line, YAML or JSON pairs, --password-style flags, credential-shaped values), plain, base64 or gzip: hosts read secrets from Secrets Manager at boot.",
        "mandatory",
        [INSTANCE, LAUNCH_TEMPLATE],
        (p, report, args) => {
            for (const found of userDataSecrets(userDataOf(args.type, p))) report(`user data carries ${found}`);
        },
        { production: true },
    ),
    rule(
        "rds-log-exports-production",
        "Production RDS instances and clusters export their engine log to CloudWatch Logs (PostgreSQL: `postgresql`), the trail of connections, errors and slow statements. A global database's secondary cluster, which runs no writes, is exempt.",
        "mandatory",
        [RDS_INSTANCE, RDS_CLUSTER],
        (p, report, args) => {
            const secondary = args.type === RDS_CLUSTER && "globalClusterIdentifier" in p && !("masterUsername" in p) && !("masterPassword" in p);
            if (secondary || !("enabledCloudwatchLogsExports" in p || "engine" in p)) return;
            const exports = list(p.enabledCloudwatchLogsExports as string[]);
            // The engine's own log: PostgreSQL's `postgresql`; MySQL, MariaDB and SQL Server's `error`; Oracle's `alert`.
            const main = typeof p.engine === "string" && p.engine.includes("postgres") ? ["postgresql"] : ["postgresql", "error", "alert"];
            if (exports.length === 0) report("enabledCloudwatchLogsExports is empty: the database's logs stay on the instance");
            else if (!exports.some((log) => main.includes(log))) report(`exports ${exports.join(", ")} but not the engine's own log (${main.join(" or ")})`);
        },
        { production: true },
    ),
];

/**
 * The security group IDs the plan knows, resolved to their groups: a group's ID is the
 * `securityGroupId` every rule attached to it carries (each such rule depends on the group).
 */
function groupIds(resources: PolicyResource[]): Map<string, PolicyResource> {
    const groups = ofType(resources, [SECURITY_GROUP]);
    const candidates = new Map<string, PolicyResource[]>();
    for (const r of ofType(resources, SG_RULES)) {
        const id = r.props.securityGroupId;
        if (typeof id !== "string") continue;
        const attached = groups.filter((g) => dependsOn(r, g));
        const before = candidates.get(id);
        candidates.set(id, before ? before.filter((g) => attached.includes(g)) : attached);
    }
    return new Map([...candidates].filter(([, gs]) => gs.length === 1).map(([id, gs]) => [id, gs[0]]));
}

/** The groups and addresses an ingress rule (standalone, or inline on a group) admits. */
function sourcesOf(r: Props): { groupIds: string[]; addresses: string[] } {
    return {
        groupIds: [r.referencedSecurityGroupId, r.sourceSecurityGroupId, ...list(r.securityGroups as string[])].filter(
            (x): x is string => typeof x === "string",
        ),
        addresses: [...cidrsOf(r), ...list(r.prefixListIds as string[]), r.prefixListId].filter((x): x is string => typeof x === "string"),
    };
}

export const productionStackPolicies: StackValidationPolicy[] = [
    stackRule(
        "data-store-ingress-own-workload-production",
        "In production a database's or cache's security groups admit only security groups of the workload that owns it: no address ranges or prefix lists, no group of another workload, none outside the stack.",
        "mandatory",
        ({ resources }, report) => {
            const groups = ofType(resources, [SECURITY_GROUP]);
            const ids = groupIds(resources);
            for (const store of ofType(resources, DATA_STORES)) {
                const owner = workloadOf(store);
                const storeGroups = groups.filter((g) => dependsOn(store, g));
                const foreign = (source: PolicyResource | undefined) => !source || workloadOf(source) !== owner;
                for (const group of storeGroups) {
                    const ingress = [
                        ...ofType(resources, SG_RULES)
                            .filter((r) => isIngressRule(r.type, r.props) && dependsOn(r, group) && (ids.get(r.props.securityGroupId) ?? group) === group)
                            .map((r) => ({ where: r.name, urn: r.urn, props: r.props, deps: groups.filter((g) => g !== group && dependsOn(r, g)) })),
                        ...list(group.props.ingress as Props[]).map((props) => ({
                            where: `${group.name} (inline)`,
                            urn: group.urn,
                            props,
                            deps: groups.filter((g) => g !== group && dependsOn(group, g)),
                        })),
                    ];
                    for (const { where, urn, props, deps } of ingress) {
                        const { groupIds: referenced, addresses } = sourcesOf(props);
                        if (addresses.length > 0)
                            report(`${where} admits ${addresses.join(", ")} to ${store.name}: only its workload's security groups may reach it`, urn);
                        const sources = [...deps, ...referenced.map((id) => ids.get(id))];
                        if (referenced.length > 0 && deps.length === 0 && referenced.every((id) => !ids.has(id)))
                            report(`${where} admits ${referenced.join(", ")}, a group outside the stack, to ${store.name}`, urn);
                        else if (sources.some((s) => s !== undefined && foreign(s)))
                            report(
                                `${where} admits ${sources
                                    .filter((s) => s && foreign(s))
                                    .map((s) => s!.name)
                                    .join(", ")} of another workload to ${store.name}`,
                                urn,
                            );
                    }
                }
            }
        },
        { production: true },
    ),
    stackRule(
        "cloudflare-zone-protected-production",
        "In production a Cloudflare zone that publishes an origin proxies its records (the origin's address stays hidden and every request passes the WAF), runs the Cloudflare Managed Ruleset, rate-limits clients and has authenticated origin pulls on.",
        "mandatory",
        ({ resources }, report) => {
            const zones = new Map<string, PolicyResource[]>();
            for (const r of ofType(resources, [CLOUDFLARE.dnsRecord]))
                if (["A", "AAAA", "CNAME"].includes(r.props.type) && typeof r.props.zoneId === "string")
                    zones.set(r.props.zoneId, [...(zones.get(r.props.zoneId) ?? []), r]);
            const ofZone = (type: string, zoneId: string) => ofType(resources, [type]).filter((r) => r.props.zoneId === zoneId);
            const enabledRules = (ruleset: PolicyResource) => list(ruleset.props.rules as Props[]).filter((x) => x.enabled !== false);
            for (const [zoneId, records] of zones) {
                for (const record of records)
                    if (record.props.proxied !== true)
                        report(
                            `record ${record.props.name} (${record.name}) is not proxied: it publishes the origin's address and bypasses the WAF`,
                            record.urn,
                        );
                const rulesets = ofZone(CLOUDFLARE.ruleset, zoneId);
                const managed = rulesets
                    .filter((r) => r.props.phase === "http_request_firewall_managed")
                    .some((r) => enabledRules(r).some((x) => x.action === "execute" && x.actionParameters?.id === CLOUDFLARE_MANAGED_RULESET));
                if (!managed) report(`zone ${zoneId} runs no Cloudflare Managed Ruleset`, records[0].urn);
                const limited = rulesets.filter((r) => r.props.phase === "http_ratelimit").some((r) => enabledRules(r).some((x) => x.ratelimit));
                if (!limited) report(`zone ${zoneId} has no rate-limiting rule`, records[0].urn);
                if (!ofZone(CLOUDFLARE.originPulls, zoneId).some((x) => x.props.enabled === true))
                    report(`zone ${zoneId} has authenticated origin pulls off: any Cloudflare account's requests reach the origin`, records[0].urn);
            }
        },
        { production: true },
    ),
    stackRule(
        "lb-no-plaintext-forwarding-production",
        "In production no load balancer listener forwards plain HTTP, internal ones included: HTTP listeners and their rules only redirect (or answer fixed responses).",
        "mandatory",
        ({ resources }, report) => {
            for (const { listener, balancer } of plainHttpListeners(resources)) {
                if (!balancer || (balancer.props.loadBalancerType ?? "application") !== "application") continue;
                if (forwardsRequests(listener.props.defaultActions))
                    report(`listener ${listener.name} forwards plain HTTP on port ${listener.props.port}`, listener.urn);
                for (const r of rulesOf(resources, listener))
                    if (forwardsRequests(r.props.actions)) report(`listener rule ${r.name} forwards plain HTTP on port ${listener.props.port}`, r.urn);
            }
        },
        { production: true },
    ),
];
