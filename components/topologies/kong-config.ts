/**
 * Kong's DB-less declarative configuration for the event-driven topology, rendered from the
 * workload's routes: each route's upstream URL, rate limiting kept in Redis, and a
 * health route the load balancer probes. Pure, so tests read it as Kong would.
 */

export interface KongRoute {
    /** Path prefix, e.g. `/api`. */
    path: string;
    /** The upstream service (`integration` or `webhook`). */
    service: string;
}

export interface KongConfigArgs {
    routes: KongRoute[];
    /** Each service's upstream URL (`https://name:port` or `http://host:port`): its production listener on the services' balancer; HTTPS ones are verified. */
    upstreams: Record<string, string>;
    /** Requests per minute and client IP. */
    rateLimitPerMinute: number;
    redis: { host: string; port: number };
}

/** The env var Kong reads the Redis AUTH token from (`{vault://env/redis-auth}`). */
export const KONG_REDIS_AUTH_VARIABLE = "REDIS_AUTH";
/** Path the load balancer probes; Kong answers it itself. */
export const KONG_HEALTH_PATH = "/__gateway/health";

export function renderKongConfig(args: KongConfigArgs): Record<string, unknown> {
    const upstreams = [...new Set(args.routes.map((r) => r.service))];
    return {
        _format_version: "3.0",
        services: [
            ...upstreams.map((service) => ({
                name: service,
                url: args.upstreams[service],
                // An HTTPS upstream's certificate is verified against the system's CAs (Kong's default trust).
                ...(args.upstreams[service].startsWith("https://") ? { tls_verify: true } : {}),
                routes: args.routes.filter((r) => r.service === service).map((r, i) => ({ name: `${service}-${i + 1}`, paths: [r.path], strip_path: false })),
            })),
            {
                // Never contacted: the request-termination plugin answers first.
                name: "gateway-health",
                url: "http://127.0.0.1:1",
                routes: [
                    {
                        name: "gateway-health",
                        paths: [KONG_HEALTH_PATH],
                        plugins: [{ name: "request-termination", config: { status_code: 200, message: "ok" } }],
                    },
                ],
            },
        ],
        plugins: [
            {
                name: "rate-limiting",
                config: {
                    minute: args.rateLimitPerMinute,
                    limit_by: "ip",
                    policy: "redis",
                    // Keep serving if Redis is unreachable, rather than refusing every request.
                    fault_tolerant: true,
                    redis: {
                        host: args.redis.host,
                        port: args.redis.port,
                        ssl: true,
                        ssl_verify: true,
                        server_name: args.redis.host,
                        password: "{vault://env/redis-auth}",
                    },
                },
            },
        ],
    };
}
