import { parseStackConfig } from "../stacks/schema";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AL2023_AMI_PARAMETERS } from "../components/topologies/compose-host";
import { CONVERGE_SCRIPT, ContainerLimits, renderCompose, renderUserData } from "../components/topologies/compose-render";
import { instanceArchitecture, instanceVcpus, isXen } from "../stacks/instance-types";
import { composeResolved } from "./validators";
import { buildStack, configProblems, rawStack, scratchDir } from "./helpers";

/** What the Compose host runs matches what the config says: architecture, disks, literal values, one-shot containers. */

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const tickets = (overrides: Record<string, unknown>) =>
    rawStack(
        {
            environment: "staging",
            workloads: {
                tickets: {
                    topology: "compose-host",
                    imagePrefix: "registry.example.com/tix",
                    imageTag: "1.0.0",
                    certificateArn: CERT,
                    services: { ticketing: { port: 8081, cache: true, migrations: { command: ["./migrate"] } } },
                    ...overrides,
                },
            },
        },
        { secretKeys: ["platform:workloads"] },
    );
const limits: ContainerLimits = { memoryMb: 256, cpus: 0.5 };
const service = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    image: `registry.example.com/${name}:1`,
    port: 8081,
    cache: true,
    broker: false,
    environment: {},
    healthCheck: ["CMD", "true"],
    limits,
    cacheLimits: limits,
    brokerLimits: limits,
    ...extra,
});
const images = { redis: "redis:7.2-alpine", rabbitmq: "rabbitmq:3.13-alpine", postgres: "postgres:16-alpine" };

describe("compose-host: what runs is what the config says", () => {
    it("boots a Graviton host from the arm64 image with the aarch64 Compose plugin; x86_64 keeps its host", async () => {
        const arm = await buildStack(tickets({ instanceType: "t4g.medium" }));
        const host = arm.recorder.get("aws:ec2/instance:Instance", "tickets-host-arm64");
        const x86 = await buildStack(tickets({ instanceType: "t3.medium" }));
        const x86Host = x86.recorder.get("aws:ec2/instance:Instance", "tickets-host");
        expect(host.inputs.ami).to.match(/^ami-/);
        expect(host.inputs.ami).not.to.equal(x86Host.inputs.ami);
        expect(String(host.inputs.userData)).to.contain("/docker-compose-linux-aarch64").and.not.contain("x86_64");
        expect(String(x86Host.inputs.userData)).to.contain("/docker-compose-linux-x86_64");
        expect(AL2023_AMI_PARAMETERS.arm64).to.equal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
        for (const type of ["t4g.small", "m7g.large", "c6gn.xlarge", "m7gd.large", "a1.large", "im4gn.large", "g5g.xlarge"])
            expect(instanceArchitecture(type), type).to.equal("arm64");
        for (const type of ["t3.medium", "m7i.large", "m7a.large", "g4dn.xlarge", "c5n.large", "t2.micro"])
            expect(instanceArchitecture(type), type).to.equal("x86_64");
    });

    it("refuses a service CPU limit above the host's vCPUs, which Docker would refuse at start", () => {
        expect(instanceVcpus("t3.medium")).to.equal(2);
        expect(instanceVcpus("t2.micro")).to.equal(1);
        expect(instanceVcpus("m7i.4xlarge")).to.equal(16);
        expect(instanceVcpus("m7g.metal")).to.equal(undefined);
        const problems = configProblems(
            tickets({ instanceType: "t3.medium", services: { ticketing: { port: 8081, cpus: 4, migrations: { command: ["./migrate"] } } } }),
        );
        expect(problems.map((p) => p.path)).to.deep.equal(["platform:workloads.tickets.services.ticketing.cpus"]);
        expect(problems[0].message).to.contain("t3.medium's 2 vCPUs");
    });

    it("refuses the types Amazon Linux 2023 does not boot on (Mac, A1), naming the key", () => {
        for (const instanceType of ["mac2.metal", "a1.large"]) {
            const problems = configProblems(tickets({ instanceType }));
            expect(
                problems.map((p) => p.path),
                instanceType,
            ).to.deep.equal(["platform:workloads.tickets.instanceType"]);
        }
        expect(() => parseStackConfig(tickets({ instanceType: "t4g.large" }), TOPOLOGY_SCHEMAS)).not.to.throw();
    });

    it("mounts the data volume on Xen hosts (t2, m4, ...) as /dev/xvdf as well as on Nitro's NVMe path", () => {
        expect(isXen("t2.medium") && isXen("m4.large") && !isXen("i3.metal") && !isXen("t3.medium")).to.equal(true);
        const userData = parse(
            renderUserData({ region: "us-east-1", bucket: "b", prefix: "p", dataVolumeId: "vol-0123", composeVersion: "2.29.7", syncIntervalMinutes: 5 }),
        );
        const mount = (userData.write_files as { path: string; content: string }[]).find((f) => f.path.endsWith("platform-mount-data"))!.content;
        expect(mount).to.contain('for candidate in "$nvme" /dev/xvdf');
        expect(spawnSync("bash", ["-n"], { input: mount }).status).to.equal(0);
        // Run the device search against a stand-in /dev where only the Xen name exists.
        const dir = scratchDir("mount");
        fs.writeFileSync(path.join(dir, "xvdf"), "");
        const search = mount
            .split("\n")
            .filter((l) => /^(nvme=|dev=""|for _| {2}for candidate| {2}sleep|done|\[ -n "\$dev" \])/.test(l))
            .join("\n")
            .replace("/dev/xvdf", path.join(dir, "xvdf"))
            .replace("sleep 5", "sleep 0");
        const run = spawnSync("bash", ["-c", `set -eu; DATA_VOLUME_ID=vol-0123; seq() { echo 1; }; ${search}\necho "$dev"`], { encoding: "utf8" });
        expect(run.stdout.trim()).to.equal(path.join(dir, "xvdf"));
    });

    it("keeps $ literal in environment, health checks and migration commands, as Compose's own parser reads them", function () {
        const values = { PASSWORD: "p@$$w0rd", TEMPLATE: "${NOT_A_VARIABLE} and $HOME", BROKEN: "a${b" };
        const file = renderCompose({
            region: "us-east-1",
            logGroupPrefix: "/compose/test",
            images,
            services: [
                service("ticketing", {
                    environment: values,
                    healthCheck: ["CMD-SHELL", 'test "$STATUS" = ok || exit 1'],
                    migrationCommand: ["sh", "-c", "migrate --to ${VERSION:-latest}"],
                }),
            ],
        });
        const resolved = composeResolved(file);
        if (!resolved) return this.skip();
        const api = resolved.services.ticketing;
        expect(api.environment).to.include(values);
        expect((api.healthcheck as { test: string[] }).test).to.deep.equal(["CMD-SHELL", 'test "$STATUS" = ok || exit 1']);
        expect(resolved.services["ticketing-migrate"].command).to.deep.equal(["sh", "-c", "migrate --to ${VERSION:-latest}"]);
        // The database bootstrap's script keeps its shell variables too.
        expect(String((resolved.services["ticketing-db-init"].command as string[])[2])).to.contain('db="$DB_NAME"');
    });
});

