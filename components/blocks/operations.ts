import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CrossRule, SchemaContext, arnRegion, envVarName, inStackRegion, integer, nonEmptyString, secretString, strictObject } from "../../stacks/schema-kit";
import { FargateService } from "./fargate-service";
import { ImageRepository } from "./repository";
import { storeSecret } from "./secret";

/**
 * The release and operations keys every workload that runs ECS services takes, defined once:
 * shell access, rolling-deploy bounds, who rolls revisions, application secrets and a one-off
 * migration task. Each topology spreads `operationsSettings(ctx)` into its settings.
 */

/**
 * A Secrets Manager secret's full ARN, optionally with ECS's JSON-key suffix (`:key::`), in the
 * stack's region. Secrets Manager ends every secret's ARN with `-` and six random characters; the
 * roles are granted exactly this ARN, and IAM matches a policy's ARN against the secret's whole one,
 * so a partial ARN (`...:secret:<name>`) would leave the task or host unable to read it
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html).
 */
const existingSecretArn = (ctx: SchemaContext) =>
    z
        .string()
        .regex(
            /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+(:[A-Za-z0-9_.-]*:[A-Za-z0-9_-]*:[A-Za-z0-9-]*)?$/,
            "expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf, optionally :<json-key>::)",
        )
        .refine((arn) => /-[A-Za-z0-9]{6}$/.test(arn.split(":").slice(0, 7).join(":")), {
            message:
                "give the secret's full ARN, ending in the - and six characters Secrets Manager adds to its name (aws secretsmanager describe-secret --secret-id <name> --query ARN): the roles are granted this ARN, and IAM matches no secret by a partial one",
        })
        .refine((arn) => !ctx.region || arnRegion(arn) === ctx.region, {
            message: `the secret must be in the stack's region${ctx.region ? ` (${ctx.region})` : ""}: ECS reads secrets from the task's region`,
        });

/** A KMS key's ARN, of any region (IAM authorizes `kms:Decrypt` on the key, never on an alias). */
export const kmsKeyArn = z
    .string()
    .regex(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
        "expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>; aws kms describe-key --key-id alias/<name> --query KeyMetadata.Arn): IAM grants kms:Decrypt on the key, not on an alias",
    );

/** A KMS key's ARN in the stack's region. */
const secretsKeyArn = (ctx: SchemaContext) =>
    inStackRegion(kmsKeyArn, ctx, "a secret is encrypted by a key of its own region, and the existing secrets are in the stack's");

export const DEPLOYMENT_MODES = ["pulumi", "external"] as const;

/** The application-secret keys: per workload, or per service where services differ in trust. */
export const secretSettings = (ctx: SchemaContext) => ({
    /** Secret variables (`pulumi config set --secret --path 'workloads.<w>.secrets.NAME' ...`), kept in Secrets Manager. Default `{}`. */
    secrets: z.record(envVarName, secretString(ctx, "platform:workloads", "a secret variable")).default({}),
    /** Variables read from secrets that already exist: `NAME: <secret's full ARN>` (with the `-AbCdEf` suffix Secrets Manager adds; `...:<json-key>::` for one key). Default `{}`. */
    existingSecrets: z.record(envVarName, existingSecretArn(ctx)).default({}),
    /**
     * The customer managed KMS keys (key ARNs) that encrypt `existingSecrets`, where one is not Secrets
     * Manager's AWS managed key: whoever reads them (the execution role, the Compose host) gets
     * `kms:Decrypt` on them through Secrets Manager, without which the task cannot start. The key's
     * policy must allow the role (a key of another account: name the role there). The replicas a
     * disaster-recovery standby reads in its region (`event-driven`) have keys of that region: see
     * `disasterRecovery.existingSecretsKeys` there. Default: none.
     */
    existingSecretsKeys: z.array(secretsKeyArn(ctx)).default([]),
});

/** The schema shape of the operations keys (spread into a topology's settings). */
export const operationsSettings = (ctx: SchemaContext) => ({
    ...releaseSettings(),
    ...secretSettings(ctx),
});

