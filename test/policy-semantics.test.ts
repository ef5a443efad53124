import { expect } from "chai";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { allPolicies } from "../policy/rules";

/**
 * Each rule reads an input the way AWS reads it: a negated condition operator restricts no one, a
 * wildcard at the end of an ARN segment spans colons, protocol -1 opens every port whatever the
 * ports say, `authenticated-read` is every AWS account.
 */
type Props = Record<string, any>;
const find = (name: string) => allPolicies.find((p) => p.name === name)!;

async function onResource(name: string, type: string, props: Props): Promise<string[]> {
    const messages: string[] = [];
    const args = {
        type,
        props,
        urn: `urn:${type}::r`,
        name: "r",
        opts: {},
        getConfig: () => ({ environment: "staging" }),
    } as unknown as ResourceValidationArgs;
    for (const validate of [(find(name) as ResourceValidationPolicy).validateResource ?? []].flat()) await validate(args, (m) => messages.push(m));
    return messages;
}
async function onStack(name: string, resources: PolicyResource[]): Promise<string[]> {
    const messages: string[] = [];
    await (find(name) as StackValidationPolicy).validateStack({ resources, getConfig: () => ({}) } as never, (m) => messages.push(m));
    return messages;
}
const res = (type: string, name: string, props: Props, deps: PolicyResource[] = []) =>
    ({ type, name, props, urn: `urn:${type}::${name}`, opts: {}, dependencies: deps, propertyDependencies: {} }) as unknown as PolicyResource;
const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const doc = (statement: Props) => ({ policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] }) });

