import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    LB,
    LISTENER,
    Props,
    SECURITY_GROUP,
    SG_RULES,
    allPorts,
    cidrsOf,
    dependsOn,
    isIngressRule,
    isWorldCidr,
    list,
    ofType,
    rule,
    stackRule,
    workloadOf,
} from "./kit";

/** Only 80 or 443: a rule with protocol -1 opens every port whatever its `fromPort`/`toPort` say. */
const webPort = (p: Props) => !allPorts(p) && p.fromPort === p.toPort && [80, 443].includes(p.fromPort);
const PRIVATE = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./, /^f[cd]/i];
const WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";
const isForbidden = (action: Props) => action.type === "fixed-response" && action.fixedResponse?.statusCode === "403";
const isPublicCidr = (cidr: string) => !isWorldCidr(cidr) && !PRIVATE.some((re) => re.test(cidr));

export const networkResourcePolicies: ResourceValidationPolicy[] = [
    rule(
        "sg-no-world-ingress-inline",
        "Inline security group rules never open ports other than 80/443 to the internet (any range wider than a /8); sg-no-world-ingress admits 80/443 only on a public load balancer's group.",
        "mandatory",
        [SECURITY_GROUP],
        (p, report) => {
            for (const r of list(p.ingress as Props[]))
                if (cidrsOf(r).some(isWorldCidr) && !webPort(r)) report(`ports ${r.fromPort}-${r.toPort} are open to the internet`);
        },
    ),
    rule(
        "sg-no-all-ports-egress",
        "Egress names its ports: no rule lets traffic out on every port and protocol.",
        "mandatory",
        [SECURITY_GROUP, ...SG_RULES],
        (p, report, args) => {
            if (args.type === SECURITY_GROUP) {
                for (const r of list(p.egress as Props[]))
                    if (allPorts(r)) report(`an inline egress rule allows every port to ${cidrsOf(r).join(", ") || "its target"}`);
                return;
            }
            const egress = args.type.includes("EgressRule") || p.type === "egress";
            if (egress && allPorts(p))
                report(`egress on every port to ${cidrsOf(p).join(", ") || p.referencedSecurityGroupId || p.prefixListId || "its target"}`);
        },
    ),
];

/** The security groups a rule resource is attached to or refers to. */
const groupsOf = (r: PolicyResource, groups: PolicyResource[]) => groups.filter((g) => dependsOn(r, g));

export const networkStackPolicies: StackValidationPolicy[] = [
    stackRule(
        "sg-no-world-ingress",
        "Only internet-facing load balancers accept the internet (any range wider than a /8), only on 80 and 443, and never one that is an origin behind a CDN (it admits a prefix list or the CDN's ranges).",
        "mandatory",
        ({ resources }, report) => {
            const groups = ofType(resources, [SECURITY_GROUP]);
            const publicBalancers = ofType(resources, LB).filter((b) => b.props.internal !== true);
            const ingress = ofType(resources, SG_RULES).filter((r) => isIngressRule(r.type, r.props));
            for (const r of ingress) {
                if (!cidrsOf(r.props).some(isWorldCidr)) continue;
                const group = groupsOf(r, groups)[0];
                const balancer = group && publicBalancers.find((b) => dependsOn(b, group));
                // An origin: its group also admits a managed prefix list (CloudFront) or public ranges
                // (Cloudflare), or it is gated on the CDN's secret header (a 403 default action, a web ACL).
                const origin =
                    group !== undefined &&
                    balancer !== undefined &&
                    (ingress.some((o) => o !== r && dependsOn(o, group) && ("prefixListId" in o.props || cidrsOf(o.props).some(isPublicCidr))) ||
                        ofType(resources, LISTENER).some((l) => dependsOn(l, balancer) && list(l.props.defaultActions as Props[]).some(isForbidden)) ||
                        ofType(resources, [WEB_ACL_ASSOCIATION]).some((a) => dependsOn(a, balancer)));
                const onPublicBalancer = balancer !== undefined;
                const where = !onPublicBalancer
                    ? " on a group that is not an internet-facing load balancer's"
                    : origin
                      ? " on an origin that admits only its CDN"
                      : "";
                if (!(onPublicBalancer && webPort(r.props) && !origin))
                    report(`${r.name} opens ${r.props.fromPort}-${r.props.toPort} to the internet${where}`, r.urn);
            }
            // Inline rules: sg-no-world-ingress-inline refuses other ports; 80/443 only on a public balancer's group.
            for (const group of groups) {
                if (publicBalancers.some((b) => dependsOn(b, group))) continue;
                for (const r of list(group.props.ingress as Props[]))
                    if (cidrsOf(r).some(isWorldCidr) && webPort(r))
                        report(
                            `${group.name} opens ${r.fromPort}-${r.toPort} to the internet inline, on a group that is not an internet-facing load balancer's`,
                            group.urn,
                        );
            }
        },
    ),
    stackRule(
        "sg-no-cross-workload-ingress",
        "A security group admits only groups of its own workload: one workload's tasks never reach another's database, cache or service.",
        "mandatory",
        ({ resources }, report) => {
            const groups = ofType(resources, [SECURITY_GROUP]);
            for (const r of ofType(resources, SG_RULES).filter((x) => isIngressRule(x.type, x.props))) {
                const workloads = new Set(groupsOf(r, groups).map(workloadOf).filter(Boolean));
                if (workloads.size > 1) report(`${r.name} admits a group of another workload`, r.urn);
            }
        },
    ),
];
