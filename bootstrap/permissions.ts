/**
 * What the pipeline's roles may do, written out per AWS service the platform's stacks create
 * resources in. A deploy needs each service's read actions and its write verbs; a preview or a
 * drift check (a refreshed preview) needs only the read actions. `test/bootstrap.test.ts` fails when
 * a stack creates a resource type whose service is missing here.
 */

/** The read-only actions every service here answers (`Describe*`, `Get*`, `List*`). */
const READ = ["Describe*", "Get*", "List*"];
/** The write verbs the provider's create, update and delete calls use in most services. */
const WRITE = ["Create*", "Delete*", "Update*", "Modify*", "Put*", "Tag*", "Untag*"];

/** Per IAM service prefix: the write actions beyond `WRITE` its resources need. */
export const SERVICE_WRITES: Readonly<Record<string, readonly string[]>> = {
    "application-autoscaling": ["RegisterScalableTarget", "DeregisterScalableTarget"],
    cloudfront: [],
    cloudwatch: ["EnableAlarmActions", "DisableAlarmActions"],
    codedeploy: ["AddTagsToOnPremisesInstances"],
    dlm: [],
    ec2: [
        "Associate*",
        "Disassociate*",
        "Attach*",
        "Detach*",
        "Authorize*",
        "Revoke*",
        "Allocate*",
        "Release*",
        "Replace*",
        "RunInstances",
        "TerminateInstances",
        "StartInstances",
        "StopInstances",
        "UpdateSecurityGroupRuleDescriptionsIngress",
        "UpdateSecurityGroupRuleDescriptionsEgress",
    ],
    ecr: ["SetRepositoryPolicy", "BatchDeleteImage"],
    ecs: ["RegisterTaskDefinition", "DeregisterTaskDefinition"],
    elasticache: ["AddTagsToResource", "RemoveTagsFromResource", "IncreaseReplicaCount", "DecreaseReplicaCount"],
    elasticloadbalancing: ["AddTags", "RemoveTags", "RegisterTargets", "DeregisterTargets", "SetSecurityGroups", "SetSubnets", "SetIpAddressType", "SetWebAcl"],
    iam: ["AttachRolePolicy", "DetachRolePolicy", "PassRole", "AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile"],
    kms: ["EnableKeyRotation", "DisableKeyRotation", "ScheduleKeyDeletion", "CancelKeyDeletion", "Encrypt", "Decrypt", "GenerateDataKey*"],
    logs: ["AssociateKmsKey", "DisassociateKmsKey"],
    rds: [
        "AddTagsToResource",
        "RemoveTagsFromResource",
        "AddRoleToDBCluster",
        "RemoveRoleFromDBCluster",
        "RemoveFromGlobalCluster",
        "StartDBInstanceAutomatedBackupsReplication",
        "StopDBInstanceAutomatedBackupsReplication",
        "RebootDBInstance",
    ],
    route53: ["ChangeResourceRecordSets", "ChangeTagsForResource", "AssociateVPCWithHostedZone", "DisassociateVPCFromHostedZone"],
    s3: [],
    secretsmanager: ["RestoreSecret"],
    servicediscovery: [],
    sns: ["SetTopicAttributes", "SetSubscriptionAttributes", "Subscribe", "Unsubscribe"],
    sqs: ["SetQueueAttributes", "AddPermission", "RemovePermission"],
    sts: [],
    wafv2: ["AssociateWebACL", "DisassociateWebACL"],
};

// Route 53 has no type of the program's own beyond a zone: Cloud Map creates a private namespace's
// zone on the caller's behalf; `sts` serves the account lookup every stack makes.

/** The IAM service prefix a Pulumi AWS type's API calls use (`aws:lb/...` calls `elasticloadbalancing:`). */
export function serviceOf(type: string): string | undefined {
    if (!type.startsWith("aws:")) return undefined;
    const [module, resource] = type.slice(4).split("/");
    if (module === "cloudwatch" && resource.startsWith("logGroup")) return "logs";
    const renamed: Record<string, string> = {
        appautoscaling: "application-autoscaling",
        lb: "elasticloadbalancing",
        alb: "elasticloadbalancing",
        ebs: "ec2",
        vpc: "ec2",
    };
    const service = renamed[module] ?? module;
    return service in SERVICE_WRITES ? service : undefined;
}

/** The actions of a role that reads every service (a preview, a drift check). */
export function readActions(): string[] {
    return Object.keys(SERVICE_WRITES).flatMap((s) => (s === "sts" ? ["sts:GetCallerIdentity"] : READ.map((a) => `${s}:${a}`)));
}

/** The actions of a role that deploys: every service's reads and writes. */
export function writeActions(): string[] {
    return Object.entries(SERVICE_WRITES)
        .filter(([s]) => s !== "sts")
        .flatMap(([s, extra]) => [...WRITE, ...extra].map((a) => `${s}:${a}`));
}
