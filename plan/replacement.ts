import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./stack-files";

/**
 * Which input changes make the provider replace a resource rather than update it in place, per
 * resource type (plan/replacement-rules.json names its source), and which types hold data.
 */
interface TypeRules {
    /** Input paths (Pulumi's camelCase names, nested fields dotted, list indices dropped) that force replacement. */
    replaceOnChanges: string[];
    /** The resource holds data that a replacement or deletion loses. */
    stateful: boolean;
    /** Why an entry differs from AWS's CloudFormation specification, per path; for a type without one (Cloudflare's), what the provider's source does with the path. */
    notes: Record<string, string>;
    /** The Terraform resource the rules come from, and its file in the provider's source. */
    tf: string;
    file?: string;
    /** The equivalent CloudFormation type, when there is one, and property names that do not map by case alone (`-`: no equivalent). */
    cfn?: string;
    cfnNames?: Record<string, string>;
    /** Why a type is stateful where cfn-lint's list does not say so, or that it does. */
    statefulWhy?: string;
    /** Inputs whose change replaces the resource only in some cases (the provider decides in code), with the case. */
    conditional?: Record<string, string>;
    /** Inputs newer than the provider checkout the table was generated from: not known to update in place or replace. */
    newerInputs?: string[];
}

/** Read from the project (not bundled: the compiled program in bin/ reads the same file). */
const rules = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "plan/replacement-rules.json"), "utf8")) as {
    source: Record<string, unknown>;
    types: Record<string, TypeRules>;
};

export const REPLACEMENT_RULES: Record<string, TypeRules> = rules.types;

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
