// Network paths: every task and host can reach the services it needs to start and run.
import { ecrImage } from "../../components/iam";
import { hostFiles, secretSource } from "./permissions";
import { PlannedResource } from "../mocks";
import { PlanIndex, Report, T, asArray, forwardedTargetGroups, regionOf, workloadComponent } from "./kit";

/**
 * What a workload reaches: an AWS service by its endpoint name (`ecr.api`, `logs`, ...), or the
 * internet; `run` for what it needs once started (its first request fails), else it needs it to start.
 */
interface Need {
    service: string;
    why: string;
    run?: boolean;
}

const TYPES = {
    subnet: "aws:ec2/subnet:Subnet",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    route: "aws:ec2/route:Route",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
} as const;

/** Containers whose image a workload setting names: `db-bootstrap`'s psql, event-driven's Kong. */
const MOVABLE_IMAGES: Record<string, string> = { "db-bootstrap": "database.bootstrapImage", kong: "gateway.image" };

interface Container {
    name: string;
    image?: string;
    environment?: { name: string; value: string }[];
    secrets?: { name: string; valueFrom: string }[];
    logConfiguration?: { logDriver?: string };
}

const S3_BUCKETS = ["aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket"];

/**
 * What a container's environment tells it to call, by the API that serves it: a queue (SQS, by URL
 * or ARN), a topic (SNS), a KMS key or alias, a bucket of the plan (S3's gateway endpoint serves only
 * its own region's buckets). Another region's service is reached through the internet: the VPC's
 * endpoints serve their own region. https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html
 */
function environmentNeeds(c: Container, index: PlanIndex, own: string): Need[] {
    const needs: Need[] = [];
    for (const e of c.environment ?? []) {
        const why = `${c.name}'s ${e.name}`;
        const queueUrl = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/\d{12}\/./.exec(e.value);
        const arn = /^arn:aws[\w-]*:(sqs|sns|kms):([a-z0-9-]+):\d{12}:./.exec(e.value);
        const api = queueUrl ? { service: "sqs", region: queueUrl[1] } : arn ? { service: arn[1], region: arn[2] } : undefined;
        if (api) {
            const { service, region } = api;
            needs.push(region === own ? { service, why, run: true } : { service: "internet", why: `${why} (${service} in ${region})`, run: true });
            continue;
        }
        const bucket = index.of(...S3_BUCKETS).find((b) => b.state.id === e.value || b.inputs.bucket === e.value);
        if (bucket) {
            const region = regionOf(bucket, own);
            needs.push(region === own ? { service: "s3", why, run: true } : { service: "internet", why: `${why} (a bucket in ${region})`, run: true });
        }
    }
    return needs;
}

/**
 * What a task needs to start: its images (ECR's API and registry, S3 for the layers, or a public
 * registry), its secrets, its logs; ECS Exec needs SSM's messages. A private image of another
 * region than the task's comes from that region's ECR and S3, which the VPC's endpoints (of its own
 * region: the network creates no other) do not serve: it needs the internet. Once started, it calls
 * what its environment names (`environmentNeeds`).
 */
function taskNeeds(task: PlannedResource, service: PlannedResource, own: string, index: PlanIndex): Need[] {
    let containers: Container[];
    try {
        containers = JSON.parse(String(task.inputs.containerDefinitions)) as Container[];
    } catch {
        return [];
    }
    const needs: Need[] = [];
    for (const c of containers) {
        const ecr = c.image ? ecrImage(c.image) : undefined;
        if (c.image && ecr && ecr.region !== own)
            needs.push({ service: "internet", why: `${c.name} pulls ${c.image} from ECR in ${ecr.region}, which the VPC's endpoints in ${own} do not serve` });
        // https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-requests.html: "Amazon ECR does not support AWS PrivateLink traffic over dual-stack endpoints".
        else if (c.image && ecr?.dualStack)
            needs.push({ service: "internet", why: `${c.name} pulls ${c.image} through ECR's dual-stack host, which serves no PrivateLink traffic` });
        else if (c.image && ecr)
            needs.push(
                { service: "ecr.api", why: `${c.name}'s image` },
                { service: "ecr.dkr", why: `${c.name}'s image` },
                { service: "s3", why: `${c.name}'s image layers` },
            );
        else if (c.image && !c.image.includes("[unknown]")) needs.push({ service: "internet", why: `${c.name} pulls ${c.image} from a public registry` });
        for (const s of c.secrets ?? []) needs.push({ service: secretSource(s.valueFrom).service, why: `${c.name}'s secret ${s.name}` });
        if (c.logConfiguration?.logDriver === "awslogs") needs.push({ service: "logs", why: `${c.name}'s logs` });
        needs.push(...environmentNeeds(c, index, own));
    }
    if (service.inputs.enableExecuteCommand === true) needs.push({ service: "ssmmessages", why: "ECS Exec" });
    return needs;
}

