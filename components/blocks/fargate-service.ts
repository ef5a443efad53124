import * as pulumi from "@pulumi/pulumi";
import * as appautoscaling from "@pulumi/aws/appautoscaling";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ecs from "@pulumi/aws/ecs";
import * as iam from "@pulumi/aws/iam";
import * as servicediscovery from "@pulumi/aws/servicediscovery";
import { WorkloadContext } from "../context";
import { PolicyStatement, decryptSecretsStatements, ecrPullStatements, ecrRepositoryArn, policyDocument, serviceTrustPolicy } from "../iam";
import { Transform, transformed } from "../transform";
import { ServiceTarget } from "./load-balancer";
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
    /**
     * Restart the container in place when it exits (ECS container restart policy), so that a
     * non-essential container that crashes does not stay dead. Default `false`.
     */
    restartOnExit?: boolean;
    /** Container health check, as ECS takes it (`["CMD", ...]` or `["CMD-SHELL", "..."]`). Default: none. */
    healthCheck?: string[];
    /**
     * Containers of the task that must have run first: `SUCCESS` waits for a non-essential one
     * (e.g. `db-bootstrap`) to exit 0. Default: none.
     */
    dependsOn?: { containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }[];
    /**
     * The image may be in an ECR pull-through cache: the execution role may also create its
     * repository and import the upstream image, as the first pull of a tag the cache lacks does.
     * Default `false`.
     */
    pullThroughCache?: boolean;
}

export interface FargateServiceArgs {
    vpcId: pulumi.Input<string>;
    /** Private subnets; tasks never get a public IP. */
    subnetIds: pulumi.Input<string[]>;
    /** Task family; also names the log group `/ecs/<family>` unless `names.logGroup` says otherwise; make it stack-unique. */
    family: string;
    /**
     * Physical names a runbook relies on (`aws ecs execute-command --cluster ... --service ...`,
     * `aws iam get-role-policy --role-name ... --policy-name ...`): the cluster, the service, the log
     * group, the task and execution roles and their inline policies. Default: Pulumi's auto-names,
     * `/ecs/<family>` for the log group. A named cluster, service or role is replaced delete-first
     * (AWS keeps names unique).
     */
    names?: ServiceNames;
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
    /** Keep the log group when the stack is destroyed (`protect`, `retainOnDelete`). Default in config: the profile's `protectStatefulResources`. */
    protectLogs: boolean;
    /** CloudWatch Container Insights. Default in config: the profile's `containerInsights`. */
    containerInsights: boolean;
    /** Secrets the execution role may read to inject them: exactly the ARNs the containers use. */
    secretArns: pulumi.Input<string>[];
    /** Customer managed KMS keys encrypting some of those secrets: the execution role may decrypt with them through Secrets Manager. Default: none. */
    secretKeyArns?: pulumi.Input<string>[];
    /** What the application itself may do (task role). Default: nothing. */
    taskPolicy?: PolicyStatement[];
    /** Register tasks in this target group (see `LoadBalancer.serviceTarget`); the service waits for its listeners. */
    loadBalancer?: ServiceTarget;
    /** Seconds load-balancer health checks are ignored after a task starts. Default 60 (only with a load balancer). */
    healthCheckGracePeriodSeconds?: number;
    /** Run in this cluster and log to this group (e.g. a second service of the same workload). Default: its own. */
    shared?: { cluster: ecs.Cluster; logGroup: cloudwatch.LogGroup };
    /**
     * Target tracking between `min` and `max` tasks; the service then ignores `desiredCount` drift
     * the autoscaler causes. Default: a fixed `desiredCount`.
     */
    autoscaling?: AutoscalingArgs;
    /** ECS Exec (`aws ecs execute-command`): grants the task role the SSM channel. Default `false`. */
    enableExecuteCommand?: boolean;
    /**
     * `CODE_DEPLOY`: blue/green through CodeDeploy, which then owns the task definition and the
     * load balancer wiring (no circuit breaker: CodeDeploy rolls back). Default `ECS` (rolling).
     */
    deploymentController?: "ECS" | "CODE_DEPLOY";
    /** Rolling-deploy bounds, percent of the desired count. Default 100 / 200 (the old tasks serve until the new ones are healthy). */
    deployment?: { minimumHealthyPercent: number; maximumPercent: number };
    /**
     * A deploy script outside Pulumi rolls the task-definition revisions (`aws ecs update-service`):
     * the service ignores task-definition and desired-count drift. Default `false`.
     */
    externalDeploys?: boolean;
    /**
     * A one-off migration task definition (`<family>-migrate`): the first container's image,
     * environment, secrets and log group with this command, the service's execution role and
     * security group, a task role of its own with the service's rights. Default: none.
     */
    migrations?: { command: string[] };
    /**
     * ECS's own blue/green deployments (the `loadBalancer` target from `LoadBalancer.blueGreenTarget`):
     * the green tasks take test traffic, then production, and the blue ones stay `bakeTimeMinutes`
     * for a rollback; `hooks` are Lambda functions ECS invokes at the given lifecycle stages, with
     * `hookRoleArn`. Default: rolling deployments.
     */
    blueGreen?: { bakeTimeMinutes: number; hooks: { lambdaArn: pulumi.Input<string>; stages: string[] }[]; hookRoleArn?: pulumi.Input<string> };
    /**
     * Create the service in another region than the provider's (a disaster-recovery copy): its
     * security group, task definition and service there, logging there. Give it a `shared` cluster
     * and log group of that region. Default: the provider's region.
     */
    inRegion?: string;
    /** Register the tasks in Cloud Map as `<name>.<namespace>` (A records). Default: no registration. */
    serviceDiscovery?: { namespaceId: pulumi.Input<string>; name: string };
    /** Changes to the task definition's or the service's arguments before they are created. Default: none. */
    transform?: { taskDefinition?: Transform<ecs.TaskDefinitionArgs>; service?: Transform<ecs.ServiceArgs> };
}

