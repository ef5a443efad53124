import * as crypto from "crypto";

/** How a per-customer license (a JWT signed with Ed25519) is checked against the target account. */
export interface LicenseCheck {
    /** The AWS account being deployed to. */
    accountId: string;
    /** Claim holding the licensed AWS account ID. */
    accountClaim: string;
    /** Vendor's Ed25519 public key (PEM, SPKI). When set, the signature must verify. */
    publicKeyPem?: string;
    /** Current time; a license past its `exp` is refused. */
    now: Date;
}

export class LicenseError extends Error {
    constructor(where: string, message: string) {
        super(`${where}: ${message}`);
        this.name = "LicenseError";
    }
}

function decodeSegment(segment: string, what: string, where: string): Record<string, unknown> {
    try {
        const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
        if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
        // reported below
    }
    throw new LicenseError(where, `the license's ${what} is not base64url-encoded JSON`);
}

/**
 * Decodes a license JWT and checks that it names `accountId`, has not expired and, when a public
 * key is given, carries a valid EdDSA (Ed25519) signature. Throws a `LicenseError` naming `where`.
 */
export function verifyLicense(token: string, check: LicenseCheck, where: string): Record<string, unknown> {
    const parts = token.trim().split(".");
    if (parts.length !== 3) throw new LicenseError(where, "the license is not a JWT (expected header.payload.signature)");
    const [headerPart, payloadPart, signaturePart] = parts;
    const header = decodeSegment(headerPart, "header", where);
    const claims = decodeSegment(payloadPart, "payload", where);

    if (check.publicKeyPem !== undefined) {
        if (header.alg !== "EdDSA") throw new LicenseError(where, `the license is signed with ${JSON.stringify(header.alg)}, expected EdDSA (Ed25519)`);
        let key: crypto.KeyObject;
        try {
            key = crypto.createPublicKey(check.publicKeyPem);
        } catch {
            throw new LicenseError(where, "the configured public key is not a PEM public key");
        }
        if (key.asymmetricKeyType !== "ed25519") throw new LicenseError(where, `the configured public key is ${key.asymmetricKeyType}, expected ed25519`);
        const valid = crypto.verify(null, Buffer.from(`${headerPart}.${payloadPart}`), key, Buffer.from(signaturePart, "base64url"));
        if (!valid) throw new LicenseError(where, "the license signature does not verify with the configured public key");
    }

    const licensed = claims[check.accountClaim];
    if (licensed === undefined)
        throw new LicenseError(where, `the license has no "${check.accountClaim}" claim (set license.accountClaim if it uses another name)`);
    if (String(licensed) !== check.accountId) {
        throw new LicenseError(where, `the license is for AWS account ${String(licensed)}, but this stack deploys to account ${check.accountId}`);
    }
    if (claims.exp !== undefined) {
        if (typeof claims.exp !== "number") throw new LicenseError(where, "the license's exp claim is not a number");
        const expires = new Date(claims.exp * 1000);
        if (expires.getTime() <= check.now.getTime()) throw new LicenseError(where, `the license expired on ${expires.toISOString()}`);
    }
    return claims;
}
