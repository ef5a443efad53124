import { expect } from "chai";
import { bootstrapCommand } from "../tools/bootstrap";
import { migrationsCommand } from "../tools/migrations";
import { planCommand } from "../tools/plan";
import { policyCommand } from "../tools/policy";
import { policyConfigCommand } from "../tools/policy-config";
import { stacksCommand } from "../tools/stacks";

/** A tool's exit code and what it printed, run in-process. */
async function run(command: (argv: string[], io: { out(t: string): void; err(t: string): void }) => number | Promise<number>, argv: string[]) {
    let out = "";
    let err = "";
    const status = await command(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { status, out, err };
}

describe("every npm run tool answers --help: its usage on stdout, exit 0, nothing run", () => {
    const tools: [string, Parameters<typeof run>[0]][] = [
        ["plan", planCommand],
        ["policy", policyCommand],
        ["policy-config", policyConfigCommand],
        ["migrations", migrationsCommand],
        ["stacks", stacksCommand],
        ["bootstrap", bootstrapCommand],
    ];
    for (const [name, command] of tools) {
        it(`npm run ${name} -- --help`, async () => {
            const { status, out, err } = await run(command, ["--help"]);
            expect(status, err).to.equal(0);
            expect(out).to.match(new RegExp(`^usage: npm run (-s )?${name} `));
            expect(err).to.equal("");
        });
    }
});