describe("compose-host: one-shot containers run once per change of their definition", () => {
    /** Runs the converge script with a stand-in `docker` that answers `config` with the file (as JSON), and records each `up`. */
    function converge(state: string, file: string, failUp = false): string[] {
        const dir = scratchDir("converge");
        fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(parse(file, { version: "1.1" })));
        fs.writeFileSync(
            path.join(dir, "docker"),
            `#!/bin/bash\ncase "$*" in\n  *"config --format json"*) cat ${dir}/config.json ;;\n  *" up "*) args="$*"; echo "\${args#*up }" >> ${dir}/ups; ${failUp ? "exit 1" : "true"} ;;\nesac\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "converge"), CONVERGE_SCRIPT, { mode: 0o755 });
        const run = spawnSync("bash", [path.join(dir, "converge"), "/opt/platform/docker-compose.yml"], {
            encoding: "utf8",
            env: { PATH: `${dir}:${process.env.PATH}`, PLATFORM_ONE_SHOT_STATE: state },
        });
        if (run.status !== 0 && /jq: (command )?not found/.test(run.stderr)) return ["skipped: jq missing"];
        expect(run.status, run.stderr).to.equal(failUp ? 1 : 0);
        return fs.existsSync(path.join(dir, "ups")) ? fs.readFileSync(path.join(dir, "ups"), "utf8").trim().split("\n") : [];
    }

    it("runs them on the first sync, not on the next ones, and again for the service whose migration changed", function () {
        const render = (migration: string[]) =>
            renderCompose({
                region: "us-east-1",
                logGroupPrefix: "/compose/test",
                images,
                services: [service("ticketing", { migrationCommand: migration }), service("payments")],
            });
        const state = scratchDir("one-shot");
        const first = converge(state, render(["./migrate"]));
        if (first[0]?.startsWith("skipped")) return this.skip();
        // First boot: the APIs with their dependencies, so every one-shot runs; the caches wait for none.
        expect(first).to.deep.equal(["-d --remove-orphans --no-deps ticketing-redis payments-redis", "-d --remove-orphans ticketing payments"]);
        // The sync job's next runs: nothing changed, so nothing starts the exited one-shots again.
        expect(converge(state, render(["./migrate"]))).to.deep.equal(["-d --remove-orphans --no-deps ticketing-redis ticketing payments-redis payments"]);
        // A new migration command: ticketing comes up with its one-shots; payments' stay done.
        expect(converge(state, render(["./migrate", "--to", "v2"]))).to.deep.equal([
            "-d --remove-orphans --no-deps ticketing-redis payments-redis payments",
            "-d --remove-orphans ticketing",
        ]);
        expect(converge(state, render(["./migrate", "--to", "v2"]))).to.have.length(1);
        // A migration that fails (so does \`up\`) is not stamped: the next sync runs it again.
        expect(converge(state, render(["./migrate", "--to", "v3"]), true)).to.have.length(1);
        expect(converge(state, render(["./migrate", "--to", "v3"]))).to.deep.equal([
            "-d --remove-orphans --no-deps ticketing-redis payments-redis payments",
            "-d --remove-orphans ticketing",
        ]);
    });
});
