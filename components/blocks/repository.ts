import * as pulumi from "@pulumi/pulumi";
import * as ecr from "@pulumi/aws/ecr";

export interface ImageRepositoryArgs {
    /** Images kept; older ones expire. */
    keepImages: number;
    /** Pulumi `protect`/`retainOnDelete`, and no force-delete of images. Default in config: the profile's `protectStatefulResources`. */
    protect: boolean;
}

/** An ECR repository: immutable tags, scan on push, encrypted, the last N images kept. */
export class ImageRepository extends pulumi.ComponentResource {
    readonly repository: ecr.Repository;
    readonly url: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: ImageRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:compute:ImageRepository", name, {}, opts);
        this.repository = new ecr.Repository(
            name,
            {
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                forceDelete: !args.protect,
            },
            { parent: this, protect: args.protect, retainOnDelete: args.protect },
        );
        new ecr.LifecyclePolicy(
            name,
            {
                repository: this.repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: `keep the last ${args.keepImages} images`,
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.keepImages },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this },
        );
        this.url = this.repository.repositoryUrl;
        this.arn = this.repository.arn;
        this.registerOutputs({ url: this.url, arn: this.arn });
    }
}
