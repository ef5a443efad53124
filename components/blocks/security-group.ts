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

    constructor(name: string, args: { vpcId: pulumi.Input<string>; description: string }, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:SecurityGroup", name, {}, opts);
        this.baseName = name;
        const group = new ec2.SecurityGroup(name, { vpcId: args.vpcId, description: args.description }, { parent: this });
        this.id = group.id;
        this.registerOutputs({ id: this.id });
    }

    /** Allows inbound TCP from `peer`; `key` names the rule uniquely within the group. */
    allowIngress(key: string, rule: RuleArgs): vpc.SecurityGroupIngressRule {
        return new vpc.SecurityGroupIngressRule(
            `${this.baseName}-in-${key}`,
            { securityGroupId: this.id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.toPort ?? rule.port, description: rule.description, ...peerArgs(rule.peer) },
            { parent: this },
        );
    }

    /** Allows outbound TCP to `peer`; `key` names the rule uniquely within the group. */
    allowEgress(key: string, rule: RuleArgs): vpc.SecurityGroupEgressRule {
        return new vpc.SecurityGroupEgressRule(
            `${this.baseName}-out-${key}`,
            { securityGroupId: this.id, ipProtocol: "tcp", fromPort: rule.port, toPort: rule.toPort ?? rule.port, description: rule.description, ...peerArgs(rule.peer) },
            { parent: this },
        );
    }
}
