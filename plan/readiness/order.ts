// Creation order: the orders AWS needs that inputs alone do not give Pulumi.
import { asArray, forwardedTargetGroups, PlanIndex, Report, T } from "./kit";

/**
 * Orders AWS needs that the inputs alone do not give Pulumi:
 * - an ECS service behind a target group is created after a listener or rule forwards to it
 *   ("The target group ... does not have an associated load balancer"):
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html
 * - an ECS service starts tasks at once: its execution and task roles' policies exist first, or
 *   the first tasks fail to pull or read secrets and the circuit breaker rolls the deploy back:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 * - an EC2 host reads its configuration at first boot: its instance role's policies exist first:
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
 * - a load balancer logging to a bucket needs the bucket policy first (AWS tests the write):
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export function checkCreationOrder(index: PlanIndex, report: Report): void {
    const routers = index.of(...T.listeners, ...T.rules);
    for (const service of index.of(T.service)) {
        const waits = index.waitsFor(service);
        for (const lb of asArray(service.inputs.loadBalancers) as Record<string, unknown>[]) {
            const group = String(lb.targetGroupArn);
            const forwarding = routers.filter((r) => forwardedTargetGroups(r).includes(group));
            if (!forwarding.some((r) => waits.has(r.urn))) {
                const names = forwarding.map((r) => r.name).join(", ") || "none in this plan";
                report(
                    "order-service-listener",
                    service.urn,
                    `registers with target group ${group} but does not wait for a listener or rule forwarding to it (${names}): ECS refuses a target group without a load balancer`,
                );
            }
        }
        const task = index.byIdOrArn(service.inputs.taskDefinition, T.taskDefinition);
        if (!task) continue;
        for (const field of ["executionRoleArn", "taskRoleArn"]) {
            const role = index.byIdOrArn(task.inputs[field], T.role);
            if (!role) continue;
            for (const policy of index.statementsOf(role).sources.filter((p) => !waits.has(p.urn))) {
                report(
                    "order-service-role-policy",
                    service.urn,
                    `starts tasks before ${policy.name} (a policy of its ${field === "executionRoleArn" ? "execution" : "task"} role) exists`,
                );
            }
        }
    }
    for (const host of index.of(T.instance)) {
        const profile = index.of(T.instanceProfile).find((p) => p.state.id === host.inputs.iamInstanceProfile);
        const role = profile ? index.of(T.role).find((r) => r.state.id === profile.inputs.role) : undefined;
        if (!role) continue;
        const waits = index.waitsFor(host);
        for (const policy of index.statementsOf(role).sources.filter((p) => !waits.has(p.urn))) {
            report("order-host-role-policy", host.urn, `boots before ${policy.name} (a policy of its instance role) exists`);
        }
    }
    for (const balancer of index.of(...T.loadBalancers)) {
        const logs = balancer.inputs.accessLogs as Record<string, unknown> | undefined;
        if (!logs?.enabled || typeof logs.bucket !== "string") continue;
        const policies = index.of(T.bucketPolicy).filter((p) => p.inputs.bucket === logs.bucket);
        if (!policies.some((p) => index.waitsFor(balancer).has(p.urn))) {
            report("order-access-log-policy", balancer.urn, `logs to ${logs.bucket} but is created before a bucket policy lets the balancer write there`);
        }
    }
}
