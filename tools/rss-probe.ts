import * as fs from "fs";

/**
 * Loaded with `node --require` by `npm run bench`: on exit, writes the process's peak resident
 * memory (bytes) to the file named by `PLATFORM_BENCH_RSS_FILE`.
 */
const out = process.env.PLATFORM_BENCH_RSS_FILE;
if (out) process.on("exit", () => fs.writeFileSync(out, String(process.resourceUsage().maxRSS * 1024)));
