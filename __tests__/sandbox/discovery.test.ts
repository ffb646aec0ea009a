/**
 * The sandbox's OpenID Connect discovery document, read by a standard OIDC client (openid-client)
 * over real HTTP: it discovers the issuer and gets a token with both client authentication methods.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { useSandbox } from '../support/sandbox';
import { environment } from '../fixtures';

const run = promisify(execFile);
const OIDC_CLIENT = path.join(__dirname, 'oidc-client.mjs');
const config = environment({ m2mClients: [{ name: 'partner-backend', scopes: ['read', 'write'] }] });

const local = useSandbox(config, 'discovery');

/** What openid-client makes of the sandbox: the discovered metadata and the token's claims, or its error. */
async function discoverAndGetToken(method: 'client_secret_basic' | 'client_secret_post', scope = ''): Promise<Record<string, unknown>> {
  const [client] = local.sandbox.clients;
  const { stdout } = await run(process.execPath, [OIDC_CLIENT, local.sandbox.issuer, client.clientId, client.clientSecret, method, scope], { timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the discovery document', () => {
  test('is served under the issuer with the fields Cognito publishes for a user pool', async () => {
    // WHEN
    const response = await fetch(`${local.sandbox.issuer}/.well-known/openid-configuration`);
    // THEN
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(local.sandbox.discoveryUrl).toBe(`${local.sandbox.issuer}/.well-known/openid-configuration`);
    expect(await response.json()).toEqual({
      authorization_endpoint: `${local.sandbox.origin}/oauth2/authorize`,
      end_session_endpoint: `${local.sandbox.origin}/logout`,
      id_token_signing_alg_values_supported: ['RS256'],
      issuer: local.sandbox.issuer,
      jwks_uri: `${local.sandbox.issuer}/.well-known/jwks.json`,
      response_types_supported: ['code', 'token'],
      revocation_endpoint: `${local.sandbox.origin}/oauth2/revoke`,
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      token_endpoint: local.sandbox.tokenEndpoint,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      userinfo_endpoint: `${local.sandbox.origin}/oauth2/userInfo`,
    });
  });

  test('its jwks_uri serves the key that signs the tokens', async () => {
    const { jwks_uri: jwksUri } = (await (await fetch(local.sandbox.discoveryUrl)).json()) as { jwks_uri: string };
    expect(jwksUri).toBe(local.sandbox.jwksUri);
    expect(((await (await fetch(jwksUri)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });
});

describe('a standard OIDC client (openid-client) discovers the sandbox and gets a token', () => {
  test.each(['client_secret_basic', 'client_secret_post'] as const)('with %s', async (method) => {
    // WHEN
    const result = await discoverAndGetToken(method);
    // THEN
    const [client] = local.sandbox.clients;
    expect(result).toMatchObject({ issuer: local.sandbox.issuer, tokenEndpoint: local.sandbox.tokenEndpoint, tokenType: 'bearer', expiresIn: 3600 });
    expect(result.claims).toMatchObject({ iss: local.sandbox.issuer, client_id: client.clientId, token_use: 'access', scope: 'api/read api/write' });
  });

  test('a scope subset narrows the token; a scope the client lacks is refused with invalid_scope', async () => {
    expect((await discoverAndGetToken('client_secret_basic', 'api/write')).claims).toMatchObject({ scope: 'api/write' });
    expect(await discoverAndGetToken('client_secret_post', 'api/admin')).toMatchObject({ error: 'invalid_scope', status: 400 });
  });
});
