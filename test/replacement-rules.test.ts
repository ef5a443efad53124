import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/stack-files";
import { REPLACEMENT_RULES, forcesReplacement, isStateful } from "../plan/replacement";

/**
 * The replacement table (plan/replacement-rules.json) covers every resource type this program can
 * create, and agrees with AWS's CloudFormation specification wherever the two describe the same
 * property, or says why not.
 */

/** Every `new X(...)` of a Pulumi SDK class in the program's source: its type token. */
export function typesTheProgramCreates(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    const files: string[] = [path.join(PROJECT_DIR, "index.ts")];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, e.name);
            if (e.isDirectory()) walk(full);
            else if (e.name.endsWith(".ts")) files.push(full);
        }
    };
    walk(path.join(PROJECT_DIR, "components"));
    for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        const modules = new Map<string, string>(); // local name -> module
        const named = new Map<string, string>(); // imported class -> module
        for (const m of text.matchAll(/import \* as (\w+) from "(@pulumi\/(?:aws|awsx|random|cloudflare)[^"]*)"/g)) modules.set(m[1], m[2]);
        for (const m of text.matchAll(/import \{([^}]+)\} from "(@pulumi\/(?:aws|awsx|random|cloudflare)[^"]*)"/g)) {
            for (const n of m[1].split(",").map((s) =>
                s
                    .trim()
                    .split(/\s+as\s+/)
                    .pop()!,
            ))
                if (n) named.set(n, m[2]);
        }
        const record = (mod: string, cls: string) => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const token = (require(mod) as Record<string, { __pulumiType?: string }>)[cls]?.__pulumiType;
            // A provider (`new cloudflare.Provider`: type token "cloudflare") is configuration, not a resource the table describes.
            if (!token || !token.includes(":")) return;
            found.set(token, [...(found.get(token) ?? []), path.relative(PROJECT_DIR, file)]);
        };
        for (const m of text.matchAll(/new (\w+)\.(\w+)\(/g)) if (modules.has(m[1])) record(modules.get(m[1])!, m[2]);
        for (const m of text.matchAll(/new (\w+)\(/g)) if (named.has(m[1])) record(named.get(m[1])!, m[1]);
    }
    return found;
}

interface CfnProperty {
    UpdateType?: "Mutable" | "Immutable" | "Conditional";
}
interface CfnSpec {
    ResourceTypes: Record<string, { Properties?: Record<string, CfnProperty> }>;
}

// Loaded once per process: the specification is 10 MB of JSON.
let spec: CfnSpec | undefined;
let lint: string[] | undefined;
function cfn(): { spec: CfnSpec; stateful: string[] } {
    const dir = path.dirname(require.resolve("@aws-cdk/cfnspec/package.json"));
    spec ??= JSON.parse(fs.readFileSync(path.join(dir, "spec/specification.json"), "utf8")) as CfnSpec;
    const lintFile = JSON.parse(fs.readFileSync(path.join(dir, "spec/cfn-lint.json"), "utf8")) as {
        StatefulResources: { ResourceTypes: Record<string, unknown> };
    };
    lint ??= Object.keys(lintFile.StatefulResources.ResourceTypes);
    return { spec, stateful: lint };
}

/** The top-level input names of a Pulumi type, from the SDK's `XArgs` interface. */
function pulumiInputs(token: string): Set<string> {
    const [pkg, mod, cls] = token.split(":");
    const file = path.join(PROJECT_DIR, "node_modules/@pulumi", pkg, `${mod.replace(/^index\//, "")}.d.ts`);
    const text = fs.readFileSync(file, "utf8");
    const start = text.indexOf(`export interface ${cls}Args {`);
    return new Set([...text.slice(start, text.indexOf("\n}", start)).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]));
}

export interface Disagreement {
    type: string;
    path: string;
    cfnProperty: string;
    cfn: "Mutable" | "Immutable";
    provider: "replace" | "update";
}

/** Every property of an equivalent CloudFormation type where the two sources disagree. */
export function disagreements(): Disagreement[] {
    const { spec } = cfn();
    const out: Disagreement[] = [];
    for (const [type, entry] of Object.entries(REPLACEMENT_RULES)) {
        if (!entry.cfn) continue;
        const props = spec.ResourceTypes[entry.cfn]?.Properties ?? {};
        const inputs = pulumiInputs(type);
        for (const [name, prop] of Object.entries(props)) {
            if (prop.UpdateType !== "Mutable" && prop.UpdateType !== "Immutable") continue;
            const mapped = entry.cfnNames?.[name] ?? name[0].toLowerCase() + name.slice(1);
            if (mapped === "-" || !inputs.has(mapped)) continue;
            const replaces = forcesReplacement(type, mapped) === true;
            if (replaces !== (prop.UpdateType === "Immutable")) {
                out.push({ type, path: mapped, cfnProperty: name, cfn: prop.UpdateType, provider: replaces ? "replace" : "update" });
            }
        }
    }
    return out;
}