/** An image tag as ECR takes it. */
export const imageTag = nonEmptyString("image tag").regex(/^[\w][\w.-]{0,127}$/, "expected an image tag (letters, digits, _ . -)");

/** The image-repository key: every topology that runs containers takes it. */
export const repositorySettings = () => ({
    /**
     * `create: true`: an ECR repository per image the workload runs (immutable tags, scan on push,
     * the last `keepImages` kept), its URL in the outputs; an image given as `imageTag` then runs
     * from it. Default: no repository (images given whole).
     */
    repository: strictObject({
        /** Create the repository (and run `imageTag` from it). Default `false`. */
        create: z.boolean().default(false),
        /** Images kept; older ones expire by lifecycle rule. Default 30. */
        keepImages: integer(1, 1000).default(30),
    }).default({}),
});

/** Shell access, deploy bounds, who rolls revisions, migrations, image repositories: per workload. */
export const releaseSettings = () => ({
    ...repositorySettings(),
    /** ECS Exec (`aws ecs execute-command`) into the containers: the task role gets the SSM channel; sessions are logged by SSM. Default `false`. */
    executeCommand: z.boolean().default(false),
    /**
     * Rolling-deploy bounds, percent of the desired count: `0` / `100` stops the old task before the
     * new one starts (a single-instance engine that must never run twice). At the service's fewest
     * tasks they must let ECS stop one or start one (`100` / `100` hangs every deploy, and is refused).
     * Default `100` / `200`.
     */
    deployment: strictObject({
        /** Running tasks kept during a deploy, percent of the desired count (`0` stops the old task first). Default 100. */
        minimumHealthyPercent: integer(0, 100).default(100),
        /** Tasks allowed during a deploy, percent of the desired count (`100` starts no extra task). Default 200. */
        maximumPercent: integer(100, 200).default(200),
    }).default({}),
    /**
     * Who rolls task-definition revisions. `external`: a deploy script (`aws ecs update-service
     * --task-definition <family>:<n>`); `pulumi up` then ignores the service's task definition and
     * desired count, and the outputs give the script the names it needs. Default `pulumi`.
     */
    deployments: strictObject({
        /** `pulumi`: `pulumi up` rolls revisions; `external`: a deploy script does, and `pulumi up` leaves them alone. Default `pulumi`. */
        mode: z.enum(DEPLOYMENT_MODES).default("pulumi"),
    }).default({}),
    /**
     * A one-off ECS task that applies the schema: the service's image, network, secrets and log group
     * with `command`, its own task role; the outputs say how to `aws ecs run-task` it. With
     * `runBeforeDeploy` the deploy workflow runs it before `pulumi up` rolls the service. Default: none.
     */
    migrations: strictObject({
        /** The migration's command, as a list of words (e.g. `[alembic, upgrade, head]`); it runs in the service's image. */
        command: z.array(nonEmptyString("command word")).min(1, "give at least the executable"),
        /** Run it before each `pulumi up` rolls the service (`npm run migrations` in the deploy workflow). Default `false`. */
        runBeforeDeploy: z.boolean().default(false),
    }).optional(),
});

/**
 * Why a rolling deploy of `tasks` tasks cannot progress under these bounds, or undefined if it can.
 * ECS keeps `minimumHealthyPercent` of the desired count running, rounded up, and runs at most
 * `maximumPercent` of it, rounded down: a deploy moves only when it may stop an old task first or
 * start a new one first. With neither, ECS starts nothing and stops nothing, and the deployment never
 * completes (the circuit breaker counts failed tasks, and none fails).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
 */
