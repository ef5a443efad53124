import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

/**
 * The CloudWatch log groups RDS exports a database's logs to, created before the database with a
 * retention: left to RDS, they are created on the first export and kept forever. Their names
 * follow from the database's identifier, which is why the databases name themselves.
 */
export function rdsExportLogGroups(
    name: string,
    target: { kind: "cluster" | "instance"; identifier: string; exports: string[] },
    retentionInDays: number,
    protect: boolean,
    parent: pulumi.Resource,
): cloudwatch.LogGroup[] {
    return target.exports.map(
        (log) =>
            new cloudwatch.LogGroup(
                `${name}-${log}-logs`,
                { name: `/aws/rds/${target.kind}/${target.identifier}/${log}`, retentionInDays },
                { parent, protect, retainOnDelete: protect },
            ),
    );
}
