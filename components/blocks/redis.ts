import * as pulumi from "@pulumi/pulumi";
import * as elasticache from "@pulumi/aws/elasticache";
import * as random from "@pulumi/random";
import { SecurityGroup, connectGroups } from "./security-group";
import { storeSecret } from "./secret";

export interface RedisArgs {
    vpcId: pulumi.Input<string>;
    /** The network's isolated data subnets. */
    subnetIds: pulumi.Input<string[]>;
    /** Node type. Default in config: the profile's `cacheNodeType`. */
    nodeType: string;
    /** A replica in another AZ with automatic failover. Default in config: the profile's `multiAz`. */
    multiAz: boolean;
    /** Days of daily snapshots kept (0: none). Default in config: the profile's `backupRetentionDays`. */
    snapshotRetentionDays: number;
    /** Pulumi `protect`/`retainOnDelete`. Default in config: the profile's `protectStatefulResources`. */
    protect: boolean;
    /** Create the cache (and its AUTH token's secret) in another region than the provider's: a disaster-recovery copy. Default: the provider's. */
    inRegion?: string;
}

/**
 * An ElastiCache Redis replication group in the data subnets: encrypted at rest and in transit,
 * an AUTH token generated and kept in Secrets Manager, failover across AZs when `multiAz`.
 */
export class RedisCache extends pulumi.ComponentResource {
    readonly primaryEndpoint: pulumi.Output<string>;
    readonly port = 6379;
    /** Secrets Manager secret holding the AUTH token (plain string). */
    readonly authTokenSecretArn: pulumi.Output<string>;
    readonly securityGroup: SecurityGroup;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:RedisCache", name, {}, opts);
        const parent = { parent: this };
        const subnetGroup = new elasticache.SubnetGroup(
            name,
            { region: args.inRegion, subnetIds: args.subnetIds, description: `${name}: isolated data subnets` },
            parent,
        );
        this.securityGroup = new SecurityGroup(`${name}-cache`, { vpcId: args.vpcId, description: `${name} Redis`, region: args.inRegion }, parent);
        // ElastiCache AUTH tokens: 16-128 printable characters, none of / " @; alphanumeric is safest.
        const token = new random.RandomPassword(`${name}-auth`, { length: 48, special: false }, parent);
        const secret = storeSecret(
            `${name}-auth`,
            { value: token.result, description: `${name} Redis AUTH token`, protect: args.protect, region: args.inRegion },
            this,
        );
        const group = new elasticache.ReplicationGroup(
            name,
            {
                region: args.inRegion,
                description: `${name} cache and rate limits`,
                engine: "redis",
                engineVersion: "7.1",
                nodeType: args.nodeType,
                port: this.port,
                numCacheClusters: args.multiAz ? 2 : 1,
                automaticFailoverEnabled: args.multiAz,
                multiAzEnabled: args.multiAz,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [this.securityGroup.id],
                atRestEncryptionEnabled: true,
                transitEncryptionEnabled: true,
                authToken: token.result,
                snapshotRetentionLimit: args.snapshotRetentionDays,
                autoMinorVersionUpgrade: true,
                applyImmediately: !args.protect,
            },
            { parent: this, protect: args.protect, retainOnDelete: args.protect },
        );
        this.primaryEndpoint = group.primaryEndpointAddress;
        this.authTokenSecretArn = secret.arn;
        this.registerOutputs({ primaryEndpoint: this.primaryEndpoint, authTokenSecretArn: this.authTokenSecretArn });
    }

    /** Opens 6379 from `client`: ingress here, egress on the client. */
    connect(key: string, client: SecurityGroup, description: string): void {
        connectGroups(key, "redis", client, this.securityGroup, this.port, description);
    }
}
