import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { EXACT_RUNTIME, installOfflineRuntime } from "./offline-runtime";
import { awsxVpcChildren, awsxVpcLayout } from "./awsx-vpc";
import { zoneNames } from "../stacks/zones";

/**
 * The one mock harness behind the offline plan and the tests: installs `pulumi.runtime.setMocks`
 * with realistic outputs (IDs, ARNs in the stack's region and account, endpoints, the awsx VPC's
 * subnets and the children awsx creates, plan/awsx-vpc.ts) and records every registered resource with its inputs, options and dependencies.
 */

export const MOCK_ACCOUNT_ID = "123456789012";

import type { PlannedResource } from "./resource";
export type { PlannedResource } from "./resource";

/** An AWS-managed prefix list the program looked up, with the weight each reference to it carries. */
export interface PrefixListLookup {
    id: string;
    name: string;
    /** Counted against a security group's rule quota for every rule that references the list. */
    maxEntries: number;
    /** The region it was looked up in: a rule may only reference a list of its own region. */
    region: string;
}

/**
 * Max entries of the AWS-managed prefix lists the program references, as AWS publishes them
 * (https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html#aws-managed-prefix-list-weights).
 */
export const MANAGED_PREFIX_LIST_WEIGHTS: Record<string, number> = {
    "com.amazonaws.global.cloudfront.origin-facing": 55,
};

export interface MockOptions {
    project: string;
    stack: string;
    region: string;
    accountId?: string;
}

// Internal SDK hooks (typings omit them): the mock monitor, and the RPC queue to drain.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as {
    getMonitor(): MockMonitorLike;
    waitForRPCs(): Promise<void>;
};
// Internal too: the SDK's own wire encoding, as its mock monitor uses it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    deserializeProperties(struct: WireStruct): Record<string, unknown>;
    serializeProperties(label: string, props: Record<string, unknown>): Promise<Record<string, unknown>>;
};

/** A `google.protobuf.Struct` as the runtime reads it. */
interface WireStruct {
    toJavaScript(): Record<string, unknown>;
}

interface RegisterRequestLike {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): WireStruct | undefined;
    getProvider(): string;
    getImportid(): string;
    getTransformsList(): unknown[];
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean | undefined;
    getIgnorechangesList(): string[];
    getAliasesList(): AliasLike[];
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void };
}

interface AliasLike {
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/** What the runtime reads of a RegisterResourceResponse. */
interface RegisterResponseLike {
    getUrn(): string;
    getId(): string;
    getObject(): WireStruct | undefined;
    getPropertydependenciesMap(): undefined;
    getResult(): number;
    getUnknown(): boolean;
}

interface MockMonitorLike {
    /** The SDK mock monitor's registry (read by its `getResource` call and `existsResource`). */
    resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequestLike, callback: (err: unknown, resp: RegisterResponseLike | undefined) => void): Promise<void>;
}

export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Replaces the engine's wire encodings with readable values; secrets never leave as plain text. */
export function sanitize(value: unknown): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map(sanitize);
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        const sig = obj[SIG_KEY];
        if (sig === SECRET_SIG) return "[secret]";
        if (sig === RESOURCE_SIG) return obj.urn;
        if (sig === OUTPUT_SIG) return obj.secret ? "[secret]" : "value" in obj ? sanitize(obj.value) : "[unknown]";
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, sanitize(v)]));
    }
    return value;
}

const hex = (input: string, length: number) => crypto.createHash("sha256").update(input).digest("hex").slice(0, length);

/** ElastiCache's short region in endpoint names: us-east-1 -> use1, ap-southeast-2 -> apse2. */
const cacheRegionCode = (region: string) => {
    const [area, direction, number] = region.split("-");
    const initials: Record<string, string> = { southeast: "se", northeast: "ne", southwest: "sw", northwest: "nw" };
    return `${area}${initials[direction] ?? direction[0]}${number}`;
};

