import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/stack-files";

/**
 * Regenerates plan/replacement-rules.json from a checkout of the Terraform provider a Pulumi
 * provider is built from:
 *
 *     npm run -s build && node bin/tools/replacement-rules.js --provider <terraform-provider-aws work tree> \
 *         --random <terraform-provider-random work tree> --source "<what the checkouts are>"
 *
 * For each Pulumi type in the table's `tf` map it finds the Terraform resource (by its
 * `@SDKResource("aws_x")` / `@FrameworkResource("aws_x")` annotation or its `TypeName`), reads its
 * schema and lists the settable attributes whose change forces replacement: `ForceNew: true`
 * (plugin SDK) or a `RequiresReplace()` plan modifier (plugin framework), nested blocks as dotted
 * paths. Terraform's snake_case names become the Pulumi input names found in
 * node_modules/@pulumi/<pkg> (`XArgs` and the nested input types), so a path that the SDK does not
 * have is reported, never guessed. Replacement decided in code (CustomizeDiff's `ForceNew`,
 * `RequiresReplaceIf`) lands in `conditional`. Hand-kept fields (`stateful`, `notes`, `cfn`,
 * `adjust`: a verified difference of the provider version in use) are carried over from the
 * current file. Nothing here needs the network; the tests read only the JSON.
 */

interface Entry {
    tf: string;
    file?: string;
    replaceOnChanges: string[];
    conditional?: Record<string, string>;
    stateful: boolean;
    statefulWhy?: string;
    cfn?: string;
    adjust?: { add?: string[]; remove?: string[]; checked?: string[]; conditional?: Record<string, string>; why: string };
    /** Inputs of the SDK that the checkout does not have and nobody checked yet: their replacement behaviour is unknown. */
    newerInputs?: string[];
    /** Terraform attribute -> Pulumi input where pulumi-aws renames it (checked in the SDK's type definitions). */
    pulumiNames?: Record<string, string>;
    notes: Record<string, string>;
}

interface RulesFile {
    source: Record<string, unknown>;
    types: Record<string, Entry>;
}

// ---- a small Go reader: enough to walk composite literals without a Go toolchain ----

/** Index just past the literal, comment or rune starting at `i`, or `i` when none starts there. */
function skipAtom(text: string, i: number): number {
    const c = text[i];
    if (c === "/" && text[i + 1] === "/") return text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
    if (c === "/" && text[i + 1] === "*") return text.indexOf("*/", i + 2) + 2;
    if (c === "`") return text.indexOf("`", i + 1) + 1;
    if (c === '"' || c === "'") {
        let j = i + 1;
        while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
        return j + 1;
    }
    return i;
}

/** The index of the bracket closing the one at `open`. */
function closing(text: string, open: number): number {
    let depth = 0;
    for (let i = open; i < text.length; i++) {
        const skipped = skipAtom(text, i);
        if (skipped !== i) {
            i = skipped - 1;
            continue;
        }
        const c = text[i];
        if (c === "{" || c === "(" || c === "[") depth++;
        else if (c === "}" || c === ")" || c === "]") {
            depth--;
            if (depth === 0) return i;
        }
    }
    throw new Error(`unbalanced bracket at ${open}`);
}

/** Splits the inside of a composite literal into its top-level `key: value` elements. */
function elements(body: string): Array<{ key: string; value: string }> {
    const out: Array<{ key: string; value: string }> = [];
    let start = 0;
    let depth = 0;
    const push = (end: number) => {
        const part = body.slice(start, end);
        const stripped = stripComments(part).trim();
        if (stripped) {
            const colon = topLevelColon(stripped);
            if (colon > 0) out.push({ key: stripped.slice(0, colon).trim(), value: stripped.slice(colon + 1).trim() });
        }
        start = end + 1;
    };
    for (let i = 0; i < body.length; i++) {
        const skipped = skipAtom(body, i);
        if (skipped !== i) {
            i = skipped - 1;
            continue;
        }
        const c = body[i];
        if (c === "{" || c === "(" || c === "[") depth++;
        else if (c === "}" || c === ")" || c === "]") depth--;
        else if (c === "," && depth === 0) push(i);
    }
    push(body.length);
    return out;
}

function stripComments(text: string): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
        const skipped = skipAtom(text, i);
        if (skipped !== i) {
            if (text[i] === "/") out += " ";
            else out += text.slice(i, skipped);
            i = skipped - 1;
            continue;
        }
        out += text[i];
    }
    return out;
}

