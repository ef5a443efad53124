import * as pulumi from "@pulumi/pulumi";
import * as codedeploy from "@pulumi/aws/codedeploy";
import * as iam from "@pulumi/aws/iam";
import { PolicyStatement, policyDocument, serviceTrustPolicy } from "../iam";
import { AlarmTopic } from "./alarms";
import { FargateService } from "./fargate-service";
import { LoadBalancer } from "./load-balancer";

export interface BlueGreenArgs {
    /** The service CodeDeploy deploys; it was created with `deploymentController: "CODE_DEPLOY"`. */
    service: FargateService;
    /** Its load balancer, created with `blueGreen` (a test listener and a green target group). */
    balancer: LoadBalancer;
    accountId: pulumi.Input<string>;
    /** How traffic moves to the new tasks. Default `CodeDeployDefault.ECSAllAtOnce`. */
    deploymentConfig?: string;
    /** Minutes the old tasks keep running after the switch, for a quick manual rollback. Default 5. */
    terminationWaitMinutes?: number;
    /** The topic the rollback alarm notifies (target 5xx during a deployment). */
    alarms: AlarmTopic;
    /** Target 5xx per minute, two minutes running, that stop and roll back a deployment. Default 10. */
    rollbackAt5xxPerMinute?: number;
    /**
     * Lambda functions CodeDeploy calls at lifecycle events of each deployment (an ECS AppSpec's
     * `Hooks`): CodeDeploy may invoke exactly these, and `appSpec` lists them. Default: none.
     */
    hooks?: Partial<Record<LifecycleEvent, string>>;
    /** The container and port the AppSpec routes traffic to. */
    container: { name: string; port: number };
}

/** Invoking exactly these lifecycle-hook functions. */
const invokeHooks = (lambdaArns: pulumi.Input<string>[]): PolicyStatement => ({
    Sid: "InvokeLifecycleHooks",
    Action: "lambda:InvokeFunction",
    Resource: lambdaArns,
});

/** The role ECS's own blue/green deployments invoke lifecycle hooks with: exactly those functions. */
export function ecsLifecycleHookRole(name: string, accountId: pulumi.Input<string>, lambdaArns: string[], parent: pulumi.Resource): iam.Role {
    const role = new iam.Role(
        name,
        { assumeRolePolicy: serviceTrustPolicy("ecs.amazonaws.com", accountId), description: `${name}: ECS invokes the deployment lifecycle hooks` },
        { parent },
    );
    new iam.RolePolicy(name, { role: role.id, policy: policyDocument([invokeHooks(lambdaArns)]) }, { parent });
    return role;
}

/**
 * The ECS lifecycle events a CodeDeploy AppSpec hook may run at, in their order, with when each runs
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html).
 */
const LIFECYCLE_EVENT_HOOKS = {
    /** Lambda function run before the replacement task set is created (a rollback is not possible yet). Default: none. */
    BeforeInstall: "before the replacement task set is created",
    /** Lambda function run once the replacement task set is created and one target group is associated with it. Default: none. */
    AfterInstall: "after the replacement task set is created",
    /** Lambda function run once the test listener serves traffic to the replacement task set. Default: none. */
    AfterAllowTestTraffic: "after the test listener serves the replacement task set",
    /** Lambda function run once the second target group is associated, before production traffic shifts. Default: none. */
    BeforeAllowTraffic: "before traffic shifts to the replacement task set",
    /** Lambda function run once the second target group serves traffic to the replacement task set. Default: none. */
    AfterAllowTraffic: "after traffic shifted to the replacement task set",
} as const;
export type LifecycleEvent = keyof typeof LIFECYCLE_EVENT_HOOKS;
export const LIFECYCLE_EVENTS = Object.keys(LIFECYCLE_EVENT_HOOKS) as LifecycleEvent[];

/**
 * Blue/green deploys of an ECS service through CodeDeploy: the application, the deployment group
 * switching the balancer's production and test listeners between the two target groups, its
 * role, and an alarm that rolls a bad deployment back.
 */
