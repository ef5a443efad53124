import * as pulumi from "@pulumi/pulumi";
import * as sourceMapSupport from "source-map-support";

// Internal SDK modules (typings omit them); each shortcut below replaces one of their exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const errors = require("@pulumi/pulumi/errors") as { isGrpcError(err: Error): boolean };
// The whole-stack capture behind each resource's source position.
const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
// The Output constructor the runtime itself uses: (resources, value, isKnown, isSecret, dependencies).
const OutputConstructor = pulumi.Output as unknown as new (
    resources: unknown,
    value: Promise<unknown>,
    isKnown: Promise<unknown>,
    isSecret: Promise<unknown>,
    dependencies: Promise<unknown>,
) => pulumi.Output<unknown>;

type Resolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;
type TransferProperties = (onto: Record<string, unknown>, label: string, props: Record<string, unknown>) => Record<string, Resolver>;

/**
 * `PLATFORM_PLAN_EXACT_RUNTIME=1` runs the offline plan on the SDK's own code paths, without the
 * shortcuts below and in the mock monitor (plan/mocks.ts; source positions stay skipped); a test plans
 * the shipped production stack both ways and expects the same resources, inputs and outputs (by URN:
 * registrations settle in another order).
 */
export const EXACT_RUNTIME = process.env.PLATFORM_PLAN_EXACT_RUNTIME === "1";

let installed = false;

/**
 * The Pulumi runtime as the offline plan runs it: stack traces that point at `.ts` lines, without
 * the bookkeeping nothing reads under the mocks.
 *
 * - Every promise the runtime creates is wrapped to store `new Error().stack` and track it, only to
 *   report the ones still pending at exit, and every resource captures and source-maps the whole
 *   call stack for its source position. A real `pulumi preview` still reports leaked promises.
 * - Every property of a resource becomes an Output of four promises the moment the resource is
 *   constructed (an RDS instance has over 80), though a program reads a few of them. Here each is
 *   made when first read, from the value the mock monitor answered or still waiting for it: the same
 *   Output with the same value, resources, secrecy and dependencies. That was about 0.17 s of the
 *   production plan's 1.45 s.
 *
 * Every other error keeps its full trace, mapped to the TypeScript source, so a failing program
 * still reports `file.ts:line`.
 */
export function installOfflineRuntime(): void {
    if (installed) return;
    installed = true;
    // Under ts-node the source maps are already served; compiled code reads `bin/**/*.js.map`.
    if (!Error.prepareStackTrace) sourceMapSupport.install({ environment: "node", handleUncaughtExceptions: false });
    resourceClass.callsites = () => [];
    if (EXACT_RUNTIME) return;
    debuggable.debuggablePromise = (p) => p;
    rpc.transferProperties = transferPropertiesOnRead;
}

/** What a property's resolver was called with, before anyone read the property. */
type Settled = { err: Error } | { value: unknown; isKnown: boolean; isSecret: boolean; deps: unknown[] };

/** The runtime's `transferProperties` (runtime/rpc.js), making each property's Output on first read. */
const transferPropertiesOnRead: TransferProperties = (onto, label, props) => {
    const resolvers: Record<string, Resolver> = {};
    for (const k of Object.keys(props)) {
        // The runtime resolves "id" and "urn" itself.
        if (k === "id" || k === "urn") continue;
        if (Object.prototype.hasOwnProperty.call(onto, k)) throw new Error(`Property '${k}' is already initialized on target '${label}`);
        let output: pulumi.Output<unknown> | undefined;
        let settled: Settled | undefined;
        let pending: { resolve(v: unknown): void; reject(e: Error): void }[] | undefined;
        const make = (): pulumi.Output<unknown> => {
            if (settled && "err" in settled) {
                const failed = Promise.reject(settled.err);
                return new OutputConstructor(onto, failed, failed, failed, failed);
            }
            if (settled) {
                const { value, isKnown, isSecret, deps } = settled;
                return new OutputConstructor(onto, Promise.resolve(value), Promise.resolve(isKnown), Promise.resolve(isSecret), Promise.resolve(deps));
            }
            pending = [];
            const waiting = () => new Promise<unknown>((resolve, reject) => pending!.push({ resolve, reject }));
            return new OutputConstructor(onto, waiting(), waiting(), waiting(), waiting());
        };
        Object.defineProperty(onto, k, {
            configurable: true,
            enumerable: true,
            get: () => (output ??= make()),
            // A plain assignment replaces it, as it would the runtime's data property.
            set: (value: unknown) => Object.defineProperty(onto, k, { value, writable: true, configurable: true, enumerable: true }),
        });
        resolvers[k] = (value, isKnown, isSecret, deps = [], err) => {
            // As the runtime does: a gRPC error means the engine is going away; leave them pending.
            if (err && errors.isGrpcError(err)) return;
            if (pending) {
                if (err) pending.forEach((p) => p.reject(err));
                else [value, isKnown, isSecret, deps].forEach((v, i) => pending![i].resolve(v));
            } else {
                settled = err ? { err } : { value, isKnown, isSecret, deps };
            }
        };
    }
    return resolvers;
};