describe("policy rules read inputs as AWS does", () => {
    it("a negated condition operator (StringNotEquals aws:SourceAccount) does not restrict an open principal", async () => {
        const open = (Condition: Props) => doc({ Principal: "*", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:111122223333:q", Condition });
        const queuePolicy = "aws:sqs/queuePolicy:QueuePolicy";
        expect(
            await onResource("resource-policy-no-open-principal", queuePolicy, open({ StringNotEquals: { "aws:SourceAccount": "444455556666" } })),
        ).to.have.length(1);
        expect(
            await onResource("resource-policy-no-open-principal", queuePolicy, open({ ArnNotLike: { "aws:SourceArn": "arn:aws:sns:us-east-1:1:t" } })),
        ).to.have.length(1);
        expect(
            await onResource("resource-policy-no-open-principal", queuePolicy, open({ StringEquals: { "aws:SourceAccount": "111122223333" } })),
        ).to.deep.equal([]);
    });

    it("an ARN pattern ending in a wildcard before its sixth segment names every resource (arn:*, arn:aws:secretsmanager:*)", async () => {
        const role = "aws:iam/rolePolicy:RolePolicy";
        for (const Resource of ["arn:*", "arn:aws:secretsmanager:*", "arn:aws:secretsmanager:us-east-1:*"])
            expect(await onResource("iam-no-wildcard-resource", role, doc({ Action: "secretsmanager:GetSecretValue", Resource })), Resource).to.have.length(1);
        const one = "arn:aws:secretsmanager:us-east-1:111122223333:secret:ledger/db-AbCdEf";
        expect(await onResource("iam-no-wildcard-resource", role, doc({ Action: "secretsmanager:GetSecretValue", Resource: one }))).to.deep.equal([]);
    });

    it("protocol -1 on port 443 opens every port to the internet, on a public balancer's group too", async () => {
        const group = res("aws:ec2/securityGroup:SecurityGroup", "alb", { description: "alb" });
        const balancer = res("aws:lb/loadBalancer:LoadBalancer", "alb", { internal: false }, [group]);
        const ingress = (ipProtocol: string) =>
            res(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                `in-${ipProtocol}`,
                { ipProtocol, fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
                [group],
            );
        expect(await onStack("sg-no-world-ingress", [group, balancer, ingress("tcp")])).to.deep.equal([]);
        expect(await onStack("sg-no-world-ingress", [group, balancer, ingress("-1")])).to.have.length(1);
        const inline = { description: "x", ingress: [{ protocol: "-1", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "all" }] };
        expect(await onResource("sg-no-world-ingress-inline", "aws:ec2/securityGroup:SecurityGroup", inline)).to.have.length(1);
    });

    it("an inline 443-from-anywhere rule is refused on a group no internet-facing balancer uses", async () => {
        const web = { description: "x", ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "https" }] };
        const tasks = res("aws:ec2/securityGroup:SecurityGroup", "tasks", web);
        const albGroup = res("aws:ec2/securityGroup:SecurityGroup", "alb", web);
        const balancer = res("aws:lb/loadBalancer:LoadBalancer", "alb", { internal: false }, [albGroup]);
        const messages = await onStack("sg-no-world-ingress", [tasks, albGroup, balancer]);
        expect(messages).to.have.length(1);
        expect(messages[0]).to.match(/^tasks opens 443-443/);
    });

    it("a bucket ACL open to every AWS account (authenticated-read, AllUsers/AuthenticatedUsers grants) is public", async () => {
        const check = (type: string, props: Props) => onResource("s3-no-public-acl", type, props);
        expect(await check("aws:s3/bucketAcl:BucketAcl", { acl: "authenticated-read" })).to.have.length(1);
        const grantee = (uri: string) => ({ accessControlPolicy: { grants: [{ permission: "READ", grantee: { type: "Group", uri } }] } });
        expect(await check("aws:s3/bucketAcl:BucketAcl", grantee("http://acs.amazonaws.com/groups/global/AllUsers"))).to.have.length(1);
        expect(await check("aws:s3/bucketAcl:BucketAcl", grantee("http://acs.amazonaws.com/groups/global/AuthenticatedUsers"))).to.have.length(1);
        expect(await check("aws:s3/bucketAcl:BucketAcl", grantee("http://acs.amazonaws.com/groups/s3/LogDelivery"))).to.deep.equal([]);
        const bucketGrant = { grants: [{ type: "Group", permissions: ["READ"], uri: "http://acs.amazonaws.com/groups/global/AllUsers" }] };
        expect(await check("aws:s3/bucket:Bucket", bucketGrant)).to.have.length(1);
        expect(await check("aws:s3/bucket:Bucket", { acl: "private" })).to.deep.equal([]);
    });
});

describe("policy rules: identities", () => {
    const role = "aws:iam/rolePolicy:RolePolicy";
    it("actions are compared case-insensitively, and the X-Ray daemon's sampling reads take Resource *", async () => {
        const onEverything = (Action: string[]) => onResource("iam-no-wildcard-resource", role, doc({ Action, Resource: "*" }));
        expect(await onEverything(["ECR:GetAuthorizationToken", "xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets"])).to.deep.equal(
            [],
        );
        expect(await onEverything(["secretsmanager:GetSecretValue"])).to.have.length(1);
    });

    it("a web-identity trust must name its subjects: sub * or repo:* lets any GitHub repository assume the role", async () => {
        const trust = (Condition: Props) => ({
            assumeRolePolicy: JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition,
                    },
                ],
            }),
        });
        const check = (Condition: Props) => onResource("iam-trust-services-only", "aws:iam/role:Role", trust(Condition));
        const aud = { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" };
        expect(await check({ StringLike: { "token.actions.githubusercontent.com:sub": "*" }, StringEquals: aud })).to.have.length(1);
        expect(await check({ StringLike: { "token.actions.githubusercontent.com:sub": "repo:*:environment:production" } })).to.have.length(1);
        expect(await check({ StringNotEquals: { "token.actions.githubusercontent.com:sub": "repo:evil/x:ref:refs/heads/main" } })).to.have.length(1);
        expect(
            await check({ StringEquals: { ...aud, "token.actions.githubusercontent.com:sub": ["repo:acme/platform:environment:production"] } }),
        ).to.deep.equal([]);
        expect(await check({ StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/platform:*" } })).to.deep.equal([]);
    });
});

describe("policy rules: load balancer TLS policies", () => {
    const listener = (sslPolicy?: string) => onResource("lb-listener-tls-policy", "aws:lb/listener:Listener", { protocol: "HTTPS", sslPolicy });
    it("accepts every TLS 1.2+ policy AWS offers: the console's post-quantum default, FIPS, forward secrecy, TLS 1.2 only", async () => {
        for (const policy of [
            "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
            "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
            "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
            "ELBSecurityPolicy-FS-1-2-Res-2019-08",
            "ELBSecurityPolicy-TLS-1-2-2017-01",
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
        ])
            expect(await listener(policy), policy).to.deep.equal([]);
    });
    it("refuses those that accept TLS 1.0 or 1.1, and the API's default", async () => {
        for (const policy of [
            undefined,
            "ELBSecurityPolicy-2016-08",
            "ELBSecurityPolicy-FS-2018-06",
            "ELBSecurityPolicy-FS-1-1-2019-08",
            "ELBSecurityPolicy-TLS-1-1-2017-01",
            "ELBSecurityPolicy-TLS13-1-0-2021-06",
            "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
        ])
            expect(await listener(policy), policy).to.have.length(1);
    });
});

describe("policy rules: listener rules", () => {
    const balancer = res("aws:lb/loadBalancer:LoadBalancer", "web", { internal: false });
    const http = res(
        "aws:lb/listener:Listener",
        "web-http",
        {
            protocol: "HTTP",
            port: 80,
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        },
        [balancer],
    );
    const listenerRule = (actions: Props[]) =>
        res(
            "aws:lb/listenerRule:ListenerRule",
            "web-api",
            { listenerArn: "arn:l", priority: 1, actions, conditions: [{ pathPattern: { values: ["/api/*"] } }] },
            [http],
        );
    it("a rule that forwards on an internet-facing HTTP listener serves plain HTTP, though the default redirects", async () => {
        expect(await onStack("lb-http-redirects-only", [balancer, http])).to.deep.equal([]);
        expect(await onStack("lb-http-redirects-only", [balancer, http, listenerRule([{ type: "forward", targetGroupArn: "arn:tg" }])])).to.have.length(1);
        const notFound = [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }];
        expect(await onStack("lb-http-redirects-only", [balancer, http, listenerRule(notFound)])).to.deep.equal([]);
    });
    it("in production, a forwarding rule on an internal HTTP listener is plaintext forwarding too", async () => {
        const internal = res("aws:lb/loadBalancer:LoadBalancer", "svc", { internal: true });
        const listener = res("aws:lb/listener:Listener", "svc-http", { protocol: "HTTP", port: 80, defaultActions: [{ type: "fixed-response" }] }, [internal]);
        const forward = res("aws:lb/listenerRule:ListenerRule", "svc-api", { actions: [{ type: "forward", targetGroupArn: "arn:tg" }] }, [listener]);
        const stack = [internal, listener, forward];
        const messages: string[] = [];
        await (find("lb-no-plaintext-forwarding-production") as StackValidationPolicy).validateStack(
            { resources: stack, getConfig: () => ({ environment: "production" }) } as never,
            (m) => messages.push(m),
        );
        expect(messages).to.have.length(1);
    });
});