describe("replacement rules (plan/replacement-rules.json)", () => {
    it("has an entry for every resource type the program creates", () => {
        const created = typesTheProgramCreates();
        // The scan sees the program's resources: a sanity floor, so a broken scan cannot pass silently.
        expect(created.size).to.be.greaterThan(50);
        const missing = [...created].filter(([type]) => !REPLACEMENT_RULES[type]).map(([type, files]) => `${type} (${[...new Set(files)].join(", ")})`);
        expect(missing, "add these types to plan/replacement-rules.json (tools/replacement-rules.ts regenerates their paths)").to.deep.equal([]);
        // The VPC component's children are created by awsx, not by `new` in this program.
        for (const child of ["aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip"]) {
            expect(REPLACEMENT_RULES[child], child).to.exist;
        }
    });

    it("names its source and reads as the contract says", () => {
        expect(forcesReplacement("aws:rds/instance:Instance", "dbName")).to.equal(true);
        expect(forcesReplacement("aws:rds/instance:Instance", "engineVersion")).to.equal(false);
        expect(forcesReplacement("aws:rds/instance:Instance", "allocatedStorage")).to.equal(false);
        expect(forcesReplacement("aws:rds/cluster:Cluster", "masterUsername")).to.equal(true);
        expect(forcesReplacement("aws:ecs/taskDefinition:TaskDefinition", "containerDefinitions")).to.equal(true);
        expect(forcesReplacement("aws:ecs/service:Service", "desiredCount")).to.equal(false);
        // A nested path counts through its replacing ancestor.
        expect(forcesReplacement("aws:elasticache/replicationGroup:ReplicationGroup", "atRestEncryptionEnabled")).to.equal(true);
        expect(forcesReplacement("platform:data:PostgresDatabase", "anything")).to.equal(undefined);
        expect(isStateful("aws:rds/instance:Instance")).to.equal(true);
        expect(isStateful("aws:kms/key:Key")).to.equal(true);
        expect(isStateful("aws:iam/role:Role")).to.equal(false);
        // Cloudflare (terraform-provider-cloudflare's RequiresReplace plan modifiers).
        expect(forcesReplacement("cloudflare:index/dnsRecord:DnsRecord", "type")).to.equal(true);
        expect(forcesReplacement("cloudflare:index/dnsRecord:DnsRecord", "content")).to.equal(false);
        expect(forcesReplacement("cloudflare:index/ruleset:Ruleset", "name")).to.equal(true);
        expect(forcesReplacement("cloudflare:index/ruleset:Ruleset", "rules[0].ratelimit.period")).to.equal(false);
        expect(forcesReplacement("cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate", "certificate")).to.equal(true);
        expect(forcesReplacement("cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings", "enabled")).to.equal(false);
        expect(isStateful("cloudflare:index/dnsRecord:DnsRecord")).to.equal(false);
    });

    it("every replacing path is an input of the Pulumi SDK (no Terraform names, nothing invented)", () => {
        const wrong: string[] = [];
        for (const [type, entry] of Object.entries(REPLACEMENT_RULES)) {
            if (type.startsWith("awsx:")) continue;
            const inputs = pulumiInputs(type);
            for (const p of entry.replaceOnChanges) if (!inputs.has(p.split(".")[0])) wrong.push(`${type}: ${p}`);
        }
        expect(wrong).to.deep.equal([]);
    });

    it("marks every type cfn-lint lists as stateful, and says why for each it adds", () => {
        const { stateful } = cfn();
        for (const [type, entry] of Object.entries(REPLACEMENT_RULES)) {
            if (entry.cfn && stateful.includes(entry.cfn)) expect(entry.stateful, `${type} (${entry.cfn} is stateful in cfn-lint)`).to.equal(true);
            if (entry.stateful) expect(entry.statefulWhy, `${type}: statefulWhy`).to.be.a("string").and.not.empty;
        }
    });

    it("explains every property where AWS's CloudFormation specification disagrees with the provider", () => {
        const found = disagreements();
        const unexplained = found
            .filter((d) => !REPLACEMENT_RULES[d.type].notes[d.path])
            .map((d) => `${d.type} ${d.path}: CloudFormation ${d.cfnProperty} is ${d.cfn}, the provider would ${d.provider}`);
        expect(unexplained, "explain each in the type's `notes` (plan/replacement-rules.json)").to.deep.equal([]);
        // A note that no longer matches a disagreement is stale (the provider or the spec moved).
        // Types without a CloudFormation equivalent (Cloudflare's) are not cross-checked: their notes
        // cite the provider's source per input, and each must still name an input of the SDK.
        const stale: string[] = [];
        for (const [type, entry] of Object.entries(REPLACEMENT_RULES)) {
            if (!entry.cfn) {
                if (type.startsWith("awsx:")) continue;
                const inputs = pulumiInputs(type);
                for (const p of Object.keys(entry.notes)) if (!inputs.has(p.split(".")[0])) stale.push(`${type} ${p} (not an input)`);
                continue;
            }
            for (const p of Object.keys(entry.notes)) if (!found.some((d) => d.type === type && d.path === p)) stale.push(`${type} ${p}`);
        }
        expect(stale, "notes without a disagreement").to.deep.equal([]);
    });
});
