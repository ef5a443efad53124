import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TASK_DEFINITION, containersOf, isWorldCidr, rule } from "./kit";

/** Name segments that mark a secret, whatever else the name says (`REDIS_AUTH`, `LICENSE_KEY`). */
const SECRET_SEGMENTS = new Set([
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "AUTH",
    "LICENSE",
    "LICENCE",
    "DSN",
    "SALT",
]);
/** Words that end in one (`PGPASSWORD`, `GITHUBTOKEN`). */
const SECRET_ENDING = /(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY)$/;
const SECRET_PAIRS = /(^|_)(API|ACCESS|PRIVATE|SECRET|SIGNING|ENCRYPTION|MASTER)_?KEY$/;
/** Names that point at a secret rather than hold it (`JWT_SIGNING_KEY_ID`, `DB_SECRET_ARN`). */
const REFERENCE_SUFFIX = /_(ID|ARN|NAME|HOST|PORT|URL|PATH|FILE|PREFIX|TTL|HEADER|MODE|TYPE|ENABLED|REGION|ALGORITHM)$/;

/** Whether an environment variable's name says it holds a secret. */
export function secretName(name: string): boolean {
    const upper = name.toUpperCase();
    if (REFERENCE_SUFFIX.test(upper)) return false;
    return upper.split(/[^A-Z0-9]+/).some((s) => SECRET_SEGMENTS.has(s) || SECRET_ENDING.test(s)) || SECRET_PAIRS.test(upper);
}

/**
 * Known credential formats, whatever the variable is called: AWS access keys, credentials in a URL,
 * private keys, JWTs, and the prefixed tokens of GitHub, GitLab, Slack, Stripe and npm.
 */
const SECRET_VALUE = [
    /\b(AKIA|ASIA)[0-9A-Z]{16}\b/,
    /:\/\/[^:/\s@]+:[^@/\s]+@/,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
    /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_live_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{36})\b/,
];

/** Shannon entropy of a string, bits per character. */
function entropy(value: string): number {
    const counts = new Map<string, number>();
    for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    return [...counts.values()].reduce((bits, n) => bits - (n / value.length) * Math.log2(n / value.length), 0);
}

/** Character classes a value mixes: lower case, upper case, digits, symbols. */
const classes = (value: string) => [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;

/** Evidence in the value itself: a known credential format, or a long random token. */
export function secretValue(value: unknown): boolean {
    if (typeof value !== "string") return false;
    return SECRET_VALUE.some((re) => re.test(value)) || randomToken(value);
}

/** A token: 24+ characters of one word mixing upper case, lower case and digits, with little repetition. */
const randomToken = (value: string) =>
    /^[A-Za-z0-9+/=_-]{24,}$/.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value) && entropy(value) >= 3.5;

/**
 * Names of values that are random by nature and public by design: identifiers (`AUTH0_CLIENT_ID`,
 * `BUILD_ID`, `…_ARN`) and published keys (`STRIPE_PUBLISHABLE_KEY`, `MAPS_PUBLIC_KEY`). Under
 * them a random-looking value is no evidence; a known credential format still is.
 */
function publicIdentifier(name: string): boolean {
    const upper = name.toUpperCase();
    return REFERENCE_SUFFIX.test(upper) || upper.split(/[^A-Z0-9]+/).some((s) => s === "PUBLIC" || s === "PUBLISHABLE");
}

/**
 * Values that are settings, not credentials: numbers, durations, sizes, booleans, a single word
 * (`oidc`, `info`), ARNs, URLs and paths without credentials.
 */
const SETTING_VALUE = [
    /^-?\d+(\.\d+)?[a-zA-Z]{0,3}$/,
    /^(true|false|yes|no|on|off)$/i,
    /^[A-Za-z]+$/,
    /^arn:/,
    // A URL without a password (a user alone, such as a Sentry DSN's public key, is not one).
    /^[a-z][a-z0-9+.-]*:\/\/([^:@/\s]+@)?[^@\s]*$/,
    // A host name of three labels or more (`api.example.com`, `acme.eu.auth0.com`), with a port or not.
    /^([a-z0-9-]+\.){2,}[a-z]{2,}(:\d+)?$/,
    /^\.{0,2}\//,
];

