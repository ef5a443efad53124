// Disaster recovery: what a standby task in another region names must exist there when it starts.
import { ecrImage } from "../../components/iam";
import { PlannedResource } from "../mocks";
import { PlanIndex, Report, T, asArray, plannedSecretCopy, regionOf as regionIn } from "./kit";

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[^:]+/;

/**
 * A task definition outside the stack's region (a disaster-recovery standby) starts only if its
 * images and secrets exist in its region: a private ECR image of another region is there when the
 * registry's replication configuration copies to it (`platform:imageReplication.regions`) or the
 * plan creates the repository there; a Secrets Manager secret of the plan is there when the plan
 * replicates it (`replicas`) or creates it there. Secrets the plan does not create are the topology
 * config's to vouch for. https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/create-manage-multi-region-secrets.html
 */
export function checkStandbySources(index: PlanIndex, region: string, report: Report): void {
    const replicatedTo = new Set(
        index
            .of("aws:ecr/replicationConfiguration:ReplicationConfiguration")
            .flatMap((c) => asArray((c.inputs.replicationConfiguration as Record<string, unknown> | undefined)?.rules))
            .flatMap((rule) => asArray((rule as Record<string, unknown>).destinations))
            .map((d) => String((d as Record<string, unknown>).region)),
    );
    const repositories = index.of("aws:ecr/repository:Repository");
    const secrets = index.of("aws:secretsmanager/secret:Secret");
    const regionOf = (r: PlannedResource) => regionIn(r, region);
    const secretIn = (arn: string, at: string) => plannedSecretCopy(index, region, arn, at) !== undefined;
    const ownSecret = (arn: string) =>
        secrets.some(
            (s) => s.state.arn !== undefined && s.state.arn.replace(/:secretsmanager:[a-z0-9-]+:/, ":") === arn.replace(/:secretsmanager:[a-z0-9-]+:/, ":"),
        );

    for (const task of index.of(T.taskDefinition)) {
        const at = regionOf(task);
        if (at === region) continue;
        let containers: { name: string; image?: string; secrets?: { name: string; valueFrom: string }[] }[];
        try {
            containers = JSON.parse(String(task.inputs.containerDefinitions));
        } catch {
            continue;
        }
        for (const c of containers) {
            const image = c.image ? ecrImage(c.image) : undefined;
            if (image && image.region === at && !replicatedTo.has(at) && !repositories.some((r) => regionOf(r) === at && r.state.id === image.repository))
                report(
                    "dr-standby-image",
                    task.urn,
                    `${c.name} runs ${c.image}, but nothing copies images to ${at}: add ${at} to platform:imageReplication.regions (or push the image there yourself); the standby cannot start`,
                );
            for (const s of c.secrets ?? []) {
                const arn = SECRET_ARN.exec(s.valueFrom)?.[0];
                if (!arn || SECRET_ARN.exec(arn)?.[1] !== at || !ownSecret(arn) || secretIn(arn, at)) continue;
                report(
                    "dr-standby-secret",
                    task.urn,
                    `${c.name} reads ${s.name} from ${arn}, a secret of this stack that is not replicated to ${at}: the standby cannot start (give the secret a replica in ${at})`,
                );
            }
        }
    }
}
