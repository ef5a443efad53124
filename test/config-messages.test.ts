import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { TOPOLOGY_REGISTRY, TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { ConfigValidationError, RawStackConfig, parseStackConfig } from "../stacks/schema";
import { OFFLINE_SECRET_PREFIX } from "../stacks/schema-kit";
import { PROJECT_DIR } from "../plan/stack-files";
import { buildStack, rawStack, scratchDir, planCli } from "./helpers";

/** Stack-config messages as a user meets them: all at once, CLI-typed values, secrets never shown. */

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12121212-3434-5656-7878-909090909090";

function problemsOf(raw: RawStackConfig): { path: string; message: string }[] {
    try {
        parseStackConfig(raw, TOPOLOGY_SCHEMAS);
    } catch (err) {
        if (err instanceof ConfigValidationError) return [...err.problems];
        throw err;
    }
    return [];
}

/** Workloads of the three topologies with secret fields, a plain-text value in each secret field. */
const PLAINTEXT = {
    ledgerSecret: "sk_live_ledger_secret_value",
    license: "eyJhbGciOiJFZERTQSJ9.license-token-value.sig",
    redisUrl: "rediss://default:redis-password-value@eu1.upstash.io:6379",
    redisToken: "upstash-token-value-123",
    composeSecret: "smtp-password-value",
};
const withSecrets = (secret: (value: string) => unknown) => ({
    environment: "staging",
    workloads: {
        ledger: {
            topology: "fargate-rds",
            image: "example/ledger:1",
            secrets: { STRIPE_KEY: secret(PLAINTEXT.ledgerSecret) },
            license: { token: secret(PLAINTEXT.license) },
        },
        epr: {
            topology: "ecs-audit-worker",
            imageTag: "1",
            worker: { command: ["python", "-m", "worker"] },
            redis: { url: secret(PLAINTEXT.redisUrl), token: secret(PLAINTEXT.redisToken) },
        },
        tickets: {
            topology: "compose-host",
            imagePrefix: "registry.example.com/tix",
            imageTag: "1",
            certificateArn: CERT,
            services: { notifications: { port: 8084, secrets: { SMTP_PASSWORD: secret(PLAINTEXT.composeSecret) } } },
        },
    },
});

describe("stack config messages", () => {
    it("reports every mistake of a stack file in one run, each with its key path", async () => {
        const dir = scratchDir("config");
        const file = path.join(dir, "Pulumi.many.yaml");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  aws:region: us-east-9", // 1: not a region
                "  platform:network.azCount: 3", // 2: a literal dotted key
                "  platform:network:",
                "    cidr: 10.0.0.0/33", // 3: not a CIDR
                "  platform:profile:",
                "    logRetention: 7", // 4: a typo
                "  platform:workloads:",
                "    ledger:",
                "      topology: fargate-rds",
                "      image: https://registry.example.com/ledger:1", // 5: a scheme in the image
                "      cpu: 256",
                "      memory: 4096", // 6: cross-field: Fargate size
                "      healthCheckGracePeriodSeconds: soon", // 7: wrong type (zod then skips cross-field rules)
                "      license:",
                "        token:",
                "          secure: v1:abc",
                "    epr:",
                "      topology: ecs-audit-worker",
                "      imagetag: '1'", // 8: a typo of imageTag, and 9: imageTag then missing
                "      worker: { command: [python, -m, worker] }",
                "      autoscaling: { min: 5, max: 2 }", // 10: cross-field: min over max
                "      redis:",
                "        url:",
                "          secure: v1:def",
                "        token:",
                "          secure: v1:ghi",
                "",
            ].join("\n"),
        );
        // environment missing too (11).
        const run = await planCli(["--stack", "many", "--config-file", file]);
        expect(run.status).to.equal(1);
        const lines = run.stderr.split("\n");
        const at = (key: string, text: string) =>
            expect(
                lines.some((l) => l.startsWith(`  - ${key}: `) && l.includes(text)),
                `${key}: ${text}\n${run.stderr}`,
            ).to.equal(true);
        at("aws:region", "is not a region the AWS provider knows");
        at("platform:network.azCount", "a key with a dot in its name");
        at("platform:network.cidr", "not an IPv4 CIDR block");
        at("platform:profile.logRetention", 'did you mean "logRetentionDays"?');
        at("platform:environment", "required: every stack names its environment profile: pulumi config set platform:environment");
        at("platform:workloads.ledger.image", "has no scheme");
        at("platform:workloads.ledger.memory", "Fargate does not offer 4096 MiB with 256 CPU");
        at("platform:workloads.ledger.healthCheckGracePeriodSeconds", "expected an integer");
        at("platform:workloads.epr.imagetag", 'did you mean "imageTag"?');
        // The typo is the one problem: the imageTag it leaves unset is not a second one.
        expect(run.stderr).not.to.contain("platform:workloads.epr.imageTag:");
        at("platform:workloads.epr.autoscaling.min", "must not exceed autoscaling.max (2)");
        expect(run.stderr).to.match(/Stack configuration is invalid \((\d+) problems\)/);
        expect(Number(/invalid \((\d+) problems/.exec(run.stderr)![1])).to.be.at.least(10);
        expect(run.stderr).not.to.contain("Invalid enum value").and.not.to.contain("Unrecognized key").and.not.to.contain("Required; got");
    });

    it("accepts the numbers and booleans `pulumi config set --path` writes for text keys, and plans the same", async () => {
        const base = {
            topology: "fargate-rds",
            image: "example/ledger:1042",
            license: { token: "x" },
            database: { engineVersion: "17" },
        };
        const asText = await buildStack(
            rawStack(
                { environment: "staging", workloads: { ledger: { ...base, environment: { POOL_SIZE: "20", DEBUG: "false" } } } },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        const asTyped = await buildStack(
            rawStack(
                { environment: "staging", workloads: { ledger: { ...base, database: { engineVersion: 17 }, environment: { POOL_SIZE: 20, DEBUG: false } } } },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        const inputs = (r: typeof asText) => r.recorder.resources.map((x) => [x.urn, x.inputs]);
        expect(inputs(asTyped)).to.deep.equal(inputs(asText));

        const tickets = (imageTag: unknown) =>
            rawStack({
                environment: "staging",
                workloads: { t: { topology: "compose-host", imagePrefix: "registry.example.com/tix", imageTag, certificateArn: CERT } },
            });
        expect(problemsOf(tickets(1042))).to.deep.equal([]);
        // Keys that mean numbers still refuse text that is not a number.
        const problems = problemsOf(
            rawStack(
                { environment: "staging", network: { azCount: "three" }, workloads: { ledger: { ...base, cpu: "lots" } } },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        expect(problems.map((p) => p.path)).to.include.members(["platform:network.azCount", "platform:workloads.ledger.cpu"]);
    });

    it("never shows the value of a secret field, in any topology", () => {
        const plain = problemsOf(rawStack(withSecrets((v) => v)));
        expect(plain.map((p) => p.path)).to.have.members([
            "platform:workloads.ledger.secrets.STRIPE_KEY",
            "platform:workloads.ledger.license.token",
            "platform:workloads.epr.redis.url",
            "platform:workloads.epr.redis.token",
            "platform:workloads.tickets.services.notifications.secrets.SMTP_PASSWORD",
        ]);
        // Secret fields of the wrong shape too: the value is still not shown.
        const wrongShape = problemsOf(
            rawStack({
                ...withSecrets((v) => v),
                workloads: {
                    ...withSecrets((v) => v).workloads,
                    ledger: { topology: "fargate-rds", image: "example/ledger:1", secrets: { "bad-name": PLAINTEXT.ledgerSecret }, license: PLAINTEXT.license },
                },
            }),
        );
        const text = JSON.stringify([...plain, ...wrongShape]);
        for (const value of Object.values(PLAINTEXT)) expect(text).not.to.contain(value);
        for (const value of Object.values(PLAINTEXT)) expect(text).not.to.contain(value.slice(0, 12));
        expect(text).to.contain("the value is a secret and not shown");
    });

    it("refuses a plain-text secret in the stack file even beside secure: values that make the key secret", async () => {
        // As the offline plan reads a stack file: secure: values are placeholders, the key is secret.
        let first = true;
        const mixed = withSecrets((v) => {
            const placeholder = first ? undefined : `${OFFLINE_SECRET_PREFIX}x`;
            first = false;
            return placeholder ?? v; // the ledger's STRIPE_KEY stays plain text, every other is secure:
        });
        const problems = problemsOf(rawStack(mixed, { secretKeys: ["platform:workloads"] }));
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.ledger.secrets.STRIPE_KEY"]);
        expect(problems[0].message).to.contain("is a secret").and.not.to.contain(PLAINTEXT.ledgerSecret);

        const dir = scratchDir("config");
        const file = path.join(dir, "Pulumi.mixed.yaml");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  aws:region: us-east-1",
                "  platform:environment: staging",
                "  platform:workloads:",
                "    ledger:",
                "      topology: fargate-rds",
                "      image: example/ledger:1",
                `      secrets: { STRIPE_KEY: ${PLAINTEXT.ledgerSecret} }`,
                "      license: { token: { secure: v1:abc } }",
                "",
            ].join("\n"),
        );
        const run = await planCli(["--stack", "mixed", "--config-file", file]);
        expect(run.status).to.equal(1);
        expect(run.stderr).to.contain("platform:workloads.ledger.secrets.STRIPE_KEY: a secret variable is a secret");
        expect(`${run.stdout}${run.stderr}`).not.to.contain(PLAINTEXT.ledgerSecret);
    });

    it("requires platform:environment, saying how to set it (Pulumi.yaml gives no default)", () => {
        expect(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).not.to.match(/default: staging/);
        const problems = problemsOf(rawStack({}));
        expect(problems).to.deep.equal([
            {
                path: "platform:environment",
                message: "required: every stack names its environment profile: pulumi config set platform:environment production (or staging)",
            },
        ]);
    });

    it("names the file of a YAML syntax error, shows a bad workload name rather than its object, and blames profile overrides", async () => {
        const dir = scratchDir("config");
        const file = path.join(dir, "Pulumi.broken.yaml");
        fs.writeFileSync(file, "config:\n  aws:region: us-east-1\n  platform:environment: [staging\n");
        const run = await planCli(["--stack", "broken", "--config-file", file]);
        expect(run.status).to.equal(1);
        expect(run.stderr)
            .to.contain(`${file}: not valid YAML`)
            .and.to.match(/line \d+/);

        const badName = problemsOf(
            rawStack(
                { environment: "staging", workloads: { Ledger_1: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } } } },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        expect(badName).to.deep.equal([
            {
                path: "platform:workloads.Ledger_1",
                message:
                    'workload names are 1-20 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with one; got "Ledger_1"',
            },
        ]);

        // taskCpu 1024 from the profile with the default 512 MiB: the override is the mistake.
        const blamed = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    profile: { taskCpu: 1024 },
                    workloads: { ledger: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } } },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        expect(blamed.map((p) => p.path)).to.deep.equal(["platform:profile.taskCpu"]);
        expect(blamed[0].message).to.contain("Fargate does not offer").and.contain("(the default of platform:workloads.ledger.memory)");
    });

    it("validates image references and regions the AWS provider knows", () => {
        const ledger = (image: string) =>
            rawStack(
                { environment: "staging", workloads: { ledger: { topology: "fargate-rds", image, license: { token: "x" } } } },
                { secretKeys: ["platform:workloads"] },
            );
        expect(problemsOf(ledger("123456789012.dkr.ecr.us-east-1.amazonaws.com/ledger@sha256:" + "a".repeat(64)))).to.deep.equal([]);
        expect(problemsOf(ledger("registry.example.com:5000/team/ledger:1.2.3"))).to.deep.equal([]);
        expect(problemsOf(ledger("example/Ledger:1"))[0].message).to.contain("the repository in lowercase");
        expect(problemsOf(ledger("example/ledger"))[0].message).to.contain("give a tag");
        expect(problemsOf(ledger("example/ledger:"))[0].message).to.contain("expected [registry/]repository:tag");
        expect(problemsOf(rawStack({ environment: "staging" }, { region: "eu-west-9" }))[0]).to.deep.equal({
            path: "aws:region",
            message: '"eu-west-9" is not a region the AWS provider knows: pulumi config set aws:region us-east-1 (or another region)',
        });
    });

    it("database.bootstrapImage: a tagged image where tasks run the bootstrap; the Compose host names its own under images.postgres", () => {
        const problems = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        ledger: { topology: "fargate-rds", image: "example/ledger:1", database: { bootstrapImage: "postgres" }, license: { token: "x" } },
                        t: {
                            topology: "compose-host",
                            imagePrefix: "registry.example.com/tix",
                            imageTag: "1",
                            certificateArn: CERT,
                            database: { bootstrapImage: "postgres:16-alpine" },
                        },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        const text = problems.map((p) => `${p.path}: ${p.message}`);
        expect(text.find((t) => t.startsWith("platform:workloads.ledger.database.bootstrapImage:"))).to.contain("give a tag");
        // :latest is a tag, but not a version: refused on the key, before the pack refuses the task definition.
        const latest = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        ledger: {
                            topology: "fargate-rds",
                            image: "example/ledger:1",
                            database: { bootstrapImage: "postgres:latest" },
                            license: { token: "x" },
                        },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        expect(latest.map((p) => `${p.path}: ${p.message}`)).to.deep.equal([
            'platform:workloads.ledger.database.bootstrapImage: give a version tag or a digest (@sha256:...), not :latest: a task restarted later would run whatever was pushed last (the policy pack refuses it too); got "postgres:latest"',
        ]);
        expect(text.find((t) => t.startsWith("platform:workloads.t.database.bootstrapImage:"))).to.contain("unknown key");
        expect(problems).to.have.length(2);
    });

    it("one mistake, one problem, on the key to change: did-you-mean at every level, the allowed keys of every closed map", () => {
        const problems = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    insights: { hoursPerMnth: 700, bogus: 1 },
                    workloads: {
                        ledger: { topology: "fargate-rds", imgae: "example/ledger:1", cpu: 300, database: { nmae: "x" }, license: { token: "x" } },
                        api: { topology: "fargate-rsd" },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        const text = problems.map((p) => `${p.path}: ${p.message}`);
        const allowedInsights = "(allowed keys: hoursPerMonth, natGbPerGateway, loadBalancerCapacityUnits";
        expect(text.find((t) => t.startsWith("platform:insights.hoursPerMnth:")))
            .to.contain('unknown key; did you mean "hoursPerMonth"?')
            .and.contain(allowedInsights);
        expect(text.find((t) => t.startsWith("platform:insights.bogus:"))).to.contain("allowed keys: hoursPerMonth, natGbPerGateway");
        // A swap of two letters is one edit away.
        expect(text.find((t) => t.startsWith("platform:workloads.ledger.imgae:"))).to.contain('did you mean "image"?');
        expect(text.find((t) => t.startsWith("platform:workloads.ledger.database.nmae:"))).to.contain('did you mean "name"?');
        expect(text.find((t) => t.startsWith("platform:workloads.api.topology:"))).to.contain('did you mean "fargate-rds"?');
        // cpu 300 is the mistake: memory, fine for any valid CPU, is not blamed; image, mistyped, is not "required" too.
        expect(text.find((t) => t.startsWith("platform:workloads.ledger.cpu:"))).to.contain("must be one of: 256, 512");
        expect(text.filter((t) => t.startsWith("platform:workloads.ledger.memory") || t.startsWith("platform:workloads.ledger.image:"))).to.deep.equal([]);
        expect(problems).to.have.length(6);
    });

    it("shows a bad map key as the key, not its entry, in every map whose keys are validated; a bad value still shows the value", () => {
        const problems = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    workloads: {
                        desk: {
                            topology: "compose-host",
                            imagePrefix: "registry.example.com/tix",
                            imageTag: "1",
                            certificateArn: CERT,
                            services: {
                                api_v2: {
                                    port: 8081,
                                    environment: { "log-level": "info", LOG_FORMAT: ["json"] },
                                    existingSecrets: { "db-url": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-url-AbCdEf" },
                                },
                            },
                        },
                        ledger: {
                            topology: "fargate-rds",
                            image: "example/ledger:1",
                            license: { token: "x" },
                            environment: { "pool size": "20" },
                            secrets: { stripe_key: PLAINTEXT.ledgerSecret },
                        },
                    },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        const variable = "variable names are upper-case letters, digits and _";
        expect(problems.map((p) => `${p.path}: ${p.message}`)).to.have.members([
            'platform:workloads.desk.services.api_v2: service names are 1-20 characters: a lowercase letter, then lowercase letters, digits and single hyphens, not ending with one; got "api_v2"',
            `platform:workloads.desk.services.api_v2.environment.log-level: ${variable}; got "log-level"`,
            'platform:workloads.desk.services.api_v2.environment.LOG_FORMAT: expected a string, not a array; got ["json"]',
            `platform:workloads.desk.services.api_v2.existingSecrets.db-url: ${variable}; got "db-url"`,
            `platform:workloads.ledger.environment.pool size: ${variable}; got "pool size"`,
            `platform:workloads.ledger.secrets.stripe_key: ${variable}; got "stripe_key"`,
        ]);
        expect(JSON.stringify(problems)).not.to.contain(PLAINTEXT.ledgerSecret);
    });

    it("says what a key in a mistyped namespace, or a mistyped aws:region, meant, instead of calling the intended key missing", () => {
        const problems = problemsOf(rawStack({}, { region: undefined, otherKeys: ["aws:regoin", "platfrom:environment", "aws:profile", "aws:defaultTags"] }));
        expect(problems).to.deep.equal([
            { path: "platfrom:environment", message: 'unknown namespace; did you mean "platform:environment"?' },
            { path: "aws:regoin", message: 'unknown key; did you mean "aws:region"? (the stack has no aws:region)' },
        ]);
    });

    it("names the workload and the key in its hints", () => {
        const problems = problemsOf(
            rawStack(
                {
                    environment: "staging",
                    workloads: { payments: { topology: "fargate-rds", image: "example/ledger:1", requiredVariables: ["REGION"], license: { token: "x" } } },
                },
                { secretKeys: ["platform:workloads"] },
            ),
        );
        expect(problems).to.have.length(1);
        expect(problems[0].message).to.contain("pulumi config set --path 'workloads.payments.environment.REGION' <value>");
        const plaintext = problemsOf(
            rawStack({ environment: "staging", workloads: { payments: { topology: "fargate-rds", image: "example/ledger:1", license: { token: "x" } } } }),
        );
        expect(plaintext.map((p) => p.message)).to.deep.equal([
            "the license is a secret: set it with `pulumi config set --secret --path 'workloads.payments.license.token' <value>`, not in plain text; the value is a secret and not shown",
        ]);
    });

    it("prints a warning once per run, however many times the stack is planned", async () => {
        const raw = rawStack(
            {
                environment: "staging",
                workloads: { "warn-once": { topology: "fargate-rds", image: "example/ledger:1", license: { token: `${OFFLINE_SECRET_PREFIX}t` } } },
            },
            { secretKeys: ["platform:workloads"] },
        );
        const config = parseStackConfig(raw, TOPOLOGY_SCHEMAS);
        const warned: string[] = [];
        const original = console.warn;
        console.warn = (message: string) => warned.push(message);
        try {
            for (let i = 0; i < 3; i++)
                await TOPOLOGY_REGISTRY["fargate-rds"].preflight!("warn-once", config.workloads["warn-once"].settings, {
                    accountId: "123456789012",
                    now: new Date(),
                });
        } finally {
            console.warn = original;
        }
        expect(warned.filter((w) => w.includes("platform:workloads.warn-once.license: not checked"))).to.have.length(1);
    });

    it("refuses a file that is not a stack file, and an output it cannot write, in one line with exit code 2", async () => {
        const dir = scratchDir("config");
        const cases: [string, string | Buffer, string][] = [
            ["list.yaml", "- aws:region: us-east-1\n- platform:environment: staging\n", "not a stack file: its top level is a list"],
            ["binary.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe]), "not a stack file: binary content"],
            ["config-list.yaml", "config:\n  - aws:region\n", "not a stack file: its config: is a list"],
        ];
        for (const [name, content, message] of cases) {
            const file = path.join(dir, name);
            fs.writeFileSync(file, content);
            const run = await planCli(["--stack", "x", "--config-file", file]);
            expect([run.status, run.stderr], name).to.deep.equal([
                2,
                `${file}: ${message}, ${message.includes("binary") ? "not YAML text" : "not a map of keys"}\n`,
            ]);
            expect(run.stdout, name).to.equal("");
        }
        const out = path.join(dir, "missing", "plan.json");
        const run = await planCli(["--stack", "staging", "--json", out]);
        expect([run.status, run.stderr]).to.deep.equal([2, `--json ${out}: cannot write there: the folder ${path.dirname(out)} does not exist\n`]);
        expect(run.stdout).to.equal("");
        // A diagram folder is made when missing, but not under a file.
        const file = path.join(dir, "a-file");
        fs.writeFileSync(file, "");
        const diagram = await planCli(["--stack", "staging", "--diagram-dir", path.join(file, "diagram")]);
        expect([diagram.status, diagram.stderr]).to.deep.equal([
            2,
            `--diagram-dir ${path.join(file, "diagram")}: cannot write there: ${file} is not a folder\n`,
        ]);
    });
});
