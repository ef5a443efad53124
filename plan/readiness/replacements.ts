// Replacements: what replacing a resource would break.
import { PlanIndex, Report } from "./kit";

/**
 * A volume attaches to one instance at a time. When its instance is replaced, Pulumi creates the
 * new attachment before deleting the old one unless the attachment is `deleteBeforeReplace`, and
 * AttachVolume fails with VolumeInUse: the host is replaced, its data volume left behind.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AttachVolume.html
 */
export function checkReplacements(index: PlanIndex, report: Report): void {
    for (const attachment of index.of("aws:ec2/volumeAttachment:VolumeAttachment")) {
        if (!attachment.options.deleteBeforeReplace) {
            report(
                "replace-volume-attachment",
                attachment.urn,
                "replacing the instance would attach the volume to the new host while the old one still holds it (VolumeInUse): set deleteBeforeReplace",
            );
        }
    }
}