/**
 * Under a name that says secret, a literal that looks like one: at least 6 characters mixing
 * letters with digits or symbols, none of the settings' shapes, and not a reference to a variable.
 */
export function credentialUnderSecretName(name: string, value: unknown): boolean {
    if (typeof value !== "string" || !secretName(name)) return false;
    if (value.length < 6 || SETTING_VALUE.some((re) => re.test(value)) || isVariableReference(value)) return false;
    return classes(value) >= 2 && entropy(value) >= 2.5;
}

/** `$NAME`, `"${NAME}"`: a value the shell reads from the environment (where ECS `secrets` put it), not a literal. */
const isVariableReference = (value: string) => /^["']?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?["']?$/.test(value);

/** Secrets passed as arguments: `--password=x`, `--token x`, `PASSWORD=x`, or a secret-looking value. */
function secretArguments(argv: string[]): string[] {
    const found: string[] = [];
    // Shell strings (`sh -c "PGPASSWORD=x psql"`) are searched word by word.
    const args = argv.flatMap((a) => a.split(/\s+/)).filter(Boolean);
    args.forEach((arg, i) => {
        const flag = /^--?([A-Za-z0-9_-]+)(=(.*))?$/.exec(arg);
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(arg);
        const flagValue = flag?.[3] ?? (args[i + 1] !== undefined && !args[i + 1].startsWith("-") ? args[i + 1] : undefined);
        if (flag && secretName(flag[1].replace(/-/g, "_")) && flagValue !== undefined && !isVariableReference(flagValue)) found.push(flag[1]);
        else if (assignment && secretName(assignment[1]) && !isVariableReference(assignment[2])) found.push(assignment[1]);
        else if (arg.split(/\s+/).some(secretValue)) found.push(`argument ${i + 1}`);
    });
    return found;
}

/** An image reference pinned to a version: a digest, or a tag other than `latest`. */
export function pinnedImage(image: string): boolean {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
    const last = image.split("/").pop() ?? "";
    const tag = last.includes(":") ? last.split(":").pop() : undefined;
    return tag !== undefined && tag !== "" && tag !== "latest";
}

/** User data as text: `userData` is plain, `userDataBase64` (and launch templates' `userData`) base64. */
function userDataText(type: string, p: Record<string, unknown>): string {
    const plain = type === "aws:ec2/instance:Instance" && typeof p.userData === "string" ? p.userData : "";
    const encoded = type === "aws:ec2/launchTemplate:LaunchTemplate" ? p.userData : p.userDataBase64;
    return plain + (typeof encoded === "string" ? Buffer.from(encoded, "base64").toString("utf8") : "");
}

/** The plain variables of a task definition's containers that may hold a secret, and what says so. */
function environmentSecrets(p: Record<string, unknown>): { container?: string; name: string; evidence: "value" | "name and value" | "name" }[] {
    return containersOf(p).flatMap((c) =>
        (c.environment ?? []).flatMap((e) => {
            const evidence = (publicIdentifier(e.name) ? SECRET_VALUE.some((re) => re.test(String(e.value))) : secretValue(e.value))
                ? "value"
                : credentialUnderSecretName(e.name, e.value)
                  ? "name and value"
                  : secretName(e.name)
                    ? "name"
                    : undefined;
            return evidence ? [{ container: c.name, name: e.name, evidence } as const] : [];
        }),
    );
}

export const workloadResourcePolicies: ResourceValidationPolicy[] = [
    rule(
        "ecs-no-secrets-in-environment",
        "Secrets reach ECS containers through `secrets` (Secrets Manager/SSM), never plain `environment`: on evidence in the value (a known token format, a credential in a URL, a long random token, or a random-looking literal under a secret's name such as `*_PASSWORD`).",
        "mandatory",
        [TASK_DEFINITION],
        (p, report) => {
            for (const { container, name, evidence } of environmentSecrets(p))
                if (evidence === "value") report(`container ${container}: the value of ${name} looks like a credential; pass it in secrets`);
                else if (evidence === "name and value") report(`container ${container}: ${name} holds a credential-like literal; pass it in secrets`);
        },
    ),
    rule(
        "ecs-secret-named-environment",
        "A plain `environment` variable whose name alone says secret (`*_PASSWORD`, `*_TOKEN`, `*_AUTH`, `*_LICENSE`, …) but whose value shows none: worth a look, not a refusal (`PASSWORD_MIN_LENGTH=12` is a setting).",
        "advisory",
        [TASK_DEFINITION],
        (p, report) => {
            for (const { container, name, evidence } of environmentSecrets(p))
                if (evidence === "name") report(`container ${container}: ${name} is named like a secret; if it holds one, pass it in secrets`);
        },
    ),
    rule(
        "ecs-no-secrets-in-command",
        "Container commands and entry points carry no secrets (they show in the console, `describe-task-definition` and process lists).",
        "mandatory",
        [TASK_DEFINITION],
        (p, report) => {
            for (const c of containersOf(p)) {
                for (const found of secretArguments([...(c.entryPoint ?? []), ...(c.command ?? [])]))
                    report(`container ${c.name}: ${found} is passed on the command line`);
            }
        },
    ),
    rule(
        "ecs-pinned-images",
        "Container images are pinned: a version tag or a digest, never `latest` or no tag (a restart would run whatever was pushed last).",
        "mandatory",
        [TASK_DEFINITION],
        (p, report) => {
            for (const c of containersOf(p)) {
                if (typeof c.image === "string" && !pinnedImage(c.image)) report(`container ${c.name}: image ${c.image} is not pinned`);
            }
        },
    ),
    rule(
        "ecs-no-trust-all-proxies",
        "Proxies trust forwarded client addresses only from known hops (`*_TRUSTED_IPS`, `*_TRUSTED_PROXIES`): trusting the internet lets any client pick the address rate limits and logs see.",
        "mandatory",
        [TASK_DEFINITION],
        (p, report) => {
            for (const c of containersOf(p))
                for (const e of c.environment ?? [])
                    if (
                        /TRUSTED_(IPS|PROXIES|NETWORKS)$/i.test(e.name) &&
                        String(e.value)
                            .split(/[,\s]+/)
                            .some(isWorldCidr)
                    )
                        report(`container ${c.name}: ${e.name} trusts the whole internet`);
        },
    ),
    rule(
        "ec2-imds-hop-limit",
        "The instance metadata service answers only the host (hop limit 1): a container on a bridge network cannot take the host role's credentials.",
        "mandatory",
        ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
        (p, report) => {
            const hops = p.metadataOptions?.httpPutResponseHopLimit;
            if (typeof hops === "number" && hops > 1) report(`httpPutResponseHopLimit is ${hops}`);
        },
    ),
    rule(
        "ec2-no-secrets-in-user-data",
        "User data carries no secrets (any process on the host and anyone with ec2:DescribeInstanceAttribute reads it): hosts fetch them from Secrets Manager.",
        "mandatory",
        ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
        (p, report, args) => {
            const text = userDataText(args.type, p);
            for (const line of text.split("\n")) {
                // A literal value: not a variable, a command substitution or an empty JSON object.
                const assignment = /(?:^|\s|export\s+)([A-Za-z_][A-Za-z0-9_]*)=["']?([^"'\s${}()[\]][^"'\s]*)/.exec(line);
                if (assignment && secretName(assignment[1])) report(`user data sets ${assignment[1]}`);
                else if (SECRET_VALUE.some((re) => re.test(line))) report("user data contains a credential");
            }
        },
    ),
    rule(
        "ec2-termination-protection-production",
        "Production instances have termination protection.",
        "mandatory",
        ["aws:ec2/instance:Instance"],
        (p, report) => {
            if (p.disableApiTermination !== true) report("disableApiTermination is not true");
        },
        { production: true },
    ),
];
