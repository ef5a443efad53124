import { stringify } from "yaml";
import { bootstrapScript } from "../blocks/db-bootstrap-sql";
import { Architecture } from "../../stacks/instance-types";

/**
 * Pure rendering of what the Compose host runs: the Docker Compose file (from the workload's
 * services) and the cloud-config user data (which only installs the tools and the sync job).
 * Kept free of Pulumi so that tests can feed the output to real validators.
 */

/** One API service of the host, with the backing containers it runs with. */
export interface ComposeService {
    name: string;
    image: string;
    port: number;
    /** A Redis container of its own. */
    cache: boolean;
    /** A RabbitMQ container of its own. */
    broker: boolean;
    /** Plain variables (database host and name, cache and broker URLs are added here). */
    environment: Record<string, string>;
    /** Health check command run inside the API container. */
    healthCheck: string[];
    /** The API container's limits, so that no container starves the host's others. */
    limits: ContainerLimits;
    /** Limits of its Redis and RabbitMQ containers. */
    cacheLimits: ContainerLimits;
    brokerLimits: ContainerLimits;
    /** A one-off `<service>-migrate` container run before the API (whenever its image or command changes). Default: none. */
    migrationCommand?: string[];
    /** Whether the sync job writes the service's existing secrets to an env file of their own. Default `false`. */
    existingSecrets?: boolean;
}

/** Memory (MiB) and CPUs a container may use. */
export interface ContainerLimits {
    memoryMb: number;
    cpus: number;
}

/**
 * A value as Compose must receive it to keep it literal: Compose interpolates `$NAME` and `${...}`
 * in every value of the file (an unset name becomes empty, an invalid `${` stops the whole file), and
 * reads `$$` as one `$`. https://docs.docker.com/reference/compose-file/interpolation/
 */
export const composeLiteral = (value: string) => value.replace(/\$/g, "$$$$");
const literals = (values: Record<string, string>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, composeLiteral(v)]));

/** Compose keys of a container's limits. */
const limited = (l: ContainerLimits) => ({ mem_limit: `${l.memoryMb}m`, cpus: l.cpus });

export interface ComposeArgs {
    services: ComposeService[];
    region: string;
    /** CloudWatch log group of each service: `<logGroupPrefix>/<service>`. */
    logGroupPrefix: string;
    images: { redis: string; rabbitmq: string; postgres: string };
}

/** Where the host keeps state: the data volume's mount point and the tmpfs with secrets. */
export const HOST_PATHS = { data: "/data", secrets: "/run/platform", compose: "/opt/platform" } as const;

/** The Compose project name on the host. */
export const COMPOSE_PROJECT = "platform";

/** The db-init job's script: the shared database bootstrap, `$` escaped from Compose's interpolation. */
const DB_INIT_SCRIPT = bootstrapScript("$$");

/** The env files the sync job writes from Secrets Manager, per service. */
export const envFiles = (service: string) => ({
    app: `${HOST_PATHS.secrets}/${service}.env`,
    broker: `${HOST_PATHS.secrets}/${service}-broker.env`,
    dbAdmin: `${HOST_PATHS.secrets}/${service}-db-admin.env`,
    existing: `${HOST_PATHS.secrets}/${service}-existing.env`,
});