describe("policy rules: resource types the provider also offers", () => {
    it("an object's public canned ACL is a public ACL", async () => {
        expect(await onResource("s3-no-public-acl", "aws:s3/bucketObjectv2:BucketObjectv2", { key: "index.html", acl: "public-read" })).to.have.length(1);
        expect(await onResource("s3-no-public-acl", "aws:s3/bucketObjectv2:BucketObjectv2", { key: "index.html" })).to.deep.equal([]);
    });
    it("production expirations are read from the V2 lifecycle configuration too", async () => {
        const messages: string[] = [];
        const args = {
            type: "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
            props: { rules: [{ id: "retention", status: "Enabled", expiration: { days: 7 } }] },
            getConfig: () => ({ environment: "production" }),
        } as unknown as ResourceValidationArgs;
        for (const validate of [(find("log-retention-production") as ResourceValidationPolicy).validateResource ?? []].flat())
            await validate(args, (m) => messages.push(m));
        expect(messages).to.deep.equal(["rule retention expires objects after 7 days"]);
    });
});

describe("policy rules: secrets in environment", () => {
    const env = (name: string, value: string) => ({
        containerDefinitions: JSON.stringify([{ name: "app", logConfiguration: { logDriver: "awslogs" }, environment: [{ name, value }] }]),
    });
    const refused = (name: string, value: string) => onResource("ecs-no-secrets-in-environment", TASK, env(name, value));
    const flagged = (name: string, value: string) => onResource("ecs-secret-named-environment", TASK, env(name, value));
    it("a random-looking identifier or published key is not a secret: client IDs, build IDs, publishable keys", async () => {
        for (const [name, value] of [
            ["AUTH0_CLIENT_ID", "Xk3jLq9ZpR7sT2vW8yB4nM6cD1fG5hJ0"],
            ["BUILD_ID", "b7Fq9Zx2Lm4Np6Qr8St0Uv1Wx3Yz5Ab7Cd"],
            ["STRIPE_PUBLISHABLE_KEY", "pk_live_51HqLyjWDarjtT1zdp7dcXcYbJ4kT9qLmN2oP3rS4tU5vW6xY7z"],
            ["MAPS_PUBLIC_KEY", "AIzaSyD4x9Kq2Lm8Nz7Pw3Rt6Vb1Yc5Hf0Jg2Ek"],
        ])
            expect(await refused(name, value), name).to.deep.equal([]);
        // A known credential format is refused whatever the name says.
        expect(await refused("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")).to.have.length(1);
        expect(await refused("UPSTREAM", "Xk3jLq9ZpR7sT2vW8yB4nM6cD1fG5hJ0")).to.have.length(1);
    });
    it("a secret's name over a URL without a password or a host name is a setting (advisory), a password still is not", async () => {
        for (const [name, value] of [
            ["SENTRY_DSN", "https://1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d@o123456.ingest.sentry.io/7654321"],
            ["TOKEN_AUDIENCE", "api.example.com"],
        ]) {
            expect(await refused(name, value), name).to.deep.equal([]);
            expect(await flagged(name, value), name).to.have.length(1);
        }
        expect(await refused("SENTRY_DSN", "https://key:hunter2@o1.ingest.sentry.io/1")).to.have.length(1);
        expect(await refused("DB_PASSWORD", "hunter2.example")).to.have.length(1);
    });
});

