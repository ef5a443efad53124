import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { SERVICE_WRITES, readActions, serviceOf } from "../bootstrap/permissions";
import { PlannedResource } from "../plan/mocks";
import { readStackFiles } from "../plan/stack-files";
import { BootstrapPlan, bootstrapCommand, planBootstrap } from "../tools/bootstrap";
import { planOnce, policyOf, scratchDir } from "./helpers";

/**
 * `bootstrap/`: what the pipeline stands on in an empty account, planned offline with the platform's
 * engine (the same mocks, readiness checks and policy pack).
 */
describe("bootstrap: the pipeline's foundation in an empty account", function () {
    this.timeout(60000);
    let bootstrap: BootstrapPlan;
    const find = (type: string, name: string) => bootstrap.plan.resources.find((r) => r.type === type && r.name === name)!;
    const statements = (r: PlannedResource) => policyOf(r.inputs.policy).Statement;
    const trust = (role: PlannedResource) => policyOf(role.inputs.assumeRolePolicy).Statement;

    before(async () => {
        bootstrap = await planBootstrap();
    });

    it("plans clean: 0 readiness problems, 0 mandatory violations, and only the findings it accepts with a reason", () => {
        expect(bootstrap.problems).to.deep.equal([]);
        expect(bootstrap.policy.violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);
        expect(bootstrap.policy.unused).to.deep.equal([]);
        const accepted = [...new Set(bootstrap.policy.suppressed.map((v) => `${v.policy} ${v.urn.split("::").pop()}`))].sort();
        expect(accepted).to.deep.equal(
            ["production", "staging"]
                .flatMap((s) => [`iam-no-wildcard-resource platform-${s}-deploy`, `iam-no-wildcard-resource platform-${s}-preview`])
                .sort(),
        );
        // The pack config of its own `pulumi up --policy-pack ../policy` carries the same acceptances.
        expect(bootstrap.packConfig["iam-no-wildcard-resource"].suppress!.map((s) => s.resource)).to.have.length(4);
        expect(bootstrap.packConfig["rds-multi-az-production"].environment).to.equal("production");
    });

    it("creates the state bucket versioned, encrypted, private, TLS-only and protected", () => {
        const bucket = find("aws:s3/bucket:Bucket", "platform-state");
        expect(bucket.inputs.bucket).to.equal("acme-platform-pulumi-state-123456789012");
        expect(bucket.options).to.include({ protect: true, retainOnDelete: true });
        expect(bucket.inputs.forceDestroy).to.equal(false);
        expect(find("aws:s3/bucketVersioning:BucketVersioning", "platform-state").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
        expect(find("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "platform-state").inputs).to.include({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        const sse = find("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "platform-state").inputs.rules as {
            applyServerSideEncryptionByDefault: { sseAlgorithm: string };
        }[];
        expect(sse[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
        expect(statements(find("aws:s3/bucketPolicy:BucketPolicy", "platform-state"))[0]).to.include({ Sid: "DenyInsecureTransport", Effect: "Deny" });
    });

    it("creates the secrets provider's KMS key (rotated, protected) and GitHub's OIDC provider, and says how to use them", () => {
        const key = find("aws:kms/key:Key", "platform-secrets");
        expect(key.inputs).to.include({ enableKeyRotation: true, deletionWindowInDays: 30 });
        expect(key.options.protect).to.equal(true);
        expect(find("aws:kms/alias:Alias", "platform-secrets").inputs.name).to.equal("alias/platform-secrets");
        const oidc = find("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "platform-github");
        expect(oidc.inputs).to.deep.include({ url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"] });
        expect(bootstrap.plan.outputs).to.include({
            backendUrl: "s3://acme-platform-pulumi-state-123456789012",
            secretsProvider: "awskms://alias/platform-secrets?region=us-east-1",
        });
    });

    it("gives each stack a preview role trusted by exactly <stack>-preview and <stack>-drift, and a deploy role trusted by exactly <stack>", () => {
        for (const stack of ["staging", "production"]) {
            const preview = find("aws:iam/role:Role", `platform-${stack}-preview`);
            const deploy = find("aws:iam/role:Role", `platform-${stack}-deploy`);
            for (const [role, environments] of [
                [preview, [`${stack}-preview`, `${stack}-drift`]],
                [deploy, [stack]],
            ] as const) {
                expect(role.inputs.path).to.equal("/platform-pipeline/");
                const [statement, ...others] = trust(role);
                expect(others).to.deep.equal([]);
                expect(statement).to.deep.include({ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity" });
                expect(statement.Condition).to.deep.equal({
                    StringEquals: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": environments.map((e) => `repo:acme/platform:environment:${e}`),
                    },
                });
            }
        }
    });

    it("writes the permissions out: no * nor whole-service action, a preview role that writes only the state lock, guards no role can lift", () => {
        for (const stack of ["staging", "production"]) {
            for (const kind of ["preview", "deploy"]) {
                const policy = statements(find("aws:iam/rolePolicy:RolePolicy", `platform-${stack}-${kind}`));
                for (const s of policy.filter((s) => s.Effect === "Allow"))
                    for (const action of [s.Action].flat() as string[]) expect(action, `${stack} ${kind}`).to.not.match(/^(\*|[a-z0-9-]+:\*)$/);
                const guard = policy.find((s) => s.Sid === "PipelineGuards")!;
                expect(guard.Effect).to.equal("Deny");
                expect(guard.Action).to.include.members(["iam:*", "s3:DeleteBucket", "kms:ScheduleKeyDeletion"]);
                expect(guard.Resource).to.include("arn:aws:iam::123456789012:role/platform-pipeline/*");
            }
            const preview = statements(find("aws:iam/rolePolicy:RolePolicy", `platform-${stack}-preview`)).filter((s) => s.Effect === "Allow");
            const writes = preview.flatMap((s) => ([s.Action].flat() as string[]).map((a) => ({ a, r: s.Resource })));
            for (const { a, r } of writes.filter(({ a }) => !/:(Describe|Get|List)/.test(a) && a !== "sts:GetCallerIdentity" && !a.startsWith("kms:")))
                expect([a, r], "a preview role writes only the state lock").to.deep.equal([
                    a,
                    `arn:aws:s3:::acme-platform-pulumi-state-123456789012/.pulumi/locks/*`,
                ]);
        }
    });

    it("lets the deploy role create every resource type the platform's stacks plan, and the preview role read it", async () => {
        // Production's types include staging's (it adds the DR copies).
        const types = new Set((await planOnce(readStackFiles("production"))).resources.filter((r) => r.custom).map((r) => r.type));
        const deploy = statements(find("aws:iam/rolePolicy:RolePolicy", "platform-production-deploy"));
        const allowed = new Set(deploy.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat() as string[]));
        for (const type of [...types].filter((t) => t.startsWith("aws:"))) {
            const service = serviceOf(type);
            expect(service, `${type}: no service in bootstrap/permissions.ts`).to.be.a("string");
            expect(allowed, type).to.include(`${service}:Create*`).and.include(`${service}:Describe*`);
        }
        expect(serviceOf("aws:neptune/cluster:Cluster"), "a service the table lacks").to.equal(undefined);
        expect(Object.keys(SERVICE_WRITES)).to.include.members(["route53", "sts"]);
        expect(readActions()).to.include("sts:GetCallerIdentity");
    });

    it("covers a stack file added to the repository, and refuses a bad config naming each key", async () => {
        const dir = scratchDir("bootstrap");
        const file = path.join(dir, "Pulumi.acme.yaml");
        fs.writeFileSync(
            file,
            "config:\n  aws:region: eu-central-1\n  platform-bootstrap:repository: acme/platform\n  platform-bootstrap:stateBucket: acme-state-eu\n  platform-bootstrap:stacks: [acme-prod]\n",
        );
        const acme = await planBootstrap("acme", file);
        expect(acme.plan.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name)).to.deep.equal([
            "platform-acme-prod-preview",
            "platform-acme-prod-deploy",
        ]);
        expect(acme.policy.violations.filter((v) => v.level === "mandatory")).to.deep.equal([]);

        const bad = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(bad, "config:\n  aws:region: us-east-1\n  platform-bootstrap:stateBucket: Not_A_Bucket\n");
        let err = "";
        const status = await bootstrapCommand(["--stack", "bad", "--config-file", bad], { out: () => undefined, err: (t) => (err += t) });
        expect(status).to.equal(1);
        expect(err)
            .to.contain("platform-bootstrap:repository: expected owner/name")
            .and.contain("platform-bootstrap:stateBucket: expected a globally unique S3 bucket name");
        expect(err).to.contain("nothing was created");
    });
});
