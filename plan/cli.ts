import { SpawnSyncOptionsWithStringEncoding, SpawnSyncReturns, spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_DIR } from "./stack-files";

/**
 * The command line that starts `tools/<tool>` in its own process: the compiled JavaScript when this
 * module runs from `bin/` (`npm test`, `npm run plan`), ts-node on the source otherwise (a single
 * test file run with `npx mocha test/x.test.ts`).
 */
export function toolCommand(tool: string): string[] {
    if (__filename.endsWith(".js")) return [path.join(__dirname, "..", "tools", `${tool}.js`)];
    return [require.resolve("ts-node/dist/bin"), "--transpile-only", path.join(PROJECT_DIR, "tools", `${tool}.ts`)];
}

/** Runs `tools/<tool>` with `args` from the project folder and waits for it. */
export function runTool(tool: string, args: string[], options: Partial<SpawnSyncOptionsWithStringEncoding> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [...toolCommand(tool), ...args], { cwd: PROJECT_DIR, encoding: "utf8", ...options });
}