describe("policy rules: keys", () => {
    it("a key AWS cannot rotate (asymmetric, HMAC, in a custom key store) needs no enableKeyRotation; a symmetric one does", async () => {
        const key = (props: Props) => onResource("kms-key-rotation", "aws:kms/key:Key", props);
        expect(await key({ customKeyStoreId: "cks-1234567890abcdef0" })).to.deep.equal([]);
        expect(await key({ customerMasterKeySpec: "HMAC_256", keyUsage: "GENERATE_VERIFY_MAC" })).to.deep.equal([]);
        expect(await key({})).to.have.length(1);
    });
});

describe("policy rules: bucket TLS", () => {
    const bucket = res("aws:s3/bucket:Bucket", "docs", {});
    const withPolicy = (statement: Props) =>
        onStack("s3-tls-only", [bucket, res("aws:s3/bucketPolicy:BucketPolicy", "docs", { policy: JSON.stringify({ Statement: [statement] }) }, [bucket])]);
    const deny = { Effect: "Deny", Action: "s3:*", Resource: ["arn:aws:s3:::docs", "arn:aws:s3:::docs/*"] };
    it("reads the condition key case-insensitively and the value as AWS does", async () => {
        expect(await withPolicy({ ...deny, Principal: "*", Condition: { Bool: { "aws:securetransport": false } } })).to.deep.equal([]);
        expect(await withPolicy({ ...deny, Principal: { AWS: "*" }, Condition: { Bool: { "aws:SecureTransport": "false" } } })).to.deep.equal([]);
    });
    it("a deny to one role refuses no one else's plain HTTP", async () => {
        const role = { AWS: "arn:aws:iam::111122223333:role/app" };
        expect(await withPolicy({ ...deny, Principal: role, Condition: { Bool: { "aws:SecureTransport": "false" } } })).to.have.length(1);
    });
});

describe("policy rules: internal plain HTTP (advisory)", () => {
    it("a plain-HTTP listener that only answers 404 carries no traffic; one whose rule forwards does", async () => {
        const internal = res("aws:lb/loadBalancer:LoadBalancer", "svc", { internal: true });
        const notFound = res(
            "aws:lb/listener:Listener",
            "svc-80",
            { protocol: "HTTP", defaultActions: [{ type: "fixed-response", fixedResponse: { statusCode: "404" } }] },
            [internal],
        );
        expect(await onStack("lb-internal-plaintext", [internal, notFound])).to.deep.equal([]);
        const forward = res("aws:lb/listenerRule:ListenerRule", "svc-api", { actions: [{ type: "forward", targetGroupArn: "arn:tg" }] }, [notFound]);
        expect(await onStack("lb-internal-plaintext", [internal, notFound, forward])).to.have.length(1);
    });
});
