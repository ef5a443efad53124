import rules from "./replacement-rules.json";

/**
 * Which input changes make the provider replace a resource rather than update it in place, per
 * resource type (plan/replacement-rules.json names its source), and which types hold data.
 */
interface TypeRules {
    /** Input paths (Pulumi's camelCase names, nested fields dotted, list indices dropped) that force replacement. */
    replaceOnChanges: string[];
    /** The resource holds data that a replacement or deletion loses. */
    stateful: boolean;
    /** Why an entry differs from AWS's CloudFormation specification, per path. */
    notes: Record<string, string>;
}

export const REPLACEMENT_RULES: Record<string, TypeRules> = rules.types as Record<string, TypeRules>;

/** Drops list indices: `rules[0].destination.bucket` and `rules.0.destination.bucket` become `rules.destination.bucket`. */
export const normalisePath = (path: string) => path.replace(/\[\d+\]/g, "").replace(/\.\d+(?=\.|$)/g, "");

/**
 * Whether changing `path` replaces a resource of `type`: true, false, or undefined when the type has
 * no entry (the caller decides; a test keeps every type the program creates covered). A change to a
 * nested field counts when it or any of its ancestors forces replacement.
 */
export function forcesReplacement(type: string, path: string): boolean | undefined {
    const entry = REPLACEMENT_RULES[type];
    if (!entry) return undefined;
    const parts = normalisePath(path).split(".");
    return parts.some((_, i) => entry.replaceOnChanges.includes(parts.slice(0, i + 1).join(".")));
}

/** Whether a resource of `type` holds data that replacing or deleting it loses. */
export const isStateful = (type: string): boolean => REPLACEMENT_RULES[type]?.stateful ?? false;