export class BlueGreenDeployment extends pulumi.ComponentResource {
    readonly application: codedeploy.Application;
    readonly deploymentGroup: codedeploy.DeploymentGroup;
    /**
     * The AppSpec a deployment is created with (`aws deploy create-deployment --revision` as
     * AppSpecContent), with `<TASK_DEFINITION>` for the new revision's ARN and the hooks.
     */
    readonly appSpec: string;

    constructor(name: string, args: BlueGreenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:deploy:BlueGreenDeployment", name, {}, opts);
        const parent = { parent: this };
        const { balancer, service } = args;
        if (!balancer.testListenerArn || !balancer.greenTargetGroup) throw new Error(`${name}: the load balancer was not created with blueGreen`);

        const errors = args.alarms.alarm(
            `${name}-5xx`,
            {
                alarmDescription: `${name}: target 5xx during or after a deployment`,
                namespace: "AWS/ApplicationELB",
                metricName: "HTTPCode_Target_5XX_Count",
                statistic: "Sum",
                dimensions: { LoadBalancer: balancer.arnSuffix },
                period: 60,
                evaluationPeriods: 2,
                threshold: args.rollbackAt5xxPerMinute ?? 10,
                comparisonOperator: "GreaterThanThreshold",
            },
            this,
        );
        const role = new iam.Role(
            `${name}-codedeploy`,
            { assumeRolePolicy: serviceTrustPolicy("codedeploy.amazonaws.com", args.accountId), description: `${name} blue/green deployments` },
            parent,
        );
        new iam.RolePolicyAttachment(`${name}-codedeploy`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS" }, parent);
        const hooks = Object.entries(args.hooks ?? {});
        // AWSCodeDeployRoleForECS invokes only functions named CodeDeployHook_*: the configured ones are granted by ARN.
        const hookPolicies =
            hooks.length > 0
                ? [
                      new iam.RolePolicy(
                          `${name}-codedeploy-hooks`,
                          {
                              role: role.id,
                              policy: policyDocument([invokeHooks(hooks.map(([, arn]) => arn))]),
                          },
                          parent,
                      ),
                  ]
                : [];
        this.appSpec = JSON.stringify({
            version: 0.0,
            Resources: [
                {
                    TargetService: {
                        Type: "AWS::ECS::Service",
                        Properties: {
                            TaskDefinition: "<TASK_DEFINITION>",
                            LoadBalancerInfo: { ContainerName: args.container.name, ContainerPort: args.container.port },
                        },
                    },
                },
            ],
            ...(hooks.length > 0 ? { Hooks: hooks.map(([event, arn]) => ({ [event]: arn })) } : {}),
        });
        this.application = new codedeploy.Application(name, { computePlatform: "ECS" }, parent);
        this.deploymentGroup = new codedeploy.DeploymentGroup(
            name,
            {
                appName: this.application.name,
                deploymentGroupName: name,
                serviceRoleArn: role.arn,
                deploymentConfigName: args.deploymentConfig ?? "CodeDeployDefault.ECSAllAtOnce",
                deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
                blueGreenDeploymentConfig: {
                    deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
                    terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: args.terminationWaitMinutes ?? 5 },
                },
                ecsService: { clusterName: service.cluster.name, serviceName: service.service.name },
                loadBalancerInfo: {
                    targetGroupPairInfo: {
                        prodTrafficRoute: { listenerArns: [balancer.listenerArn] },
                        testTrafficRoute: { listenerArns: [balancer.testListenerArn] },
                        targetGroups: [{ name: balancer.targetGroup.name }, { name: balancer.greenTargetGroup.name }],
                    },
                },
                autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
                alarmConfiguration: { enabled: true, alarms: [errors.name] },
            },
            // CodeDeploy checks the ECS service when the group is created.
            { parent: this, dependsOn: [service.service, ...hookPolicies] },
        );
        this.registerOutputs({ application: this.application.name, deploymentGroup: this.deploymentGroup.deploymentGroupName, appSpec: this.appSpec });
    }
}
