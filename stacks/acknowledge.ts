import { z } from "zod";
import { MIN_REASON_WORDS, isSentence } from "./policy-config";
import { nonEmptyString, oneOf, strictObject } from "./schema-kit";

/**
 * The changes a stack can accept on purpose: replacing or deleting a stateful resource, and the one
 * in-place update the plan refuses for a step done outside Pulumi first (a cluster moved to its new
 * major's parameter group once its global database has been upgraded).
 */
export const ACKNOWLEDGED_ACTIONS = ["replace", "delete", "update"] as const;

/** One replacement or deletion of a stateful resource the stack accepts: which resource, which action, why. */
const acknowledgementSchema = strictObject({
    /** The resource's name as the plan prints it (e.g. `ledger-db`), or its full URN. */
    resource: nonEmptyString("the resource's name or URN"),
    /**
     * What the plan may do to it: `replace` or `delete`; `update` only where the refusal says a step
     * outside Pulumi comes first and it has been done.
     */
    action: oneOf(ACKNOWLEDGED_ACTIONS),
    /**
     * Why losing what it holds is accepted (a restore plan, an export), or, for `update`, what was
     * done outside the stack. In production, at least a sentence.
     */
    reason: nonEmptyString("a reason"),
});

/** `platform:acknowledge`: the stateful replacements and deletions the stack accepts. */
export const acknowledgementsSchema = z.array(acknowledgementSchema).default([]);

export type Acknowledgement = z.output<typeof acknowledgementSchema>;

/** The acknowledgements production does not accept: data loss waved through without a sentence of reason. */
export function productionAcknowledgementProblems(list: readonly Acknowledgement[]): { index: number; message: string }[] {
    return list.flatMap((a, index) => {
        if (isSentence(a.reason)) return [];
        return [
            {
                index,
                message: `in production, accepting the ${a.action} of ${a.resource} needs a reason of at least a sentence (${MIN_REASON_WORDS} words or more) saying ${a.action === "update" ? "what was done outside the stack" : "how its data is kept"}; got "${a.reason}"`,
            },
        ];
    });
}