export function rollingDeployProblem(tasks: number, bounds: { minimumHealthyPercent: number; maximumPercent: number }, what: string): string | undefined {
    const keptRunning = Math.ceil((tasks * bounds.minimumHealthyPercent) / 100);
    const allowed = Math.floor((tasks * bounds.maximumPercent) / 100);
    if (keptRunning < tasks || allowed > tasks) return undefined;
    const maximum = Math.min(200, Math.ceil((100 * (tasks + 1)) / tasks));
    const minimum = Math.floor((100 * (tasks - 1)) / tasks);
    return (
        `at its fewest the service runs ${tasks} task${tasks === 1 ? "" : "s"} (${what}): minimumHealthyPercent ${bounds.minimumHealthyPercent} keeps ` +
        `${tasks === 1 ? "it" : "all of them"} running (rounded up) and maximumPercent ${bounds.maximumPercent} allows no task beyond (rounded down), ` +
        `so ECS can neither stop an old task nor start a new one and every deploy hangs; set deployment.maximumPercent to ${maximum}` +
        `${maximum < 200 ? " or more" : ""}, or deployment.minimumHealthyPercent to ${minimum}${minimum > 0 ? " or less" : " (the old task stops first)"}`
    );
}

/**
 * The cross-field rule of `deployment`: a rolling deploy of the service's fewest tasks (`fewest`,
 * where autoscaling may leave it, and `what` sets it) can stop or start a task.
 */
export const rollingDeployProgresses =
    <S extends Pick<OperationsSettings, "deployment">>(fewest: (s: S) => { tasks: number; what: string }): CrossRule<S> =>
    (s, issue) => {
        const { tasks, what } = fewest(s);
        const problem = rollingDeployProblem(tasks, s.deployment, what);
        if (problem) issue(["deployment", "maximumPercent"], problem);
    };

/** The keys without `repository`, for a topology whose images always come from its own repository. */
export const withoutRepository = <T extends { repository: unknown }>({ repository: _repository, ...rest }: T): Omit<T, "repository"> => rest;

export type OperationsSettings = z.output<z.ZodObject<ReturnType<typeof operationsSettings>>>;

type VariableSources = Pick<OperationsSettings, "secrets" | "existingSecrets"> & { environment?: Record<string, string> };

/**
 * The cross-field rule of the variable keys: each variable comes from one place (`environment`,
 * `secrets` or `existingSecrets`), and never one the topology sets itself (`programVariables`).
 */
export const oneSourcePerVariable =
    <S extends VariableSources>(programVariables: (s: S) => string[] = () => []): CrossRule<S> =>
    (s, issue) => {
        const program = new Set(programVariables(s));
        const seen = new Map<string, string>();
        const sources: [string, string[]][] = [
            ["environment", Object.keys(s.environment ?? {})],
            ["secrets", Object.keys(s.secrets)],
            ["existingSecrets", Object.keys(s.existingSecrets)],
        ];
        for (const [key, names] of sources)
            for (const n of names) {
                if (program.has(n)) issue([key, n], `${n} is set by the program; remove it from config`);
                else if (seen.has(n)) issue([key, n], `${n} is also in ${seen.get(n)}; give each variable in one place`);
                else seen.set(n, key);
            }
    };

/** The variables a workload's containers read from its application secrets: NAME -> ARN, and the ARNs the execution role reads. */
export interface ApplicationSecrets {
    variables: Record<string, pulumi.Input<string>>;
    /** Secret ARNs without JSON-key suffixes: what the execution role may read. */
    arns: pulumi.Input<string>[];
    /** The secrets this workload stores, by variable (for the outputs). */
    stored: Record<string, pulumi.Output<string>>;
    /** The customer managed keys of the existing secrets, which their readers may decrypt with. */
    keyArns: string[];
}

/** Stores each `secrets` value in Secrets Manager and adds the `existingSecrets`. */
export function applicationSecrets(
    name: string,
    s: Pick<OperationsSettings, "secrets" | "existingSecrets" | "existingSecretsKeys">,
    protect: boolean,
    parent: pulumi.Resource,
): ApplicationSecrets {
    const stored = Object.fromEntries(
        Object.entries(s.secrets).map(([variable, value]) => [
            variable,
            storeSecret(`${name}-${variable.toLowerCase().replace(/_/g, "-")}`, { value, description: `${name} ${variable}`, protect }, parent).arn,
        ]),
    );
    const existing = Object.entries(s.existingSecrets);
    return {
        variables: { ...stored, ...Object.fromEntries(existing) },
        // `arn:...:secret:name-AbCdEf:key::` is read with the secret's own ARN.
        arns: [...Object.values(stored), ...existing.map(([, arn]) => arn.split(":").slice(0, 7).join(":"))],
        stored,
        keyArns: [...new Set(s.existingSecretsKeys)],
    };
}

