import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type { Struct as StructType } from "google-protobuf/google/protobuf/struct_pb";
import { PlannedResource, SECRET_SIG, SIG_KEY, UNKNOWN } from "./mocks";
import { Violation, previewProps } from "./policy";
import { PROJECT_DIR } from "./stack-files";

/**
 * The policy pack as `pulumi preview --policy-pack policy/` runs it: `policy/` started as its own
 * program by the SDK's policy-pack runner (which type-checks it with ts-node), the port it prints,
 * then the Analyzer gRPC service: GetAnalyzerInfo, Configure, Analyze per resource, AnalyzeStack.
 */

// The SDK's generated gRPC code and its protobuf runtime (typings for the service client omit it).
/* eslint-disable @typescript-eslint/no-require-imports */
const grpc = require("@grpc/grpc-js") as typeof grpcTypes;
const pb = require("@pulumi/pulumi/proto/analyzer_pb") as typeof analyzerPb;
const services = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
    AnalyzerClient: new (address: string, credentials: grpcTypes.ChannelCredentials) => AnalyzerClient;
};
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: typeof StructType };
const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as { Empty: new () => unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

type Callback<T> = (err: grpcTypes.ServiceError | null, response: T) => void;
interface AnalyzerClient extends grpcTypes.Client {
    getAnalyzerInfo(request: unknown, callback: Callback<analyzerPb.AnalyzerInfo>): void;
    configure(request: analyzerPb.ConfigureAnalyzerRequest, callback: Callback<unknown>): void;
    analyze(request: analyzerPb.AnalyzeRequest, callback: Callback<analyzerPb.AnalyzeResponse>): void;
    analyzeStack(request: analyzerPb.AnalyzeStackRequest, callback: Callback<analyzerPb.AnalyzeResponse>): void;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
const levelOf = (value: number) => LEVELS[value] ?? "advisory";

/** A policy as GetAnalyzerInfo describes it. */
export interface ServedPolicy {
    name: string;
    enforcementLevel: (typeof LEVELS)[number];
    configSchema?: { properties: Record<string, unknown>; required: string[] };
}

/** Inputs as the CLI encodes them: secrets and unknowns carry the SDK's special signatures. */
export function encodeProperties(value: unknown): unknown {
    if (value === "[secret]") return { [SIG_KEY]: SECRET_SIG, value: "[secret]" };
    if (value === "[unknown]") return UNKNOWN;
    if (Array.isArray(value)) return value.map(encodeProperties);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeProperties(v)]));
    return value;
}

const call = <T>(run: (callback: Callback<T>) => void) => new Promise<T>((resolve, reject) => run((err, response) => (err ? reject(err) : resolve(response))));