/** Renders docker-compose.yml: per service its API, database init job, and Redis/RabbitMQ on a private network. */
export function renderCompose(args: ComposeArgs): string {
    const services: Record<string, unknown> = {};
    const networks: Record<string, unknown> = {};
    for (const s of args.services) {
        const files = envFiles(s.name);
        const logging = {
            driver: "awslogs",
            options: { "awslogs-region": args.region, "awslogs-group": `${args.logGroupPrefix}/${s.name}`, tag: "{{.Name}}" },
        };
        // <service>-edge reaches the load balancer and AWS; <service>-backend (internal) only its own cache and broker.
        networks[`${s.name}-edge`] = { driver: "bridge" };
        networks[`${s.name}-backend`] = { driver: "bridge", internal: true };
        const dependsOn: Record<string, { condition: string }> = { [`${s.name}-db-init`]: { condition: "service_completed_successfully" } };
        const environment: Record<string, string> = literals(s.environment);

        services[`${s.name}-db-init`] = {
            image: args.images.postgres,
            restart: "no",
            env_file: [files.dbAdmin, files.app],
            environment: { PGSSLMODE: "require", PGDATABASE: "postgres" },
            command: ["sh", "-c", DB_INIT_SCRIPT],
            networks: [`${s.name}-edge`],
            logging,
        };
        if (s.cache) {
            services[`${s.name}-redis`] = {
                image: args.images.redis,
                restart: "unless-stopped",
                command: ["redis-server", "--appendonly", "yes"],
                volumes: [`${HOST_PATHS.data}/${s.name}/redis:/data`],
                healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "10s", timeout: "3s", retries: 5 },
                ...limited(s.cacheLimits),
                networks: [`${s.name}-backend`],
                logging,
            };
            dependsOn[`${s.name}-redis`] = { condition: "service_healthy" };
            environment.REDIS_URL = `redis://${s.name}-redis:6379/0`;
        }
        if (s.broker) {
            services[`${s.name}-rabbitmq`] = {
                image: args.images.rabbitmq,
                // RabbitMQ keys its data directory by node name: keep the host name stable.
                hostname: `${s.name}-rabbitmq`,
                restart: "unless-stopped",
                env_file: [files.broker],
                volumes: [`${HOST_PATHS.data}/${s.name}/rabbitmq:/var/lib/rabbitmq`],
                healthcheck: { test: ["CMD", "rabbitmq-diagnostics", "-q", "ping"], interval: "15s", timeout: "10s", retries: 5, start_period: "30s" },
                ...limited(s.brokerLimits),
                networks: [`${s.name}-backend`],
                logging,
            };
            dependsOn[`${s.name}-rabbitmq`] = { condition: "service_healthy" };
            environment.RABBITMQ_HOST = `${s.name}-rabbitmq`;
        }
        const appEnvFiles = [files.app, ...(s.existingSecrets ? [files.existing] : [])];
        const appNetworks = [`${s.name}-edge`, ...(s.cache || s.broker ? [`${s.name}-backend`] : [])];
        if (s.migrationCommand) {
            // Compose's init-container pattern: the API starts only once the migration exited 0.
            services[`${s.name}-migrate`] = {
                image: s.image,
                restart: "no",
                env_file: appEnvFiles,
                environment,
                command: s.migrationCommand.map(composeLiteral),
                depends_on: { ...dependsOn },
                networks: appNetworks,
                logging,
            };
            dependsOn[`${s.name}-migrate`] = { condition: "service_completed_successfully" };
        }
        services[s.name] = {
            image: s.image,
            restart: "unless-stopped",
            env_file: appEnvFiles,
            environment,
            ports: [`${s.port}:${s.port}`],
            healthcheck: { test: s.healthCheck.map(composeLiteral), interval: "15s", timeout: "5s", retries: 3, start_period: "60s" },
            ...limited(s.limits),
            depends_on: dependsOn,
            networks: appNetworks,
            logging,
        };
    }
    // YAML 1.1 quoting keeps values like "no" and "yes" strings for every Compose parser; no anchors.
    // The project name comes from `docker compose -p`, so the file stays within the older schema too.
    return stringify({ services, networks }, { lineWidth: 0, version: "1.1", aliasDuplicateObjects: false });
}

export interface UserDataArgs {
    region: string;
    /** Bucket and key prefix holding docker-compose.yml and env-files.json. */
    bucket: string;
    prefix: string;
    /** EBS volume ID of the data volume (mounted at /data). */
    dataVolumeId: string;
    /** Docker Compose plugin release installed on the host. */
    composeVersion: string;
    /** Minutes between two runs of the sync job. */
    syncIntervalMinutes: number;
    /** Private ECR registries the images come from: Docker logs in through the instance role. Default none. */
    ecrRegistries?: string[];
    /** The host's CPU architecture: which Compose plugin build it downloads. Default `x86_64`. */
    architecture?: Architecture;
}