/** The FargateService arguments the operations keys set. */
export const serviceOperations = (s: Pick<OperationsSettings, "executeCommand" | "deployment" | "deployments" | "migrations">) => ({
    enableExecuteCommand: s.executeCommand,
    deployment: s.deployment,
    externalDeploys: s.deployments.mode === "external",
    ...(s.migrations ? { migrations: { command: s.migrations.command } } : {}),
});

/**
 * What an operator or a deploy script needs from a service: with external deploys the cluster,
 * service, family and container `aws ecs update-service` takes; with migrations the run-task command.
 */
export function operationsOutputs(
    service: FargateService,
    container: string,
    s: Pick<OperationsSettings, "deployments" | "migrations">,
): Record<string, pulumi.Input<unknown>> {
    return {
        ...(s.deployments.mode === "external"
            ? { deploy: { cluster: service.cluster.name, service: service.service.name, family: service.taskDefinition.family, container } }
            : {}),
        ...(service.migration
            ? {
                  migrations: {
                      region: service.migration.region,
                      cluster: service.cluster.name,
                      subnets: service.migration.subnets,
                      securityGroup: service.migration.securityGroup,
                      container: "migrate",
                      taskDefinition: service.migration.taskDefinition.family,
                      runTask: service.migration.runTask,
                      runBeforeDeploy: s.migrations?.runBeforeDeploy ?? false,
                  },
              }
            : {}),
    };
}

/** Where one image comes from: given whole, or a tag in the workload's repository. */
export interface ImageSource {
    image?: string;
    imageTag?: string;
}

/** The cross-field rule of an image: whole (`image`), or `imageTag` in a repository the workload creates. */
function imageSourceProblem(source: ImageSource, repositoryCreated: boolean): { key: "image" | "imageTag"; message: string } | undefined {
    if (source.image && source.imageTag) return { key: "imageTag", message: "give either image or imageTag, not both" };
    if (source.imageTag && !repositoryCreated)
        return { key: "imageTag", message: "an image tag needs the workload's repository: set repository.create: true, or give image" };
    if (!source.image && !source.imageTag)
        return {
            key: "image",
            message: repositoryCreated
                ? "required: the image, or imageTag in the workload's repository"
                : "required: the container image (or repository.create: true and imageTag)",
        };
    return undefined;
}

/** The cross-field rule of the images a workload runs: each from `image`, or `imageTag` in its repository, at its path. */
export const imageSources =
    <S extends { repository: { create: boolean } }>(sources: (s: S) => [string[], ImageSource][]): CrossRule<S> =>
    (s, issue) => {
        for (const [path, source] of sources(s)) {
            const problem = imageSourceProblem(source, s.repository.create);
            if (problem) issue([...path, problem.key], problem.message);
        }
    };

/**
 * The image a container runs: `image` as given, or `<repository>:<imageTag>` from a repository
 * the workload creates (`repository.create`), named `name`. Returns the repository too, for the outputs.
 */
export function resolveImage(
    name: string,
    source: ImageSource,
    settings: { repository: { create: boolean; keepImages: number } },
    protect: boolean,
    parent: pulumi.Resource,
): { image: pulumi.Input<string>; repository?: ImageRepository } {
    if (!settings.repository.create || !source.imageTag) return { image: source.image! };
    const repository = new ImageRepository(name, { keepImages: settings.repository.keepImages, protect }, { parent });
    return { image: pulumi.interpolate`${repository.url}:${source.imageTag}`, repository };
}
