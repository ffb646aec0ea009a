/**
 * Every refusal of the sandbox's token endpoint over real HTTP, one test per row of
 * TOKEN_ERROR_CASES, and the README table rendered from the same list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientTokenErrorTableMarkdown } from '../../sandbox/client-token-errors';
import { TOKEN_ERROR_CASES, TOKEN_REFUSALS, tokenErrorTableMarkdown } from '../../sandbox/token-errors';
import { useSandbox } from '../support/sandbox';
import { environment } from '../fixtures';

const config = environment({
  m2mClients: [
    { name: 'reporting', scopes: ['read'] },
    { name: 'api-only', scopes: ['read'], tokenPaths: ['api'] },
  ],
});

const local = useSandbox(config, 'token-errors');

describe('the token endpoint refuses as Cognito does', () => {
  test.each(TOKEN_ERROR_CASES.map((row) => [row.case, row] as const))('%s', async (_case, row) => {
    // GIVEN a client with the row's token paths
    const paths = row.clientTokenPaths ?? ['oauth2'];
    const client = local.sandbox.clients.find((c) => c.tokenPaths.join() === paths.join())!;
    const request = row.request(client);
    // WHEN
    const response = await fetch(local.sandbox.tokenEndpoint, { method: request.method, headers: request.headers, body: request.body });
    // THEN: status, body and headers exactly as Cognito's
    expect(response.status).toBe(row.cognito.status);
    expect(await response.json()).toEqual({ error: row.cognito.error });
    expect(response.headers.get('www-authenticate')).toBeNull();
    for (const [name, value] of Object.entries(row.cognito.headers ?? {})) expect(response.headers.get(name)).toBe(value);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  test("each row's sandbox answer is the answer the row says Cognito gives", () => {
    for (const row of TOKEN_ERROR_CASES) expect([row.case, TOKEN_REFUSALS[row.sandbox]]).toEqual([row.case, row.cognito]);
  });

  test('a grant type that is no valid header text is still refused cleanly (the hint is sanitized)', async () => {
    const [client] = local.sandbox.clients;
    const response = await fetch(local.sandbox.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
      body: 'grant_type=%E2%9C%93%0D%0Ax-injected:%201',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'unsupported_grant_type' });
    expect(response.headers.get('x-injected')).toBeNull();
  });

  test('the same client, correctly authenticated either way, gets a token (the rows fail for their own reason only)', async () => {
    const [client] = local.sandbox.clients;
    const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const withBasic = await fetch(local.sandbox.tokenEndpoint, { method: 'POST', headers: { ...form, authorization: basic }, body: `grant_type=client_credentials&client_id=${client.clientId}` });
    expect(withBasic.status).toBe(200);
    const inBody = await fetch(local.sandbox.tokenEndpoint, { method: 'POST', headers: form, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: 'api/read' }).toString() });
    expect(inBody.status).toBe(200);
  });
});

describe('README "Trying it locally"', () => {
  test('holds the token error table rendered from TOKEN_ERROR_CASES', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Trying it locally: `npm run local`'));
    const local = section.slice(0, section.indexOf('\n## ', 1));
    expect(local).toContain(tokenErrorTableMarkdown());
  });

  test('holds the GetClientToken error table rendered from CLIENT_TOKEN_ERROR_CASES', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Trying it locally: `npm run local`'));
    const local = section.slice(0, section.indexOf('\n## ', 1));
    expect(local).toContain(clientTokenErrorTableMarkdown());
  });
});