/** Realistic provider outputs for a resource, keyed by type token. */
function mockOutputs(args: pulumi.runtime.MockResourceArgs, o: Required<MockOptions>): { id: string; state: Record<string, unknown> } {
    const { type, name, inputs } = args;
    const region = String(inputs.region ?? o.region);
    const account = o.accountId;
    const h = hex(`${type}::${name}`, 17);
    // Physical name: what the program set, else Pulumi's auto-name (logical name + random suffix).
    const own = type === "aws:rds/cluster:Cluster" ? inputs.clusterIdentifier : type.startsWith("aws:s3/bucket:") ? inputs.bucket : inputs.identifier;
    const physical = String(inputs.name ?? own ?? `${name}-${h.slice(0, 7)}`);
    const [pkg, mod] = type.split(":");
    const service = (mod ?? "").split("/")[0];
    let id = `${physical}`;
    let arn = `arn:aws:${service}:${region}:${account}:${physical}`;
    const extra: Record<string, unknown> = {};

    switch (type) {
        case "awsx:ec2:Vpc": {
            const layout = awsxVpcLayout(name, inputs, region);
            const ids = (type: string) => layout.subnets.filter((s) => s.type === type).map((s) => s.id);
            return {
                id: "",
                state: {
                    vpcId: layout.vpcId,
                    publicSubnetIds: ids("Public"),
                    privateSubnetIds: ids("Private"),
                    isolatedSubnetIds: ids("Isolated"),
                    // awsx returns its route tables as resources; the program reads their IDs.
                    routeTables: layout.routeTableIds.map((id) => ({ id })),
                },
            };
        }
        case "aws:iam/role:Role":
        case "aws:iam/policy:Policy":
        case "aws:iam/instanceProfile:InstanceProfile": {
            const kind = type === "aws:iam/role:Role" ? "role" : type === "aws:iam/policy:Policy" ? "policy" : "instance-profile";
            arn = `arn:aws:iam::${account}:${kind}/${physical}`;
            break;
        }
        case "aws:cloudwatch/logGroup:LogGroup":
            arn = `arn:aws:logs:${region}:${account}:log-group:${physical}`;
            break;
        case "aws:ec2/securityGroup:SecurityGroup":
            id = `sg-${h}`;
            arn = `arn:aws:ec2:${region}:${account}:security-group/${id}`;
            break;
        case "aws:ec2/flowLog:FlowLog":
            id = `fl-${h}`;
            break;
        case "aws:ec2/instance:Instance":
            id = `i-${h}`;
            arn = `arn:aws:ec2:${region}:${account}:instance/${id}`;
            extra.privateIp = "10.0.1.10";
            break;
        case "aws:ebs/volume:Volume":
            id = `vol-${h}`;
            arn = `arn:aws:ec2:${region}:${account}:volume/${id}`;
            break;
        case "aws:ec2/eip:Eip":
            id = `eipalloc-${h}`;
            extra.publicIp = `203.0.113.${(parseInt(h.slice(0, 2), 16) % 250) + 1}`;
            extra.allocationId = id;
            break;
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2":
            arn = `arn:aws:s3:::${physical}`;
            extra.bucket = physical;
            extra.bucketRegionalDomainName = `${physical}.s3.${region}.amazonaws.com`;
            break;
        case "aws:s3/bucketObjectv2:BucketObjectv2":
            // Every bucket of the program is versioned: S3 returns the new object's version.
            extra.versionId = hex(`${name}:${String(inputs.content ?? "")}`, 32);
            break;
        case "aws:sqs/queue:Queue":
            arn = `arn:aws:sqs:${region}:${account}:${physical}`;
            id = `https://sqs.${region}.amazonaws.com/${account}/${physical}`;
            extra.url = id;
            break;
        case "aws:sns/topic:Topic":
            arn = `arn:aws:sns:${region}:${account}:${physical}`;
            id = arn;
            break;
        case "aws:secretsmanager/secret:Secret":
            arn = `arn:aws:secretsmanager:${region}:${account}:secret:${physical}-${h.slice(0, 6)}`;
            id = arn;
            break;
        case "aws:rds/instance:Instance": {
            arn = `arn:aws:rds:${region}:${account}:db:${physical}`;
            extra.identifier = physical;
            const address = `${physical}.c${h.slice(0, 11)}.${region}.rds.amazonaws.com`;
            Object.assign(extra, { address, endpoint: `${address}:5432`, port: 5432, resourceId: `db-${h.toUpperCase()}` });
            break;
        }
        case "aws:rds/cluster:Cluster": {
            arn = `arn:aws:rds:${region}:${account}:cluster:${physical}`;
            const suffix = `cluster-c${h.slice(0, 11)}.${region}.rds.amazonaws.com`;
            Object.assign(extra, {
                clusterIdentifier: physical,
                endpoint: `${physical}.${suffix}`,
                readerEndpoint: `${physical}.cluster-ro-c${h.slice(0, 11)}.${region}.rds.amazonaws.com`,
                port: 5432,
            });
            break;
        }
        case "aws:rds/clusterInstance:ClusterInstance":
            arn = `arn:aws:rds:${region}:${account}:db:${physical}`;
            extra.identifier = physical;
            break;
        case "aws:rds/globalCluster:GlobalCluster":
            // Its ID is its identifier, as the provider's is.
            if (typeof inputs.globalClusterIdentifier === "string") id = inputs.globalClusterIdentifier;
            arn = `arn:aws:rds::${account}:global-cluster:${id}`;
            break;
        case "aws:lb/loadBalancer:LoadBalancer":
        case "aws:alb/loadBalancer:LoadBalancer": {
            const lbName = physical.slice(0, 32);
            const suffix = `app/${lbName}/${h.slice(0, 16)}`;
            arn = `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/${suffix}`;
            id = arn;
            Object.assign(extra, {
                arnSuffix: suffix,
                dnsName: `${args.inputs.internal ? "internal-" : ""}${lbName}-1234567890.${region}.elb.amazonaws.com`,
                zoneId: "Z35SXDOTRQ7X7K",
            });
            break;
        }
        case "aws:lb/targetGroup:TargetGroup":
        case "aws:alb/targetGroup:TargetGroup": {
            const suffix = `targetgroup/${physical.slice(0, 32)}/${h.slice(0, 16)}`;
            arn = `arn:aws:elasticloadbalancing:${region}:${account}:${suffix}`;
            id = arn;
            extra.arnSuffix = suffix;
            break;
        }
        case "aws:ecs/cluster:Cluster":
            arn = `arn:aws:ecs:${region}:${account}:cluster/${physical}`;
            id = arn;
            break;
        case "aws:ecs/taskDefinition:TaskDefinition":
            arn = `arn:aws:ecs:${region}:${account}:task-definition/${inputs.family ?? physical}:1`;
            id = String(inputs.family ?? physical);
            extra.revision = 1;
            break;
        case "aws:ecr/repository:Repository":
            arn = `arn:aws:ecr:${region}:${account}:repository/${physical}`;
            extra.repositoryUrl = `${account}.dkr.ecr.${region}.amazonaws.com/${physical}`;
            break;
        case "aws:cloudfront/distribution:Distribution":
            id = `E${h.slice(0, 13).toUpperCase()}`;
            arn = `arn:aws:cloudfront::${account}:distribution/${id}`;
            Object.assign(extra, { domainName: `d${h.slice(0, 13)}.cloudfront.net`, hostedZoneId: "Z2FDTNDATAQYW2" });
            break;
        case "aws:elasticache/replicationGroup:ReplicationGroup":
            Object.assign(extra, {
                primaryEndpointAddress: `master.${physical}.${h.slice(0, 6)}.${cacheRegionCode(region)}.cache.amazonaws.com`,
                readerEndpointAddress: `replica.${physical}.${h.slice(0, 6)}.${cacheRegionCode(region)}.cache.amazonaws.com`,
            });
            break;
        case "random:index/randomId:RandomId":
            extra.hex = h.slice(0, Number(inputs.byteLength ?? 4) * 2);
            break;
        case "random:index/randomPassword:RandomPassword":
            extra.result = `mock-password-${h.slice(0, 12)}`;
            break;
        default:
            if (pkg === "random") extra.result = `mock-${h.slice(0, 12)}`;
    }
    return { id, state: { ...inputs, arn, name: physical, ...extra } };
}

