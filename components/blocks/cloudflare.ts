import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import { X509Certificate } from "crypto";
import { z } from "zod";
import { ReportIssue, SchemaContext, hostName, integer, secretString, strictObject } from "../../stacks/schema-kit";
import { nameFor } from "../names";

/**
 * Cloudflare's managed WAF rulesets, by their global IDs (the same in every account):
 * https://developers.cloudflare.com/waf/managed-rules/reference/cloudflare-managed-ruleset/
 * https://developers.cloudflare.com/waf/managed-rules/reference/owasp-core-ruleset/
 */
export const CLOUDFLARE_MANAGED_RULESETS = {
    cloudflare: "efb7b8c949ac4650a09736fc376e9aee",
    owasp: "4814384a9e5d4991b9815dcfc25d2f1f",
} as const;

/** Periods a rate-limiting rule may count over (seconds); plans allow subsets (Free: 10 only). */
export const RATE_LIMIT_PERIODS = [10, 60, 120, 300, 600, 3600] as const;

const pem = z
    .string()
    .regex(/^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, "expected a PEM certificate (-----BEGIN CERTIFICATE----- ...)");

/**
 * The zone in front of a workload, as code: proxied DNS records, managed WAF rules, a rate limit
 * and authenticated origin pulls. The `cloudflare` settings key of a topology.
 */
export const cloudflareSettings = (ctx: SchemaContext) =>
    strictObject({
        /** The zone's ID (32 hexadecimal characters, on the zone's Overview page). Required. */
        zoneId: z.string().regex(/^[0-9a-f]{32}$/, "expected a Cloudflare zone ID (32 hexadecimal characters)"),
        /** The zone's name (e.g. `tickets.example.com`); every record must be in it. Required. */
        zone: hostName,
        /**
         * API token of the Cloudflare provider, a secret (`pulumi config set --secret --path
         * 'workloads.<name>.cloudflare.apiToken' <token>`), with Zone DNS Edit, Zone WAF Edit and SSL and
         * Certificates Edit on the zone. Required.
         */
        apiToken: secretString(ctx, "platform:workloads", "the Cloudflare API token"),
        /** Host names published as proxied A records, one per static IP. Default: none. */
        records: z.array(hostName).default([]),
        /** The Cloudflare Managed Ruleset and the OWASP Core Ruleset on the zone (a Pro plan or higher). Default `true`. */
        managedRules: z.boolean().default(true),
        /**
         * Requests per client IP (per Cloudflare data centre) above which the zone blocks the client
         * for `mitigationTimeoutSeconds`. Defaults 600 requests per 60 s, blocked 600 s (the Free plan
         * allows only a 10 s period and a 10 s block).
         */
        rateLimit: strictObject({
            /** Requests a client may make per period. Default 600. */
            requestsPerPeriod: integer(1, 1_000_000).default(600),
            /** The period counted over, seconds: 10, 60, 120, 300, 600 or 3600 as the plan allows. Default 60. */
            periodSeconds: z
                .number()
                .refine((p) => (RATE_LIMIT_PERIODS as readonly number[]).includes(p), `one of ${RATE_LIMIT_PERIODS.join(", ")}`)
                .default(60),
            /** Seconds a client over the limit stays blocked. Default 600. */
            mitigationTimeoutSeconds: integer(0, 86400).default(600),
        }).default({}),
        /**
         * The client certificate Cloudflare presents to the origin (zone-level authenticated origin
         * pulls): the PEM certificate, issued by a CA in `originPullCa`, and its private key (a secret).
         * Only this zone's requests then pass the balancer's mutual TLS. Required.
         */
        originPullCertificate: strictObject({
            /** The client certificate (PEM), issued by a CA in `originPullCa`. Required. */
            certificate: pem,
            /** Its private key, a secret. Required. */
            privateKey: secretString(ctx, "platform:workloads", "the origin-pull certificate's private key"),
        }),
    });

export type CloudflareSettings = z.output<ReturnType<typeof cloudflareSettings>>;

/** Whether `certificate` is issued by one of the CA certificates of the `bundle` (PEM). */
export function issuedByBundle(certificate: string, bundle: string): boolean {
    const cas = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    try {
        const leaf = new X509Certificate(certificate);
        return cas.some((ca) => {
            const issuer = new X509Certificate(ca);
            return leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
        });
    } catch {
        return false;
    }
}

/**
 * The cross-checks of a workload with `cloudflare`: it admits only Cloudflare, its records are in
 * the zone, and the certificate Cloudflare presents is one the balancer's trust store accepts.
 */
