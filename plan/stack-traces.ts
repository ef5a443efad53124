import * as pulumi from "@pulumi/pulumi";
import * as sourceMapSupport from "source-map-support";

// Internal SDK module (typings omit it): wraps every promise the runtime creates.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T> };
// Internal too: the whole-stack capture behind each resource's source position.
const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
let installed = false;

/**
 * Stack traces that point at `.ts` lines, without paying for the ones nobody reads.
 *
 * Pulumi's runtime wraps every promise it creates to store `new Error().stack` on it and track it,
 * only to report the ones still pending when the program exits, and every resource captures and
 * source-maps the whole call stack to send the engine its source position. That bookkeeping was
 * more than half of a plan's time and most of its memory. Under the mocks nothing reads it, so it
 * is skipped (a real `pulumi preview` still reports leaked promises); every other error keeps its
 * full trace, mapped to the TypeScript source, so a failing program still reports `file.ts:line`.
 */
export function installStackTraces(): void {
    if (installed) return;
    installed = true;
    // Under ts-node the source maps are already served; compiled code reads `bin/**/*.js.map`.
    if (!Error.prepareStackTrace) sourceMapSupport.install({ environment: "node", handleUncaughtExceptions: false });
    resourceClass.callsites = () => [];
    // The wrapper's only other job is the leaked-promise report at exit, for a real engine's run.
    debuggable.debuggablePromise = (p) => p;
}
