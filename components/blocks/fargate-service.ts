import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ecs from "@pulumi/aws/ecs";
import * as iam from "@pulumi/aws/iam";
import { PolicyStatement, policyDocument, serviceTrustPolicy } from "../iam";
import { SecurityGroup } from "./security-group";

export interface ContainerSpec {
    /** Container name within the task. */
    name: string;
    image: pulumi.Input<string>;
    /** The task stops when an essential container stops. Default `true`. */
    essential?: boolean;
    /** Overrides the image's command. Default: the image's. */
    command?: string[];
    /** Port the container listens on. Default: none. */
    port?: number;
    /** Plain environment variables; never secrets. */
    environment?: Record<string, pulumi.Input<string>>;
    /** Variables read from Secrets Manager at start: name -> secret ARN (or `arn:key::` for a JSON key). */
    secrets?: Record<string, pulumi.Input<string>>;
    /** Seconds between SIGTERM and SIGKILL (Fargate allows up to 120). Default 30. */
    stopTimeoutSeconds?: number;
    /** CloudWatch stream prefix. Default `ecs`. */
    logStreamPrefix?: string;
}

export interface FargateServiceArgs {
    vpcId: pulumi.Input<string>;
    /** Private subnets; tasks never get a public IP. */
    subnetIds: pulumi.Input<string[]>;
    /** Task family; also names the log group `/ecs/<family>`, so make it stack-unique. */
    family: string;
    region: string;
    accountId: pulumi.Input<string>;
    /** Task CPU units. Default in config: the profile's `taskCpu`. */
    cpu: number;
    /** Task memory, MiB. Default in config: the profile's `taskMemory`. */
    memory: number;
    /** Running tasks. Default in config: the profile's `minTasks`. */
    desiredCount: number;
    containers: ContainerSpec[];
    /** Log retention, days. Default in config: the profile's `logRetentionDays`. */
    logRetentionDays: number;
    /** CloudWatch Container Insights. Default in config: the profile's `containerInsights`. */
    containerInsights: boolean;
    /** Secrets the execution role may read to inject them: exactly the ARNs the containers use. */
    secretArns: pulumi.Input<string>[];
    /** ECR repositories the execution role may pull from. Default: none (public or other registries). */
    ecrRepositoryArns?: pulumi.Input<string>[];
    /** What the application itself may do (task role). Default: nothing. */
    taskPolicy?: PolicyStatement[];
    /** Register tasks in this target group. */
    loadBalancer?: { targetGroupArn: pulumi.Input<string>; containerName: string; containerPort: number };
    /** Seconds load-balancer health checks are ignored after a task starts. Default 60 (only with a load balancer). */
    healthCheckGracePeriodSeconds?: number;
}

/**
 * One ECS service on Fargate with its cluster, task definition, log group, execution and task
 * roles and security group. Rolling deploys keep full capacity (minimum healthy 100%) and the
 * circuit breaker rolls a failed start back. Ingress is added by the caller on `securityGroup`.
 */
export class FargateService extends pulumi.ComponentResource {
    readonly securityGroup: SecurityGroup;
    readonly cluster: ecs.Cluster;
    readonly service: ecs.Service;
    readonly taskDefinition: ecs.TaskDefinition;
    readonly logGroup: cloudwatch.LogGroup;
    readonly taskRole: iam.Role;
    readonly executionRole: iam.Role;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:compute:FargateService", name, {}, opts);
        const parent = { parent: this };

        this.cluster = new ecs.Cluster(name, { settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }] }, parent);
        this.logGroup = new cloudwatch.LogGroup(name, { name: `/ecs/${args.family}`, retentionInDays: args.logRetentionDays }, parent);

        const trust = serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId);
        this.executionRole = new iam.Role(`${name}-execution`, { assumeRolePolicy: trust, description: `${args.family}: pull image, write logs, read secrets` }, parent);
        const executionStatements: PolicyStatement[] = [
            { Sid: "WriteLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${this.logGroup.arn}:*` },
        ];
        if (args.secretArns.length > 0) {
            executionStatements.push({ Sid: "ReadSecrets", Action: "secretsmanager:GetSecretValue", Resource: args.secretArns });
        }
        if (args.ecrRepositoryArns && args.ecrRepositoryArns.length > 0) {
            // GetAuthorizationToken has no resource-level permissions: AWS requires "*".
            executionStatements.push({ Sid: "EcrLogin", Action: "ecr:GetAuthorizationToken", Resource: "*" });
            executionStatements.push({
                Sid: "PullImage",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: args.ecrRepositoryArns,
            });
        }
        new iam.RolePolicy(`${name}-execution`, { role: this.executionRole.id, policy: policyDocument(executionStatements) }, parent);

        this.taskRole = new iam.Role(`${name}-task`, { assumeRolePolicy: trust, description: `${args.family}: the application's own permissions` }, parent);
        if (args.taskPolicy && args.taskPolicy.length > 0) {
            new iam.RolePolicy(`${name}-task`, { role: this.taskRole.id, policy: policyDocument(args.taskPolicy) }, parent);
        }

        this.securityGroup = new SecurityGroup(`${name}-tasks`, { vpcId: args.vpcId, description: `${args.family} tasks` }, parent);

        const containerDefinitions = pulumi.jsonStringify(
            args.containers.map((c) => ({
                name: c.name,
                image: c.image,
                essential: c.essential ?? true,
                ...(c.command ? { command: c.command } : {}),
                portMappings: c.port ? [{ containerPort: c.port, protocol: "tcp" }] : [],
                environment: Object.entries(c.environment ?? {}).map(([n, value]) => ({ name: n, value })),
                secrets: Object.entries(c.secrets ?? {}).map(([n, valueFrom]) => ({ name: n, valueFrom })),
                stopTimeout: c.stopTimeoutSeconds ?? 30,
                // An init process forwards SIGTERM to the application and reaps zombies.
                linuxParameters: { initProcessEnabled: true },
                logConfiguration: {
                    logDriver: "awslogs",
                    options: { "awslogs-group": this.logGroup.name, "awslogs-region": args.region, "awslogs-stream-prefix": c.logStreamPrefix ?? "ecs" },
                },
            })),
        );
        this.taskDefinition = new ecs.TaskDefinition(
            name,
            {
                family: args.family,
                cpu: String(args.cpu),
                memory: String(args.memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                executionRoleArn: this.executionRole.arn,
                taskRoleArn: this.taskRole.arn,
                containerDefinitions,
            },
            parent,
        );

        this.service = new ecs.Service(
            name,
            {
                cluster: this.cluster.arn,
                taskDefinition: this.taskDefinition.arn,
                desiredCount: args.desiredCount,
                launchType: "FARGATE",
                networkConfiguration: { subnets: args.subnetIds, securityGroups: [this.securityGroup.id], assignPublicIp: false },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                ...(args.loadBalancer
                    ? {
                          loadBalancers: [args.loadBalancer],
                          healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
                      }
                    : {}),
            },
            parent,
        );
        this.registerOutputs({ serviceName: this.service.name, logGroupName: this.logGroup.name });
    }
}
