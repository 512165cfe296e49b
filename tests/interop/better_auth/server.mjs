// The real Better Auth on the test PostgreSQL, configured by the test.
//
// BA_CONFIG (JSON) chooses the setup: the jwt() algorithm, generateId,
// renamed or snake_case models, a cookie prefix, secure cookies, a key
// rotation interval. BA_DATABASE_URL is where its tables go (its own
// migrations create them, in BA_SCHEMA when given); BETTER_AUTH_SECRET or
// BETTER_AUTH_SECRETS come from the environment, as in a real deployment.
// It prints "listening <port>" once it serves.
import http from "node:http";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";
import { bearer, jwt } from "better-auth/plugins";
import pg from "pg";

const config = JSON.parse(process.env.BA_CONFIG || "{}");
const schema = config.schema;
const databaseUrl = process.env.BA_DATABASE_URL;

if (schema) {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await admin.end();
}
const pool = new pg.Pool({
  connectionString: databaseUrl,
  ...(schema ? { options: `-c search_path=${schema}` } : {}),
});

const snake = config.columnCase === "snake";
const jwksFields = snake
  ? { publicKey: "public_key", privateKey: "private_key", createdAt: "created_at", expiresAt: "expires_at" }
  : {};
const options = {
  database: pool,
  baseURL: config.baseURL || "http://auth.test",
  emailAndPassword: { enabled: true },
  plugins: [
    bearer(),
    jwt({
      jwks: {
        keyPairConfig: config.keyPairConfig || { alg: "EdDSA", crv: "Ed25519" },
        ...(config.rotationInterval ? { rotationInterval: config.rotationInterval } : {}),
      },
      schema: { jwks: { modelName: config.jwksTable || "jwks", fields: jwksFields } },
    }),
  ],
  user: config.userTable ? { modelName: config.userTable } : undefined,
  session: {
    modelName: config.sessionTable || "session",
    fields: snake
      ? { userId: "user_id", expiresAt: "expires_at", createdAt: "created_at", updatedAt: "updated_at",
          ipAddress: "ip_address", userAgent: "user_agent" }
      : {},
  },
  account: config.accountTable ? { modelName: config.accountTable } : undefined,
  advanced: {
    ...(config.generateId ? { database: { generateId: config.generateId } } : {}),
    ...(config.cookiePrefix ? { cookiePrefix: config.cookiePrefix } : {}),
    ...(config.useSecureCookies ? { useSecureCookies: true } : {}),
    // The tests call it from scripts, not from a browser page.
    disableCSRFCheck: true,
    disableOriginCheck: true,
  },
  logger: { level: "error" },
};

const auth = betterAuth(options);
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const server = http.createServer(toNodeHandler(auth));
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