/** The Compose plugin's release asset for an architecture (docker/compose publishes `docker-compose-linux-<uname -m>`). */
export const composePluginAsset = (architecture: Architecture = "x86_64") => `docker-compose-linux-${architecture === "arm64" ? "aarch64" : "x86_64"}`;

/** EC2 user data must not exceed 16 KB (AWS limit). */
export const USER_DATA_LIMIT_BYTES = 16384;

/**
 * The jq program the sync job writes an env file with: the secret's JSON keys (all, or renamed
 * through `$map`), one `KEY="value"` line each. In double quotes Compose's env-file parser
 * unescapes backslash, quote, `\n` and `\r` and interpolates `$` (`$$` is a literal one); single
 * quotes cannot hold a `'` at all. So every value reads back exactly as the secret holds it.
 */
export const ENV_FILE_JQ = String.raw`def envquote: "\"" + (tostring | gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\\$"; "$$") | gsub("\n"; "\\n") | gsub("\r"; "\\r")) + "\""; if $map == null then to_entries[] else (. as $s | $map | to_entries[] | {key: .key, value: $s[.value]}) end | "\(.key)=\(.value | envquote)"`;

/** Where the host keeps the converge script (the sync job runs it; tests run it with a stand-in docker). */
export const CONVERGE_PATH = "/usr/local/bin/platform-converge";

/** \`platform-converge [compose file]\`: brings the services up, running each one-shot once per change of its definition. */
export const CONVERGE_SCRIPT = `#!/bin/bash
# Starts what the Compose file defines. One-shot services (restart "no": <service>-db-init,
# <service>-migrate) run once per change of their definition, not at every sync: 'docker compose up'
# starts again every stopped container of the services it is given and of their dependencies. So the
# services whose one-shots already ran for their current definition (a hash of it as 'config' resolves
# it: image, command, environment with its env files) come up without their dependencies (--no-deps);
# the others with them, which runs their one-shots. A one-shot's hash is stamped once 'up' succeeded
# ('up' fails when a one-shot fails).
set -euo pipefail
file="\${1:-${HOST_PATHS.compose}/docker-compose.yml}"
state="\${PLATFORM_ONE_SHOT_STATE:-/var/lib/platform/one-shot}"
compose=(docker compose -p ${COMPOSE_PROJECT} -f "$file")
mkdir -p "$state"
config=$("\${compose[@]}" config --format json)
mapfile -t oneshots < <(jq -r '.services | to_entries[] | select(.value.restart == "no") | .key' <<<"$config")
declare -A hash=()
for o in "\${oneshots[@]}"; do hash[$o]=$(jq -cS --arg o "$o" '.services[$o]' <<<"$config" | sha256sum | cut -d' ' -f1); done
stale=()
for o in "\${oneshots[@]}"; do [ "$(cat "$state/$o" 2>/dev/null)" = "\${hash[$o]}" ] || stale+=("$o"); done
fresh=()
rerun=()
while read -r service; do
  deps=$(jq -r --arg s "$service" 'def deps($n): (.services[$n].depends_on // {} | keys[]) as $d | $d, deps($d); [deps($s)] | unique[]' <<<"$config")
  waits=no
  for o in "\${stale[@]}"; do if grep -qx "$o" <<<"$deps"; then waits=yes; fi; done
  if [ "$waits" = yes ]; then rerun+=("$service"); else fresh+=("$service"); fi
done < <(jq -r '.services | to_entries[] | select(.value.restart != "no") | .key' <<<"$config")
if [ "\${#fresh[@]}" -gt 0 ]; then "\${compose[@]}" up -d --remove-orphans --no-deps "\${fresh[@]}"; fi
if [ "\${#rerun[@]}" -gt 0 ]; then "\${compose[@]}" up -d --remove-orphans "\${rerun[@]}"; fi
for o in "\${stale[@]}"; do printf '%s' "\${hash[$o]}" > "$state/$o"; done
`;

