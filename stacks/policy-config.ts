import { z } from "zod";
import { allPolicies } from "../policy/rules";
import { closestKey, nonEmptyString, strictObject } from "./schema-kit";

/** Words a production suppression of a mandatory rule needs in its reason: a sentence, not a ticket number. */
export const MIN_REASON_WORDS = 6;

/** Whether a reason is a sentence: production's bar for accepting a violation or a data loss. */
export const isSentence = (reason: string) => reason.trim().split(/\s+/).filter(Boolean).length >= MIN_REASON_WORDS;

const RULES = new Map(allPolicies.map((p) => [p.name, p.enforcementLevel ?? "advisory"]));

const ruleName = z.string({ invalid_type_error: "expected the name of a rule of the policy pack" }).superRefine((name, ctx) => {
    if (RULES.has(name)) return;
    const guess = closestKey(name, [...RULES.keys()]);
    ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `no rule of the policy pack is named "${name}"${guess ? `; did you mean "${guess}"?` : " (docs/policy.md lists them)"}`,
    });
});

/** One accepted violation: which rule, on which resource, and why. */
const suppressionSchema = strictObject({
    /** The rule's name, as the plan prints it (`[mandatory] <rule>: ...`). */
    rule: ruleName,
    /** The resource's name as the plan prints it (e.g. `ledger-db`), or its full URN. */
    resource: nonEmptyString("the resource's name or URN"),
    /** Why the risk is accepted. In production, for a mandatory rule, at least a sentence. */
    reason: nonEmptyString("a reason"),
});

/** `platform:policy.suppress`: the accepted violations. */
export const suppressionsSchema = z.array(suppressionSchema).default([]);

export type Suppression = z.output<typeof suppressionSchema>;
export interface PolicySettings {
    suppress: Suppression[];
}

/** The problems of suppressions that production does not accept: a mandatory rule waved through without a sentence of reason. */
export function productionSuppressionProblems(settings: PolicySettings): { index: number; message: string }[] {
    return settings.suppress.flatMap((s, index) => {
        if (RULES.get(s.rule) !== "mandatory" || isSentence(s.reason)) return [];
        return [
            {
                index,
                message: `${s.rule} is mandatory: in production its suppression needs a reason of at least a sentence (${MIN_REASON_WORDS} words or more) saying why the risk is accepted; got "${s.reason}"`,
            },
        ];
    });
}
