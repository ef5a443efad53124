// Pure: the Compose renderer (kept free of Pulumi) and the ECS bootstrap container share it.

/**
 * The database bootstrap, run as the RDS master user (psql, with the variables db, user and pass).
 * Idempotent: creates the application's login role if absent, (re)sets its password, makes it the
 * owner of the application's database (creating it if absent), and keeps every other role out.
 * - One run at a time: services starting together take the same advisory lock.
 * - The master is not a superuser. Since PostgreSQL 16, making a role a database's owner needs the
 *   right to SET ROLE to it, which a role's creator does not get by default (createrole_self_grant):
 *   the master grants itself the new role first. Granting it again only raises a notice.
 * - RDS creates the workload's database owned by the master: ownership moves to the login role,
 *   which therefore owns the `public` schema (PostgreSQL 15+) and can run the migrations.
 * - New databases let PUBLIC connect: revoked, so a role reaches its own database only.
 */
export const DB_BOOTSTRAP_SQL = [
    "SELECT NULL FROM pg_advisory_lock(hashtext('platform-db-bootstrap'))\\gexec",
    "SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\\gexec",
    "SELECT format('ALTER ROLE %I PASSWORD %L', :'user', :'pass')\\gexec",
    "SELECT format('GRANT %I TO CURRENT_USER', :'user')\\gexec",
    "SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec",
    "SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'user')\\gexec",
    "SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')\\gexec",
];

/**
 * The shell script that runs the bootstrap with psql, reading DB_NAME, DB_USER and DB_PASSWORD
 * (and the master's PG* variables). `$` is written `$$` where Compose would interpolate it.
 */
export function bootstrapScript(dollar: "$" | "$$" = "$"): string {
    return [
        "set -eu",
        `psql -v ON_ERROR_STOP=1 -v db="${dollar}DB_NAME" -v user="${dollar}DB_USER" -v pass="${dollar}DB_PASSWORD" <<'SQL'`,
        ...DB_BOOTSTRAP_SQL,
        "SQL",
    ].join("\n");
}