/** A host's needs: Session Manager, its configuration and secrets, logs; the internet for what its user data downloads from outside AWS. */
function hostNeeds(instance: PlannedResource): Need[] {
    const userData = String(instance.inputs.userData ?? "");
    const outside = [...userData.matchAll(/https:\/\/([a-z0-9.-]+)\//g)].map((m) => m[1]).find((host) => !host.endsWith(".amazonaws.com"));
    return [
        { service: "ssm", why: "Session Manager" },
        { service: "ssmmessages", why: "Session Manager" },
        { service: "ec2messages", why: "Session Manager" },
        ...(/\bs3:\/\/|aws s3 /.test(userData) ? [{ service: "s3", why: "its configuration in S3" }] : []),
        ...(userData.includes("secretsmanager") ? [{ service: "secretsmanager", why: "its services' secrets" }] : []),
        ...(userData.includes("awslogs") || userData.includes("amazon-cloudwatch-agent") ? [{ service: "logs", why: "its logs" }] : []),
        // Private ECR images, through Docker's ECR credential helper; ECR serves their layers from S3.
        ...(userData.includes("ecr-login")
            ? [
                  { service: "ecr.api", why: "its private images" },
                  { service: "ecr.dkr", why: "its private images" },
                  { service: "s3", why: "its private images' layers" },
              ]
            : []),
        ...(outside ? [{ service: "internet" as const, why: `its user data downloads from ${outside}` }] : []),
        // Images other than ECR's come from public registries (Docker Hub).
        ...(/docker compose|docker-compose/.test(userData) ? [{ service: "internet" as const, why: "its Compose services' public images" }] : []),
    ];
}

/**
 * Each ECS service (its task definition) and EC2 host in a subnet of the plan's VPCs can reach what
 * it needs: through the subnet's route to a NAT gateway (or an internet gateway with a public IP),
 * or through a VPC endpoint of the service in its VPC (an interface endpoint with private DNS; S3's
 * gateway endpoint on the subnet's route table). A service kept at zero tasks (a disaster-recovery
 * standby, whose network gets its NAT at failover) is not checked. One of its security groups lets
 * HTTPS out (Pulumi drops AWS's default egress rule), to anywhere or to its VPC's block (the endpoints).
 * Once running, each reaches what its environment names and, through NAT only, the servers outside
 * AWS its security groups open a port other than 443 to (Upstash's Redis, SMTP): an interface
 * endpoint serves its AWS service on 443 alone. Those missing are reported as failing its first
 * request rather than its start. https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/networking-outbound.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html
 */
export function checkNetworkPaths(index: PlanIndex, region: string, report: Report): void {
    const subnets = new Map(index.of(TYPES.subnet).map((s) => [s.state.id, s]));
    const tableOf = new Map(index.of(TYPES.association).map((a) => [String(a.inputs.subnetId), String(a.inputs.routeTableId)]));
    const defaultRoutes = index.of(TYPES.route).filter((r) => r.inputs.destinationCidrBlock === "0.0.0.0/0");
    const endpoints = index.of(TYPES.endpoint);

    const egress = index.of(T.egress);
    const vpcCidr = new Map(index.of("aws:ec2/vpc:Vpc").map((v) => [v.state.id, String(v.inputs.cidrBlock)]));
    // HTTPS out of one of the workload's security groups, to anywhere or (for the endpoints) to its VPC.
    const httpsOut = (groups: unknown[], vpcId: unknown) =>
        egress.some(
            (rule) =>
                groups.includes(rule.inputs.securityGroupId) &&
                (rule.inputs.ipProtocol === "-1" || (Number(rule.inputs.fromPort) <= 443 && Number(rule.inputs.toPort) >= 443)) &&
                (rule.inputs.cidrIpv4 === "0.0.0.0/0" || rule.inputs.cidrIpv4 === vpcCidr.get(String(vpcId))),
        );

    // A port other than HTTPS's opened to the whole internet is for a server outside AWS (an endpoint serves 443 only).
    const internetEgress = (groups: unknown[]): Need[] =>
        egress
            .filter(
                (rule) =>
                    groups.includes(rule.inputs.securityGroupId) &&
                    (rule.inputs.cidrIpv4 === "0.0.0.0/0" || rule.inputs.cidrIpv6 === "::/0") &&
                    ["tcp", "udp", "6", "17"].includes(String(rule.inputs.ipProtocol)) &&
                    !(Number(rule.inputs.fromPort) <= 443 && Number(rule.inputs.toPort) >= 443),
            )
            .map((rule) => {
                const ports = rule.inputs.fromPort === rule.inputs.toPort ? `${rule.inputs.fromPort}` : `${rule.inputs.fromPort}-${rule.inputs.toPort}`;
                return {
                    service: "internet",
                    why: `its security group opens port ${ports} to the internet${rule.inputs.description ? `: ${rule.inputs.description}` : ""}`,
                    run: true,
                };
            });

    const check = (workload: PlannedResource, subnetIds: unknown[], publicIp: boolean, workloadNeeds: Need[], groups: unknown[]) => {
        const needs = [...workloadNeeds, ...internetEgress(groups)];
        const own = regionOf(workload, region);
        const first = subnets.get(String(subnetIds[0]));
        if (first && needs.length > 0 && groups.length > 0 && !httpsOut(groups, first.inputs.vpcId))
            report(
                "network-path",
                workload.urn,
                `none of its security groups lets HTTPS (443) out, to 0.0.0.0/0 or the VPC's block: it cannot reach ${[...new Set(needs.map((n) => n.service))].join(", ")} (Pulumi removes AWS's default allow-all egress: add an egress rule)`,
            );
        for (const id of subnetIds) {
            const subnet = subnets.get(String(id));
            if (!subnet) continue; // a subnet the plan did not create: its routes are unknown
            const table = tableOf.get(subnet.state.id);
            const out = defaultRoutes.filter((r) => r.inputs.routeTableId === table);
            if (out.some((r) => typeof r.inputs.natGatewayId === "string") || (publicIp && out.some((r) => typeof r.inputs.gatewayId === "string"))) continue;
            const vpcId = subnet.inputs.vpcId;
            const reachable = (service: string) =>
                endpoints.some((e) => {
                    if (e.inputs.vpcId !== vpcId || e.inputs.serviceName !== `com.amazonaws.${own}.${service}`) return false;
                    const gateway = String(e.inputs.vpcEndpointType ?? "Gateway").toLowerCase() === "gateway";
                    return gateway ? asArray(e.inputs.routeTableIds).includes(table) : e.inputs.privateDnsEnabled === true;
                });
            // What it needs to start first, then what its requests need.
            const missing = needs.filter((n) => n.service === "internet" || !reachable(n.service)).sort((a, b) => Number(!!a.run) - Number(!!b.run));
            if (missing.length === 0) continue;
            const byService = new Map<string, string[]>();
            for (const n of missing) byService.set(n.service, [...(byService.get(n.service) ?? []), n.why]);
            const services = [...byService.keys()].filter((s) => s !== "internet");
            const lines = [...byService].map(
                ([service, why]) => `${service === "internet" ? "the internet" : `com.amazonaws.${own}.${service}`} (${[...new Set(why)].join(", ")})`,
            );
            // The public images a task pulls that the config can move to ECR, by container.
            const key = `platform:workloads.${workloadComponent(workload, index.byUrn)?.name ?? workload.name}`;
            // A private copy replaces NAT only where the images are all it needs the internet for (not Upstash's Redis, say).
            const internet = byService.get("internet") ?? [];
            const onlyImages = internet.every((why) => Object.keys(MOVABLE_IMAGES).some((container) => why.startsWith(`${container} pulls`)));
            const movable = Object.entries(MOVABLE_IMAGES)
                .filter(([container]) => internet.some((why) => why.startsWith(`${container} pulls`)))
                .map(
                    ([container, setting]) =>
                        `for ${container}, a private copy of its image in ECR in ${own} (${key}.${setting}) pulled through the ECR endpoints ${onlyImages ? "also does" : "takes that pull off the internet, not the rest"}`,
                );
            const fix = byService.has("internet")
                ? [`give its network a NAT gateway (platform:network.natStrategy: single or perAz)`, ...movable].join("; ")
                : `give its network a NAT gateway (platform:network.natStrategy: single or perAz) or ${[
                      ...(services.some((s) => s !== "s3")
                          ? [`the endpoints (platform:network.endpoints: [${services.filter((s) => s !== "s3").join(", ")}])`]
                          : []),
                      ...(services.includes("s3") ? ["S3's gateway endpoint on the subnet's route table (the network's own is on every table it makes)"] : []),
                  ].join(" and ")}`;
            report(
                "network-path",
                workload.urn,
                `runs in ${subnet.name}, whose route table has no route to a NAT gateway, and cannot reach ${lines.join("; ")}: ${missing.every((n) => n.run) ? "it starts, but its first request there fails" : "it cannot start"}. Fix: ${fix}`,
            );
            return; // one problem per workload: its subnets share the network's routes
        }
    };

    for (const service of index.of(T.service)) {
        if (service.inputs.desiredCount === 0) continue;
        const task =
            index.byIdOrArn(service.inputs.taskDefinition, T.taskDefinition) ?? index.of(T.taskDefinition).find((t) => service.dependencies.includes(t.urn));
        if (!task) continue;
        const network = (service.inputs.networkConfiguration ?? {}) as Record<string, unknown>;
        const own = regionOf(service, region);
        check(service, asArray(network.subnets), network.assignPublicIp === true, taskNeeds(task, service, own, index), asArray(network.securityGroups));
    }
    for (const instance of index.of(T.instance)) {
        check(
            instance,
            [instance.inputs.subnetId],
            instance.inputs.associatePublicIpAddress === true,
            hostNeeds(instance),
            asArray(instance.inputs.vpcSecurityGroupIds),
        );
    }
}

/** The IPv4 block `cidr` as [first, last] addresses; `undefined` when it is not one. */
function ipv4Range(cidr: unknown): [number, number] | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(String(cidr));
    if (!m) return undefined;
    const address = m.slice(1, 5).reduce((n, octet) => n * 256 + Number(octet), 0);
    const size = 2 ** (32 - Number(m[5]));
    const first = address - (address % size);
    return [first, first + size - 1];
}

/**
 * Whether one of `from`'s groups lets `port` out to `to`'s and one of `to`'s lets it in from `from`'s:
 * by group, or by an IPv4 block holding every subnet of the other side.
 */
function groupsConnect(index: PlanIndex, from: { groups: unknown[]; subnets: unknown[] }, to: { groups: unknown[]; subnets: unknown[] }, port: number) {
    const blocks = (subnets: unknown[]) => subnets.map((id) => ipv4Range(index.of("aws:ec2/subnet:Subnet").find((s) => s.state.id === id)?.inputs.cidrBlock));
    const holds = (cidr: unknown, subnets: unknown[]) => {
        const outer = ipv4Range(cidr);
        const inner = blocks(subnets);
        return !!outer && inner.length > 0 && inner.every((b) => !!b && b[0] >= outer[0] && b[1] <= outer[1]);
    };
    const covers = (rule: PlannedResource) => rule.inputs.ipProtocol === "-1" || (Number(rule.inputs.fromPort) <= port && Number(rule.inputs.toPort) >= port);
    // A rule of one of `own`'s groups on the port, naming one of `other`'s groups or a block holding its subnets.
    const allows = (type: string, own: typeof from, other: typeof from) =>
        index
            .of(type)
            .some(
                (r) =>
                    own.groups.includes(r.inputs.securityGroupId) &&
                    covers(r) &&
                    (other.groups.includes(r.inputs.referencedSecurityGroupId) || holds(r.inputs.cidrIpv4, other.subnets)),
            );
    return { out: allows(T.egress, from, to), in: allows(T.ingress, to, from) };
}

/**
 * Each load balancer reaches its targets: an ECS service's container maps the port the service names
 * (ECS refuses the service otherwise); for an ECS service, an EC2 host or a balancer registered by a
 * target-group attachment, one of the balancer's security groups lets the port (and the health
 * check's, where it differs) out to the targets' groups, and one of theirs lets it in, else every
 * target fails its health check and never takes traffic. A CIDR rule counts where it holds every
 * subnet of the other side.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
 */
export function checkTargetPaths(index: PlanIndex, report: Report): void {
    const forwarders = [...index.of(...T.listeners), ...index.of(...T.rules)];
    const reported = new Set<string>();
    /** The balancer's path to `targets` (`what` they are) on the target group's port and health-check port. */
    const reach = (subject: PlannedResource, what: string, targets: { groups: unknown[]; subnets: unknown[] }, targetGroupArn: unknown, port: number) => {
        const targetGroup = index.byIdOrArn(targetGroupArn, ...T.targetGroups);
        const healthPort = Number((targetGroup?.inputs.healthCheck as { port?: unknown } | undefined)?.port);
        const ports = [...new Set([port, ...(Number.isInteger(healthPort) ? [healthPort] : [])])];
        const whose = what === "tasks" ? "the tasks'" : `the ${what}'s`;
        // The balancers whose listeners (or their rules) forward to the target group.
        const balancerArns = new Set(
            forwarders
                .filter((l) => forwardedTargetGroups(l).includes(String(targetGroupArn)))
                .map((l) => l.inputs.loadBalancerArn ?? index.byIdOrArn(l.inputs.listenerArn, ...T.listeners)?.inputs.loadBalancerArn),
        );
        for (const balancer of index.of(...T.loadBalancers).filter((b) => balancerArns.has(b.state.arn) || balancerArns.has(b.state.id))) {
            const groups = asArray(balancer.inputs.securityGroups);
            if (groups.length === 0 || targets.groups.length === 0) continue; // a balancer without groups (NLB): its targets' rules see client addresses
            const subnets = [
                ...asArray(balancer.inputs.subnets),
                ...(asArray(balancer.inputs.subnetMappings) as { subnetId?: unknown }[]).map((m) => m.subnetId),
            ];
            for (const p of ports) {
                const path = groupsConnect(index, { groups, subnets }, targets, p);
                const key = `${subject.urn} ${balancer.urn} ${p}`;
                if ((path.out && path.in) || reported.has(key)) continue;
                reported.add(key);
                const missing = [
                    ...(path.out ? [] : [`its security groups let nothing out to ${whose} on ${p}`]),
                    ...(path.in ? [] : [`${whose} security groups let nothing in from it on ${p}`]),
                ];
                report(
                    "network-path-target",
                    subject.urn,
                    `${balancer.name} cannot reach its ${what}: ${missing.join(", and ")}; every target fails its health check (add the rule to the group that lacks it)`,
                );
            }
        }
    };

    for (const service of index.of(T.service)) {
        const task =
            index.byIdOrArn(service.inputs.taskDefinition, T.taskDefinition) ?? index.of(T.taskDefinition).find((t) => service.dependencies.includes(t.urn));
        let containers: { name: string; portMappings?: { containerPort?: number }[] }[];
        try {
            containers = JSON.parse(String(task?.inputs.containerDefinitions)) as typeof containers;
        } catch {
            continue;
        }
        const network = (service.inputs.networkConfiguration ?? {}) as Record<string, unknown>;
        const tasks = { groups: asArray(network.securityGroups), subnets: asArray(network.subnets) };
        for (const lb of asArray(service.inputs.loadBalancers) as { targetGroupArn?: string; containerName?: string; containerPort?: number }[]) {
            const port = Number(lb.containerPort);
            const container = containers.find((c) => c.name === lb.containerName);
            if (!container || !(container.portMappings ?? []).some((p) => p.containerPort === port))
                report(
                    "target-port",
                    service.urn,
                    `its load balancer sends to container ${lb.containerName} on ${port}, which the task definition ${container ? "does not map" : "does not have"}: ECS refuses the service`,
                );
            else reach(service, "tasks", tasks, lb.targetGroupArn, port);
        }
    }
    for (const attachment of index.of("aws:lb/targetGroupAttachment:TargetGroupAttachment", "aws:alb/targetGroupAttachment:TargetGroupAttachment")) {
        const targetGroup = index.byIdOrArn(attachment.inputs.targetGroupArn, ...T.targetGroups);
        const port = Number(attachment.inputs.port ?? targetGroup?.inputs.port);
        const host = index.of(T.instance).find((i) => i.state.id === attachment.inputs.targetId);
        const balancer = index.byIdOrArn(attachment.inputs.targetId, ...T.loadBalancers);
        if (host)
            reach(host, "host", { groups: asArray(host.inputs.vpcSecurityGroupIds), subnets: [host.inputs.subnetId] }, attachment.inputs.targetGroupArn, port);
        else if (balancer)
            reach(
                balancer,
                "balancer",
                { groups: asArray(balancer.inputs.securityGroups), subnets: asArray(balancer.inputs.subnets) },
                attachment.inputs.targetGroupArn,
                port,
            );
    }
}

const DATA_STORES = ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "aws:elasticache/replicationGroup:ReplicationGroup"];
const ENGINE_PORTS: Record<string, number> = {
    postgres: 5432,
    "aurora-postgresql": 5432,
    mysql: 3306,
    "aurora-mysql": 3306,
    mariadb: 3306,
    redis: 6379,
    valkey: 6379,
};

