import { z } from "zod";
import { MIN_REASON_WORDS, isSentence } from "./policy-config";
import { nonEmptyString, oneOf, strictObject } from "./schema-kit";

/** The changes to a stateful resource a stack can accept on purpose. */
export const ACKNOWLEDGED_ACTIONS = ["replace", "delete"] as const;

/** One replacement or deletion of a stateful resource the stack accepts: which resource, which action, why. */
const acknowledgementSchema = strictObject({
    /** The resource's name as the plan prints it (e.g. `ledger-db`), or its full URN. */
    resource: nonEmptyString("the resource's name or URN"),
    /** What the plan may do to it: `replace` or `delete`. */
    action: oneOf(ACKNOWLEDGED_ACTIONS),
    /** Why losing what it holds is accepted (a restore plan, an export). In production, at least a sentence. */
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
                message: `in production, accepting the ${a.action} of ${a.resource} needs a reason of at least a sentence (${MIN_REASON_WORDS} words or more) saying how its data is kept; got "${a.reason}"`,
            },
        ];
    });
}
