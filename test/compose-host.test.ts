import { expect } from "chai";
import { parse } from "yaml";
import { CLOUDFLARE_IPV4 } from "../components/topologies/compose-host";
import { ENV_FILE_JQ, USER_DATA_LIMIT_BYTES, renderCompose, renderUserData } from "../components/topologies/compose-render";
import { PROFILES } from "../stacks/profiles";
import { cloudInitSchema, composeErrors, runJq } from "./validators";
import { buildStack, policyOf, rawStack, configProblems } from "./helpers";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
function tickets(environment: "staging" | "production", overrides: Record<string, unknown> = {}) {
    return rawStack(
        {
            environment,
            workloads: {
                tickets: {
                    topology: "compose-host",
                    imagePrefix: "registry.example.com/tix",
                    imageTag: "1.0.0",
                    certificateArn: CERT,
                    alarmEmails: ["ops@example.com"],
                    ...overrides,
                },
            },
        },
        { secretKeys: ["platform:workloads"] },
    );
}
const objectContent = (recorder: { get(t: string, n: string): { inputs: Record<string, unknown> } }, name: string) =>
    String(recorder.get("aws:s3/bucketObjectv2:BucketObjectv2", name).inputs.content);

describe("topology compose-host", () => {
    for (const environment of ["staging", "production"] as const) {
        const profile = PROFILES[environment];
        describe(`in ${environment}`, () => {
            it("runs one private host: AL2023 from SSM, IMDSv2, encrypted root, no key, no public IP, no port 22, SSM managed", async () => {
                const { recorder } = await buildStack(tickets(environment));
                const host = recorder.get("aws:ec2/instance:Instance", "tickets-host");
                expect(host.inputs).to.include({ instanceType: profile.hostInstanceType, associatePublicIpAddress: false, ami: "ami-0abcdef1234567890" });
                expect(host.inputs).not.to.have.property("keyName");
                expect(host.inputs.metadataOptions).to.deep.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
                expect(host.inputs.rootBlockDevice).to.deep.include({ encrypted: true });
                expect(host.inputs.subnetId).to.match(/^subnet-/);
                expect(host.options.ignoreChanges).to.deep.equal(["ami"]);
                const ingress = recorder
                    .byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                    .filter((r) => r.name.startsWith("tickets-host-in-"));
                expect(ingress.map((r) => r.inputs.fromPort).sort()).to.deep.equal([8081, 8082, 8083, 8084]);
                expect(ingress.every((r) => typeof r.inputs.referencedSecurityGroupId === "string")).to.equal(true);
                expect(recorder.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "tickets-host-ssm").inputs.policyArn).to.equal(
                    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
                );
                const policy = policyOf(recorder.get("aws:iam/rolePolicy:RolePolicy", "tickets-host").inputs.policy).Statement;
                expect(policy.map((s) => s.Sid)).to.deep.equal(["ReadComposeDefinition", "ReadServiceSecrets", "WriteContainerLogs"]);
                expect(policy.every((s) => ![s.Resource].flat().includes("*"))).to.equal(true);
                // EC2 sends no aws:SourceAccount when it assumes an instance profile's role: a condition
                // on it would leave the host without credentials.
                const trust = policyOf(recorder.get("aws:iam/role:Role", "tickets-host").inputs.assumeRolePolicy).Statement;
                expect(trust).to.deep.equal([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
            });

            it("recovers the host on a failed system check and reboots it on a failed instance check, notifying the alarm topic", async () => {
                const { recorder } = await buildStack(tickets(environment));
                const recover = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-recover").inputs as any;
                expect(recover.metricName).to.equal("StatusCheckFailed_System");
                expect(recover.alarmActions).to.include("arn:aws:automate:us-east-1:ec2:recover");
                expect(recover.alarmActions[0]).to.match(/^arn:aws:sns:/);
                expect(recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-reboot").inputs.alarmActions).to.include(
                    "arn:aws:automate:us-east-1:ec2:reboot",
                );
            });

            it("keeps Redis and RabbitMQ data on an encrypted volume of its own, attached to the host and protected in production", async () => {
                const { recorder } = await buildStack(tickets(environment));
                const volume = recorder.get("aws:ebs/volume:Volume", "tickets-data");
                expect(volume.inputs).to.include({ encrypted: true, type: "gp3", size: 50, availabilityZone: "us-east-1a" });
                expect(volume.options.protect).to.equal(profile.protectStatefulResources);
                const attachment = recorder.get("aws:ec2/volumeAttachment:VolumeAttachment", "tickets-data");
                expect(attachment.dependencies).to.include.members([volume.urn, recorder.get("aws:ec2/instance:Instance", "tickets-host").urn]);
            });

            it("renders a Compose file that the Compose specification accepts, with per-service networks, health checks, restarts and CloudWatch logs", async () => {
                const { recorder } = await buildStack(tickets(environment));
                const yaml = objectContent(recorder, "tickets-compose");
                expect(composeErrors(yaml)).to.deep.equal([]);
                const compose = parse(yaml, { version: "1.1" });
                expect(Object.keys(compose.services)).to.have.members([
                    "ticketing",
                    "ticketing-db-init",
                    "ticketing-redis",
                    "ticketing-rabbitmq",
                    "payments",
                    "payments-db-init",
                    "payments-redis",
                    "payments-rabbitmq",
                    "identity",
                    "identity-db-init",
                    "identity-redis",
                    "notifications",
                    "notifications-db-init",
                    "notifications-rabbitmq",
                ]);
                // Each service's cache and broker sit on that service's internal network only.
                expect(compose.services["payments-redis"].networks).to.deep.equal(["payments-backend"]);
                expect(compose.networks["payments-backend"]).to.deep.equal({ driver: "bridge", internal: true });
                expect(compose.services.ticketing.networks).to.deep.equal(["ticketing-edge", "ticketing-backend"]);
                expect(compose.services.identity.networks).not.to.include("ticketing-backend");
                for (const [name, svc] of Object.entries<any>(compose.services)) {
                    expect(svc.logging.driver, name).to.equal("awslogs");
                    expect(svc.restart, name).to.equal(name.endsWith("-db-init") ? "no" : "unless-stopped");
                    if (!name.endsWith("-db-init")) expect(svc.healthcheck, name).to.have.property("test");
                }
                expect(compose.services.ticketing.logging.options["awslogs-group"]).to.equal("/compose/test/tickets/ticketing");
                expect(compose.services["ticketing-redis"].volumes).to.deep.equal(["/data/ticketing/redis:/data"]);
                expect(compose.services["ticketing-rabbitmq"].volumes).to.deep.equal(["/data/ticketing/rabbitmq:/var/lib/rabbitmq"]);
                expect(compose.services.ticketing.depends_on["ticketing-db-init"]).to.deep.equal({ condition: "service_completed_successfully" });
                expect(compose.services.ticketing.image).to.equal("registry.example.com/tix/ticketing:1.0.0");
                expect(yaml).not.to.contain("mock-password");
                expect(recorder.get("aws:cloudwatch/logGroup:LogGroup", "tickets-payments").inputs).to.include({
                    name: "/compose/test/tickets/payments",
                    retentionInDays: profile.logRetentionDays,
                });
            });

            it("delivers Compose through S3 and boots from cloud-config that cloud-init's schema accepts", async () => {
                const { recorder } = await buildStack(tickets(environment));
                const userData = String(recorder.get("aws:ec2/instance:Instance", "tickets-host").inputs.userData);
                const verdict = cloudInitSchema(userData);
                if (verdict) expect(verdict.ok, verdict.output).to.equal(true);
                expect(Buffer.byteLength(userData)).to.be.below(USER_DATA_LIMIT_BYTES);
                expect(userData)
                    .to.match(/BUCKET=tickets-config-[0-9a-f]+/)
                    .and.to.match(/DATA_VOLUME_ID=vol-/);
                expect(userData).not.to.contain("services:");
                const files = JSON.parse(objectContent(recorder, "tickets-env-files"));
                expect(files.map((f: { file: string }) => f.file)).to.include.members([
                    "/run/platform/payments.env",
                    "/run/platform/payments-db-admin.env",
                    "/run/platform/payments-broker.env",
                ]);
                expect(files.every((f: { secretArn: string }) => f.secretArn.startsWith("arn:aws:secretsmanager:"))).to.equal(true);
                const sync = parse(userData).write_files.find((f: { path: string }) => f.path === "/usr/local/bin/platform-sync");
                expect(sync.content).to.contain(`jq -r --argjson map "$map" '${ENV_FILE_JQ}' <<<"$secret"`);
            });

            it("routes each service through an HTTPS ALB (TLS 1.3, HTTP only redirects) to its port on the host", async () => {
                const { recorder } = await buildStack(tickets(environment));
                expect(recorder.get("aws:lb/listener:Listener", "tickets-alb").inputs).to.include({
                    protocol: "HTTPS",
                    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                });
                expect((recorder.get("aws:lb/listener:Listener", "tickets-alb-http").inputs.defaultActions as any[])[0].type).to.equal("redirect");
                const rule = recorder.get("aws:lb/listenerRule:ListenerRule", "tickets-alb-payments").inputs as any;
                expect(rule.conditions).to.deep.equal([{ pathPattern: { values: ["/payments", "/payments/*"] } }]);
                expect(recorder.get("aws:lb/targetGroup:TargetGroup", "tickets-alb-payments").inputs).to.include({ targetType: "instance", port: 8082 });
                expect(recorder.get("aws:lb/targetGroupAttachment:TargetGroupAttachment", "tickets-payments").inputs).to.include({ port: 8082 });
            });
        });
    }

    it("writes each secret to an env file Compose reads back byte for byte: quotes, backslashes, dollars, newlines", () => {
        const secret = {
            QUOTE: "it's",
            DOUBLE: 'say "hi"',
            BACKSLASH: "a\\b",
            TRAILING: "ends\\",
            BEFORE_QUOTE: "x\\'y",
            DOLLARS: "p$HOME${HOME}$$",
            HASH: "a #b",
            ESCAPES: "\\n\\t\\0123\\$",
            PEM: "-----BEGIN KEY-----\nabc+/=\n-----END KEY-----\n",
            CR: "a\rb",
            PADDED: "  padded  ",
            EMPTY: "",
            NUMBER: 42,
        };
        // What compose-go's env-file parser (v2.2.0, in Compose 2.29.7, and v2.13.0) reads back as
        // exactly the values above: checked against that parser, as Compose cannot run here. The
        // single quotes used before made the first line a parse error that stopped every service.
        const expected = [
            `QUOTE="it's"`,
            `DOUBLE="say \\"hi\\""`,
            `BACKSLASH="a\\\\b"`,
            `TRAILING="ends\\\\"`,
            `BEFORE_QUOTE="x\\\\'y"`,
            `DOLLARS="p$$HOME$\${HOME}$$$$"`,
            `HASH="a #b"`,
            `ESCAPES="\\\\n\\\\t\\\\0123\\\\$$"`,
            `PEM="-----BEGIN KEY-----\\nabc+/=\\n-----END KEY-----\\n"`,
            `CR="a\\rb"`,
            `PADDED="  padded  "`,
            `EMPTY=""`,
            `NUMBER="42"`,
        ];
        const lines = runJq(ENV_FILE_JQ, secret, { map: null });
        if (lines === undefined) return;
        expect(lines.trimEnd().split("\n")).to.deep.equal(expected);
        // Renamed through the service's map: only the mapped keys, under their new names.
        expect(runJq(ENV_FILE_JQ, secret, { map: { APP_QUOTE: "QUOTE" } })).to.equal(`APP_QUOTE="it's"\n`);
    });

    it("gives each service its own database, credentials and secret; a dedicated switch moves one to its own RDS instance", async () => {
        const { recorder, outputs } = await buildStack(
            tickets("production", { services: { ticketing: { port: 8081, cache: true, broker: true }, payments: { port: 8082, dedicatedDatabase: true } } }),
        );
        expect(
            recorder
                .byType("aws:rds/instance:Instance")
                .map((r) => r.name)
                .sort(),
        ).to.deep.equal(["tickets-db", "tickets-payments-db"]);
        expect(recorder.byType("aws:secretsmanager/secret:Secret").map((r) => r.name)).to.include.members(["tickets-ticketing", "tickets-payments"]);
        const compose = parse(objectContent(recorder, "tickets-compose"), { version: "1.1" });
        const host = (svc: string) => compose.services[svc].environment.DB_HOST;
        expect(host("ticketing")).to.match(/^tickets-db-/);
        expect(host("payments")).to.match(/^tickets-payments-db-/);
        // Init containers create the database idempotently as the instance's admin.
        expect(compose.services["payments-db-init"].command[2]).to.contain("WHERE NOT EXISTS (SELECT FROM pg_database");
        const files = JSON.parse(objectContent(recorder, "tickets-env-files"));
        const admin = files.find((f: { file: string }) => f.file === "/run/platform/payments-db-admin.env");
        expect(admin.secretArn).to.match(/secret:tickets-payments-db-credentials-/);
        expect(admin.map).to.deep.equal({ PGHOST: "host", PGUSER: "username", PGPASSWORD: "password" });
        expect(Object.keys((outputs.workloads as any).tickets.serviceSecretArns)).to.deep.equal(["ticketing", "payments"]);
    });

    it("accepts HTTPS only from Cloudflare's ranges when behind Cloudflare, and fronts the ALB with static Elastic IPs", async () => {
        const { recorder, outputs } = await buildStack(tickets("production", { behindCloudflare: true }));
        const albIn = recorder.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("tickets-alb-in-source-"));
        expect(new Set(albIn.map((r) => r.inputs.cidrIpv4))).to.deep.equal(new Set(CLOUDFLARE_IPV4));
        const ingress = recorder.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.name.startsWith("tickets-"));
        expect(ingress.filter((r) => r.inputs.cidrIpv4 === "0.0.0.0/0")).to.deep.equal([]);
        expect(ingress.filter((r) => r.name.startsWith("tickets-edge-in-443-")).map((r) => r.inputs.cidrIpv4)).to.have.members(CLOUDFLARE_IPV4);
        const nlb = recorder.get("aws:lb/loadBalancer:LoadBalancer", "tickets-edge").inputs as any;
        expect(nlb.loadBalancerType).to.equal("network");
        expect(nlb.subnetMappings).to.have.length(3);
        expect(nlb.subnetMappings.every((m: { allocationId: string }) => m.allocationId.startsWith("eipalloc-"))).to.equal(true);
        expect(recorder.get("aws:lb/targetGroup:TargetGroup", "tickets-edge-443").inputs).to.include({ targetType: "alb", protocol: "TCP" });
        expect((outputs.workloads as any).tickets.staticIps).to.have.length(3);
        const open = await buildStack(tickets("staging", { behindCloudflare: false }));
        expect(open.recorder.get("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "tickets-alb-in-source-0-0-0-0-0").inputs.cidrIpv4).to.equal(
            "0.0.0.0/0",
        );
    });

    it("verifies Cloudflare's client certificate on the ALB (authenticated origin pulls) when given the origin-pull CA", async () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIBzone\n-----END CERTIFICATE-----\n";
        const { recorder } = await buildStack(tickets("production", { behindCloudflare: true, originPullCa: pem }));
        const object = recorder.get("aws:s3/bucketObjectv2:BucketObjectv2", "tickets-origin-pull-ca");
        expect(object.inputs).to.include({
            content: pem,
            key: "compose/production/tickets/mtls/origin-pull-ca.pem".replace("compose/production/tickets", String(object.inputs.key).split("/mtls/")[0]),
        });
        const store = recorder.byType("aws:lb/trustStore:TrustStore").find((t) => t.name.startsWith("tickets-origin-pull"))!;
        expect(store.inputs.caCertificatesBundleS3Key).to.equal(object.inputs.key);
        expect(store.dependencies).to.include(object.urn);
        const listener = recorder.get("aws:lb/listener:Listener", "tickets-alb").inputs as any;
        expect(listener.mutualAuthentication).to.deep.equal({ mode: "verify", trustStoreArn: store.state.arn });
        // The static-IP edge checks the ALB on port 80, which answers without a client certificate.
        for (const port of [443, 80])
            expect(recorder.get("aws:lb/targetGroup:TargetGroup", `tickets-edge-${port}`).inputs.healthCheck).to.deep.equal({
                protocol: "HTTP",
                port: "80",
                path: "/",
                matcher: "200-399",
            });
        const without = await buildStack(tickets("production", { behindCloudflare: true }));
        expect((without.recorder.get("aws:lb/listener:Listener", "tickets-alb").inputs as any).mutualAuthentication).to.equal(undefined);
        const problems = configProblems(tickets("production", { originPullCa: pem }));
        expect(problems.map((p) => p.path)).to.include("platform:workloads.tickets.originPullCa");
        expect(configProblems(tickets("production", { behindCloudflare: true, originPullCa: "not a pem" }))[0].message).to.contain("expected PEM certificates");
    });

    it("routes by host name when asked", async () => {
        const { recorder } = await buildStack(tickets("staging", { routing: { mode: "host", domain: "tix.example.com" } }));
        expect((recorder.get("aws:lb/listenerRule:ListenerRule", "tickets-alb-identity").inputs as any).conditions).to.deep.equal([
            { hostHeader: { values: ["identity.tix.example.com"] } },
        ]);
    });

    it("deploys a Compose definition far beyond the 16 KB user-data limit: it travels through S3, the user data stays small", async () => {
        const services = Object.fromEntries(
            Array.from({ length: 40 }, (_, i) => [`svc${i}`, { port: 9000 + i, cache: true, broker: true, environment: { FEATURE_FLAGS: "x".repeat(200) } }]),
        );
        const { recorder } = await buildStack(tickets("staging", { services }));
        const yaml = objectContent(recorder, "tickets-compose");
        expect(Buffer.byteLength(yaml)).to.be.above(4 * USER_DATA_LIMIT_BYTES);
        expect(composeErrors(yaml)).to.deep.equal([]);
        const userData = String(recorder.get("aws:ec2/instance:Instance", "tickets-host").inputs.userData);
        expect(Buffer.byteLength(userData)).to.be.below(USER_DATA_LIMIT_BYTES);
        expect(cloudInitSchema(userData)?.ok ?? true).to.equal(true);
    });

    it("the validators catch broken output (they are not rubber stamps)", () => {
        const yaml = renderCompose({
            services: [
                {
                    name: "a",
                    image: "i",
                    port: 1,
                    cache: true,
                    broker: false,
                    environment: {},
                    healthCheck: ["CMD", "true"],
                    limits: { memoryMb: 512, cpus: 1 },
                    cacheLimits: { memoryMb: 256, cpus: 0.5 },
                    brokerLimits: { memoryMb: 512, cpus: 1 },
                },
            ],
            region: "us-east-1",
            logGroupPrefix: "/x",
            images: { redis: "r", rabbitmq: "q", postgres: "p" },
        });
        expect(composeErrors(yaml)).to.deep.equal([]);
        expect(composeErrors(yaml.replace("restart: unless-stopped", "restrat: unless-stopped"))).to.not.be.empty;
        const userData = renderUserData({
            region: "us-east-1",
            bucket: "b",
            prefix: "p",
            dataVolumeId: "vol-1",
            composeVersion: "2.29.7",
            syncIntervalMinutes: 5,
        });
        expect(cloudInitSchema(userData)?.ok ?? true).to.equal(true);
        expect(cloudInitSchema(userData.replace("write_files:", "write_files: 3\nwrite_files_broken:"))?.ok ?? false).to.equal(false);
    });

    it("rejects services without images, duplicate ports and host routing without a domain", () => {
        const problems = configProblems(
            tickets("staging", { imagePrefix: undefined, services: { a: { port: 9000 }, b: { port: 9000 } }, routing: { mode: "host" } }),
        );
        const paths = problems.map((p) => p.path);
        expect(paths).to.have.members([
            "platform:workloads.tickets.imagePrefix",
            "platform:workloads.tickets.services.b.port",
            "platform:workloads.tickets.routing.domain",
        ]);
    });

    it("limits every container, takes a health check per service, and opens only the egress the stack names", async () => {
        const { recorder } = await buildStack(
            tickets("staging", {
                services: {
                    notifications: { port: 8084, broker: true, cache: true, memoryMb: 1024, cpus: 0.5, healthCheck: ["CMD", "/app/healthcheck"] },
                },
                cacheMemoryMb: 128,
                egress: [{ port: 587, cidr: "0.0.0.0/0", description: "SMTP submission to the mail provider" }],
            }),
        );
        const yaml = objectContent(recorder, "tickets-compose");
        expect(composeErrors(yaml)).to.deep.equal([]);
        const compose = parse(yaml) as { services: Record<string, any> };
        expect(compose.services.notifications).to.include({ mem_limit: "1024m", cpus: 0.5 });
        expect(compose.services.notifications.healthcheck.test).to.deep.equal(["CMD", "/app/healthcheck"]);
        expect(compose.services["notifications-redis"]).to.include({ mem_limit: "128m" });
        expect(compose.services["notifications-rabbitmq"]).to.include({ mem_limit: "512m", cpus: 1 });
        const smtp = recorder.get("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "tickets-host-out-587-0-0-0-0-0");
        expect(smtp.inputs).to.include({ fromPort: 587, toPort: 587, cidrIpv4: "0.0.0.0/0", description: "SMTP submission to the mail provider" });
        // By default: HTTPS and the databases only.
        const { recorder: plain } = await buildStack(tickets("staging"));
        const ports = plain
            .byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            .filter((r) => r.name.startsWith("tickets-host-out-"))
            .map((r) => r.inputs.fromPort);
        expect([...new Set(ports)].sort()).to.deep.equal([443, 5432]);
    });

    it("snapshots the data volume daily for as long as the profile keeps backups, and alarms per service and per database", async () => {
        const { recorder } = await buildStack(
            tickets("production", {
                services: { ticketing: { port: 8081 }, payments: { port: 8082, dedicatedDatabase: true, databaseIdentifier: "tix-payments-prod" } },
            }),
        );
        // services.<name>.databaseIdentifier names the dedicated instance, and its alarms follow it.
        expect(recorder.get("aws:rds/instance:Instance", "tickets-payments-db").inputs.identifier).to.equal("tix-payments-prod");
        const paymentsConnections = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-payments-db-connections").inputs as any;
        expect(paymentsConnections.dimensions.DBInstanceIdentifier).to.equal("tix-payments-prod");
        const volume = recorder.get("aws:ebs/volume:Volume", "tickets-data");
        const policy = recorder.get("aws:dlm/lifecyclePolicy:LifecyclePolicy", "tickets-snapshots").inputs as any;
        expect(policy.state).to.equal("ENABLED");
        expect(policy.policyDetails.resourceTypes).to.deep.equal(["VOLUME"]);
        expect(policy.policyDetails.targetTags).to.deep.equal(volume.inputs.tags);
        expect(policy.policyDetails.schedules[0].retainRule.count).to.equal(PROFILES.production.backupRetentionDays);
        expect(policy.executionRoleArn).to.match(/^arn:aws:iam::123456789012:role\/tickets-snapshots/);
        const names = recorder.byType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
        expect(names).to.include.members([
            "tickets-ticketing-unhealthy",
            "tickets-ticketing-5xx",
            "tickets-payments-unhealthy",
            "tickets-payments-5xx",
            "tickets-db-cpu",
            "tickets-db-storage",
            "tickets-payments-db-cpu",
            "tickets-payments-db-storage",
            "tickets-db-connections",
            "tickets-payments-db-connections",
        ]);
        // 80% of PostgreSQL's default max_connections for the production class (db.m7g.large, 8 GiB: 839).
        const connections = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-db-connections").inputs as any;
        expect(PROFILES.production.dbInstanceClass).to.equal("db.m7g.large");
        expect(connections).to.include({ namespace: "AWS/RDS", metricName: "DatabaseConnections", threshold: 671 });
        expect(connections.dimensions.DBInstanceIdentifier).to.equal("tickets-db-test");
        const unhealthy = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-payments-unhealthy").inputs as any;
        expect(unhealthy).to.include({ namespace: "AWS/ApplicationELB", metricName: "UnHealthyHostCount", threshold: 0 });
        expect(unhealthy.dimensions.TargetGroup).to.match(/^targetgroup\/tickets-alb-payments/);
    });

    it("measures the host's memory and disks with the CloudWatch agent, and alarms on them", async () => {
        const { recorder } = await buildStack(tickets("production"));
        const userData = String(recorder.get("aws:ec2/instance:Instance", "tickets-host").inputs.userData);
        expect(userData).to.contain("amazon-cloudwatch-agent").and.contain("amazon-cloudwatch-agent-ctl");
        const verdict = cloudInitSchema(userData);
        if (verdict) expect(verdict.ok, verdict.output).to.equal(true);
        expect(recorder.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "tickets-host-cloudwatch-agent").inputs.policyArn).to.equal(
            "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        );
        const memory = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-host-memory").inputs as any;
        expect(memory).to.include({ namespace: "CWAgent", metricName: "mem_used_percent", threshold: 90 });
        const data = recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-host-disk-data").inputs as any;
        expect(data).to.include({ metricName: "disk_used_percent" });
        expect(data.dimensions.path).to.equal("/data");
        expect(recorder.get("aws:cloudwatch/metricAlarm:MetricAlarm", "tickets-host-disk-root").inputs.dimensions).to.include({ path: "/" });
    });
});
