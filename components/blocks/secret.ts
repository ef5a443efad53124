import * as pulumi from "@pulumi/pulumi";
import * as secretsmanager from "@pulumi/aws/secretsmanager";

export interface StoredSecretArgs {
    /** The value; kept a Pulumi secret in state. */
    value: pulumi.Input<string>;
    description: string;
    /**
     * Stateful protection: `protect`/`retainOnDelete` and a 30-day recovery window. Otherwise the
     * secret is deleted at once on destroy, so that a re-created stack can reuse its name.
     */
    protect: boolean;
    /** Keep the secret in another region than the provider's (a disaster-recovery copy's own). Default: the provider's. */
    region?: string;
}

/** A Secrets Manager secret holding one value, for containers to read through ECS `secrets`. */
export function storeSecret(name: string, args: StoredSecretArgs, parent: pulumi.Resource): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(
        name,
        { region: args.region, description: args.description, recoveryWindowInDays: args.protect ? 30 : 0 },
        { parent, protect: args.protect, retainOnDelete: args.protect },
    );
    new secretsmanager.SecretVersion(
        name,
        { region: args.region, secretId: secret.id, secretString: pulumi.secret(args.value) },
        { parent, protect: args.protect, retainOnDelete: args.protect },
    );
    return secret;
}

/** An ECS `valueFrom` reading one key of a JSON secret (e.g. `password` of database credentials). */
export const secretKey = (secretArn: pulumi.Input<string>, key: string): pulumi.Output<string> => pulumi.interpolate`${secretArn}:${key}::`;

/**
 * Component options under which every Secrets Manager secret the component creates gets a replica
 * in `region` (a DR copy Secrets Manager keeps in sync), whichever block creates it; a secret
 * already kept in that region (a DR resource's own) has nothing to replicate.
 */
export function replicatingSecrets(opts: pulumi.ComponentResourceOptions | undefined, region: string): pulumi.ComponentResourceOptions {
    const replicate: pulumi.ResourceTransformation = (args) =>
        args.type === "aws:secretsmanager/secret:Secret" && args.props.region !== region
            ? { props: { ...args.props, replicas: [{ region }] }, opts: args.opts }
            : undefined;
    return { ...opts, transformations: [...(opts?.transformations ?? []), replicate] };
}
