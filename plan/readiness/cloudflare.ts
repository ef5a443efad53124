// Cloudflare: what the provider or the zone would refuse, and an origin its mutual TLS would lock out.
import { issuedByBundle, RATE_LIMIT_PERIODS } from "../../components/blocks/cloudflare";
import { PlanIndex, Report, T, asArray } from "./kit";

const C = {
    provider: "pulumi:providers:cloudflare",
    ruleset: "cloudflare:index/ruleset:Ruleset",
    originPullCertificate: "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    trustStore: "aws:lb/trustStore:TrustStore",
};

/**
 * Cloudflare resources read like the AWS ones:
 * - the provider's API token is a secret (Pulumi otherwise stores it in plain text in the state):
 *   https://www.pulumi.com/registry/packages/cloudflare/installation-configuration/
 * - a rate-limiting rule counts by `cf.colo.id` and over a period Cloudflare offers:
 *   https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/
 * - a proxied record's TTL is automatic (1):
 *   https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/
 * - the client certificate Cloudflare presents for authenticated origin pulls is issued by a CA
 *   of the balancer's trust store in the same workload, or the balancer refuses every request:
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/mutual-authentication.html
 */
export function checkCloudflare(index: PlanIndex, report: Report): void {
    for (const provider of index.of(C.provider))
        if (provider.inputs.apiToken !== undefined && provider.inputs.apiToken !== "[secret]")
            report(
                "cloudflare-token-secret",
                provider.urn,
                "the Cloudflare provider's apiToken is not a secret: it would be stored in plain text in the state",
            );

    for (const ruleset of index.of(C.ruleset).filter((r) => r.inputs.phase === "http_ratelimit"))
        for (const rule of asArray(ruleset.inputs.rules) as { ref?: string; ratelimit?: { characteristics?: string[]; period?: number } }[]) {
            const limit = rule.ratelimit;
            if (!limit) continue;
            if (!asArray(limit.characteristics).includes("cf.colo.id"))
                report("cloudflare-rate-limit", ruleset.urn, `rule ${rule.ref ?? "?"}: Cloudflare requires cf.colo.id among the characteristics`);
            if (typeof limit.period === "number" && !(RATE_LIMIT_PERIODS as readonly number[]).includes(limit.period))
                report(
                    "cloudflare-rate-limit",
                    ruleset.urn,
                    `rule ${rule.ref ?? "?"}: period ${limit.period} s is not one Cloudflare offers (${RATE_LIMIT_PERIODS.join(", ")})`,
                );
        }

    for (const record of index.of(C.dnsRecord))
        if (record.inputs.proxied === true && record.inputs.ttl !== 1)
            report("cloudflare-dns-ttl", record.urn, `a proxied record's TTL is automatic: set ttl 1, not ${String(record.inputs.ttl)}`);

    // The trust stores' CA bundles, by workload: the PEM object each one reads.
    const bundles = new Map<string, string[]>();
    for (const store of index.of(C.trustStore)) {
        const object = index.of(T.bucketObject).find((o) => store.dependencies.includes(o.urn) && typeof o.inputs.content === "string");
        if (object) bundles.set(index.root(store), [...(bundles.get(index.root(store)) ?? []), String(object.inputs.content)]);
    }
    for (const certificate of index.of(C.originPullCertificate)) {
        const pem = certificate.inputs.certificate;
        const stores = bundles.get(index.root(certificate));
        if (typeof pem !== "string" || !stores) continue;
        if (!stores.some((bundle) => issuedByBundle(pem, bundle)))
            report(
                "cloudflare-origin-pull-trust",
                certificate.urn,
                "the certificate Cloudflare presents is issued by no CA of the balancer's trust store: mutual TLS would refuse every request Cloudflare forwards",
            );
    }
}