/** Provider functions the program calls, answered for the mock account and region. */
function mockCall(args: pulumi.runtime.MockCallArgs, o: Required<MockOptions>): Record<string, unknown> {
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: o.accountId, arn: `arn:aws:iam::${o.accountId}:user/offline-plan`, userId: "AIDAOFFLINEPLAN", id: o.accountId };
        case "aws:index/getRegion:getRegion":
            return { name: o.region, region: o.region, id: o.region, endpoint: `ec2.${o.region}.amazonaws.com` };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: zoneNames(String(args.inputs.region ?? o.region)), id: String(args.inputs.region ?? o.region) };
        case "aws:ec2/getManagedPrefixList:getManagedPrefixList": {
            const name = String(args.inputs.name);
            const region = String(args.inputs.region ?? o.region);
            // An AWS-managed list has another ID in every region.
            const id = `pl-${hex(region === o.region ? name : `${region}/${name}`, 8)}`;
            const maxEntries = MANAGED_PREFIX_LIST_WEIGHTS[name];
            if (maxEntries === undefined) throw new Error(`prefix list ${name}: add its max entries to MANAGED_PREFIX_LIST_WEIGHTS`);
            // As many (made-up, public) CIDRs as the list's weight: a real list holds about that many.
            const entries = Array.from({ length: maxEntries }, (_, i) => ({ cidr: `130.176.${i}.0/24`, description: "" }));
            return { id, name, maxEntries, entries, region, arn: `arn:aws:ec2:${region}:aws:prefix-list/${id}` };
        }
        case "aws:ec2/getSubnet:getSubnet":
            return { id: args.inputs.id, availabilityZone: `${o.region}a`, vpcId: "vpc-mock" };
        case "aws:kms/getPublicKey:getPublicKey":
            return {
                id: args.inputs.keyId,
                keyId: args.inputs.keyId,
                arn: `arn:aws:kms:${o.region}:${o.accountId}:key/${hex(String(args.inputs.keyId), 32)}`,
                customerMasterKeySpec: "RSA_2048",
                keyUsage: "SIGN_VERIFY",
                signingAlgorithms: ["RSASSA_PKCS1_V1_5_SHA_256"],
                publicKey: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofflineplan",
                publicKeyPem: "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofflineplan\n-----END PUBLIC KEY-----\n",
            };
        case "aws:ssm/getParameter:getParameter":
            // AWS's public AMI parameters: one image per parameter (per architecture).
            return {
                name: args.inputs.name,
                value: String(args.inputs.name).endsWith("x86_64") ? "ami-0abcdef1234567890" : `ami-0${hex(String(args.inputs.name), 16)}`,
                type: "String",
                id: args.inputs.name,
            };
        default:
            // An answer made up here would let a program that depends on it pass unchecked.
            throw new Error(`the offline plan's mocks have no answer for ${args.token}: add one to mockCall in plan/mocks.ts`);
    }
}