const SYNC_SCRIPT = `#!/bin/bash
# Fetches the Compose definition and the services' secrets, then converges the containers.
# Run at boot and by platform-sync.timer: Compose recreates only what changed, and one-shot
# containers run once per change of their definition (platform-converge).
set -euo pipefail
source /etc/platform/sync.env
mkdir -p ${HOST_PATHS.compose} && install -d -m 700 ${HOST_PATHS.secrets}
aws s3 cp --only-show-errors --region "$REGION" "s3://$BUCKET/$PREFIX/docker-compose.yml" ${HOST_PATHS.compose}/docker-compose.yml.new
aws s3 cp --only-show-errors --region "$REGION" "s3://$BUCKET/$PREFIX/env-files.json" ${HOST_PATHS.compose}/env-files.json
# Each env file: a secret's JSON keys (all, or renamed through "map"), or ("values") one variable per
# existing secret, its whole string or one JSON key; quoted so Compose reads back every byte.
jq -c '.[]' ${HOST_PATHS.compose}/env-files.json | while read -r entry; do
  file=$(jq -r .file <<<"$entry"); map=$(jq -c '.map // null' <<<"$entry")
  if jq -e 'has("values")' >/dev/null <<<"$entry"; then
    secret='{}'
    while read -r v; do
      name=$(jq -r .variable <<<"$v"); arn=$(jq -r .secretArn <<<"$v"); key=$(jq -r '.key // empty' <<<"$v")
      value=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$arn" --query SecretString --output text)
      if [ -n "$key" ]; then value=$(jq -r --arg k "$key" '.[$k] | tostring' <<<"$value"); fi
      secret=$(jq -c --arg n "$name" --arg v "$value" '. + {($n): $v}' <<<"$secret")
    done < <(jq -c '.values[]' <<<"$entry")
  else
    arn=$(jq -r .secretArn <<<"$entry")
    secret=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$arn" --query SecretString --output text)
  fi
  (umask 077; jq -r --argjson map "$map" '${ENV_FILE_JQ}' <<<"$secret" > "$file.new")
  mv "$file.new" "$file"
done
mv ${HOST_PATHS.compose}/docker-compose.yml.new ${HOST_PATHS.compose}/docker-compose.yml
${CONVERGE_PATH} ${HOST_PATHS.compose}/docker-compose.yml
`;

const MOUNT_SCRIPT = `#!/bin/bash
# Mounts the data volume at ${HOST_PATHS.data}; formats it only if it has no file system yet (first boot ever).
# Nitro instances show an EBS volume as an NVMe device named by its volume ID; Xen instances (t2, m4,
# c4, r4, ...) as /dev/xvdf, the name the attachment's /dev/sdf takes there.
set -euo pipefail
source /etc/platform/sync.env
nvme="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_\${DATA_VOLUME_ID//-/}"
dev=""
for _ in $(seq 1 120); do
  for candidate in "$nvme" /dev/xvdf; do if [ -e "$candidate" ]; then dev="$candidate"; break 2; fi; done
  sleep 5
done
[ -n "$dev" ] || { echo "data volume $DATA_VOLUME_ID never attached" >&2; exit 1; }
blkid "$dev" >/dev/null || mkfs.xfs "$dev"
mkdir -p ${HOST_PATHS.data}
grep -q " ${HOST_PATHS.data} " /etc/fstab || echo "UUID=$(blkid -s UUID -o value "$dev") ${HOST_PATHS.data} xfs defaults,nofail 0 2" >> /etc/fstab
mountpoint -q ${HOST_PATHS.data} || mount ${HOST_PATHS.data}
`;

