import * as pulumi from "@pulumi/pulumi";
import * as cloudfront from "@pulumi/aws/cloudfront";
import * as random from "@pulumi/random";
import { Bucket } from "./bucket";

/** The header CloudFront adds to every API request; the origin refuses requests without it. */
export const ORIGIN_HEADER = "X-Origin-Verify";

/**
 * The secret value of ORIGIN_HEADER for one workload's distribution. Any CloudFront distribution
 * reaches the origin from the same addresses (the prefix list): only this one knows the value.
 */
export function originHeader(name: string, parent: pulumi.Resource): { name: string; value: pulumi.Output<string> } {
    const secret = new random.RandomPassword(`${name}-origin-secret`, { length: 40, special: false }, { parent });
    return { name: ORIGIN_HEADER, value: pulumi.secret(secret.result) };
}

/** AWS-managed CloudFront policies (IDs are global and fixed). */
export const MANAGED = {
    cachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
    cachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    /** Every viewer header, cookie and query string, except Host: the origin's TLS name stays its own. */
    allViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
    securityHeaders: "67f7725c-6f97-4210-82d7-5512b31e9d03",
} as const;

export interface CdnArgs {
    /** Static front end served from this private bucket through an origin access control (default behavior). */
    site?: Bucket;
    /** The API origin: an HTTPS host name whose certificate matches it (the load balancer's custom name). */
    api: {
        domainName: pulumi.Input<string>;
        /** Paths routed to the API; without a site the API is the default behavior. */
        pathPattern?: string;
        /** Headers CloudFront adds to every request to the API (e.g. the secret the balancer requires). Default: none. */
        originHeaders?: { name: string; value: pulumi.Input<string> }[];
    };
    /** Custom domain names and their ACM certificate in us-east-1. Default: the cloudfront.net name. */
    domain?: { names: string[]; certificateArn: string };
    /**
     * Oldest TLS viewers may use on the custom domain (CloudFront's security policy): `TLSv1.3_2025`
     * accepts TLS 1.3 only, the strictest CloudFront offers. Default `TLSv1.2_2021`.
     * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
     */
    minimumProtocolVersion?: "TLSv1.2_2021" | "TLSv1.2_2025" | "TLSv1.3_2025";
    /** Price class. Default `PriceClass_100`. */
    priceClass?: string;
}

const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];

/**
 * A CloudFront distribution: viewers redirected to HTTPS (TLSv1.2_2021 minimum on a custom
 * domain), the API origin reached over HTTPS only (TLS 1.2) with caching off and every viewer
 * header but Host forwarded, and the static site read from S3 through an origin access control.
 */
export class Cdn extends pulumi.ComponentResource {
    readonly distribution: cloudfront.Distribution;
    readonly domainName: pulumi.Output<string>;
    /** `https://` + the first custom name, or the cloudfront.net name. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: CdnArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:Cdn", name, {}, opts);
        const apiBehavior = {
            targetOriginId: "api",
            viewerProtocolPolicy: "redirect-to-https",
            allowedMethods: ALL_METHODS,
            cachedMethods: ["GET", "HEAD"],
            cachePolicyId: MANAGED.cachingDisabled,
            originRequestPolicyId: MANAGED.allViewerExceptHostHeader,
            responseHeadersPolicyId: MANAGED.securityHeaders,
            compress: true,
        };
        const origins: cloudfront.DistributionArgs["origins"] = [
            {
                originId: "api",
                domainName: args.api.domainName,
                customHeaders: args.api.originHeaders,
                customOriginConfig: {
                    httpPort: 80,
                    httpsPort: 443,
                    originProtocolPolicy: "https-only",
                    originSslProtocols: ["TLSv1.2"],
                    originReadTimeout: 60,
                    originKeepaliveTimeout: 5,
                },
            },
        ];
        let access: cloudfront.OriginAccessControl | undefined;
        if (args.site) {
            access = new cloudfront.OriginAccessControl(
                name,
                { description: `${name} static site`, originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
                { parent: this },
            );
            origins.push({ originId: "site", domainName: args.site.regionalDomainName, originAccessControlId: access.id });
        }

        this.distribution = new cloudfront.Distribution(
            name,
            {
                enabled: true,
                comment: name,
                httpVersion: "http2and3",
                priceClass: args.priceClass ?? "PriceClass_100",
                aliases: args.domain?.names ?? [],
                origins,
                ...(args.site ? { defaultRootObject: "index.html" } : {}),
                defaultCacheBehavior: args.site
                    ? {
                          targetOriginId: "site",
                          viewerProtocolPolicy: "redirect-to-https",
                          allowedMethods: ["GET", "HEAD"],
                          cachedMethods: ["GET", "HEAD"],
                          cachePolicyId: MANAGED.cachingOptimized,
                          responseHeadersPolicyId: MANAGED.securityHeaders,
                          compress: true,
                      }
                    : apiBehavior,
                orderedCacheBehaviors: args.site ? [{ ...apiBehavior, pathPattern: args.api.pathPattern ?? "/api/*" }] : [],
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate: args.domain
                    ? {
                          acmCertificateArn: args.domain.certificateArn,
                          sslSupportMethod: "sni-only",
                          minimumProtocolVersion: args.minimumProtocolVersion ?? "TLSv1.2_2021",
                      }
                    : { cloudfrontDefaultCertificate: true },
            },
            { parent: this },
        );
        if (args.site) {
            args.site.applyPolicy([
                {
                    Sid: "CloudFrontReadsSite",
                    Principal: { Service: "cloudfront.amazonaws.com" },
                    Action: "s3:GetObject",
                    Resource: pulumi.interpolate`${args.site.arn}/*`,
                    Condition: { StringEquals: { "AWS:SourceArn": this.distribution.arn } },
                },
            ]);
        }
        this.domainName = this.distribution.domainName;
        this.url = args.domain ? pulumi.output(`https://${args.domain.names[0]}`) : pulumi.interpolate`https://${this.distribution.domainName}`;
        this.registerOutputs({ domainName: this.domainName, url: this.url });
    }
}