/** The physical names of a service's parts; each one unset is auto-named. */
export interface ServiceNames {
    cluster?: string;
    service?: string;
    logGroup?: string;
    taskRole?: string;
    /** The task role's inline policy. */
    taskPolicy?: string;
    executionRole?: string;
    /** The execution role's inline policy. */
    executionPolicy?: string;
}

export interface AutoscalingArgs {
    min: number;
    max: number;
    /** Average CPU the service is kept at, percent. Default: no CPU policy (e.g. queue-driven scaling added by the caller on `scalingTarget`). */
    cpuTargetPercent?: number;
    /** Average memory the service is kept at, percent. Default: no memory policy. */
    memoryTargetPercent?: number;
    /** Seconds after a scale-out before another. Default 60. */
    scaleOutCooldownSeconds?: number;
    /** Seconds after a scale-in before another. Default 300. */
    scaleInCooldownSeconds?: number;
    /**
     * Step scaling on a queue's depth: +2 tasks while more than `scaleOutAbove` messages wait,
     * -1 after the queue stayed empty for `scaleInAfterIdleMinutes`. Each step has its own
     * CloudWatch alarm. Default: no queue scaling.
     */
    queueDepth?: { queueName: pulumi.Input<string>; scaleOutAbove: number; scaleInAfterIdleMinutes: number };
}

/**
 * What every workload's services take from the stack: private subnets, region, account, the
 * profile's log retention and Container Insights, and the family `<name>-<stack>`.
 */
