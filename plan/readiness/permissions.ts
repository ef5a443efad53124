// IAM sufficiency: each task and host can do what its configuration needs.
import { CORE_SCHEMA, load } from "js-yaml";
import { ecrRepositoryArn } from "../../components/iam";
import { iamPattern } from "../../policy/kit";
import { PlannedResource } from "../mocks";
import { PlanIndex, Report, Statement, T, allows, asArray, parseStatements, plannedSecretCopy, regionOf } from "./kit";

const ECR_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

interface Container {
    name: string;
    image?: string;
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
    repositoryCredentials?: { credentialsParameter?: string };
}

/** What each kind of resource named in a container's environment needs from its task role. */
export const ENVIRONMENT_NEEDS: { type: string; suffix: string; actions: string[]; what: string }[] = [
    { type: "aws:sqs/queue:Queue", suffix: "", actions: ["sqs:SendMessage", "sqs:ReceiveMessage"], what: "send to or receive from the queue" },
    { type: "aws:sns/topic:Topic", suffix: "", actions: ["sns:Publish"], what: "publish to the topic" },
    { type: "aws:s3/bucketV2:BucketV2", suffix: "/*", actions: ["s3:GetObject", "s3:PutObject"], what: "read or write the bucket's objects" },
    { type: "aws:s3/bucket:Bucket", suffix: "/*", actions: ["s3:GetObject", "s3:PutObject"], what: "read or write the bucket's objects" },
];

/** The Secrets Manager secret of an ECS `valueFrom` (`<secret-arn>[:json-key:version-stage:version-id]`). */
const secretOf = (valueFrom: string) => valueFrom.split(":").slice(0, 7).join(":");

/**
 * Where an ECS `secrets` entry is read from, and the action its execution role needs: a Secrets
 * Manager secret (in any partition; a JSON-key reference is read with the secret's own ARN) or a
 * Systems Manager parameter (by ARN, or by name in the task's region, which IAM sees as
 * `arn:<partition>:ssm:<region>:<account>:parameter/<name>`).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html
 */
export function secretSource(valueFrom: string, task?: PlannedResource): { service: "secretsmanager" | "ssm"; arn: string; action: string } {
    if (/^arn:aws[\w-]*:secretsmanager:/.test(valueFrom))
        return { service: "secretsmanager", arn: secretOf(valueFrom), action: "secretsmanager:GetSecretValue" };
    if (/^arn:aws[\w-]*:ssm:/.test(valueFrom)) return { service: "ssm", arn: valueFrom, action: "ssm:GetParameters" };
    // A parameter's name: `/a/b` or `a`; ARNs name it without its leading slash.
    const [partition, region, account] = /^arn:(aws[\w-]*):[a-z0-9-]+:([a-z0-9-]+):(\d{12}):/.exec(String(task?.state.arn))?.slice(1) ?? ["aws", "*", "*"];
    return { service: "ssm", arn: `arn:${partition}:ssm:${region}:${account}:parameter/${valueFrom.replace(/^\//, "")}`, action: "ssm:GetParameters" };
}

/** Secrets Manager's AWS managed key, by alias name or alias ARN: every identity of the account may use it through Secrets Manager. */
const SECRETS_MANAGER_KEY = /^(arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:)?alias\/aws\/secretsmanager$/;

/**
 * The key ARN a `kmsKeyId` of a secret in `region` names (a key ARN, a key ID, a key or alias the
 * plan creates); `null` for Secrets Manager's AWS managed key (none named, or `aws/secretsmanager`);
 * `undefined` where the plan cannot tell (an alias it does not create).
 */