function topLevelColon(text: string): number {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
        const skipped = skipAtom(text, i);
        if (skipped !== i) {
            i = skipped - 1;
            continue;
        }
        const c = text[i];
        if (c === "{" || c === "(" || c === "[") depth++;
        else if (c === "}" || c === ")" || c === "]") depth--;
        else if (c === ":" && depth === 0 && text[i + 1] !== "=") return i;
    }
    return -1;
}

/** The inside of the first composite literal of `value` (`{...}`, `&T{...}`, `T{...}`), if it is one. */
function literalBody(value: string): string | undefined {
    const m = /^&?[\w.[\]*]*\{/.exec(value);
    if (!m) return undefined;
    const open = m[0].length - 1;
    return value.slice(open + 1, closing(value, open));
}

/** Finds a Go package's function bodies and string constants. */
class GoPackage {
    private readonly files: Array<{ name: string; text: string }>;
    constructor(
        readonly dir: string,
        private readonly global: Record<string, string>,
    ) {
        this.files = fs
            .readdirSync(dir)
            // Ephemeral resources share their resource's type name: never theirs.
            // An index snapshot (one declaration a file) names its files `func.X.goindex`, `var.X.goindex`.
            .filter((f) => (f.endsWith(".go") || f.endsWith(".goindex")) && !f.endsWith("_test.go") && !f.startsWith("ephemeral_"))
            .map((f) => ({ name: f, text: fs.readFileSync(path.join(dir, f), "utf8") }));
    }
    has(file: string): boolean {
        return this.files.some((f) => f.name === file);
    }
    text(file: string): string | undefined {
        return this.files.find((f) => f.name === file)?.text;
    }
    /** Marks `file` as the resource's registration, as the source's own annotation would (index snapshots drop comments). */
    annotate(file: string, annotation: string) {
        const f = this.files.find((x) => x.name === file);
        if (!f) throw new Error(`${file} not in ${this.dir}`);
        if (!f.text.includes(annotation)) f.text = `// ${annotation}\n${f.text}`;
    }
    /** The text of every function of an index snapshot whose name `text` mentions (one level: CustomizeDiff helpers). */
    mentioned(text: string): string {
        const names = new Set([...text.matchAll(/\b([a-zA-Z]\w+)\b/g)].map((m) => m[1]));
        return this.files
            .filter((f) => names.has(/^func\.(\w+)\.goindex$/.exec(f.name)?.[1] ?? ""))
            .map((f) => f.text)
            .join("\n");
    }
    fileWith(pattern: RegExp): { name: string; text: string } | undefined {
        return this.files.find((f) => pattern.test(f.text));
    }
    /** The inside of the braces that end the first match of `re` in any file of the package. */
    private bracedAfter(re: RegExp): string | undefined {
        for (const f of this.files) {
            const m = re.exec(f.text);
            if (m) {
                const open = m.index + m[0].length - 1;
                return f.text.slice(open + 1, closing(f.text, open));
            }
        }
        return undefined;
    }
    /** The body of `func name(...) ... { ... }` (a plain function, not a method). */
    func(name: string): string | undefined {
        return (
            this.bracedAfter(new RegExp(`\\nfunc ${name}\\([^)]*\\)[^{\\n]*\\{`)) ??
            // `var name = sync.OnceValue(func() *schema.Schema { ... })`: a function computed once.
            this.bracedAfter(new RegExp(`\\b${name}\\s*=\\s*sync\\.OnceValues?\\(func\\([^)]*\\)[^{\\n]*\\{`))
        );
    }
    /** The composite literal a package-level `var name = T{...}` holds. */
    varLiteral(name: string): string | undefined {
        return this.bracedAfter(new RegExp(`\\b${name}\\s*=\\s*(&?[\\w.[\\]*]*\\{)`));
    }
    /** A map key: a string literal, a `names.AttrX` constant or a constant of this package. */
    key(raw: string): string | undefined {
        const lit = /^"([^"]+)"$/.exec(raw);
        if (lit) return lit[1];
        const named = /^names\.(\w+)$/.exec(raw);
        if (named) return this.global[named[1]] ?? attrConstant(named[1]);
        if (/^\w+$/.test(raw)) {
            for (const f of this.files) {
                const m = new RegExp(`\\b${raw}\\s*(?:string\\s*)?=\\s*"([^"]+)"`).exec(f.text);
                if (m) return m[1];
            }
        }
        return undefined;
    }
}

