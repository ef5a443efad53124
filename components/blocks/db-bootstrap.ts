import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ContainerSpec } from "./fargate-service";
import { bootstrapScript } from "./db-bootstrap-sql";
import { secretKey, storeSecret } from "./secret";

/** The database the bootstrap works on. */
export interface BootstrapTarget {
    /** Writer endpoint host name. */
    host: pulumi.Input<string>;
    /** The master's Secrets Manager secret (JSON with `username` and `password`). */
    masterSecretArn: pulumi.Input<string>;
    /** The application's database. */
    databaseName: string;
    /** PostgreSQL major version: the psql client of the same major runs the bootstrap. */
    engineMajor: string;
    /**
     * The image that runs it: a PostgreSQL image of `engineMajor`. Default
     * `public.ecr.aws/docker/library/postgres:<engineMajor>-alpine`. A private ECR image may be a
     * pull-through cache: the execution role may create its repository and import the upstream image.
     */
    image?: string;
}

/** The application's own login to its database, and the init container that creates it. */
export interface ApplicationLogin {
    /** The login role's name (`<database>_app`). */
    username: string;
    /** Secrets Manager secret: JSON with `username` and `password`. */
    secretArn: pulumi.Output<string>;
    /** ECS `valueFrom` of the user name and password, for the application's containers. */
    user: pulumi.Output<string>;
    password: pulumi.Output<string>;
    /** The password itself (a Pulumi secret), for a connection URL the application reads whole. */
    passwordValue: pulumi.Output<string>;
    /** The non-essential `db-bootstrap` container: the application's container starts after it succeeds. */
    container: ContainerSpec;
    /** Secrets the execution role reads: the master's (for the bootstrap only) and the login's. */
    secretArns: pulumi.Input<string>[];
}

/**
 * A login role for the application, generated and kept in Secrets Manager; only the bootstrap
 * container sees the master credentials. The psql image comes from ECR Public's copy of the
 * Docker official image (no Docker Hub pull limits), unless the database names its own.
 */
export function applicationLogin(name: string, target: BootstrapTarget, protect: boolean, parent: pulumi.Resource): ApplicationLogin {
    const username = `${target.databaseName}_app`;
    // Letters and digits only: the password also goes into connection URLs.
    const password = new random.RandomPassword(`${name}-db-app`, { length: 32, special: false }, { parent });
    const secret = storeSecret(
        `${name}-db-app`,
        { value: pulumi.jsonStringify({ username, password: password.result }), description: `${name}: the application's database login`, protect },
        parent,
    );
    const container: ContainerSpec = {
        name: "db-bootstrap",
        image: target.image ?? `public.ecr.aws/docker/library/postgres:${target.engineMajor}-alpine`,
        // A private copy of psql is typically an ECR pull-through cache of ECR Public (`ecr-public/...`).
        pullThroughCache: target.image !== undefined,
        essential: false,
        command: ["sh", "-c", bootstrapScript()],
        environment: { PGHOST: target.host, PGPORT: "5432", PGDATABASE: "postgres", PGSSLMODE: "require", DB_NAME: target.databaseName },
        secrets: {
            PGUSER: secretKey(target.masterSecretArn, "username"),
            PGPASSWORD: secretKey(target.masterSecretArn, "password"),
            DB_USER: secretKey(secret.arn, "username"),
            DB_PASSWORD: secretKey(secret.arn, "password"),
        },
        logStreamPrefix: "db-bootstrap",
    };
    return {
        username,
        secretArn: secret.arn,
        user: secretKey(secret.arn, "username"),
        password: secretKey(secret.arn, "password"),
        passwordValue: pulumi.secret(password.result),
        container,
        secretArns: [target.masterSecretArn, secret.arn],
    };
}

/** The application's container, started only once the bootstrap has succeeded, and the bootstrap beside it. */
export function afterBootstrap(container: ContainerSpec, login: ApplicationLogin): ContainerSpec[] {
    return [{ ...container, dependsOn: [...(container.dependsOn ?? []), { containerName: login.container.name, condition: "SUCCESS" }] }, login.container];
}
