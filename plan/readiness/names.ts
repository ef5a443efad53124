// Physical names: the limits AWS puts on each named type (stacks/physical-names.ts), on every planned
// resource: the last net under the settings' own checks of the names a workload derives.
import { NAME_RULES, physicalNameProblem } from "../../stacks/physical-names";
import { PlannedResource } from "../mocks";
import { Report } from "./kit";

export { NAME_RULES };

/** Pulumi's auto-name: the logical name, a hyphen and 7 random hex characters. */
const AUTONAME_SUFFIX = "-abcdef0";

export function checkNames(resources: PlannedResource[], report: Report): void {
    for (const r of resources) {
        const rule = NAME_RULES[r.type];
        if (!rule) continue;
        const explicit = r.inputs[rule.field];
        if (explicit === "[unknown]" || explicit === "[secret]") continue;
        const auto = explicit === undefined || explicit === null;
        const logical = rule.lowercase ? r.name.toLowerCase() : r.name;
        const name = auto ? `${logical}${AUTONAME_SUFFIX}` : String(explicit);
        const where = auto ? `the auto-name ${logical}-<7 random characters> (from the logical name)` : `${rule.field} "${name}"`;
        const problem = physicalNameProblem(r.type, name);
        if (problem) report(problem.kind === "length" ? "aws-name-length" : "aws-name-characters", r.urn, `${where} ${problem.message}`);
    }
}
