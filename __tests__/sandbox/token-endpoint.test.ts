import { generateSigningKey } from '../../sandbox/cognito-tokens';
import type { SandboxClient } from '../../sandbox/state';
import { tokenEndpoint } from '../../sandbox/token-endpoint';

const key = generateSigningKey();
const client: SandboxClient = {
  name: 'reporting',
  clientId: 'reportingclientid',
  clientSecret: 'new-secret',
  secrets: [
    { id: 'reportingclientid--1', value: 'old-secret', createdAt: '2026-01-01T00:00:00.000Z' },
    { id: 'reportingclientid--2', value: 'new-secret', createdAt: '2026-04-01T00:00:00.000Z' },
  ],
  currentSecretId: 'reportingclientid--2',
  previousSecretId: 'reportingclientid--1',
  scopes: ['api/read'],
  accessTokenValidityMinutes: 60,
  tokenPaths: ['oauth2'],
};

function requestToken(secret: string) {
  const authorization = `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`;
  return tokenEndpoint({ contentType: 'application/x-www-form-urlencoded', authorization, body: 'grant_type=client_credentials' }, { clients: [client], issuer: 'http://127.0.0.1/pool', key });
}

describe('tokenEndpoint', () => {
  test.each([['the current secret', 'new-secret'], ['the previous secret (kept until the next rotation)', 'old-secret']])('a client with two secrets gets a token with %s', (_which, secret) => {
    const reply = requestToken(secret);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  test('fails when the secret is neither of them: invalid_client', () => {
    expect(requestToken('other-secret')).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect(requestToken('')).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
  });
});