function secretKeyArn(index: PlanIndex, kmsKeyId: unknown, secretArn: string, region: string, aliases = 1): string | null | undefined {
    if (kmsKeyId === undefined || kmsKeyId === null || kmsKeyId === "") return null;
    if (typeof kmsKeyId !== "string" || kmsKeyId.includes("[unknown]")) return undefined;
    if (SECRETS_MANAGER_KEY.test(kmsKeyId)) return null;
    const planned = index.byIdOrArn(kmsKeyId, "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey");
    if (planned) return planned.state.arn;
    if (/^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\//.test(kmsKeyId)) return kmsKeyId;
    const [partition, account] = /^arn:(aws[\w-]*):secretsmanager:[a-z0-9-]+:(\d{12}):/.exec(secretArn)?.slice(1) ?? [];
    if (/^(mrk-[0-9a-f]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.test(kmsKeyId) && account)
        return `arn:${partition}:kms:${region}:${account}:key/${kmsKeyId}`;
    const alias = index.of("aws:kms/alias:Alias").find((a) => a.inputs.name === kmsKeyId || a.state.arn === kmsKeyId);
    return alias && aliases > 0 ? secretKeyArn(index, alias.inputs.targetKeyId, secretArn, region, aliases - 1) : undefined;
}

const STRING_MATCH: Record<string, { like: boolean; negated: boolean }> = {
    stringequals: { like: false, negated: false },
    stringequalsignorecase: { like: false, negated: false },
    stringlike: { like: true, negated: false },
    stringnotequals: { like: false, negated: true },
    stringnotequalsignorecase: { like: false, negated: true },
    stringnotlike: { like: true, negated: true },
};

/**
 * The statements that apply to a KMS request Secrets Manager makes in `region` on a reader's behalf:
 * a statement whose `kms:ViaService` condition excludes `secretsmanager.<region>.amazonaws.com` does
 * not (other conditions are taken as met).
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
 */
function throughSecretsManager(statements: Statement[], region: string): Statement[] {
    const service = `secretsmanager.${region}.amazonaws.com`;
    return statements.filter((s) =>
        Object.entries(s.Condition ?? {}).every(([operator, keys]) => {
            const match = STRING_MATCH[operator.replace(/^ForAnyValue:|^ForAllValues:/i, "").toLowerCase()];
            const via = Object.entries(keys ?? {}).find(([k]) => k.toLowerCase() === "kms:viaservice");
            if (!match || !via) return true;
            const hit = asArray(via[1]).some((v) => (match.like ? iamPattern(String(v), true).test(service) : String(v).toLowerCase() === service));
            return hit !== match.negated;
        }),
    );
}

/**
 * A reader (an execution role, a host's role) of a secret the plan holds may decrypt it: where the
 * copy it reads in `at` is encrypted by a customer managed key (the secret's `kmsKeyId`, a replica's
 * own), `kms:Decrypt` on that key through Secrets Manager in `at`; Secrets Manager's AWS managed key
 * needs no grant. An existing secret's key, and its replicas', are not in the plan: the config states
 * them (`existingSecretsKeys`), and the plan does not guess.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
function undecryptable(
    index: PlanIndex,
    statements: Statement[],
    stackRegion: string,
    arn: string,
    at: string,
): { encrypted: string; lacks: string } | undefined {
    const copy = plannedSecretCopy(index, stackRegion, arn, at);
    const key = copy ? secretKeyArn(index, copy.kmsKeyId, arn, at) : undefined;
    if (!key || allows(throughSecretsManager(statements, at), "kms:Decrypt", key)) return undefined;
    return {
        encrypted: `${regionOf(copy!.secret, stackRegion) === at ? "" : ` (a replica in ${at})`}, encrypted with the customer managed key ${key}`,
        lacks: `kms:Decrypt on that key through secretsmanager.${at}.amazonaws.com`,
    };
}

/**
 * Each task's execution role can pull its private ECR images, read its `secrets` (and decrypt them,
 * where the plan holds a secret under a customer managed key), write its `awslogs` group; its task
 * role can use every queue, topic and bucket its environment names.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 */
export function checkTaskPermissions(index: PlanIndex, report: Report, stackRegion: string): void {
    for (const task of index.of(T.taskDefinition)) {
        let containers: Container[];
        try {
            containers = JSON.parse(String(task.inputs.containerDefinitions)) as Container[];
        } catch {
            continue; // unknown at plan time
        }
        const executionRole = index.byIdOrArn(task.inputs.executionRoleArn, T.role);
        const taskRole = index.byIdOrArn(task.inputs.taskRoleArn, T.role);
        const execution = executionRole ? index.statementsOf(executionRole).statements : [];
        const app = taskRole ? index.statementsOf(taskRole).statements : [];
        for (const c of containers) {
            const who = `container ${c.name}`;
            const repository = c.image ? ecrRepositoryArn(c.image) : undefined;
            if (repository) {
                if (!executionRole)
                    report("iam-image-pull", task.urn, `${who} runs the private ECR image ${c.image} but the task has no execution role to pull it`);
                else {
                    const missing = [
                        ...(allows(execution, "ecr:GetAuthorizationToken", "*") ? [] : ["ecr:GetAuthorizationToken on *"]),
                        ...ECR_PULL.filter((a) => !allows(execution, a, repository)).map((a) => `${a} on ${repository}`),
                    ];
                    if (missing.length > 0)
                        report(
                            "iam-image-pull",
                            task.urn,
                            `${who} runs ${c.image}, but its execution role lacks ${missing.join(", ")}: ECS cannot pull the image`,
                        );
                }
            }
            for (const s of c.secrets ?? []) {
                if (s.valueFrom.includes("[unknown]")) continue;
                const { service, arn, action } = secretSource(s.valueFrom, task);
                if (!allows(execution, action, arn))
                    report(
                        "iam-secret-read",
                        task.urn,
                        `${who} reads ${s.name} from ${arn}, but its execution role lacks ${action} on it: the task cannot start`,
                    );
                const key = service === "secretsmanager" ? undecryptable(index, execution, stackRegion, arn, regionOf(task, stackRegion)) : undefined;
                if (key)
                    report(
                        "iam-secret-key",
                        task.urn,
                        `${who} reads ${s.name} from ${arn}${key.encrypted}, but its execution role lacks ${key.lacks}: the task cannot start`,
                    );
            }
            const credentials = c.repositoryCredentials?.credentialsParameter;
            if (credentials && !allows(execution, "secretsmanager:GetSecretValue", secretOf(credentials))) {
                report("iam-image-pull", task.urn, `${who} pulls with the credentials in ${credentials}, but its execution role cannot read them`);
            }
            const logs = c.logConfiguration;
            if (logs?.logDriver === "awslogs" && logs.options?.["awslogs-group"]) {
                const region = logs.options["awslogs-region"];
                const group = logs.options["awslogs-group"];
                const stream = `arn:aws:logs:${region}:${accountOf(task)}:log-group:${group}:log-stream:x`;
                for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
                    if (!allows(execution, action, stream))
                        report("iam-log-write", task.urn, `${who} logs to ${group}, but its execution role lacks ${action} there`);
                }
            }
            for (const e of c.environment ?? []) {
                for (const need of ENVIRONMENT_NEEDS) {
                    const target = index.of(need.type).find((r) => [r.state.id, r.state.arn, r.inputs.bucket].includes(e.value));
                    if (!target?.state.arn) continue;
                    const arn = `${target.state.arn}${need.suffix}`;
                    if (!need.actions.some((a) => allows(app, a, arn))) {
                        report(
                            "iam-environment-resource",
                            task.urn,
                            `${who} is told ${e.name}=${e.value} but its task role may not ${need.what} (${need.actions.join(" or ")} on ${arn})`,
                        );
                    }
                }
            }
        }
    }
}

const accountOf = (r: PlannedResource) => /arn:aws[\w-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(String(r.state.arn))?.[1] ?? "*";

/** What a Compose host's files ask of it: the images, the `awslogs` groups, the secrets its env files are written from, the services' environment. */
export interface HostFiles {
    images: Set<string>;
    logGroups: Set<string>;
    secrets: Set<string>;
    environment: { name: string; value: string }[];
}

/** The Compose file and the env-file list (`[{ file, secretArn | values: [{ secretArn }] }]`) each workload renders, by workload. */
export function hostFiles(index: PlanIndex): Map<string, HostFiles> {
    const byWorkload = new Map<string, HostFiles>();
    for (const object of index.of(T.bucketObject)) {
        const content = object.inputs.content;
        if (typeof content !== "string") continue;
        const root = index.root(object);
        const files = byWorkload.get(root) ?? { images: new Set<string>(), logGroups: new Set<string>(), secrets: new Set<string>(), environment: [] };
        byWorkload.set(root, files);
        if (/^services:/m.test(content)) {
            let compose: {
                services?: Record<
                    string,
                    { image?: string; environment?: Record<string, unknown>; logging?: { driver?: string; options?: Record<string, string> } }
                >;
            };
            try {
                // js-yaml (which the Pulumi SDK loads anyway) reads the rendered file five times faster than
                // `yaml`, which renders it; the core schema reads it as Compose does.
                compose = load(content, { schema: CORE_SCHEMA }) as typeof compose;
            } catch {
                continue;
            }
            for (const s of Object.values(compose.services ?? {})) {
                if (s.image) files.images.add(s.image);
                for (const [name, value] of Object.entries(s.environment ?? {})) files.environment.push({ name, value: String(value) });
                const logs = s.logging?.options;
                if (s.logging?.driver === "awslogs" && logs?.["awslogs-group"]) files.logGroups.add(`${logs["awslogs-region"]}|${logs["awslogs-group"]}`);
            }
        } else if (/"secretArn"/.test(content)) {
            try {
                const entries = JSON.parse(content) as { secretArn?: string; values?: { secretArn?: string }[] }[];
                for (const e of entries) for (const arn of [e.secretArn, ...(e.values ?? []).map((v) => v.secretArn)]) if (arn) files.secrets.add(arn);
            } catch {
                continue;
            }
        }
    }
    return byWorkload;
}

/**
 * A Compose host's instance role can do what its files ask: pull the private ECR images (with a
 * Docker credential helper that uses the role: Amazon Linux 2023 ships amazon-ecr-credential-helper),
 * let Docker's `awslogs` driver write each group, and let the sync job copy its files from S3 and
 * read each secret it writes an env file from. https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
 * https://docs.docker.com/engine/logging/drivers/awslogs/
 */
export function checkHostPermissions(index: PlanIndex, report: Report, stackRegion: string): void {
    const byWorkload = hostFiles(index);
    for (const host of index.of(T.instance)) {
        const files = byWorkload.get(index.root(host));
        if (!files) continue;
        const profile = index
            .of(T.instanceProfile)
            .find((p) => p.state.id === host.inputs.iamInstanceProfile || p.inputs.name === host.inputs.iamInstanceProfile);
        const role = profile ? index.of(T.role).find((r) => r.state.id === profile.inputs.role || r.state.arn === profile.inputs.role) : undefined;
        const statements = role ? index.statementsOf(role).statements : [];
        const images = [...files.images].filter((i) => ecrRepositoryArn(i));
        for (const image of images) {
            const repository = ecrRepositoryArn(image)!;
            const missing = ["ecr:GetAuthorizationToken", ...ECR_PULL].filter(
                (a) => !allows(statements, a, a === "ecr:GetAuthorizationToken" ? "*" : repository),
            );
            if (missing.length > 0) report("iam-image-pull", host.urn, `the host runs ${image}, but its instance role lacks ${missing.join(", ")}`);
        }
        if (images.length > 0 && !String(host.inputs.userData ?? "").includes("ecr-login")) {
            report("host-ecr-login", host.urn, "the host runs private ECR images but never configures Docker's ECR credential helper (credHelpers: ecr-login)");
        }
        for (const entry of files.logGroups) {
            const [region, group] = entry.split("|");
            const stream = `arn:aws:logs:${region}:${accountOf(host)}:log-group:${group}:log-stream:x`;
            const missing = ["logs:CreateLogStream", "logs:PutLogEvents"].filter((a) => !allows(statements, a, stream));
            if (missing.length > 0)
                report(
                    "iam-log-write",
                    host.urn,
                    `its containers log to ${group}, but its instance role lacks ${missing.join(", ")} there: Docker's awslogs driver refuses to start them`,
                );
        }
        // What the sync job copies from S3: `s3://$BUCKET/$PREFIX/<file>`, with BUCKET and PREFIX from its env file.
        const userData = String(host.inputs.userData ?? "");
        const [bucket, prefix] = ["BUCKET", "PREFIX"].map((v) => new RegExp(`^\\s*${v}=(\\S+)$`, "m").exec(userData)?.[1]);
        for (const [, file] of bucket ? userData.matchAll(/s3:\/\/\$BUCKET\/\$PREFIX\/([\w.-]+)/g) : []) {
            const object = `arn:aws:s3:::${bucket}/${prefix ? `${prefix}/` : ""}${file}`;
            if (!allows(statements, "s3:GetObject", object))
                report("iam-host-config", host.urn, `its sync job copies ${object}, but its instance role lacks s3:GetObject on it: no service starts`);
        }
        for (const secret of files.secrets) {
            if (!allows(statements, "secretsmanager:GetSecretValue", secret))
                report(
                    "iam-secret-read",
                    host.urn,
                    `its sync job writes an env file from ${secret}, but its instance role lacks secretsmanager:GetSecretValue on it: no service starts`,
                );
            const key = undecryptable(index, statements, stackRegion, secret, regionOf(host, stackRegion));
            if (key)
                report(
                    "iam-secret-key",
                    host.urn,
                    `its sync job writes an env file from ${secret}${key.encrypted}, but its instance role lacks ${key.lacks}: no service starts`,
                );
        }
    }
}

/**
 * A flow log publishing to CloudWatch Logs: its role has what AWS lists as the minimum for the
 * flow-logs service (on the group; `DescribeLogGroups` takes no narrower resource than `*`),
 * creating the group aside, which exists. Without it the flow log is created, and delivers nothing.
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
 */
export function checkFlowLogPermissions(index: PlanIndex, report: Report): void {
    for (const flowLog of index.of("aws:ec2/flowLog:FlowLog")) {
        const group = flowLog.inputs.logDestination;
        if ((flowLog.inputs.logDestinationType ?? "cloud-watch-logs") !== "cloud-watch-logs" || typeof group !== "string") continue;
        const role = index.byIdOrArn(flowLog.inputs.iamRoleArn, T.role);
        const statements = role ? index.statementsOf(role).statements : [];
        const needs: [string, string][] = [
            ["logs:CreateLogStream", `${group}:log-stream:x`],
            ["logs:PutLogEvents", `${group}:log-stream:x`],
            ["logs:DescribeLogStreams", `${group}:log-stream:x`],
            ["logs:DescribeLogGroups", "*"],
        ];
        const missing = needs
            .filter(([action, resource]) => !allows(statements, action, resource))
            .map(([action, r]) => `${action} on ${r === "*" ? r : group}`);
        if (missing.length > 0)
            report("iam-flow-log", flowLog.urn, `its role lacks ${missing.join(", ")}: the flow log is created but delivers nothing to its group`);
    }
}

/** Whether a key policy's statements let the AWS service `service` (a principal such as cloudwatch.amazonaws.com) do `action`. */
function keyPolicyAllows(policy: unknown, service: string, action: string): boolean {
    const forService = parseStatements(policy).filter((s) => {
        const principal = s.Principal;
        if (principal === "*") return true;
        const services = asArray((principal as Record<string, unknown> | undefined)?.Service);
        return services.includes(service);
    });
    return allows(forService, action, "*");
}

/**
 * A CloudWatch alarm notifying an encrypted topic: CloudWatch encrypts what it publishes with the
 * topic's key, so the key's policy must let cloudwatch.amazonaws.com use it (kms:Decrypt,
 * kms:GenerateDataKey*); the AWS managed key alias/aws/sns, whose policy no one can change, never does.
 * Otherwise the alarm fires and nobody hears of it.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
 */
export function checkAlarmTopicKeys(index: PlanIndex, report: Report): void {
    const topics = index.of("aws:sns/topic:Topic");
    const keys = index.of("aws:kms/key:Key");
    const reported = new Set<string>();
    for (const alarm of index.of("aws:cloudwatch/metricAlarm:MetricAlarm")) {
        const actions = [...asArray(alarm.inputs.alarmActions), ...asArray(alarm.inputs.okActions), ...asArray(alarm.inputs.insufficientDataActions)];
        for (const topic of topics.filter((t) => actions.includes(t.state.arn) || actions.includes(t.state.id))) {
            const keyId = topic.inputs.kmsMasterKeyId;
            if (typeof keyId !== "string" || reported.has(topic.urn)) continue;
            const key = keys.find((k) => [k.state.id, k.state.arn].includes(keyId));
            const problem =
                keyId === "alias/aws/sns" || keyId.endsWith(":alias/aws/sns")
                    ? "is encrypted with the AWS managed key alias/aws/sns, whose policy lets no AWS service use it"
                    : key && !["kms:Decrypt", "kms:GenerateDataKey"].every((a) => keyPolicyAllows(key.inputs.policy, "cloudwatch.amazonaws.com", a))
                      ? `is encrypted with ${key.name}, whose key policy does not let cloudwatch.amazonaws.com use it (kms:Decrypt, kms:GenerateDataKey*)`
                      : undefined;
            if (!problem) continue;
            reported.add(topic.urn);
            report("kms-alarm-topic", topic.urn, `alarms notify this topic, which ${problem}: CloudWatch cannot publish, and the alarms reach no one`);
        }
    }
}
