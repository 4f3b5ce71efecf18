// node-oidc-provider as a peer of Identity Pools' OpenID provider, for
// bench/peers/run.py: one process, one confidential client (client_secret_basic,
// authorization code with PKCE S256, refresh tokens rotated on each use, RS256
// ID tokens), userinfo, discovery and JWKS, everything stored in PostgreSQL
// (the adapter below) as Identity Pools and django-oauth-toolkit store theirs.
//
// The driver completes the authorization step itself: devInteractions are off and
// GET /interaction/<uid> signs the one bench account in and grants the client
// "openid profile email" at once (no page, no form).
//
// Environment: PORT, DATABASE_URL, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';
import pg from 'pg';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`bench/peers/node/server.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const PORT = Number(env('PORT'));
const ISSUER = `http://127.0.0.1:${PORT}`;
const ACCOUNT = 'bench-user';
const CLAIMS = {
  sub: ACCOUNT,
  email: 'bench@example.com',
  email_verified: true,
  name: 'Bench User',
  given_name: 'Bench',
  family_name: 'User',
};

const db = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 4, idleTimeoutMillis: 0 });

await db.query(`
  CREATE TABLE IF NOT EXISTS oidc_payloads (
    id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    PRIMARY KEY (id, type)
  );
  CREATE INDEX IF NOT EXISTS oidc_payloads_grant_id ON oidc_payloads (grant_id);
  CREATE INDEX IF NOT EXISTS oidc_payloads_uid ON oidc_payloads (uid);
  CREATE INDEX IF NOT EXISTS oidc_payloads_user_code ON oidc_payloads (user_code);
`);

// The storage interface oidc-provider asks of an adapter, one row a model
// instance (the shape of the project's own example adapters).
class PostgresAdapter {
  constructor(type) {
    this.type = type;
  }

  async upsert(id, payload, expiresIn) {
    await db.query(
      `INSERT INTO oidc_payloads (id, type, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
       ON CONFLICT (id, type) DO UPDATE SET payload = EXCLUDED.payload,
         grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code,
         uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [id, this.type, payload, payload.grantId ?? null, payload.userCode ?? null,
        payload.uid ?? null, expiresIn ?? null],
    );
  }

  async #one(where, value) {
    const { rows } = await db.query(
      `SELECT payload, consumed_at IS NOT NULL AS consumed FROM oidc_payloads
       WHERE ${where} = $1 AND type = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [value, this.type],
    );
    if (!rows.length) return undefined;
    const [{ payload, consumed }] = rows;
    return consumed ? { ...payload, consumed: true } : payload;
  }

  find(id) {
    return this.#one('id', id);
  }

  findByUid(uid) {
    return this.#one('uid', uid);
  }

  findByUserCode(userCode) {
    return this.#one('user_code', userCode);
  }

  async consume(id) {
    await db.query(
      'UPDATE oidc_payloads SET consumed_at = now() WHERE id = $1 AND type = $2',
      [id, this.type],
    );
  }

  async destroy(id) {
    await db.query('DELETE FROM oidc_payloads WHERE id = $1 AND type = $2', [id, this.type]);
  }

  async revokeByGrantId(grantId) {
    await db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(ISSUER, {
  adapter: PostgresAdapter,
  clients: [{
    client_id: env('CLIENT_ID'),
    client_secret: env('CLIENT_SECRET'),
    redirect_uris: [env('REDIRECT_URI')],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  pkce: { required: () => true },
  // As Identity Pools' web applications: a refresh token with every code (not
  // only under offline_access), rotated on every use.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  findAccount: async (_ctx, sub) => (sub === ACCOUNT
    ? { accountId: ACCOUNT, claims: async () => CLAIMS }
    : undefined),
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

// Signs the bench account in, then grants the client what it asked for.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT } }, {
      mergeWithLastSubmission: false,
    });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.setHeader('Content-Type', 'text/plain');
      res.end(String(error?.stack ?? error));
    });
    return;
  }
  callback(req, res);
});

const stop = () => server.close(() => db.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.listen(PORT, '127.0.0.1', () => console.log(`node-oidc-provider on ${ISSUER}`));
