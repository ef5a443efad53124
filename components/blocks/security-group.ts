import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";

/** Where traffic comes from or goes to: another security group, a CIDR, or a managed prefix list. */
export type Peer = { securityGroupId: pulumi.Input<string> } | { cidr: string } | { prefixListId: pulumi.Input<string> };

export interface RuleArgs {
    /** TCP port (or first port of a range). */
    port: number;
    /** Last port of a range. Default: `port`. */
    toPort?: number;
    peer: Peer;
    /** Why the rule exists; every rule has one. */
    description: string;
}

function peerArgs(peer: Peer) {
    if ("securityGroupId" in peer) return { referencedSecurityGroupId: peer.securityGroupId };
    if ("cidr" in peer) return { cidrIpv4: peer.cidr };
    return { prefixListId: peer.prefixListId };
}

/**
 * A security group with no rules of its own (the provider strips AWS's default allow-all egress):
 * every ingress and egress is added as a separate, described rule with the narrowest peer.
 */
export class SecurityGroup extends pulumi.ComponentResource {
    readonly id: pulumi.Output<string>;
    private readonly baseName: string;
    private readonly region?: string;

    /** `region`: only for a group outside the provider's region (e.g. disaster recovery). */
    constructor(name: string, args: { vpcId: pulumi.Input<string>; description: string; region?: string }, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:SecurityGroup", name, {}, opts);
        this.baseName = name;
        this.region = args.region;
        const group = new ec2.SecurityGroup(name, { region: this.region, vpcId: args.vpcId, description: args.description }, { parent: this });
        this.id = group.id;
        this.registerOutputs({ id: this.id });
    }

    /** Allows inbound TCP from `peer`; `key` names the rule uniquely within the group. */
    allowIngress(key: string, rule: RuleArgs): vpc.SecurityGroupIngressRule {
        return new vpc.SecurityGroupIngressRule(`${this.baseName}-in-${key}`, this.ruleArgs(rule), { parent: this });
    }

    /**
     * HTTPS to anywhere (AWS APIs, registries, third parties): the one rule every task and host
     * needs; `reaches` says what it is for.
     */
    allowHttpsEgress(reaches: string): vpc.SecurityGroupEgressRule {
        return this.allowEgress("https", { port: 443, peer: { cidr: "0.0.0.0/0" }, description: reaches });
    }

    /** Allows outbound TCP to `peer`; `key` names the rule uniquely within the group. */
    allowEgress(key: string, rule: RuleArgs): vpc.SecurityGroupEgressRule {
        return new vpc.SecurityGroupEgressRule(`${this.baseName}-out-${key}`, this.ruleArgs(rule), { parent: this });
    }

    private ruleArgs(rule: RuleArgs) {
        return {
            region: this.region,
            securityGroupId: this.id,
            ipProtocol: "tcp",
            fromPort: rule.port,
            toPort: rule.toPort ?? rule.port,
            description: rule.description,
            ...peerArgs(rule.peer),
        };
    }
}

/**
 * Opens `port` from `client` to `server` (`role` names the server, e.g. "master"): ingress on the
 * server keyed `key`, egress on the client keyed `<key>-<role>`, both described.
 */
export function connectGroups(key: string, role: string, client: SecurityGroup, server: SecurityGroup, port: number, description: string): void {
    server.allowIngress(key, { port, peer: { securityGroupId: client.id }, description: `${description} -> ${role}` });
    client.allowEgress(`${key}-${role}`, { port, peer: { securityGroupId: server.id }, description: `to ${role}` });
}