/** Renders the cloud-config: packages, the mount and sync scripts, a systemd timer, and the first run. */
/** Where the CloudWatch agent's configuration goes, and what it sends: host memory and disk use. */
const CLOUDWATCH_AGENT_CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/platform.json";
/** The namespace and dimensions the host's memory and disk metrics carry (the alarms match them). */
export const HOST_METRICS = { namespace: "CWAgent", memory: "mem_used_percent", disk: "disk_used_percent", paths: ["/", HOST_PATHS.data] } as const;
const cloudWatchAgentConfig = {
    metrics: {
        namespace: HOST_METRICS.namespace,
        append_dimensions: { InstanceId: "${aws:InstanceId}" },
        // Only these dimension sets are published, so that an alarm can name them exactly.
        aggregation_dimensions: [["InstanceId"], ["InstanceId", "path"]],
        metrics_collected: {
            mem: { measurement: ["mem_used_percent"] },
            disk: { measurement: ["used_percent"], resources: [...HOST_METRICS.paths] },
        },
    },
};

export function renderUserData(args: UserDataArgs): string {
    const asset = composePluginAsset(args.architecture);
    const plugin = `https://github.com/docker/compose/releases/download/v${args.composeVersion}/${asset}`;
    const registries = args.ecrRegistries ?? [];
    // Docker asks Amazon's credential helper (an Amazon Linux 2023 package) for ECR logins; it uses the instance role.
    const dockerConfig = { credHelpers: Object.fromEntries(registries.map((r) => [r, "ecr-login"])) };
    const config = {
        package_update: true,
        packages: ["docker", "jq", "amazon-cloudwatch-agent", ...(registries.length > 0 ? ["amazon-ecr-credential-helper"] : [])],
        write_files: [
            ...(registries.length > 0 ? [{ path: "/root/.docker/config.json", permissions: "0600", content: JSON.stringify(dockerConfig) }] : []),
            {
                path: "/etc/platform/sync.env",
                permissions: "0644",
                content: `REGION=${args.region}\nBUCKET=${args.bucket}\nPREFIX=${args.prefix}\nDATA_VOLUME_ID=${args.dataVolumeId}\n`,
            },
            { path: "/usr/local/bin/platform-mount-data", permissions: "0755", content: MOUNT_SCRIPT },
            { path: CLOUDWATCH_AGENT_CONFIG, permissions: "0644", content: JSON.stringify(cloudWatchAgentConfig) },
            { path: "/usr/local/bin/platform-sync", permissions: "0755", content: SYNC_SCRIPT },
            { path: CONVERGE_PATH, permissions: "0755", content: CONVERGE_SCRIPT },
            {
                path: "/etc/systemd/system/platform-sync.service",
                permissions: "0644",
                content:
                    "[Unit]\nDescription=Converge the Compose services\nAfter=docker.service\nRequires=docker.service\n\n[Service]\nType=oneshot\nExecStart=/usr/local/bin/platform-sync\n",
            },
            {
                path: "/etc/systemd/system/platform-sync.timer",
                permissions: "0644",
                content: `[Unit]\nDescription=Converge the Compose services every ${args.syncIntervalMinutes} minutes\n\n[Timer]\nOnBootSec=2min\nOnUnitActiveSec=${args.syncIntervalMinutes}min\n\n[Install]\nWantedBy=timers.target\n`,
            },
        ],
        runcmd: [
            ["/usr/local/bin/platform-mount-data"],
            [
                "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
                "-a",
                "fetch-config",
                "-m",
                "ec2",
                "-s",
                "-c",
                `file:${CLOUDWATCH_AGENT_CONFIG}`,
            ],
            ["systemctl", "enable", "--now", "docker"],
            ["mkdir", "-p", "/usr/libexec/docker/cli-plugins"],
            // The release's own checksum file guards against a corrupted download.
            [
                "bash",
                "-c",
                `set -euo pipefail; cd /tmp && curl -fsSLO ${plugin} && curl -fsSLO ${plugin}.sha256 && sha256sum -c ${asset}.sha256 && install -m 755 ${asset} /usr/libexec/docker/cli-plugins/docker-compose`,
            ],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", "platform-sync.timer"],
            ["systemctl", "start", "platform-sync.service"],
        ],
    };
    return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}
