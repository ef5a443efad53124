import * as pulumi from "@pulumi/pulumi";
import { getServiceAccountOutput } from "@pulumi/aws/elb/getServiceAccount";
import * as lb from "@pulumi/aws/lb";
import { Bucket } from "./bucket";
import { Peer, SecurityGroup } from "./security-group";

/** Load-balancer clients from a workload's `clients` setting. */
export function clientPeers(clients: { securityGroupIds: string[]; cidrs: string[] }): LoadBalancerArgs["clients"] {
    return [
        ...clients.securityGroupIds.map((id, i) => ({ key: `client-sg-${i}`, peer: { securityGroupId: id }, description: `client ${id}` })),
        ...clients.cidrs.map((cidr, i) => ({ key: `client-cidr-${i}`, peer: { cidr }, description: `clients in ${cidr}` })),
    ];
}

/** TLS 1.3 with 1.2 fallback, no legacy ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface LoadBalancerArgs {
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
    /** The account the access-log bucket admits log delivery for. */
    accountId: pulumi.Input<string>;
    /** Days access logs are kept. Default in config: the profile's `logRetentionDays`. */
    accessLogRetentionDays: number;
    target: {
        port: number;
        /** Path answered 200 once the application is ready. */
        healthCheckPath: string;
        /** Seconds in-flight requests get after a target starts deregistering. */
        deregistrationDelaySeconds: number;
    };
    /** Paths answered 404 by the balancer itself, never forwarded (e.g. unauthenticated `/metrics`). */
    blockedPaths?: string[];
}

/**
 * An application load balancer forwarding to one IP target group: invalid headers dropped,
 * TLS 1.3 policy on HTTPS, blocked paths answered by the balancer, access logs to a bucket of
 * its own. Targets are let in with `allowTargets`.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    readonly securityGroup: SecurityGroup;
    readonly targetGroup: lb.TargetGroup;
    readonly dnsName: pulumi.Output<string>;
    /** CloudWatch dimension `LoadBalancer`. */
    readonly arnSuffix: pulumi.Output<string>;
    /** `https://` or `http://` URL of the listener. */
    readonly url: pulumi.Output<string>;
    readonly listenerPort: number;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:LoadBalancer", name, {}, opts);
        const parent = { parent: this };
        if (!args.internal && !args.certificateArn) throw new Error(`${name}: an internet-facing load balancer needs a certificate`);
        const https = args.certificateArn !== undefined;
        this.listenerPort = https ? 443 : (args.httpPort ?? 80);

        this.securityGroup = new SecurityGroup(name, { vpcId: args.vpcId, description: `${name} load balancer` }, parent);
        // A public HTTPS balancer also listens on 80, only to redirect.
        const redirectHttp = https && !args.internal;
        for (const client of args.clients) {
            this.securityGroup.allowIngress(client.key, { port: this.listenerPort, peer: client.peer, description: client.description });
            if (redirectHttp) this.securityGroup.allowIngress(`${client.key}-http`, { port: 80, peer: client.peer, description: `${client.description} (redirected to HTTPS)` });
        }

        // Access logs: SSE-S3 (ALB cannot write under KMS), written by the region's ELB account.
        const logs = new Bucket(`${name}-access-logs`, { expirationDays: args.accessLogRetentionDays, noncurrentVersionExpirationDays: 1, protect: false }, parent);
        const elb = getServiceAccountOutput({}, parent);
        const logPolicy = logs.applyPolicy([
            {
                Sid: "ElbWritesAccessLogs",
                Principal: { AWS: elb.arn },
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${logs.arn}/AWSLogs/${args.accountId}/*`,
            },
        ]);

        const balancer = new lb.LoadBalancer(
            name,
            {
                loadBalancerType: "application",
                internal: args.internal,
                subnets: args.subnetIds,
                securityGroups: [this.securityGroup.id],
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.deletionProtection,
                accessLogs: { bucket: logs.name, enabled: true },
            },
            // AWS checks that it may write to the bucket when logging is switched on.
            { parent: this, dependsOn: [logPolicy] },
        );
        this.targetGroup = new lb.TargetGroup(
            name,
            {
                vpcId: args.vpcId,
                targetType: "ip",
                protocol: "HTTP",
                port: args.target.port,
                deregistrationDelay: args.target.deregistrationDelaySeconds,
                healthCheck: { path: args.target.healthCheckPath, matcher: "200", interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
            },
            parent,
        );
        const listener = new lb.Listener(
            name,
            {
                loadBalancerArn: balancer.arn,
                port: this.listenerPort,
                protocol: https ? "HTTPS" : "HTTP",
                ...(https ? { certificateArn: args.certificateArn, sslPolicy: TLS_POLICY } : {}),
                defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
            },
            parent,
        );
        if (redirectHttp) {
            new lb.Listener(
                `${name}-http`,
                {
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
        this.url = pulumi.interpolate`${https ? "https" : "http"}://${balancer.dnsName}${https || this.listenerPort === 80 ? "" : `:${this.listenerPort}`}`;
        this.registerOutputs({ dnsName: this.dnsName, url: this.url });
    }

    /** Lets the balancer reach targets in `targets` on `port`: egress here, ingress there. */
    allowTargets(targets: SecurityGroup, port: number): void {
        this.securityGroup.allowEgress("targets", { port, peer: { securityGroupId: targets.id }, description: "to the service's tasks" });
        targets.allowIngress("load-balancer", { port, peer: { securityGroupId: this.securityGroup.id }, description: "from the load balancer" });
    }
}