/** Records what the program registers; `resources` is complete once `settle()` resolves. */
export class PlanRecorder {
    readonly resources: PlannedResource[] = [];
    /** AWS-managed prefix lists looked up, by ID. */
    readonly prefixLists: Record<string, PrefixListLookup> = {};

    /** Waits until every pending registration has reached the mock monitor. */
    async settle(): Promise<void> {
        await settings.waitForRPCs();
    }

    byType(type: string): PlannedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` whose logical name is `name` (throws if absent). */
    get(type: string, name: string): PlannedResource {
        const found = this.resources.find((r) => r.type === type && r.name === name);
        if (!found) {
            const names = this.byType(type).map((r) => r.name);
            throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "none"}`);
        }
        return found;
    }
}

/** Installs the mocks for one stack; returns the recorder of what gets registered. */
export function installMocks(options: MockOptions): PlanRecorder {
    installOfflineRuntime();
    const o: Required<MockOptions> = { accountId: MOCK_ACCOUNT_ID, ...options };
    const recorder = new PlanRecorder();
    pulumi.runtime.setMocks(
        {
            newResource: (args) => mockOutputs(args, o),
            call: (args) => {
                const result = mockCall(args, o);
                if (args.token === "aws:ec2/getManagedPrefixList:getManagedPrefixList") {
                    recorder.prefixLists[String(result.id)] = {
                        id: String(result.id),
                        name: String(result.name),
                        maxEntries: Number(result.maxEntries),
                        region: String(result.region),
                    };
                }
                return result;
            },
        },
        o.project,
        o.stack,
        false, // preview=false: under preview, unknowns would keep `apply` from running
    );

    const monitor = settings.getMonitor();
    // The engine qualifies a child's type with its parent's whole type chain; the SDK's mock keeps
    // only the parent's last type. Use the engine's form so URNs match a real preview.
    monitor.newUrn = (parent, type, name) => {
        const qualified = parent ? `${parent.split("::")[2]}$${type}` : type;
        return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req, callback) => {
        const wire = req.getObject()?.toJavaScript() ?? {};
        const record = recordOf(req, wire, monitor.newUrn(req.getParent(), req.getType(), req.getName()));
        recorder.resources.push(record);
        const finish = (err: unknown, resp: RegisterResponseLike | undefined) => {
            if (resp) {
                const fields = resp.getObject()?.toJavaScript() ?? {};
                const arn = typeof fields.arn === "string" ? fields.arn : undefined;
                const networkIds =
                    record.type === "awsx:ec2:Vpc"
                        ? [fields.vpcId, fields.publicSubnetIds, fields.privateSubnetIds, fields.isolatedSubnetIds].flat().filter((v) => typeof v === "string")
                        : undefined;
                record.state = { id: resp.getId(), ...(arn ? { arn } : {}), ...(networkIds ? { networkIds } : {}) };
                // awsx's VPC is a remote component: add the children a real preview registers under it.
                if (record.type === "awsx:ec2:Vpc") recorder.resources.push(...awsxVpcChildren(record, o.region, monitor.newUrn));
            }
            callback(err, resp);
        };
        // Transforms run in the SDK's own mock monitor (the program registers none).
        if (EXACT_RUNTIME || req.getTransformsList().length > 0) return register(req, finish);
        // The SDK's mock monitor decodes the request's Struct twice more and encodes its answer into
        // a Struct only for the runtime to decode it again in the same process: this answers the same
        // in one pass. The request still went through Struct.fromJavaScript in the runtime, which
        // refuses what the wire cannot carry.
        let response: RegisterResponseLike;
        try {
            const result = await mockOutputs(
                {
                    type: record.type,
                    name: record.name,
                    inputs: rpc.deserializeProperties({ toJavaScript: () => wire }),
                    provider: req.getProvider(),
                    custom: record.custom,
                    id: req.getImportid(),
                },
                o,
            );
            const state = await rpc.serializeProperties("", result.state);
            monitor.resources.set(record.urn, { urn: record.urn, id: result.id ?? null, state });
            const object: WireStruct = { toJavaScript: () => state };
            response = {
                getUrn: () => record.urn,
                getId: () => result.id || "",
                getObject: () => object,
                getPropertydependenciesMap: () => undefined,
                getResult: () => 0, // Result.SUCCESS
                getUnknown: () => false,
            };
        } catch (err) {
            return finish(err, undefined);
        }
        finish(null, response);
    };
    return recorder;
}