export function serviceDefaults(ctx: WorkloadContext, name: string) {
    return {
        vpcId: ctx.network.vpcId,
        subnetIds: ctx.network.privateSubnetIds,
        family: `${name}-${ctx.platform.stack}`,
        region: ctx.platform.region,
        accountId: ctx.accountId,
        logRetentionDays: ctx.platform.profile.logRetentionDays,
        protectLogs: ctx.platform.profile.protectStatefulResources,
        containerInsights: ctx.platform.profile.containerInsights,
    };
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
    /** The autoscaling target, when `autoscaling` is set. */
    scalingTarget?: appautoscaling.Target;
    /** With `migrations`: the one-off task definition and what `aws ecs run-task` needs. */
    migration?: {
        taskDefinition: ecs.TaskDefinition;
        taskRole: iam.Role;
        /** The region it runs in (the service's). */
        region: string;
        /** Where `aws ecs run-task` starts it: the service's private subnets and security group. */
        subnets: pulumi.Output<string[]>;
        securityGroup: pulumi.Output<string>;
        /** A shell command that runs it once, waits for it and exits non-zero unless the migration exited 0 (`migrationScript`). */
        runTask: pulumi.Output<string>;
    };
    private readonly subnetIds: pulumi.Input<string[]>;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:compute:FargateService", name, {}, opts);
        const parent = { parent: this };
        this.subnetIds = args.subnetIds;

        const logGroupName = args.names?.logGroup ?? `/ecs/${args.family}`;
        this.cluster =
            args.shared?.cluster ??
            new ecs.Cluster(
                name,
                {
                    name: args.names?.cluster,
                    settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }],
                    // ECS Exec sessions are recorded in the service's log group.
                    ...(args.enableExecuteCommand
                        ? {
                              configuration: {
                                  executeCommandConfiguration: { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: logGroupName } },
                              },
                          }
                        : {}),
                },
                { parent: this, deleteBeforeReplace: args.names?.cluster !== undefined },
            );
        this.logGroup =
            args.shared?.logGroup ??
            new cloudwatch.LogGroup(
                name,
                { name: logGroupName, retentionInDays: args.logRetentionDays },
                { parent: this, protect: args.protectLogs, retainOnDelete: args.protectLogs },
            );

        const trust = serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId);
        this.executionRole = new iam.Role(
            `${name}-execution`,
            { name: args.names?.executionRole, assumeRolePolicy: trust, description: `${args.family}: pull image, write logs, read secrets` },
            { ...parent, deleteBeforeReplace: args.names?.executionRole !== undefined },
        );
        const executionStatements: PolicyStatement[] = [
            { Sid: "WriteLogs", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: pulumi.interpolate`${this.logGroup.arn}:*` },
        ];
        if (args.secretArns.length > 0) {
            executionStatements.push({ Sid: "ReadSecrets", Action: "secretsmanager:GetSecretValue", Resource: args.secretArns });
            executionStatements.push(...decryptSecretsStatements(args.secretKeyArns ?? [], args.inRegion ?? args.region));
        }
        // Every private ECR image the containers run, derived from the images themselves.
        const repositoriesOf = (containers: ContainerSpec[]) =>
            pulumi.all(containers.map((c) => c.image)).apply((images) => images.map(ecrRepositoryArn).filter((arn): arn is string => arn !== undefined));
        const repositories = repositoriesOf(args.containers);
        const caches = repositoriesOf(args.containers.filter((c) => c.pullThroughCache));
        const executionPolicy = new iam.RolePolicy(
            `${name}-execution`,
            {
                name: args.names?.executionPolicy,
                role: this.executionRole.id,
                policy: pulumi
                    .all([repositories, caches])
                    .apply(([arns, cacheArns]) => policyDocument([...executionStatements, ...ecrPullStatements(arns, cacheArns)])),
            },
            parent,
        );

        this.taskRole = new iam.Role(
            `${name}-task`,
            { name: args.names?.taskRole, assumeRolePolicy: trust, description: `${args.family}: the application's own permissions` },
            { ...parent, deleteBeforeReplace: args.names?.taskRole !== undefined },
        );
        const taskStatements = [...(args.taskPolicy ?? [])];
        if (args.enableExecuteCommand) {
            // The Session Manager channel actions have no resource-level permissions: AWS requires "*".
            taskStatements.push({
                Sid: "EcsExec",
                Action: ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
                Resource: "*",
            });
            // The session's record goes to the log group through the task's own role (the SSM agent runs in the task).
            taskStatements.push(
                {
                    Sid: "EcsExecAuditLog",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: pulumi.interpolate`${this.logGroup.arn}:*`,
                },
                { Sid: "EcsExecFindLogGroup", Action: "logs:DescribeLogGroups", Resource: "*" },
            );
        }
        const taskPolicy =
            taskStatements.length > 0
                ? new iam.RolePolicy(`${name}-task`, { name: args.names?.taskPolicy, role: this.taskRole.id, policy: policyDocument(taskStatements) }, parent)
                : undefined;

        this.securityGroup = new SecurityGroup(`${name}-tasks`, { vpcId: args.vpcId, description: `${args.family} tasks`, region: args.inRegion }, parent);

        const containerDefinitions = this.renderContainers(args, args.containers);
        this.taskDefinition = new ecs.TaskDefinition(
            name,
            transformed(name, this.taskDefinitionArgs(args, args.family, this.taskRole, containerDefinitions), args.transform?.taskDefinition),
            parent,
        );
        if (args.migrations)
            this.migration = this.createMigration(
                name,
                args,
                taskStatements.filter((st) => st.Sid !== "EcsExec"),
            );

        let registry: servicediscovery.Service | undefined;
        if (args.serviceDiscovery) {
            registry = new servicediscovery.Service(
                name,
                {
                    region: args.inRegion,
                    name: args.serviceDiscovery.name,
                    namespaceId: args.serviceDiscovery.namespaceId,
                    dnsConfig: { namespaceId: args.serviceDiscovery.namespaceId, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: 10 }] },
                    healthCheckCustomConfig: { failureThreshold: 1 },
                },
                parent,
            );
        }
        const codeDeploy = args.deploymentController === "CODE_DEPLOY";
        this.service = new ecs.Service(
            name,
            transformed<ecs.ServiceArgs>(
                name,
                {
                    region: args.inRegion,
                    name: args.names?.service,
                    cluster: this.cluster.arn,
                    taskDefinition: this.taskDefinition.arn,
                    desiredCount: args.autoscaling ? args.autoscaling.min : args.desiredCount,
                    launchType: "FARGATE",
                    enableExecuteCommand: args.enableExecuteCommand ?? false,
                    networkConfiguration: { subnets: args.subnetIds, securityGroups: [this.securityGroup.id], assignPublicIp: false },
                    deploymentMinimumHealthyPercent: args.deployment?.minimumHealthyPercent ?? 100,
                    deploymentMaximumPercent: args.deployment?.maximumPercent ?? 200,
                    ...(codeDeploy ? { deploymentController: { type: "CODE_DEPLOY" } } : { deploymentCircuitBreaker: { enable: true, rollback: true } }),
                    ...(registry ? { serviceRegistries: { registryArn: registry.arn } } : {}),
                    ...(args.blueGreen
                        ? {
                              deploymentConfiguration: {
                                  strategy: "BLUE_GREEN",
                                  bakeTimeInMinutes: String(args.blueGreen.bakeTimeMinutes),
                                  lifecycleHooks: args.blueGreen.hooks.map((h) => ({
                                      hookTargetArn: h.lambdaArn,
                                      roleArn: args.blueGreen!.hookRoleArn,
                                      lifecycleStages: h.stages,
                                  })),
                              },
                          }
                        : {}),
                    propagateTags: "SERVICE",
                    enableEcsManagedTags: true,
                    ...(args.loadBalancer
                        ? {
                              loadBalancers: [
                                  {
                                      targetGroupArn: args.loadBalancer.targetGroupArn,
                                      containerName: args.loadBalancer.containerName,
                                      containerPort: args.loadBalancer.containerPort,
                                      ...(args.loadBalancer.advancedConfiguration ? { advancedConfiguration: args.loadBalancer.advancedConfiguration } : {}),
                                  },
                              ],
                              healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
                          }
                        : {}),
                },
                args.transform?.service,
            ),
            // The autoscaler owns the count once it exists; CodeDeploy owns the revision and the target group.
            {
                ...parent,
                deleteBeforeReplace: args.names?.service !== undefined,
                ignoreChanges: [
                    ...(args.autoscaling || args.externalDeploys ? ["desiredCount"] : []),
                    ...(codeDeploy || args.externalDeploys ? ["taskDefinition"] : []),
                    // ECS's blue/green makes the green group the production one after a deployment.
                    ...(codeDeploy || args.blueGreen ? ["loadBalancers"] : []),
                ],
                // Tasks start at once: the roles' policies exist first, and ECS refuses a target group
                // that no listener forwards to yet.
                dependsOn: [executionPolicy, ...(taskPolicy ? [taskPolicy] : []), ...(args.loadBalancer?.routedBy ?? [])],
            },
        );
        if (args.autoscaling) this.autoscale(name, args.autoscaling);
        this.registerOutputs({ serviceName: this.service.name, logGroupName: this.logGroup.name });
    }

    /** The containers as ECS takes them: secrets by reference, awslogs to the service's group, an init process. */
    private renderContainers(args: FargateServiceArgs, containers: ContainerSpec[]): pulumi.Output<string> {
        return pulumi.jsonStringify(
            containers.map((c) => ({
                name: c.name,
                image: c.image,
                essential: c.essential ?? true,
                ...(c.command ? { command: c.command } : {}),
                portMappings: c.port ? [{ containerPort: c.port, protocol: "tcp" }] : [],
                environment: Object.entries(c.environment ?? {}).map(([n, value]) => ({ name: n, value })),
                secrets: Object.entries(c.secrets ?? {}).map(([n, valueFrom]) => ({ name: n, valueFrom })),
                stopTimeout: c.stopTimeoutSeconds ?? 30,
                ...(c.restartOnExit ? { restartPolicy: { enabled: true, restartAttemptPeriod: 300 } } : {}),
                ...(c.healthCheck ? { healthCheck: { command: c.healthCheck, interval: 30, timeout: 5, retries: 3, startPeriod: 60 } } : {}),
                ...(c.dependsOn?.length ? { dependsOn: c.dependsOn } : {}),
                // An init process forwards SIGTERM to the application and reaps zombies.
                linuxParameters: { initProcessEnabled: true },
                logConfiguration: {
                    logDriver: "awslogs",
                    options: {
                        "awslogs-group": this.logGroup.name,
                        "awslogs-region": args.inRegion ?? args.region,
                        "awslogs-stream-prefix": c.logStreamPrefix ?? "ecs",
                    },
                },
            })),
        );
    }

    private taskDefinitionArgs(
        args: FargateServiceArgs,
        family: string,
        taskRole: iam.Role,
        containerDefinitions: pulumi.Input<string>,
    ): ecs.TaskDefinitionArgs {
        return {
            region: args.inRegion,
            family,
            cpu: String(args.cpu),
            memory: String(args.memory),
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            executionRoleArn: this.executionRole.arn,
            taskRoleArn: taskRole.arn,
            containerDefinitions,
        };
    }

    /** `<family>-migrate`: run once per release with `aws ecs run-task`, never as a service. */
    private createMigration(name: string, args: FargateServiceArgs, taskStatements: PolicyStatement[]) {
        const parent = { parent: this };
        // The first essential container, with the containers it waits for (the database bootstrap).
        const main = args.containers.find((c) => c.essential ?? true) ?? args.containers[0];
        const prerequisites = args.containers.filter((c) => main.dependsOn?.some((d) => d.containerName === c.name));
        const trust = serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId);
        const taskRole = new iam.Role(
            `${name}-migrate-task`,
            { assumeRolePolicy: trust, description: `${args.family}: the migration task's permissions` },
            parent,
        );
        if (taskStatements.length > 0) new iam.RolePolicy(`${name}-migrate-task`, { role: taskRole.id, policy: policyDocument(taskStatements) }, parent);
        const container: ContainerSpec = {
            ...main,
            name: "migrate",
            command: args.migrations!.command,
            port: undefined,
            healthCheck: undefined,
            restartOnExit: false,
            logStreamPrefix: "migrate",
        };
        const family = `${args.family}-migrate`;
        const taskDefinition = new ecs.TaskDefinition(
            `${name}-migrate`,
            this.taskDefinitionArgs(args, family, taskRole, this.renderContainers(args, [...prerequisites, container])),
            parent,
        );
        const region = args.inRegion ?? args.region;
        const runTask = pulumi
            .all([this.cluster.name, pulumi.output(this.subnetIds), this.securityGroup.id])
            .apply(([cluster, subnets, group]) => migrationScript({ region, cluster, family, subnets, securityGroup: group, container: container.name }));
        return { taskDefinition, taskRole, region, subnets: pulumi.output(this.subnetIds), securityGroup: this.securityGroup.id, runTask };
    }

    private autoscale(name: string, a: AutoscalingArgs): void {
        const target = new appautoscaling.Target(
            name,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
                minCapacity: a.min,
                maxCapacity: a.max,
            },
            { parent: this },
        );
        const track = (metric: string, percent: number, key: string) =>
            new appautoscaling.Policy(
                `${name}-${key}`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType: metric },
                        targetValue: percent,
                        scaleOutCooldown: a.scaleOutCooldownSeconds ?? 60,
                        scaleInCooldown: a.scaleInCooldownSeconds ?? 300,
                    },
                },
                { parent: this },
            );
        this.scalingTarget = target;
        if (a.cpuTargetPercent !== undefined) track("ECSServiceAverageCPUUtilization", a.cpuTargetPercent, "cpu");
        if (a.memoryTargetPercent !== undefined) track("ECSServiceAverageMemoryUtilization", a.memoryTargetPercent, "memory");
        if (a.queueDepth) this.scaleOnQueueDepth(name, target, a.queueDepth);
    }

    private scaleOnQueueDepth(name: string, target: appautoscaling.Target, q: NonNullable<AutoscalingArgs["queueDepth"]>): void {
        const step = (key: string, adjustment: number, bound: { metricIntervalLowerBound?: string; metricIntervalUpperBound?: string }, cooldown: number) =>
            new appautoscaling.Policy(
                `${name}-${key}`,
                {
                    policyType: "StepScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    stepScalingPolicyConfiguration: {
                        adjustmentType: "ChangeInCapacity",
                        cooldown,
                        metricAggregationType: "Maximum",
                        stepAdjustments: [{ ...bound, scalingAdjustment: adjustment }],
                    },
                },
                { parent: this },
            );
        const depth = {
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            statistic: "Maximum",
            dimensions: { QueueName: q.queueName },
            period: 60,
        };
        new cloudwatch.MetricAlarm(
            `${name}-queue-depth-high`,
            {
                ...depth,
                alarmDescription: `more than ${q.scaleOutAbove} messages waiting: add tasks`,
                evaluationPeriods: 2,
                threshold: q.scaleOutAbove,
                comparisonOperator: "GreaterThanThreshold",
                alarmActions: [step("scale-out", 2, { metricIntervalLowerBound: "0" }, 60).arn],
            },
            { parent: this },
        );
        new cloudwatch.MetricAlarm(
            `${name}-queue-idle`,
            {
                ...depth,
                alarmDescription: `queue empty for ${q.scaleInAfterIdleMinutes} minutes: remove a task`,
                evaluationPeriods: q.scaleInAfterIdleMinutes,
                threshold: 0,
                comparisonOperator: "LessThanOrEqualToThreshold",
                alarmActions: [step("scale-in", -1, { metricIntervalUpperBound: "0" }, 300).arn],
            },
            { parent: this },
        );
    }
}