/** `names.AttrVPCSecurityGroupIDs` -> `vpc_security_group_ids`: the rule the provider's generated constants follow. */
export function attrConstant(name: string): string | undefined {
    const words = name
        .replace(/^Attr/, "")
        .match(/ARNs|ARN|IDs|ID|ACL|AMI|API|CIDR|DNS|HTTPS|HTTP|IAM|IOPS|IPv4|IPv6|IP|JSON|KMS|OS|S3|SNS|SQS|SSL|TLS|TTL|URI|URL|VPC|[A-Z][a-z0-9]*/g);
    return words?.map((w) => w.toLowerCase()).join("_");
}

interface Attr {
    replace: boolean;
    /** The expression of a schema this reader could not follow (another package's helper). */
    unresolved?: string;
    conditional?: string;
    settable: boolean;
    children: Map<string, Attr>;
}

/** The fields of a schema literal (`{ Type: ..., ForceNew: true, Elem: ... }` or a framework attribute/block). */
function readAttr(pkg: GoPackage, body: string, depth = 0): Attr {
    const fields = new Map(elements(body).map((e) => [e.key, e.value]));
    const modifiers = fields.get("PlanModifiers") ?? "";
    const attr: Attr = {
        replace: fields.get("ForceNew") === "true" || /\bRequiresReplace\(\)/.test(modifiers) || /\bRequiresReplaceIfConfigured\(\)/.test(modifiers),
        settable: fields.get("Optional") === "true" || fields.get("Required") === "true" || fields.has("Default") || !fields.has("Computed"),
        children: new Map(),
    };
    const conditional = /\b(RequiresReplaceIf(?!Configured\(\))\w*)\(/.exec(modifiers);
    if (conditional) attr.conditional = `the provider's ${conditional[1]} plan modifier`;
    if (depth > 6) return attr;
    const elem = fields.get("Elem");
    if (elem) for (const [k, v] of readSchemaMap(pkg, resourceSchemaOf(pkg, elem) ?? "", depth + 1)) attr.children.set(k, v);
    const nested = fields.get("NestedObject");
    if (nested) {
        const obj = literalBody(nested) ?? resolveCall(pkg, nested);
        if (obj) readFrameworkObject(pkg, obj, attr.children, depth + 1);
    }
    return attr;
}

/** Resolves `f()` to the composite literal its body returns. */
function resolveCall(pkg: GoPackage, value: string): string | undefined {
    const call = /^(\w+)\(.*\)$/s.exec(value);
    if (!call) return undefined;
    const body = pkg.func(call[1]);
    if (!body) return undefined;
    const ret = /return\s+(&?[\w.[\]*]*\{)/.exec(body);
    if (!ret) return undefined;
    const open = ret.index + ret[0].length - 1;
    return body.slice(open + 1, closing(body, open));
}

/** The `map[string]*schema.Schema{...}` body of an `Elem: &schema.Resource{...}` (or of a function returning one). */
function resourceSchemaOf(pkg: GoPackage, value: string): string | undefined {
    const body = literalBody(value) ?? resolveCall(pkg, value);
    if (!body || !/^&?schema\.Resource\{|^\w+\(/.test(value)) return undefined;
    return schemaMapIn(pkg, body);
}

/** The schema map of a `schema.Resource` literal: `Schema: map...{}`, `Schema: f()` or `SchemaFunc: ...`. */
function schemaMapIn(pkg: GoPackage, resourceBody: string): string | undefined {
    const fields = new Map(elements(resourceBody).map((e) => [e.key, e.value]));
    const field = fields.get("Schema") ?? fields.get("SchemaFunc");
    if (!field) return undefined;
    const schema = field.replace(/^maps\.Clone\((\w+)\)$/, "$1");
    const direct = /^map\[string\]\*schema\.Schema\{/.exec(schema);
    if (direct) return literalBody(schema);
    if (/^\w+$/.test(schema) && !pkg.func(schema)) return pkg.varLiteral(schema);
    const fn = /^func\(\)\s*map\[string\]\*schema\.Schema\s*\{/.exec(schema);
    const body = fn ? schema.slice(fn[0].length, closing(schema, fn[0].length - 1)) : pkg.func(schema.replace(/\(\)$/, ""));
    if (!body) return undefined;
    const ret = /return\s+map\[string\]\*schema\.Schema\{/.exec(body);
    if (!ret) return undefined;
    const open = ret.index + ret[0].length - 1;
    return body.slice(open + 1, closing(body, open));
}

function readSchemaMap(pkg: GoPackage, mapBody: string, depth: number): Map<string, Attr> {
    const out = new Map<string, Attr>();
    for (const { key, value } of elements(mapBody)) {
        const name = pkg.key(key);
        if (!name) continue;
        const body = literalBody(value) ?? resolveCall(pkg, value) ?? (/^\w+$/.test(value) ? pkg.varLiteral(value) : undefined);
        if (body !== undefined) out.set(name, readAttr(pkg, body, depth));
        // A schema built in another package (`sdkv2.IAMPolicyDocumentSchemaRequired()`): known to exist, its flags not read.
        // The provider's shared helpers say ForceNew in their names (`sdkv2.IAMPolicyDocumentSchemaRequiredForceNew()`).
        else out.set(name, { replace: /ForceNew\w*\(\)$/.test(value), settable: true, children: new Map(), unresolved: value });
    }
    return out;
}

/** A framework `schema.Schema{ Attributes: ..., Blocks: ... }` or nested object. */
function readFrameworkObject(pkg: GoPackage, body: string, into: Map<string, Attr>, depth: number) {
    const fields = new Map(elements(body).map((e) => [e.key, e.value]));
    for (const field of ["Attributes", "Blocks"]) {
        const value = fields.get(field);
        if (!value) continue;
        const mapBody = literalBody(value) ?? resolveCall(pkg, value);
        if (!mapBody) continue;
        for (const [name, attr] of readSchemaMap(pkg, mapBody, depth)) {
            if (field === "Blocks") attr.settable = true;
            into.set(name, attr);
        }
    }
}

/** Where a framework resource names itself: its annotation, or `TypeName` in its Metadata method. */
const frameworkPattern = (tfName: string) =>
    new RegExp(`@FrameworkResource\\("${tfName}"|TypeName = "${tfName}"|TypeName = req\\.ProviderTypeName \\+ "${tfName.replace(/^[a-z]+/, "")}"`, "m");

/** The resource's schema, from its SDK function or framework Schema method. */
function resourceSchema(pkg: GoPackage, tfName: string): { file: string; attrs: Map<string, Attr>; conditional: Record<string, string> } {
    const sdk = new RegExp(`@SDKResource\\("${tfName}"`);
    const fw = frameworkPattern(tfName);
    const sdkFile = pkg.fileWith(sdk);
    const attrs = new Map<string, Attr>();
    let file: { name: string; text: string } | undefined;
    if (sdkFile) {
        file = sdkFile;
        const at = sdk.exec(sdkFile.text)!.index;
        const fn = /\nfunc (\w+)\(\)\s*\*schema\.Resource\s*\{/g;
        fn.lastIndex = at;
        const m = fn.exec(sdkFile.text);
        if (!m) throw new Error(`${tfName}: no resource function after its annotation`);
        const open = m.index + m[0].length - 1;
        const fnBody = sdkFile.text.slice(open + 1, closing(sdkFile.text, open));
        const ret = /return\s+&schema\.Resource\{/.exec(fnBody);
        const resourceBody = ret ? fnBody.slice(ret.index + ret[0].length, closing(fnBody, ret.index + ret[0].length - 1)) : "";
        const mapBody = schemaMapIn(pkg, resourceBody);
        if (!mapBody) throw new Error(`${tfName}: no schema map in ${sdkFile.name}`);
        for (const [k, v] of readSchemaMap(pkg, mapBody, 0)) attrs.set(k, v);
    } else {
        file = pkg.fileWith(fw);
        if (!file) throw new Error(`${tfName}: no resource in ${pkg.dir}`);
        let m = /\)\s*Schema\(ctx context\.Context[^)]*\)\s*\{/.exec(file.text);
        if (!m) {
            // A resource type embedding another's: its Schema method lives with the embedded type.
            for (const emb of file.text.matchAll(/\ntype \w+ struct \{\s*\*?(\w+)\s*\n/g)) {
                const method = new RegExp(`func \\(\\w+ \\*?${emb[1]}\\) Schema\\(ctx context\\.Context[^)]*\\)\\s*\\{`);
                const other = pkg.fileWith(method);
                if (other) {
                    file = other;
                    m = method.exec(other.text);
                    break;
                }
            }
        }
        if (!m) throw new Error(`${tfName}: no Schema method in ${file.name}`);
        const open = m.index + m[0].length - 1;
        const body = file.text.slice(open + 1, closing(file.text, open));
        // The literal itself, or a function returning it (`resp.Schema = passwordSchemaV3()`).
        const call = /\.Schema = (\w+)\(\)/.exec(body);
        const source = call ? (pkg.func(call[1]) ?? "") : body;
        const s = /schema\.Schema\{/.exec(source);
        if (!s) throw new Error(`${tfName}: no schema.Schema literal in ${file.name}`);
        const sOpen = s.index + s[0].length - 1;
        readFrameworkObject(pkg, source.slice(sOpen + 1, closing(source, sOpen)), attrs, 0);
    }
    // Replacement decided in code: CustomizeDiff's ForceNew / ForceNewIf*, ModifyPlan's RequiresReplace.
    const conditional: Record<string, string> = {};
    const code = `${file.text}\n${pkg.mentioned(file.text)}`;
    for (const m of code.matchAll(/(?:ForceNewIf\w*|\.ForceNew)\(\s*("[^"]+"|names\.\w+)/g)) {
        const name = pkg.key(m[1]);
        if (name) conditional[name] = `decided in the provider's CustomizeDiff (${m[0].replace(/\(.*/s, "")})`;
    }
    return { file: file.name, attrs, conditional };
}

// ---- Pulumi's input names, from the SDK's type definitions ----

interface PulumiShape {
    props: Map<string, string | undefined>; // input name -> nested input type ("rds.ClusterServerlessv2ScalingConfiguration")
}

class PulumiTypes {
    private readonly nested = new Map<string, PulumiShape>();
    constructor(private readonly pkgDir: string) {
        const inputFile = path.join(pkgDir, "types/input.d.ts");
        const input = fs.existsSync(inputFile) ? fs.readFileSync(inputFile, "utf8") : "";
        let ns = "";
        let current: PulumiShape | undefined;
        for (const line of input.split("\n")) {
            const nsm = /^(?:export declare namespace| {4}export namespace) (\w+) \{/.exec(line);
            if (nsm) ns = line.startsWith("    ") ? `${ns.split(".")[0]}.${nsm[1]}` : nsm[1];
            const im = /^\s{4,8}interface (\w+) \{/.exec(line);
            if (im) {
                current = { props: new Map() };
                this.nested.set(`${ns}.${im[1]}`, current);
                continue;
            }
            const pm = /^\s+(\w+)\??: pulumi\.Input<(.*)>;$/.exec(line);
            if (pm && current) current.props.set(pm[1], /inputs\.([\w.]+)/.exec(pm[2])?.[1]);
        }
    }
    args(token: string): PulumiShape {
        const [, mod, cls] = /^\w+:([\w/]+):(\w+)$/.exec(token)!;
        const file = path.join(this.pkgDir, `${mod.replace(/^index\//, "")}.d.ts`);
        const text = fs.readFileSync(fs.existsSync(file) ? file : path.join(this.pkgDir, `${mod}.d.ts`), "utf8");
        const start = text.indexOf(`export interface ${cls}Args {`);
        if (start < 0) throw new Error(`${token}: no ${cls}Args in ${file}`);
        const body = text.slice(start, text.indexOf("\n}", start));
        const shape: PulumiShape = { props: new Map() };
        for (const m of body.matchAll(/^ {4}(\w+)\??: pulumi\.Input<(.*)>;$/gm)) shape.props.set(m[1], /inputs\.([\w.]+)/.exec(m[2])?.[1]);
        return shape;
    }
    shape(ref: string | undefined): PulumiShape | undefined {
        return ref ? this.nested.get(ref) : undefined;
    }
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The Pulumi name of a Terraform attribute in `shape`: its camelCase, or Pulumi's plural of a list block. */
function pulumiName(shape: PulumiShape, tf: string, renames: Record<string, string> = {}): string | undefined {
    if (renames[tf] && shape.props.has(renames[tf])) return renames[tf];
    const c = camel(tf);
    const candidates = [c, `${c}s`, `${c}es`, c.replace(/y$/, "ies"), c.replace(/s$/, ""), c.replace(/ies$/, "y")];
    return candidates.find((n) => shape.props.has(n));
}

function replacePaths(
    types: PulumiTypes,
    shape: PulumiShape,
    attrs: Map<string, Attr>,
    prefix: string,
    unmapped: string[],
    conditional: Record<string, string>,
    renames: Record<string, string>,
    unresolved: string[] = [],
): string[] {
    const out: string[] = [];
    for (const [tf, attr] of [...attrs].sort(([a], [b]) => a.localeCompare(b))) {
        if (!attr.settable) continue;
        const name = pulumiName(shape, tf, renames);
        if (!name) {
            if (attr.replace || [...attr.children.values()].some((c) => c.replace)) unmapped.push(`${prefix}${tf}`);
            continue;
        }
        if (attr.conditional) conditional[`${prefix}${name}`] = attr.conditional;
        if (attr.unresolved) unresolved.push(`${prefix}${name} (${attr.unresolved})`);
        if (attr.replace) {
            out.push(`${prefix}${name}`);
            continue; // every field under it is covered by the ancestor
        }
        const child = types.shape(shape.props.get(name));
        if (child && attr.children.size) out.push(...replacePaths(types, child, attr.children, `${prefix}${name}.`, unmapped, conditional, {}, unresolved));
    }
    return out;
}

function main(argv: string[]) {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, "")] = argv[i + 1];
    if (!args.provider)
        throw new Error(
            "usage: node bin/tools/replacement-rules.js --provider <terraform-provider-aws work tree> [--random <terraform-provider-random work tree>] [--source <text>]",
        );
    const file = path.join(PROJECT_DIR, "plan/replacement-rules.json");
    const current = JSON.parse(fs.readFileSync(file, "utf8")) as RulesFile;
    const roots: Record<string, string> = { aws: args.provider, random: args.random };
    const globals: Record<string, Record<string, string>> = {};
    for (const [pkg, root] of Object.entries(roots)) {
        globals[pkg] = {};
        const names = root && path.join(root, "names/attr_consts_gen.go");
        for (const f of [names, root && path.join(root, "names/attr_consts.go")]) {
            if (f && fs.existsSync(f)) for (const m of fs.readFileSync(f, "utf8").matchAll(/(Attr\w+)\s*=\s*"([^"]+)"/g)) globals[pkg][m[1]] = m[2];
        }
    }
    const packages = new Map<string, GoPackage>();
    const problems: string[] = [];
    for (const [token, entry] of Object.entries(current.types)) {
        const pkgName = token.split(":")[0];
        const root = roots[pkgName];
        // Types of a provider it is given no checkout for (Cloudflare's, kept by hand) are written back unchanged.
        if (!root || !entry.tf || entry.tf.startsWith("component")) continue;
        const pulumi = new PulumiTypes(path.join(PROJECT_DIR, "node_modules/@pulumi", pkgName));
        // The index files the load balancer resources under their other registered names, aws_alb*.
        const indexEntry =
            [entry.tf, entry.tf.replace(/^aws_lb(?=_|$)/, "aws_alb")]
                .map((n) => path.join(root, "index/resources", `${n}.json`))
                .find((f) => fs.existsSync(f)) ?? "";
        const indexed = fs.existsSync(indexEntry)
            ? (JSON.parse(fs.readFileSync(indexEntry, "utf8")) as { namespace: string; sdk_type: string; schema_index: string; create_index: string })
            : undefined;
        if (!indexed && fs.existsSync(path.join(root, "index/resources"))) {
            problems.push(`${token}: ${entry.tf} is not in the index`);
            continue;
        }
        const dirs = indexed
            ? [path.join(root, "index", indexed.namespace.replace(/^.*terraform-provider-aws\//, ""))]
            : pkgName === "aws"
              ? fs.readdirSync(path.join(root, "internal/service")).map((d) => path.join(root, "internal/service", d))
              : [path.join(root, "internal/provider")];
        const sdkPattern = new RegExp(`@SDKResource\\("${entry.tf}"|${frameworkPattern(entry.tf).source}`, "m");
        let found: { file: string; attrs: Map<string, Attr>; conditional: Record<string, string> } | undefined;
        let dir = "";
        for (const d of dirs) {
            if (!fs.statSync(d).isDirectory()) continue;
            const pkg = packages.get(d) ?? new GoPackage(d, globals[pkgName]);
            packages.set(d, pkg);
            if (indexed) {
                // The index guesses the schema function's name from the type; its Create handler is exact.
                const create = /^func\.(\w+)\.goindex$/.exec(indexed.create_index)?.[1];
                const words = entry.tf.split("_");
                const base = words
                    .slice(words.length > 2 ? 2 : 1)
                    .map((w) => w[0].toUpperCase() + w.slice(1))
                    .join("");
                const struct = `${base[0].toLowerCase()}${base.slice(1)}Resource`;
                // A framework type embedding another (`struct { securityGroupRuleResource }`) has its Schema there.
                const embedded = pkg.text(`type.${struct}.goindex`)?.match(/struct \{\s*\*?(\w+)\s*\n/)?.[1];
                const candidates = [
                    indexed.schema_index,
                    `func.resource${base}.goindex`,
                    `method.${struct}.Schema.goindex`,
                    `method.${embedded}.Schema.goindex`,
                ];
                const file =
                    candidates.find((f) => pkg.has(f)) ??
                    (create && pkg.fileWith(new RegExp(`\\*schema\\.Resource\\s*\\{[\\s\\S]*Create\\w*:\\s*${create}\\b`))?.name);
                if (!file) throw new Error(`${entry.tf}: no schema function in ${d}`);
                pkg.annotate(file, `${indexed.sdk_type === "aws_framework" ? "@FrameworkResource" : "@SDKResource"}("${entry.tf}")`);
            }
            if (!pkg.fileWith(sdkPattern)) continue;
            found = resourceSchema(pkg, entry.tf);
            dir = d;
            break;
        }
        if (!found) {
            problems.push(`${token}: ${entry.tf} not found`);
            continue;
        }
        const unmapped: string[] = [];
        const conditional: Record<string, string> = {};
        const shape = pulumi.args(token);
        const unresolved: string[] = [];
        const paths = replacePaths(pulumi, shape, found.attrs, "", unmapped, conditional, entry.pulumiNames ?? {}, unresolved);
        if (unresolved.length) problems.push(`${token}: schemas from other packages, read as updatable: ${unresolved.join(", ")}`);
        for (const [tf, why] of Object.entries(found.conditional)) {
            const name = pulumiName(shape, tf, entry.pulumiNames);
            if (name && !paths.includes(name)) conditional[name] = why;
        }
        const adjusted = new Set(paths);
        for (const p of entry.adjust?.add ?? []) adjusted.add(p);
        for (const p of entry.adjust?.remove ?? []) adjusted.delete(p);
        // An index snapshot's declaration file names the Go package and the declaration instead.
        const decl = /^(?:func|method)\.(.+)\.goindex$/.exec(found.file)?.[1];
        entry.file = decl ? `${path.relative(path.join(root, "index"), dir)}: ${decl}` : path.relative(root, path.join(dir, found.file));
        entry.replaceOnChanges = [...adjusted].sort();
        Object.assign(conditional, entry.adjust?.conditional);
        if (Object.keys(conditional).length) entry.conditional = conditional;
        else delete entry.conditional;
        if (unmapped.length) problems.push(`${token}: no Pulumi input for ${unmapped.join(", ")}`);
        // Inputs of the SDK that this checkout does not have: a newer provider than the checkout.
        const known = new Set([...found.attrs.keys()].map((tf) => pulumiName(shape, tf, entry.pulumiNames)));
        const newer = [...shape.props.keys()].filter((p) => !known.has(p) && p !== "region" && p !== "tags");
        const unverified = newer.filter((p) => !entry.adjust?.add?.includes(p) && !entry.adjust?.checked?.includes(p));
        if (unverified.length) entry.newerInputs = unverified;
        else delete entry.newerInputs;
    }
    if (args.source) current.source.generatedFrom = args.source;
    fs.writeFileSync(file, JSON.stringify(current, null, 2) + "\n");
    for (const p of problems) console.error(p);
    console.log(
        `${file}: ${Object.keys(current.types).length} types, ${Object.values(current.types).reduce((n, e) => n + e.replaceOnChanges.length, 0)} paths`,
    );
}

if (require.main === module) main(process.argv.slice(2));