/** The plan's record of one registration: inputs as sent, options, dependencies, aliases as URNs. */
function recordOf(req: RegisterRequestLike, wire: Record<string, unknown>, urn: string): PlannedResource {
    const dependencies = [...new Set(req.getDependenciesList())];
    const viaProperties = new Set<string>();
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        const urns = deps.getUrnsList();
        urns.forEach((u) => viaProperties.add(u));
        if (urns.length > 0) propertyDependencies[key] = [...new Set(urns)];
    });
    const record: PlannedResource = {
        urn,
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent() || null,
        custom: req.getCustom(),
        inputs: sanitize(wire) as Record<string, unknown>,
        options: {
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            deleteBeforeReplace: req.getDeletebeforereplace() ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            dependsOn: dependencies.filter((d) => !viaProperties.has(d)),
        },
        dependencies,
        state: { id: "" },
    };
    // The SDK sends aliases as specs (the mock monitor supports them); the engine turns each into a URN.
    const aliases = req.getAliasesList().map((a) => {
        const spec = a.getSpec();
        if (!spec) return a.getUrn();
        const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
        const qualified = `${parent ? `${parent.split("::")[2]}$` : ""}${spec.getType() || req.getType()}`;
        return `urn:pulumi:${spec.getStack() || pulumi.getStack()}::${spec.getProject() || pulumi.getProject()}::${qualified}::${spec.getName() || req.getName()}`;
    });
    if (aliases.length > 0) record.aliases = [...new Set(aliases)];
    if (Object.keys(propertyDependencies).length > 0) record.propertyDependencies = propertyDependencies;
    return record;
}

/** Resolves a value that may hold Outputs, keeping secret leaves as `[secret]`. */
export async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as pulumi.Output<unknown> & { isSecret: Promise<boolean> };
        const inner = await new Promise<unknown>((resolve) => output.apply(resolve));
        return (await output.isSecret) ? "[secret]" : resolveOutputs(inner);
    }
    if (value instanceof pulumi.Resource) return undefined;
    if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}
