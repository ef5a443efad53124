import type { PolicyConfigSchema, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/**
 * `platform:policy.suppress` inside the pack: `npm run policy-config` writes each stack's accepted
 * violations into the config of the rule they name (`{ "<rule>": { "suppress": [{ resource, reason }] } }`),
 * and every rule, wrapped here, drops a violation on a resource its config accepts. So the
 * `pulumi preview/up --policy-pack policy` verdict is the offline plan's, which applies the same
 * matcher (`plan/policy.ts`).
 */

/** A violation a stack accepts on one rule: the resource by the name the plan prints, or its URN, and why. */
export interface AcceptedViolation {
    resource: string;
    reason: string;
}

/** What every rule's config may carry besides its own properties. */
export interface SuppressionConfig {
    suppress?: AcceptedViolation[];
}

/** Whether `resource` (a plan name or a URN) names the resource of this URN. */
export const namesResource = (resource: string, urn: string | undefined) => urn !== undefined && (urn === resource || urn.endsWith(`::${resource}`));

/** The schema of `suppress` the CLI validates each rule's config against. */
export const SUPPRESS_SCHEMA: PolicyConfigJSONSchema = {
    type: "array",
    items: {
        type: "object",
        properties: { resource: { type: "string", minLength: 1 }, reason: { type: "string", minLength: 1 } },
        required: ["resource", "reason"],
    },
};

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** A report that drops the violations the rule's config accepts (`urn` is the resource the rule looked at, if any). */
function filtered(report: ReportViolation, accepted: AcceptedViolation[], urn?: string): ReportViolation {
    if (accepted.length === 0) return report;
    return (message, reportedUrn) => {
        if (accepted.some((a) => namesResource(a.resource, reportedUrn ?? urn))) return;
        report(message, reportedUrn);
    };
}

/** The rule, unchanged except that it takes `suppress` in its config and honours it. */
export function honourSuppressions<P extends AnyPolicy>(policy: P): P {
    const configSchema: PolicyConfigSchema = {
        ...policy.configSchema,
        properties: { ...policy.configSchema?.properties, suppress: SUPPRESS_SCHEMA },
    };
    if ("validateStack" in policy) {
        const validate = (policy as StackValidationPolicy).validateStack;
        return {
            ...policy,
            configSchema,
            validateStack: (args, report) => validate(args, filtered(report, args.getConfig<SuppressionConfig>().suppress ?? [])),
        };
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    return {
        ...policy,
        configSchema,
        validateResource: validations.map(
            (validate): typeof validate =>
                (args, report) =>
                    validate(args, filtered(report, args.getConfig<SuppressionConfig>().suppress ?? [], args.urn)),
        ),
    };
}
