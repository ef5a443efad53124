import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { getManagedPrefixListOutput } from "@pulumi/aws/ec2/getManagedPrefixList";
import * as iam from "@pulumi/aws/iam";
import * as lb from "@pulumi/aws/lb";
import * as wafv2 from "@pulumi/aws/wafv2";
import { WorkloadContext } from "../context";
import { serviceTrustPolicy } from "../iam";
import { Transform, transformed } from "../transform";
import { Bucket } from "./bucket";
import { Peer, SecurityGroup } from "./security-group";
import { nameFor } from "../names";

export interface TargetArgs {
    port: number;
    /** Path answered 200 once the application is ready. */
    healthCheckPath: string;
    /** Seconds in-flight requests get after a target starts deregistering. */
    deregistrationDelaySeconds: number;
    /** `ip` (Fargate tasks) or `instance` (an EC2 host). Default `ip`. */
    targetType?: "ip" | "instance";
}

export interface RouteArgs extends TargetArgs {
    /** Names the route's target group. */
    key: string;
    /** Host names (`api.example.com`) or path patterns (`/api/*`) that select this target. */
    match: { hostHeaders: string[] } | { pathPatterns: string[] };
}

/** Load-balancer clients from a workload's `clients` setting. */
export function clientPeers(clients: { securityGroupIds: string[]; cidrs: string[] }): LoadBalancerArgs["clients"] {
    return [
        ...clients.securityGroupIds.map((id) => ({ key: `client-${nameFor(id)}`, peer: { securityGroupId: id }, description: `client ${id}` })),
        ...clients.cidrs.map((cidr) => ({ key: `client-${nameFor(cidr)}`, peer: { cidr }, description: `clients in ${cidr}` })),
    ];
}

/**
 * Routes one balancer serves: AWS allows 100 rules per listener (the default action aside) and
 * 100 target groups per load balancer.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 */
export const MAX_ROUTES = 100;

/** Load balancer and target group names: at most 32 characters, Pulumi's 8-character suffix included. */
const ELB_NAME_MAX = 32;

/**
 * A logical name whose auto-name (`<name>-<7 random characters>`) fits ELB's 32 characters: kept
 * as it is when it fits (so existing URNs stay), else shortened with a hash that keeps it unique.
 */
export function elbLogicalName(name: string): string {
    if (name.length + 8 <= ELB_NAME_MAX) return name;
    const hash = crypto.createHash("sha256").update(name).digest("hex").slice(0, 4);
    return `${name.slice(0, ELB_NAME_MAX - 8 - 5)}-${hash}`;
}