/**
 * The database or cache a host name in a workload's environment is the endpoint of: an RDS
 * instance's `<identifier>.<hash>.<region>.rds.amazonaws.com`, a cluster's `<identifier>.cluster[-ro]-...`,
 * an ElastiCache group's `master.<group>.<hash>...` or `<group>.<hash>...` (its own or a replica's port).
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ConnectToInstance.html
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Endpoints.html
 */
function dataStoreOf(index: PlanIndex, host: string): { store: PlannedResource; port: number } | undefined {
    const m = /^(?:(master|replica)\.)?([a-z0-9-]+)\.(cluster-(?:ro-)?)?[a-z0-9]+\.[a-z0-9-]+\.(rds|cache)\.amazonaws\.com(?:\.cn)?$/.exec(host);
    if (!m) return undefined;
    const store = index.of(...DATA_STORES).find((r) => r.state.id === m[2] && (m[4] === "cache") === r.type.startsWith("aws:elasticache/"));
    if (!store) return undefined;
    const source = index.of(...DATA_STORES).find((r) => r.state.id === store.inputs.replicateSourceDb || r.state.arn === store.inputs.replicateSourceDb);
    const port = Number(store.inputs.port ?? ENGINE_PORTS[String(store.inputs.engine)] ?? source?.inputs.port ?? ENGINE_PORTS[String(source?.inputs.engine)]);
    return Number.isInteger(port) ? { store, port } : undefined;
}

