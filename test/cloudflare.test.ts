import { expect } from "chai";
import type { Plan } from "../plan/plan";
import type { PlannedResource } from "../plan/mocks";
import { TOPOLOGY_SCHEMAS } from "../components/topologies/registry";
import { checkReadiness } from "../plan/readiness";
import { ConfigValidationError, parseStackConfig } from "../stacks/schema";
import { readStackFiles } from "../plan/stack-files";
import { planOnce, rawStack } from "./helpers";

type Any = any;
const CF = (type: string) => `cloudflare:index/${type}`;
/** A certificate of another CA than the stack's origin-pull CA. */
const FOREIGN_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBfjCCASWgAwIBAgIUBV5/GfnCXKU1+JtcO9dkuzKM+NkwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKQW5vdGhlciBDQTAeFw0yNjEyMDcwMjAwMjFaFw0zNjEyMDQw
MjAwMjFaMBUxEzARBgNVBAMMCkFub3RoZXIgQ0EwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASnOPufX2g7bajNtBfiWnKBnXYW5zK2WYHP18URO2k9H2rztRD2tO5t
wX95WSgmQNGEqyxpFLeSjR1A5ZxummW2o1MwUTAdBgNVHQ4EFgQU9vi6R0eaHGqO
fBSuB4TYDXJvqyUwHwYDVR0jBBgwFoAU9vi6R0eaHGqOfBSuB4TYDXJvqyUwDwYD
VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiATmjzplRLsHj/dPhUlwJzB
iSJ+VZrX3uZGXR2dbrp4agIgax/gZ/xsbsI4EEDfL370W2uWHwpnxBC4KLQdkr4p
dhM=
-----END CERTIFICATE-----`;

/** The ticketing platform's Cloudflare zone as code, planned offline with the shipped production stack. */
describe("Cloudflare as code for the Compose host", () => {
    let plan: Plan;
    let tickets: Record<string, Any>;
    before(async function () {
        this.timeout(30_000);
        const files = readStackFiles("production");
        tickets = JSON.parse(files.config["platform:workloads"]).tickets;
        plan = await planOnce(files);
    });
    const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
    const named = (type: string, name: string) => plan.resources.find((r) => r.type === type && r.name === name)!;

    it("publishes proxied records on each static IP, under a provider whose token is a secret", () => {
        const provider = named("pulumi:providers:cloudflare", "tickets-cloudflare");
        expect(provider.inputs.apiToken).to.equal("[secret]");
        const records = ofType(CF("dnsRecord:DnsRecord"));
        const ips = plan.resources.filter((r) => r.type === "aws:ec2/eip:Eip" && r.name.startsWith("tickets-ip-"));
        expect(records).to.have.length(ips.length);
        for (const record of records) {
            expect(record.inputs).to.include({ name: "tickets.example.com", type: "A", proxied: true, ttl: 1, zoneId: tickets.cloudflare.zoneId });
            expect(
                ips.some((ip) => record.dependencies.includes(ip.urn)),
                record.name,
            ).to.equal(true);
        }
    });

    it("runs the Cloudflare Managed and OWASP rulesets and a rate limit per client IP", () => {
        const waf = named(CF("ruleset:Ruleset"), "tickets-cloudflare-waf");
        expect(waf.inputs).to.include({ kind: "zone", phase: "http_request_firewall_managed" });
        expect((waf.inputs.rules as Any[]).map((r) => r.actionParameters.id)).to.deep.equal([
            "efb7b8c949ac4650a09736fc376e9aee",
            "4814384a9e5d4991b9815dcfc25d2f1f",
        ]);
        const limit = named(CF("ruleset:Ruleset"), "tickets-cloudflare-rate-limit");
        expect(limit.inputs.phase).to.equal("http_ratelimit");
        expect((limit.inputs.rules as Any[])[0]).to.deep.include({
            action: "block",
            ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period: 60, requestsPerPeriod: 600, mitigationTimeout: 600 },
        });
    });

    it("turns on authenticated origin pulls with the zone's certificate before the balancer's mutual TLS asks for it", () => {
        const certificate = named(CF("authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate"), "tickets-cloudflare-origin-pull");
        expect(certificate.inputs.privateKey).to.equal("[secret]");
        expect(String(certificate.inputs.certificate).trim()).to.equal(String(tickets.cloudflare.originPullCertificate.certificate).trim());
        const settings = named(CF("authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings"), "tickets-cloudflare-origin-pull");
        expect(settings.inputs.enabled).to.equal(true);
        expect(settings.dependencies).to.include(certificate.urn);
        const store = ofType("aws:lb/trustStore:TrustStore")[0];
        expect(store.dependencies).to.include(settings.urn);
        const listener = named("aws:lb/listener:Listener", "tickets-alb");
        expect((listener.inputs.mutualAuthentication as Any).mode).to.equal("verify");
    });

    it("readiness: a token in plain text, a period Cloudflare does not offer, a certificate the trust store refuses", () => {
        expect(
            checkReadiness({ resources: plan.resources, region: "us-east-1", prefixLists: plan.prefixLists }).filter((p) => p.check.startsWith("cloudflare")),
        ).to.deep.equal([]);
        const changed = structuredClone(plan);
        const find = (type: string) => changed.resources.find((r: PlannedResource) => r.type === type)!;
        find("pulumi:providers:cloudflare").inputs.apiToken = "plain-token";
        const limit = changed.resources.find((r) => r.name === "tickets-cloudflare-rate-limit")!;
        (limit.inputs.rules as Any[])[0].ratelimit.period = 30;
        find(CF("authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate")).inputs.certificate = FOREIGN_CERTIFICATE;
        const problems = checkReadiness({ resources: changed.resources, region: "us-east-1", prefixLists: changed.prefixLists }).map((p) => p.check);
        expect(problems).to.include.members(["cloudflare-token-secret", "cloudflare-rate-limit", "cloudflare-origin-pull-trust"]);
    });

    it("refuses a zone outside Cloudflare's reach, a record outside the zone and a certificate the balancer would refuse, naming the keys", () => {
        const problems = (overrides: Record<string, unknown>) => {
            try {
                parseStackConfig(
                    rawStack({ environment: "production", workloads: { tickets: { ...tickets, ...overrides } } }, { secretKeys: ["platform:workloads"] }),
                    TOPOLOGY_SCHEMAS,
                );
                return [];
            } catch (err) {
                if (!(err instanceof ConfigValidationError)) throw err;
                return err.problems.map((p) => `${p.path}: ${p.message}`);
            }
        };
        expect(problems({})).to.deep.equal([]);
        expect(problems({ behindCloudflare: false }).join("\n")).to.match(/workloads\.tickets\.behindCloudflare: cloudflare needs behindCloudflare: true/);
        expect(problems({ cloudflare: { ...tickets.cloudflare, records: ["tickets.example.org"] } }).join("\n")).to.match(
            /workloads\.tickets\.cloudflare\.records\[0\]: tickets\.example\.org is not in the zone tickets\.example\.com/,
        );
        const otherCa = { ...tickets.cloudflare, originPullCertificate: { ...tickets.cloudflare.originPullCertificate, certificate: FOREIGN_CERTIFICATE } };
        expect(problems({ cloudflare: otherCa }).join("\n")).to.match(/cloudflare\.originPullCertificate\.certificate: is not issued by a CA in originPullCa/);
        expect(problems({ originPullCa: undefined }).join("\n")).to.match(
            /workloads\.tickets\.originPullCa: cloudflare's authenticated origin pulls need originPullCa/,
        );
    });
});