/**
 * The account Elastic Load Balancing writes access logs from, in each commercial region opened
 * before August 2022; the regions opened since take the log-delivery service principal instead.
 * A table rather than the `elb.getServiceAccount` lookup, which fails in those newer regions.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
};
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/** Who writes a balancer's access logs in `region`: its ELB account, or the log-delivery service. */
export function elbLogWriter(region: string): { AWS: string } | { Service: string } {
    const account = ELB_LOG_ACCOUNTS[region];
    return account ? { AWS: `arn:aws:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_SERVICE };
}

/** What every balancer takes from the stack: its region and account, and the profile's protection and log retention. */
export function balancerDefaults(ctx: WorkloadContext) {
    return {
        region: ctx.platform.region,
        accountId: ctx.accountId,
        deletionProtection: ctx.platform.profile.deletionProtection,
        protectLogs: ctx.platform.profile.protectStatefulResources,
        accessLogRetentionDays: ctx.platform.profile.logRetentionDays,
    };
}

/** TLS 1.3 with 1.2 fallback, no legacy ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/**
 * TLS 1.3, and TLS 1.2 with only its strongest (ECDHE, AES-GCM) ciphers: the strictest policy a
 * CloudFront origin can use, since CloudFront reaches origins over TLS 1.2 at most.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-ciphers-cloudfront-to-origin.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const CLOUDFRONT_ORIGIN_STRICT_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

/** What an ECS service registers with: a target group, and the listeners it must not start before. */
export interface ServiceTarget {
    targetGroupArn: pulumi.Input<string>;
    containerName: string;
    containerPort: number;
    /** The listeners forwarding to the group: ECS refuses a target group no load balancer uses yet. */
    routedBy: pulumi.Resource[];
    /** For ECS's own blue/green: the green group, the rules ECS switches, and the role it switches them with. */
    advancedConfiguration?: {
        alternateTargetGroupArn: pulumi.Input<string>;
        productionListenerRule: pulumi.Input<string>;
        testListenerRule: pulumi.Input<string>;
        roleArn: pulumi.Input<string>;
    };
}

export interface LoadBalancerArgs {
    /** The stack's region (`aws:region`): the balancer's, unless `inRegion` names another. */
    region: string;
    /**
     * Create the balancer, its listeners, target groups, access-log bucket and web ACL in another
     * region than the provider's (a disaster-recovery copy). Default: the provider's region.
     */
    inRegion?: string;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    /** Internal (VPC-only) or internet-facing. */
    internal: boolean;
    /** ACM certificate: HTTPS on 443. Without one (internal only) the listener is plain HTTP on `httpPort`. */
    certificateArn?: pulumi.Input<string>;
    /** Port of the plain-HTTP listener of an internal balancer without a certificate. Default 80. */
    httpPort?: number;
    /** Who may reach the listener. */
    clients: { key: string; peer: Peer; description: string }[];
    /** AWS deletion protection. Default in config: the profile's `deletionProtection`. */
    deletionProtection: boolean;
    /**
     * Keep the access logs (audit data) when the stack is destroyed: Pulumi `protect` and
     * `retainOnDelete`, no `forceDestroy`. Default in config: the profile's `protectStatefulResources`.
     */
    protectLogs: boolean;
    /** The account the access-log bucket admits log delivery for. */
    accountId: pulumi.Input<string>;
    /** Days access logs are kept. Default in config: the profile's `logRetentionDays`. */
    accessLogRetentionDays: number;
    /** The default target. Without one, requests no route matches get a 404 from the balancer. */
    target?: TargetArgs;
    /** Further targets, each behind a host-header or path rule, in priority order. Default: none. */
    routes?: RouteArgs[];
    /**
     * Blue/green through CodeDeploy: a second ("green") target group for the default target and a
     * test listener on `testListenerPort`; CodeDeploy then owns both listeners' actions.
     * Default: off.
     */
    blueGreen?: {
        testListenerPort: number;
        /** Who may send test traffic to the test listener (a deployment's checks). Default: nobody. */
        testClients?: { key: string; peer: Peer; description: string }[];
    };
    /** Paths answered 404 by the balancer itself, never forwarded (e.g. unauthenticated `/metrics`). */
    blockedPaths?: string[];
    /**
     * Listen on 80 only to redirect to HTTPS. Default: `true` for an internet-facing HTTPS balancer;
     * an origin that only CloudFront reaches over HTTPS turns it off.
     */
    redirectHttp?: boolean;
    /**
     * Only requests carrying this header (a secret the CDN adds to every origin request) reach the
     * targets; the balancer answers any other with 403, so the origin cannot be called around the
     * CDN. With `blueGreen` (CodeDeploy switches the listener's default action) a WAF web ACL on the
     * balancer does the same, test listener included. Default: none.
     */
    requireHeader?: { name: string; value: pulumi.Input<string> };
    /**
     * Mutual TLS on the HTTPS listener: clients must present a certificate this ELB trust store
     * verifies (e.g. a CDN's authenticated origin pulls). Default: none.
     */
    mutualTlsTrustStoreArn?: pulumi.Input<string>;
    /** The HTTPS listeners' security policy. Default `TLS_POLICY` (TLS 1.3 with TLS 1.2 fallback). */
    tlsPolicy?: string;
    /** Changes to the balancer's, the main listener's or every target group's arguments. Default: none. */
    transform?: { loadBalancer?: Transform<lb.LoadBalancerArgs>; listener?: Transform<lb.ListenerArgs>; targetGroup?: Transform<lb.TargetGroupArgs> };
}

/**
 * An application load balancer forwarding to a default target and host/path routes: invalid headers dropped,
 * TLS 1.3 policy on HTTPS, blocked paths answered by the balancer, access logs to a bucket of
 * its own. Targets are let in with `allowTargets`.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    readonly securityGroup: SecurityGroup;
    /** Target groups of `routes`, by key. */
    readonly routeTargetGroups: Record<string, lb.TargetGroup> = {};
    private readonly defaultTargetGroup?: lb.TargetGroup;
    readonly dnsName: pulumi.Output<string>;
    /** CloudWatch dimension `LoadBalancer`. */
    readonly arnSuffix: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** `https://` or `http://` URL of the listener. */
    readonly url: pulumi.Output<string>;
    readonly listenerPort: number;
    /** HTTPS (or HTTP) listener, and with `blueGreen` the test listener and the green target group. */
    readonly listenerArn: pulumi.Output<string>;
    readonly testListenerArn?: pulumi.Output<string>;
    /** The balancer, its main listener and (with `blueGreen`) the test listener, for callers that need the resources. */
    readonly balancer: lb.LoadBalancer;
    readonly listener: lb.Listener;
    readonly testListener?: lb.Listener;
    /** With `requireHeader`, the rule that forwards gated requests to the default target. */
    private gateRule?: lb.ListenerRule;
    /** With `requireHeader` and `blueGreen`, the web ACL that blocks requests without the header. */
    readonly webAcl?: wafv2.WebAcl;
    readonly greenTargetGroup?: lb.TargetGroup;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:LoadBalancer", name, {}, opts);
        const parent = { parent: this };
        if (!args.internal && !args.certificateArn) throw new Error(`${name}: an internet-facing load balancer needs a certificate`);
        const https = args.certificateArn !== undefined;
        this.tls = https ? { certificateArn: args.certificateArn, sslPolicy: args.tlsPolicy ?? TLS_POLICY } : {};
        this.inRegion = args.inRegion;
        this.listenerPort = https ? 443 : (args.httpPort ?? 80);

        this.securityGroup = new SecurityGroup(name, { vpcId: args.vpcId, description: `${name} load balancer`, region: args.inRegion }, parent);
        // A public HTTPS balancer also listens on 80, only to redirect.
        const redirectHttp = https && !args.internal && (args.redirectHttp ?? true);
        for (const client of args.clients) {
            this.securityGroup.allowIngress(client.key, { port: this.listenerPort, peer: client.peer, description: client.description });
            if (redirectHttp)
                this.securityGroup.allowIngress(`${client.key}-http`, {
                    port: 80,
                    peer: client.peer,
                    description: `${client.description} (redirected to HTTPS)`,
                });
        }

        // Access logs: SSE-S3 (ALB cannot write under KMS), written by the region's ELB log writer.
        const logs = new Bucket(
            `${name}-access-logs`,
            { region: args.inRegion, expirationDays: args.accessLogRetentionDays, noncurrentVersionExpirationDays: 1, protect: args.protectLogs },
            parent,
        );
        const logPolicy = logs.applyPolicy([
            {
                Sid: "ElbWritesAccessLogs",
                Principal: elbLogWriter(args.inRegion ?? args.region),
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${logs.arn}/AWSLogs/${args.accountId}/*`,
            },
        ]);

        const balancer = (this.balancer = new lb.LoadBalancer(
            elbLogicalName(name),
            transformed(
                name,
                {
                    region: args.inRegion,
                    loadBalancerType: "application",
                    internal: args.internal,
                    subnets: args.subnetIds,
                    securityGroups: [this.securityGroup.id],
                    dropInvalidHeaderFields: true,
                    enableDeletionProtection: args.deletionProtection,
                    accessLogs: { bucket: logs.name, enabled: true },
                },
                args.transform?.loadBalancer,
            ),
            // AWS checks that it may write to the bucket when logging is switched on.
            { parent: this, dependsOn: [logPolicy] },
        ));
        const targetGroup = (key: string, t: TargetArgs) =>
            new lb.TargetGroup(
                elbLogicalName(key),
                transformed(
                    key,
                    {
                        region: args.inRegion,
                        vpcId: args.vpcId,
                        targetType: t.targetType ?? "ip",
                        protocol: "HTTP",
                        port: t.port,
                        deregistrationDelay: t.deregistrationDelaySeconds,
                        healthCheck: { path: t.healthCheckPath, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
                    },
                    args.transform?.targetGroup,
                ),
                parent,
            );
        this.newTargetGroup = (key, t) => targetGroup(`${name}-${key}`, t);
        this.baseName = name;
        this.defaultTargetGroup = args.target ? targetGroup(name, args.target) : undefined;
        const listener = (this.listener = new lb.Listener(
            name,
            transformed(
                name,
                {
                    region: args.inRegion,
                    loadBalancerArn: balancer.arn,
                    port: this.listenerPort,
                    protocol: https ? "HTTPS" : "HTTP",
                    ...this.tls,
                    ...(https && args.mutualTlsTrustStoreArn ? { mutualAuthentication: { mode: "verify", trustStoreArn: args.mutualTlsTrustStoreArn } } : {}),
                    defaultActions:
                        this.defaultTargetGroup && (!args.requireHeader || args.blueGreen)
                            ? [{ type: "forward", targetGroupArn: this.defaultTargetGroup.arn }]
                            : args.requireHeader
                              ? [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "403", messageBody: "Forbidden" } }]
                              : [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not Found" } }],
                },
                args.transform?.listener,
            ),
            // CodeDeploy switches the listener between blue and green.
            { parent: this, ignoreChanges: args.blueGreen ? ["defaultActions"] : [] },
        ));
        this.listenerArn = listener.arn;
        // CodeDeploy owns the default action of a blue/green listener, so a WAF gate guards that balancer instead.
        if (args.requireHeader && args.blueGreen) this.webAcl = headerGate(name, args.requireHeader, balancer, args.inRegion, this);
        const gate =
            args.requireHeader && !args.blueGreen ? [{ httpHeader: { httpHeaderName: args.requireHeader.name, values: [args.requireHeader.value] } }] : [];
        if (gate.length > 0 && this.defaultTargetGroup) {
            // Priority 5: after the blocked paths (1), before the routes (10, ...).
            this.gateRule = new lb.ListenerRule(
                `${name}-origin`,
                {
                    region: args.inRegion,
                    listenerArn: listener.arn,
                    priority: 5,
                    conditions: gate,
                    actions: [{ type: "forward", targetGroupArn: this.defaultTargetGroup.arn }],
                },
                parent,
            );
        }
        if (args.blueGreen && this.defaultTargetGroup && args.target) {
            this.greenTargetGroup = targetGroup(`${name}-green`, args.target);
            const test = (this.testListener = new lb.Listener(
                `${name}-test`,
                {
                    region: args.inRegion,
                    loadBalancerArn: balancer.arn,
                    port: args.blueGreen.testListenerPort,
                    protocol: https ? "HTTPS" : "HTTP",
                    ...this.tls,
                    defaultActions: [{ type: "forward", targetGroupArn: this.defaultTargetGroup.arn }],
                },
                { parent: this, ignoreChanges: ["defaultActions"] },
            ));
            this.testListenerArn = test.arn;
            for (const client of args.blueGreen.testClients ?? [])
                this.securityGroup.allowIngress(`test-${client.key}`, {
                    port: args.blueGreen.testListenerPort,
                    peer: client.peer,
                    description: client.description,
                });
        }
        // Rule priorities: blocked paths first (1), then the routes in order (10, 11, ...).
        (args.routes ?? []).forEach((route, i) => {
            const group = targetGroup(`${name}-${route.key}`, route);
            this.routeTargetGroups[route.key] = group;
            new lb.ListenerRule(
                `${name}-${route.key}`,
                {
                    region: args.inRegion,
                    listenerArn: listener.arn,
                    priority: 10 + i,
                    conditions: [
                        "hostHeaders" in route.match
                            ? { hostHeader: { values: route.match.hostHeaders } }
                            : { pathPattern: { values: route.match.pathPatterns } },
                        ...gate,
                    ],
                    actions: [{ type: "forward", targetGroupArn: group.arn }],
                },
                parent,
            );
        });
        if (redirectHttp) {
            new lb.Listener(
                `${name}-http`,
                {
                    region: args.inRegion,
                    loadBalancerArn: balancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                },
                parent,
            );
        }
        if (args.blockedPaths && args.blockedPaths.length > 0) {
            new lb.ListenerRule(
                `${name}-blocked`,
                {
                    region: args.inRegion,
                    listenerArn: listener.arn,
                    priority: 1,
                    conditions: [{ pathPattern: { values: args.blockedPaths } }],
                    actions: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "Not Found" } }],
                },
                parent,
            );
        }
        this.dnsName = balancer.dnsName;
        this.arnSuffix = balancer.arnSuffix;
        this.arn = balancer.arn;
        this.url = pulumi.interpolate`${https ? "https" : "http"}://${balancer.dnsName}${https || this.listenerPort === 80 ? "" : `:${this.listenerPort}`}`;
        this.registerOutputs({ dnsName: this.dnsName, url: this.url });
    }

    /** Lets the balancer reach `targets` on `port`: egress here, ingress there (`key` tells several ports apart). */
    allowTargets(targets: SecurityGroup, port: number, key?: string): void {
        this.securityGroup.allowEgress(key ? `targets-${key}` : "targets", {
            port,
            peer: { securityGroupId: targets.id },
            description: `to the targets${key ? ` (${key})` : ""}`,
        });
        targets.allowIngress(key ? `load-balancer-${key}` : "load-balancer", {
            port,
            peer: { securityGroupId: this.securityGroup.id },
            description: `from the load balancer${key ? ` (${key})` : ""}`,
        });
    }

    /** The default target as an ECS service registers with it, with the listeners that forward to it. */
    serviceTarget(containerName: string, containerPort: number): ServiceTarget {
        return {
            targetGroupArn: this.targetGroup.arn,
            containerName,
            containerPort,
            routedBy: [this.listener, ...(this.testListener ? [this.testListener] : []), ...(this.gateRule ? [this.gateRule] : [])],
        };
    }

    /**
     * A service ECS deploys blue/green itself (deployment strategy `BLUE_GREEN`): a listener on
     * `port` whose rule forwards to the blue target group, a test listener on `testPort` whose rule
     * ECS points at the green group first, and the infrastructure role ECS switches the rules with.
     * `clients` reach both ports, `testClients` the test port only.
     */
    blueGreenTarget(
        key: string,
        containerName: string,
        args: {
            port: number;
            testPort: number;
            target: TargetArgs;
            clients: LoadBalancerArgs["clients"];
            testClients?: LoadBalancerArgs["clients"];
            accountId: pulumi.Input<string>;
        },
    ): ServiceTarget {
        const groups = { blue: this.newTargetGroup(`${key}-blue`, args.target), green: this.newTargetGroup(`${key}-green`, args.target) };
        const listen = (suffix: string, port: number) => {
            // Forward actions only (ECS refuses listeners that mix in fixed responses or redirects), and
            // both groups in the rule from the start, weighted 100/0: ECS moves the weights.
            const weighted = [
                {
                    type: "forward",
                    forward: {
                        targetGroups: [
                            { arn: groups.blue.arn, weight: 100 },
                            { arn: groups.green.arn, weight: 0 },
                        ],
                    },
                },
            ];
            const listener = new lb.Listener(
                `${this.baseName}-${key}${suffix}`,
                {
                    region: this.inRegion,
                    loadBalancerArn: this.balancer.arn,
                    port,
                    protocol: this.tls.certificateArn ? "HTTPS" : "HTTP",
                    ...this.tls,
                    defaultActions: [{ type: "forward", targetGroupArn: groups.blue.arn }],
                },
                { parent: this, ignoreChanges: ["defaultActions"] },
            );
            const rule = new lb.ListenerRule(
                `${this.baseName}-${key}${suffix}`,
                { region: this.inRegion, listenerArn: listener.arn, priority: 10, conditions: [{ pathPattern: { values: ["/*"] } }], actions: weighted },
                { parent: this, ignoreChanges: ["actions"] },
            );
            return { listener, rule };
        };
        const production = listen("", args.port);
        const test = listen("-test", args.testPort);
        for (const client of args.clients) {
            this.securityGroup.allowIngress(`${key}-${client.key}`, { port: args.port, peer: client.peer, description: client.description });
            this.securityGroup.allowIngress(`${key}-test-${client.key}`, {
                port: args.testPort,
                peer: client.peer,
                description: `${client.description} (test traffic)`,
            });
        }
        for (const client of args.testClients ?? [])
            this.securityGroup.allowIngress(`${key}-test-${client.key}`, { port: args.testPort, peer: client.peer, description: client.description });
        return {
            targetGroupArn: groups.blue.arn,
            containerName,
            containerPort: args.target.port,
            routedBy: [production.listener, production.rule, test.listener, test.rule],
            advancedConfiguration: {
                alternateTargetGroupArn: groups.green.arn,
                productionListenerRule: production.rule.arn,
                testListenerRule: test.rule.arn,
                roleArn: this.ecsInfrastructureRole(args.accountId).arn,
            },
        };
    }

    private infrastructureRole?: iam.Role;
    /** The HTTPS listeners' certificate and policy; empty on a plain-HTTP internal balancer. */
    private readonly tls: { certificateArn?: pulumi.Input<string>; sslPolicy?: string };
    /** The region of a balancer outside the provider's, else undefined (Pulumi then omits the input). */
    private readonly inRegion?: string;
    private readonly newTargetGroup: (key: string, target: TargetArgs) => lb.TargetGroup;
    private readonly baseName: string;
    /**
     * The role ECS switches listener rules with (AWS's managed policy for exactly that), one per balancer.
     * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html
     */
    private ecsInfrastructureRole(accountId: pulumi.Input<string>): iam.Role {
        if (this.infrastructureRole) return this.infrastructureRole;
        const name = `${this.baseName}-ecs-blue-green`;
        const role = new iam.Role(
            name,
            {
                assumeRolePolicy: serviceTrustPolicy("ecs.amazonaws.com", accountId),
                description: `${this.baseName}: ECS switches listener rules in blue/green deployments`,
            },
            { parent: this },
        );
        new iam.RolePolicyAttachment(
            name,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers" },
            { parent: this },
        );
        return (this.infrastructureRole = role);
    }

    /** The default target's group (the balancer was built with a `target`). */
    get targetGroup(): lb.TargetGroup {
        if (!this.defaultTargetGroup) throw new Error("this load balancer has no default target");
        return this.defaultTargetGroup;
    }
}

/** CloudFront's origin-facing addresses, as an AWS-managed prefix list. */
export const CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing";

/** The AWS-managed prefix list of the addresses CloudFront reaches origins from (ID and CIDRs); its ID differs per region. */
export function cloudFrontOriginFacing(parent: pulumi.Resource, region?: string) {
    return getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING, ...(region ? { region } : {}) }, { parent });
}

/**
 * An internet-facing balancer only CloudFront reaches (its origin-facing prefix list), serving
 * HTTPS under the origin's own certificate: the origin of a `Cdn`. In the stack's network, or with
 * `inRegion` and `network` in another region's (a disaster-recovery copy).
 */
export function cloudFrontOrigin(
    name: string,
    ctx: WorkloadContext,
    args: Pick<LoadBalancerArgs, "certificateArn" | "target" | "blueGreen" | "requireHeader" | "inRegion" | "tlsPolicy"> & {
        /** Default: the profile's `logRetentionDays`. */
        accessLogRetentionDays?: number;
        /** Default: the stack's network. */
        network?: { vpcId: pulumi.Input<string>; publicSubnetIds: pulumi.Input<string[]> };
    },
    parent: pulumi.Resource,
): LoadBalancer {
    const { network = ctx.network, accessLogRetentionDays, ...balancerArgs } = args;
    const defaults = balancerDefaults(ctx);
    const cloudFront = cloudFrontOriginFacing(parent, args.inRegion);
    return new LoadBalancer(
        name,
        {
            ...defaults,
            ...balancerArgs,
            accessLogRetentionDays: accessLogRetentionDays ?? defaults.accessLogRetentionDays,
            vpcId: network.vpcId,
            subnetIds: network.publicSubnetIds,
            internal: false,
            // CloudFront reaches the origin over HTTPS only. Each reference to the prefix list counts
            // its 55 entries against the group's 60-rule quota: a second port would not fit.
            clients: [{ key: "cloudfront", peer: { prefixListId: cloudFront.id }, description: "CloudFront origin-facing" }],
            redirectHttp: false,
        },
        { parent },
    );
}

/**
 * A regional WAF web ACL on the balancer that blocks every request whose `header` is not exactly
 * the secret: the origin gate of a balancer whose listeners CodeDeploy switches.
 */
function headerGate(
    name: string,
    header: { name: string; value: pulumi.Input<string> },
    balancer: lb.LoadBalancer,
    region: string | undefined,
    parent: pulumi.Resource,
): wafv2.WebAcl {
    const metrics = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new wafv2.WebAcl(
        `${name}-origin`,
        {
            region,
            description: `${name}: only requests carrying the CDN's origin header`,
            scope: "REGIONAL",
            defaultAction: { block: {} },
            rules: [
                {
                    name: "origin-header",
                    priority: 0,
                    action: { allow: {} },
                    statement: {
                        byteMatchStatement: {
                            fieldToMatch: { singleHeader: { name: header.name.toLowerCase() } },
                            positionalConstraint: "EXACTLY",
                            searchString: header.value,
                            textTransformations: [{ priority: 0, type: "NONE" }],
                        },
                    },
                    visibilityConfig: metrics(`${name}-origin-header`),
                },
            ],
            visibilityConfig: metrics(`${name}-origin`),
        },
        { parent },
    );
    new wafv2.WebAclAssociation(`${name}-origin`, { region, resourceArn: balancer.arn, webAclArn: acl.arn }, { parent });
    return acl;
}