/**
 * Each ECS service and Compose host reaches the databases and caches its containers' environment
 * names (a host name, as the program passes them): one of its security groups lets the store's port
 * out to the store's groups, and one of theirs lets it in (by group, or by a block holding the other
 * side's subnets). Without either, the task starts and its first query times out. A standby kept at
 * zero tasks is checked too: its rules must be there before a failover.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.Scenarios.html
 */
export function checkDataPaths(index: PlanIndex, report: Report): void {
    const subnetsOf = (store: PlannedResource) => {
        const groupName = store.inputs.dbSubnetGroupName ?? store.inputs.subnetGroupName;
        const group = index
            .of("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup")
            .find((g) => g.state.id === groupName || g.inputs.name === groupName);
        return asArray(group?.inputs.subnetIds);
    };
    const check = (subject: PlannedResource, from: { groups: unknown[]; subnets: unknown[] }, values: { name: string; value: string }[]) => {
        const seen = new Set<string>();
        for (const { name, value } of values) {
            const found = dataStoreOf(index, value);
            if (!found || seen.has(found.store.urn) || from.groups.length === 0) continue;
            seen.add(found.store.urn);
            const to = { groups: asArray(found.store.inputs.vpcSecurityGroupIds ?? found.store.inputs.securityGroupIds), subnets: subnetsOf(found.store) };
            if (to.groups.length === 0) continue;
            const path = groupsConnect(index, from, to, found.port);
            if (path.out && path.in) continue;
            const missing = [
                ...(path.out ? [] : [`its security groups let nothing out to ${found.store.name}'s on ${found.port}`]),
                ...(path.in ? [] : [`${found.store.name}'s security groups let nothing in from it on ${found.port}`]),
            ];
            report("network-path-data", subject.urn, `it is told ${name}=${value}, but ${missing.join(", and ")}: its first connection times out`);
        }
    };
    for (const service of index.of(T.service)) {
        const task =
            index.byIdOrArn(service.inputs.taskDefinition, T.taskDefinition) ?? index.of(T.taskDefinition).find((t) => service.dependencies.includes(t.urn));
        let containers: Container[];
        try {
            containers = JSON.parse(String(task?.inputs.containerDefinitions)) as Container[];
        } catch {
            continue;
        }
        const network = (service.inputs.networkConfiguration ?? {}) as Record<string, unknown>;
        check(
            service,
            { groups: asArray(network.securityGroups), subnets: asArray(network.subnets) },
            containers.flatMap((c) => c.environment ?? []),
        );
    }
    const files = hostFiles(index);
    for (const host of index.of(T.instance))
        check(host, { groups: asArray(host.inputs.vpcSecurityGroupIds), subnets: [host.inputs.subnetId] }, files.get(index.root(host))?.environment ?? []);
}