/** A served pack: its policies, and the calls the CLI makes. Always `close()` it. */
export class ServedPolicyPack {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: AnalyzerClient,
        readonly packName: string,
        readonly policies: ServedPolicy[],
    ) {}

    /** Starts `policy/` the way the CLI does and reads its analyzer info. */
    static async start(policyDir = path.join(PROJECT_DIR, "policy")): Promise<ServedPolicyPack> {
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
        // The runner drops its first argument (the engine's address): the pack does not call the engine.
        const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: policyDir, stdio: ["ignore", "pipe", "pipe"] });
        // Never outlive the caller, whatever happens to it (a timed-out hook, an exception).
        const stop = () => child.kill();
        process.once("exit", stop);
        child.once("exit", () => process.removeListener("exit", stop));
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            const lines = readline.createInterface({ input: child.stdout! });
            lines.once("line", (line) => resolve(Number(line.trim())));
            child.once("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${stderr}`)));
        });
        if (!Number.isInteger(port) || port <= 0) {
            child.kill();
            throw new Error(`the policy pack printed no port:\n${stderr}`);
        }
        const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        try {
            const info = await call<analyzerPb.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb));
            const policies = info.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    enforcementLevel: levelOf(p.getEnforcementlevel()),
                    ...(schema
                        ? {
                              configSchema: {
                                  properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
                                  required: schema.getRequiredList(),
                              },
                          }
                        : {}),
                };
            });
            return new ServedPolicyPack(child, client, info.getName(), policies);
        } catch (err) {
            client.close();
            child.kill();
            throw err;
        }
    }

    /**
     * Configure, as the CLI sends it: every policy with its enforcement level (the config's, else
     * the pack's) and its properties from the config file (the shape `npm run policy-config` writes).
     */
    async configure(config: Record<string, Record<string, unknown>>): Promise<void> {
        const request = new pb.ConfigureAnalyzerRequest();
        for (const policy of this.policies) {
            const { enforcementLevel, ...properties } = { ...(config.all ?? {}), ...(config[policy.name] ?? {}) } as Record<string, unknown>;
            const level = LEVELS.indexOf((enforcementLevel as (typeof LEVELS)[number]) ?? policy.enforcementLevel);
            const entry = new pb.PolicyConfig();
            entry.setEnforcementlevel(level >= 0 ? level : LEVELS.indexOf(policy.enforcementLevel));
            entry.setProperties(Struct.fromJavaScript(properties as Record<string, never>));
            request.getPolicyconfigMap().set(policy.name, entry);
        }
        await call((cb) => this.client.configure(request, cb));
    }

    /** Analyze for each custom resource, then AnalyzeStack for all of them; the violations found. */
    async analyzePlan(resources: PlannedResource[]): Promise<Violation[]> {
        const custom = resources.filter((r) => r.custom);
        const violations: Violation[] = [];
        const collect = (response: analyzerPb.AnalyzeResponse, fallbackUrn: string) => {
            for (const d of response.getDiagnosticsList()) {
                const description = d.getDescription();
                const message = d.getMessage().startsWith(`${description}\n`) ? d.getMessage().slice(description.length + 1) : d.getMessage();
                violations.push({
                    policy: d.getPolicyname(),
                    level: levelOf(d.getEnforcementlevel()) as Violation["level"],
                    urn: d.getUrn() || fallbackUrn,
                    message,
                });
            }
        };
        const options = (r: PlannedResource) => {
            const o = new pb.AnalyzerResourceOptions();
            o.setProtect(r.options.protect);
            o.setIgnorechangesList(r.options.ignoreChanges);
            o.setDeletebeforereplace(r.options.deleteBeforeReplace);
            o.setDeletebeforereplacedefined(true);
            if (r.parent) o.setParent(r.parent);
            return o;
        };
        // The fields an AnalyzeRequest and a stack's AnalyzerResource share.
        const describe = <M extends analyzerPb.AnalyzeRequest | analyzerPb.AnalyzerResource>(message: M, r: PlannedResource, props = r.inputs): M => {
            message.setType(r.type);
            message.setUrn(r.urn);
            message.setName(r.name);
            message.setProperties(Struct.fromJavaScript(encodeProperties(props) as Record<string, never>));
            message.setOptions(options(r));
            return message;
        };
        for (const r of custom) {
            const request = describe(new pb.AnalyzeRequest(), r);
            collect(await call<analyzerPb.AnalyzeResponse>((cb) => this.client.analyze(request, cb)), r.urn);
        }
        const stack = new pb.AnalyzeStackRequest();
        stack.setResourcesList(
            resources.map((r) => {
                const resource = describe(new pb.AnalyzerResource(), r, previewProps(r));
                if (r.parent) resource.setParent(r.parent);
                resource.setDependenciesList(r.dependencies);
                return resource;
            }),
        );
        collect(await call<analyzerPb.AnalyzeResponse>((cb) => this.client.analyzeStack(stack, cb)), "");
        return violations;
    }

    /** Stops the server process and the client. */
    close(): void {
        this.client.close();
        this.child.kill();
    }
}