/** Where a one-off migration task runs. */
export interface MigrationTarget {
    region: string;
    cluster: string;
    family: string;
    subnets: string[];
    securityGroup: string;
    /** The container whose exit code is the migration's. */
    container: string;
}

/**
 * The `sh` command that runs a migration once: `aws ecs run-task` in the service's region, then
 * `aws ecs wait tasks-stopped`, then the migrate container's exit code from `describe-tasks`; it
 * exits 1 (saying so) unless that code is 0. `npm run migrations` runs the same three calls.
 */
export function migrationScript(t: MigrationTarget): string {
    const on = `--region ${t.region} --cluster ${t.cluster}`;
    const network = `awsvpcConfiguration={subnets=[${t.subnets.join(",")}],securityGroups=[${t.securityGroup}],assignPublicIp=DISABLED}`;
    return [
        `task=$(aws ecs run-task ${on} --task-definition ${t.family} --launch-type FARGATE --network-configuration "${network}" --started-by platform-migrations --query 'tasks[0].taskArn' --output text)`,
        `aws ecs wait tasks-stopped ${on} --tasks "$task"`,
        `code=$(aws ecs describe-tasks ${on} --tasks "$task" --query "tasks[0].containers[?name=='${t.container}'].exitCode | [0]" --output text)`,
        `if [ "$code" = 0 ]; then echo "${t.family}: migrated"; else echo "${t.family}: the migration exited $code" >&2; exit 1; fi`,
    ].join(" && ");
}
