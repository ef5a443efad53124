import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { z } from "zod";
import { TOPOLOGY_REGISTRY } from "../components/topologies/registry";
import { EnvironmentProfile, PROFILES } from "../stacks/profiles";
import { SchemaEnv, SettingsSchema, stackSchema } from "../stacks/schema";
import { SECRET_FIELD } from "../stacks/schema-kit";
import { PROJECT_DIR, readStackFiles } from "../plan/stack-files";
import { Plan, planStack } from "../plan/plan";
import { estimate, minutes, usd } from "../insights/index";
import { CREATE_SECONDS, DEFAULT_CREATE_SECONDS } from "../insights/deploy";
import { USAGE_DEFAULTS } from "../stacks/usage";
import { writeSection } from "./doc-sections";

/**
 * Settings tables generated from the schemas, so that the docs cannot drift from what the program
 * accepts: `npm run docs` writes them between the markers of each `docs/topologies/<name>.md`,
 * and a test fails when a page and its schema disagree.
 */

interface Row {
    key: string;
    type: string;
    default: string;
}

/** Leaf type in words. */
function typeOf(schema: z.ZodTypeAny, secret: boolean): string {
    if (secret) return "secret text (`--secret`)";
    if (schema instanceof z.ZodEnum) return (schema.options as string[]).map((o) => `\`${o}\``).join(" \\| ");
    if (schema instanceof z.ZodString) return "text";
    if (schema instanceof z.ZodNumber) return "number";
    if (schema instanceof z.ZodBoolean) return "boolean";
    if (schema instanceof z.ZodArray) return `list of ${typeOf(peel(schema._def.type).inner, peel(schema._def.type).secret)}`;
    if (schema instanceof z.ZodRecord) return "map";
    return "value";
}

function peel(schema: z.ZodTypeAny): { inner: z.ZodTypeAny; secret: boolean; defaultValue?: unknown; optional: boolean } {
    let inner = schema;
    let secret = false;
    let optional = false;
    let defaultValue: unknown;
    for (;;) {
        secret ||= inner.description === SECRET_FIELD;
        if (inner instanceof z.ZodDefault) {
            defaultValue ??= inner._def.defaultValue();
            inner = inner._def.innerType;
        } else if (inner instanceof z.ZodOptional) {
            optional = true;
            inner = inner._def.innerType;
        } else if (inner instanceof z.ZodEffects) inner = inner._def.schema;
        else return { inner, secret, defaultValue, optional };
    }
}

/** A key's default; a key without one is required, or required only once the optional `parent` it sits in is set. */
const show = (value: unknown, optional: boolean, parent?: string) =>
    value !== undefined
        ? typeof value === "object"
            ? `\`${JSON.stringify(value)}\``
            : `\`${String(value)}\``
        : optional
          ? "none"
          : parent
            ? `required when \`${parent}\` is set`
            : "**required**";

/** One row per settable key, nested objects flattened to `a.b`, map values as `a.<NAME>`; `optionalParent` is the nearest optional object above. */
function rows(schema: z.ZodTypeAny, prefix: string, optionalParent?: string): Row[] {
    const { inner, secret, defaultValue, optional } = peel(schema);
    const parent = optional && defaultValue === undefined ? prefix : optionalParent;
    if (inner instanceof z.ZodObject) {
        return Object.entries(inner.shape as z.ZodRawShape).flatMap(([key, field]) => rows(field, prefix ? `${prefix}.${key}` : key, parent));
    }
    if (inner instanceof z.ZodRecord && peel(inner._def.valueType).inner instanceof z.ZodObject) {
        return [
            { key: prefix, type: "map of objects", default: show(defaultValue, optional, optionalParent) },
            ...rows(inner._def.valueType, `${prefix}.<NAME>`, parent),
        ];
    }
    return [{ key: prefix, type: typeOf(inner, secret), default: show(defaultValue, optional, optionalParent) }];
}

/** The documented keys of one declaration (a schema builder, a settings schema, an interface), and the builders it uses. */
interface DeclarationDocs {
    /** Key path (map entries as `<NAME>`) -> JSDoc. */
    keys: Map<string, string>;
    /** Builders whose keys sit under `at` here (`database: postgresSettings(...)`, `...releaseSettings()` at ""). */
    uses: { at: string; name: string }[];
}

const jsDocOf = (node: ts.Node) =>
    ts
        .getJSDocCommentsAndTags(node)
        .map((d) => (typeof d.comment === "string" ? d.comment : ""))
        .join(" ")
        .replace(/\s+/g, " ")
        .trim();