export const cloudflareChecks =
    () =>
    (s: { cloudflare?: CloudflareSettings; behindCloudflare: boolean; originPullCa?: string }, issue: ReportIssue): void => {
        const cf = s.cloudflare;
        if (!cf) return;
        if (!s.behindCloudflare) issue(["behindCloudflare"], "cloudflare needs behindCloudflare: true (the origin then admits only Cloudflare)");
        cf.records.forEach((record, i) => {
            if (record !== cf.zone && !record.endsWith(`.${cf.zone}`)) issue(["cloudflare", "records", i], `${record} is not in the zone ${cf.zone}`);
        });
        if (!s.originPullCa)
            issue(
                ["originPullCa"],
                "cloudflare's authenticated origin pulls need originPullCa: the CA that issued cloudflare.originPullCertificate.certificate",
            );
        else if (!issuedByBundle(cf.originPullCertificate.certificate, s.originPullCa))
            issue(
                ["cloudflare", "originPullCertificate", "certificate"],
                "is not issued by a CA in originPullCa: the balancer's mutual TLS would refuse every request Cloudflare forwards",
            );
    };

export interface CloudflareEdgeArgs {
    settings: CloudflareSettings;
}

/**
 * A Cloudflare zone's configuration for one origin, under a provider of its own (its API token a
 * secret): proxied A records on the origin's static IPs, the managed WAF rulesets, a rate limit per
 * client IP, and zone-level authenticated origin pulls with the workload's client certificate.
 */
export class CloudflareEdge extends pulumi.ComponentResource {
    readonly provider: cloudflare.Provider;
    /** Authenticated origin pulls switched on: what the balancer's mutual TLS must wait for. */
    readonly originPulls: cloudflare.AuthenticatedOriginPullsSettings;

    constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:CloudflareEdge", name, {}, opts);
        const cf = args.settings;
        this.provider = new cloudflare.Provider(name, { apiToken: pulumi.secret(cf.apiToken) }, { parent: this });
        const on = { parent: this, provider: this.provider };
        const zoneId = cf.zoneId;
        this.name = name;
        this.settings = cf;
        if (cf.managedRules)
            new cloudflare.Ruleset(
                `${name}-waf`,
                {
                    zoneId,
                    kind: "zone",
                    phase: "http_request_firewall_managed",
                    name: `${name}: managed WAF rules`,
                    rules: Object.entries(CLOUDFLARE_MANAGED_RULESETS).map(([key, id]) => ({
                        ref: `${key}-managed`,
                        description: `Execute the ${key === "owasp" ? "OWASP Core" : "Cloudflare Managed"} Ruleset`,
                        expression: "true",
                        action: "execute",
                        actionParameters: { id },
                        enabled: true,
                    })),
                },
                on,
            );
        new cloudflare.Ruleset(
            `${name}-rate-limit`,
            {
                zoneId,
                kind: "zone",
                phase: "http_ratelimit",
                name: `${name}: rate limit per client IP`,
                rules: [
                    {
                        ref: "per-client-ip",
                        description: `Block a client IP over ${cf.rateLimit.requestsPerPeriod} requests in ${cf.rateLimit.periodSeconds} s`,
                        expression: "true",
                        action: "block",
                        ratelimit: {
                            characteristics: ["cf.colo.id", "ip.src"],
                            period: cf.rateLimit.periodSeconds,
                            requestsPerPeriod: cf.rateLimit.requestsPerPeriod,
                            mitigationTimeout: cf.rateLimit.mitigationTimeoutSeconds,
                        },
                        enabled: true,
                    },
                ],
            },
            on,
        );
        const certificate = new cloudflare.AuthenticatedOriginPullsCertificate(
            `${name}-origin-pull`,
            { zoneId, certificate: cf.originPullCertificate.certificate, privateKey: pulumi.secret(cf.originPullCertificate.privateKey) },
            on,
        );
        this.originPulls = new cloudflare.AuthenticatedOriginPullsSettings(
            `${name}-origin-pull`,
            { zoneId, enabled: true },
            { ...on, dependsOn: [certificate] },
        );
        this.registerOutputs({});
    }

    private readonly name: string;
    private readonly settings: CloudflareSettings;

    /**
     * Publishes the origin: a proxied A record of each of `records` on each static IP (so the origin
     * is reached through Cloudflare only, and its addresses stay behind the proxy).
     */
    publish(addresses: pulumi.Input<string>[]): cloudflare.DnsRecord[] {
        const on = { parent: this, provider: this.provider };
        return this.settings.records.flatMap((record) =>
            addresses.map(
                (address, i) =>
                    new cloudflare.DnsRecord(
                        `${this.name}-${nameFor(record)}-${i + 1}`,
                        {
                            zoneId: this.settings.zoneId,
                            name: record,
                            type: "A",
                            content: address,
                            proxied: true,
                            ttl: 1,
                            comment: `${this.name}: static IP ${i + 1} of the origin`,
                        },
                        on,
                    ),
            ),
        );
    }
}
