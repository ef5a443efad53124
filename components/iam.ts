import * as pulumi from "@pulumi/pulumi";

/** One IAM policy statement; `Resource` is required on purpose: name the ARNs. */
export interface PolicyStatement {
    Sid?: string;
    Effect?: "Allow" | "Deny";
    /** Only in resource policies (queues, buckets, topics). */
    Principal?: "*" | Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
    Action: string | string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** An IAM policy document as the JSON string AWS expects. */
export function policyDocument(statements: PolicyStatement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: statements.map((s) => ({ Effect: "Allow", ...s })),
    });
}

/**
 * A trust policy letting one AWS service assume a role on behalf of this account only
 * (`aws:SourceAccount` guards against the confused-deputy problem).
 */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
    });
}