/** Every variable and interface of a file with the JSDoc of the keys written in it. */
function scanDeclarations(file: string): Map<string, DeclarationDocs> {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const found = new Map<string, DeclarationDocs>();
    const walk = (node: ts.Node, prefix: string, into: DeclarationDocs): void => {
        if ((ts.isVariableDeclaration(node) && node.initializer) || ts.isInterfaceDeclaration(node)) {
            if (ts.isIdentifier(node.name)) {
                // Names declared twice in a file (a local `service` in two functions) share their entry.
                const docs: DeclarationDocs = found.get(node.name.text) ?? { keys: new Map(), uses: [] };
                found.set(node.name.text, docs);
                node.forEachChild((child) => walk(child, "", docs));
                return;
            }
        }
        if ((ts.isPropertyAssignment(node) || ts.isPropertySignature(node)) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) {
            const key = prefix ? `${prefix}.${node.name.text}` : node.name.text;
            const doc = jsDocOf(node);
            if (doc && !into.keys.has(key)) into.keys.set(key, doc);
            const value = ts.isPropertyAssignment(node) ? node.initializer : node.type;
            // The keys of a map's entries (`z.record(name, service)`) are documented as `<NAME>`.
            if (value) walk(value, /\.record\(/.test(value.getText()) ? `${key}.<NAME>` : key, into);
            return;
        }
        // A declaration this one builds on (`postgresSettings(...)`, `...releaseSettings()`, `return withCrossChecks(object, ...)`)
        // documents its keys here; a property read (`s.cpu`) names nothing.
        if (ts.isPropertyAccessExpression(node)) {
            walk(node.expression, prefix, into);
            return;
        }
        if (ts.isIdentifier(node)) {
            into.uses.push({ at: prefix, name: node.text });
            return;
        }
        node.forEachChild((child) => walk(child, prefix, into));
    };
    walk(source, "", { keys: new Map(), uses: [] });
    return found;
}

/** Where shared schema builders live (`postgresSettings`, `clientsSchema`, `releaseSettings`, ...). */
const SHARED_SCHEMA_FILES = () => [
    path.join(PROJECT_DIR, "stacks/schema-kit.ts"),
    ...fs
        .readdirSync(path.join(PROJECT_DIR, "components/blocks"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(PROJECT_DIR, "components/blocks", f)),
];

/**
 * JSDoc of the keys written under the declaration `root` of a file, by key path (map entries as
 * `<NAME>`): its own, and those of the builders it uses, from the same file or a shared one.
 */
function descriptions(file: string, root: string): Map<string, string> {
    const declarations = scanDeclarations(file);
    for (const shared of SHARED_SCHEMA_FILES()) for (const [name, docs] of scanDeclarations(shared)) if (!declarations.has(name)) declarations.set(name, docs);
    const resolve = (name: string, seen: Set<string>): Map<string, string> => {
        const docs = declarations.get(name);
        const out = new Map<string, string>();
        if (!docs || seen.has(name)) return out;
        for (const { at, name: used } of docs.uses)
            for (const [key, doc] of resolve(used, new Set([...seen, name]))) {
                const full = at ? `${at}.${key}` : key;
                if (!out.has(full)) out.set(full, doc);
            }
        // A key's own JSDoc wins over what a builder says of it.
        for (const [key, doc] of docs.keys) out.set(key, doc);
        return out;
    };
    return resolve(root, new Set());
}

const ENVIRONMENTS = ["staging", "production"] as const;

/** The settings table of one topology: both environments' defaults, each key's JSDoc. */
export function settingsTable(topology: string): string {
    const schema: SettingsSchema = TOPOLOGY_REGISTRY[topology].settings;
    const ctx = { secretKeys: new Set<string>(), region: "us-east-1" };
    const perEnvironment = ENVIRONMENTS.map((environment) => {
        const env: SchemaEnv = { profile: PROFILES[environment], environment, stack: environment, workload: "<name>" };
        return rows(schema(ctx, env), "");
    });
    const docs = descriptions(path.join(PROJECT_DIR, "components/topologies", `${topology}.ts`), "settingsSchema");
    return table(perEnvironment, docs);
}

/** Rows of both environments side by side, with their descriptions. */
function table(perEnvironment: Row[][], docs: Map<string, string>, prefix = ""): string {
    const lines = ["| key | type | default | what it does |", "|---|---|---|---|"];
    perEnvironment[0].forEach((row, i) => {
        const production = perEnvironment[1][i];
        const value = production.default === row.default ? row.default : `staging ${row.default}, production ${production.default}`;
        const doc = docs.get(row.key) ?? "";
        // "required when `imageReplication` is set" names the parent as the table does.
        const shown = value.replace(/required when `/g, `required when \`${prefix}`);
        lines.push(`| \`${prefix}${row.key}\` | ${row.type} | ${shown} | ${doc.replace(/\|/g, "\\|")} |`);
    });
    return lines.join("\n");
}

/** The stack-level keys (`platform:*` but the workloads' settings), from the stack schema. */
export function stackTable(): string {
    const all = rows(stackSchema, "").filter((r) => !r.key.startsWith("profile.") && !r.key.startsWith("insights."));
    const docs = descriptions(path.join(PROJECT_DIR, "stacks/schema.ts"), "stackSchema");
    return table([all, all], docs, "platform:")
        .split("\n")
        .concat(
            "| `platform:profile.<key>` | see the profile table | the environment's | one profile default overridden ([configuration](docs/configuration.md)) |",
            "| `platform:insights.<assumption>` | number | see [insights](docs/insights.md) | a usage assumption of the cost estimate |",
            "| `platform:workloads.<name>.topology` | one of the registry's | **required** | which topology deploys the workload ([topologies](docs/topologies/)) |",
        )
        .join("\n");
}

/** The environment profiles: each key's staging and production value. */
export function profileTable(): string {
    const docs = descriptions(path.join(PROJECT_DIR, "stacks/profiles.ts"), "EnvironmentProfile");
    const lines = ["| key | staging | production | what it does |", "|---|---|---|---|"];
    for (const key of Object.keys(PROFILES.staging) as (keyof EnvironmentProfile)[]) {
        lines.push(`| \`${key}\` | \`${PROFILES.staging[key]}\` | \`${PROFILES.production[key]}\` | ${docs.get(key) ?? ""} |`);
    }
    return lines.join("\n");
}

/** The cost estimate's usage assumptions: each key of `platform:insights`, its default and what it is. */
export function usageTable(): string {
    const docs = descriptions(path.join(PROJECT_DIR, "stacks/usage.ts"), "USAGE_DEFAULTS");
    const lines = ["| `platform:insights` key | default | what it assumes |", "|---|---|---|"];
    for (const [key, value] of Object.entries(USAGE_DEFAULTS)) lines.push(`| \`${key}\` | ${value.toLocaleString("en-US")} | ${docs.get(key) ?? ""} |`);
    return lines.join("\n");
}

/** The typical create durations the deploy estimate weighs resources by, with their sources. */
export function createDurationsTable(): string {
    const lines = ["| type | seconds | source |", "|---|---|---|"];
    for (const [type, { seconds, source }] of Object.entries(CREATE_SECONDS)) lines.push(`| \`${type}\` | ${seconds} | ${source} |`);
    lines.push(`| any other type | ${DEFAULT_CREATE_SECONDS} | one API call |`);
    return lines.join("\n");
}

/** Every generated table: the file it lives in, its marker id, and its content now. */
export function generatedTables(): { file: string; id: string; content: string }[] {
    return [
        { file: "README.md", id: "stack-keys", content: stackTable() },
        { file: "docs/configuration.md", id: "profiles", content: profileTable() },
        { file: "docs/insights.md", id: "usage-assumptions", content: usageTable() },
        { file: "docs/insights.md", id: "create-durations", content: createDurationsTable() },
        ...Object.keys(TOPOLOGY_REGISTRY).map((topology) => ({ file: `docs/topologies/${topology}.md`, id: "settings", content: settingsTable(topology) })),
    ];
}

/** The shipped stacks' figures the docs quote: cost, deploy times, resources, from fresh plans. */
export function figuresTable(plans: Plan[]): string {
    const lines = ["| stack | monthly cost | critical path | serial | resources |", "|---|---|---|---|---|"];
    for (const plan of plans) {
        const { monthlyUsd, deploy } = estimate(plan, plan.usage, plan.region);
        lines.push(
            `| ${plan.stack} | ${usd(monthlyUsd)} | ${minutes(deploy.criticalPathSeconds)} | ${minutes(deploy.serialSeconds)} | ${plan.resources.length.toLocaleString("en-US")} |`,
        );
    }
    return lines.join("\n");
}

/** The chain of resources that bounds a stack's first `pulumi up`, by name and type. */
export function criticalPathLine(plan: Plan): string {
    const { deploy } = estimate(plan, plan.usage, plan.region);
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const steps = deploy.criticalPath.map((urn) => {
        const r = byUrn.get(urn)!;
        return `${r.name} (${r.type.split(":").pop()})`;
    });
    return `The critical path of \`${plan.stack}\`, ${minutes(deploy.criticalPathSeconds)}: ${steps.join(" → ")}.`;
}

/** The stacks whose figures the docs quote. */
export const FIGURE_STACKS = ["staging", "production"] as const;

/** Every section `npm run docs` writes from the plans of the shipped stacks. */
export function generatedFigures(plans: Plan[]): { file: string; id: string; content: string }[] {
    const production = plans.find((p) => p.stack === "production")!;
    return [
        { file: "docs/insights.md", id: "stack-figures", content: figuresTable(plans) },
        { file: "docs/insights.md", id: "critical-path", content: criticalPathLine(production) },
    ];
}

if (require.main === module) {
    (async () => {
        for (const { file, id, content } of generatedTables()) console.log(writeSection(file, id, content));
        const plans: Plan[] = [];
        for (const stack of FIGURE_STACKS) plans.push(await planStack(readStackFiles(stack)));
        for (const { file, id, content } of generatedFigures(plans)) console.log(writeSection(file, id, content));
    })().catch((err: unknown) => {
        console.error(err);
        process.exit(1);
    });
}
