/**
 * The client-credentials SecretString: the shapes Terraform writes (default path, other paths), the
 * rules of `token_paths`, `region` and `token_endpoint`, and the pending version createSecret writes.
 * Error messages name the field and the rule, never a value read from the secret.
 */
import { TOKEN_PATHS as CONFIG_TOKEN_PATHS } from '../../lib/config/schema';
import { parseClientCredentials, pendingSecretString, TOKEN_PATHS } from '../../lambdas/secret-rotation/client-credentials';
import { ClientCredentialsValueError } from '../../lambdas/secret-rotation/errors';
import { CLIENT_ID, ORIGINAL_SECRET } from './fakes';

const WHERE = 'secret m2m/dev/billing-batch (AWSCURRENT)';
const TOKEN_ENDPOINT = 'https://m2m-dev.auth.eu-west-1.amazoncognito.com/oauth2/token';
const BASE = { client_id: CLIENT_ID, client_secret: ORIGINAL_SECRET };
const parse = (fields: Record<string, unknown>) => parseClientCredentials(JSON.stringify(fields), WHERE);

describe('parseClientCredentials', () => {
  test('default setup: Terraform\'s value for a client on the default path means oauth2 only, no region', () => {
    expect(parse({ ...BASE, token_endpoint: TOKEN_ENDPOINT }).credentials).toEqual({ ...BASE, token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2'] });
  });

  test.each([
    [['api'], { token_paths: ['api'], region: 'eu-west-1' }],
    [['oauth2', 'api'], { token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2', 'api'], region: 'eu-west-1' }],
    [['api', 'oauth2'], { token_endpoint: TOKEN_ENDPOINT, token_paths: ['api', 'oauth2'], region: 'eu-west-1' }],
    [['oauth2'], { token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2'], region: 'eu-west-1' }],
  ])('reads the paths %j with their region', (paths, fields) => {
    expect(parse({ ...BASE, ...fields }).credentials).toEqual({ ...BASE, ...fields, token_paths: paths });
  });

  test('the paths are the config\'s', () => {
    expect([...TOKEN_PATHS]).toEqual([...CONFIG_TOKEN_PATHS]);
  });

  test.each([
    ['token_paths is not an array', { token_paths: 'api', region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; received a string'],
    ['token_paths is null', { token_paths: null, region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; received null'],
    ['token_paths is empty', { token_paths: [], region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; received an empty array'],
    ['token_paths names an unknown path', { token_paths: ['api', 'sdk'], region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; token_paths[1] is another string'],
    ['token_paths holds a number', { token_paths: [1], region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; token_paths[0] is a number'],
    ['token_paths repeats a path', { token_paths: ['api', 'api'], region: 'eu-west-1' }, 'token_paths must be a non-empty array of "oauth2" and "api", each once; token_paths[1] repeats token_paths[0]'],
    ['token_paths comes without region', { token_paths: ['api'] }, 'region must be a non-empty string; received a undefined'],
    ['region is empty', { token_paths: ['api'], region: '' }, 'region must be a non-empty string; received an empty string'],
    ['region is not a string', { token_endpoint: TOKEN_ENDPOINT, region: 1 }, 'region must be a non-empty string; received a number'],
    ['oauth2 is a path but token_endpoint is missing', { token_paths: ['oauth2', 'api'], region: 'eu-west-1' }, 'token_endpoint must be a non-empty string; received a undefined'],
    ['there is neither token_paths nor token_endpoint', {}, 'token_endpoint must be a non-empty string; received a undefined'],
    ['token_endpoint comes with paths without oauth2', { token_endpoint: TOKEN_ENDPOINT, token_paths: ['api'], region: 'eu-west-1' }, 'token_endpoint must be absent when token_paths does not include "oauth2"'],
  ])('fails when %s', (_, fields, rule) => {
    const parsing = () => parse({ ...BASE, ...fields });
    expect(parsing).toThrow(new ClientCredentialsValueError(`${WHERE}: ${rule}`));
    expect(parsing).toThrow(ClientCredentialsValueError);
  });

  test('fails without repeating a path a secret was pasted into', () => {
    const parsing = () => parse({ ...BASE, token_paths: [ORIGINAL_SECRET], region: ORIGINAL_SECRET });
    expect(parsing).toThrow(ClientCredentialsValueError);
    expect(parsing).not.toThrow(ORIGINAL_SECRET);
  });
});

describe('pendingSecretString', () => {
  const ADDED = { id: `${CLIENT_ID}--2`, value: 'new0secret0value' };

  test('default setup: every field of the current version, with the new secret and its id', () => {
    const current = parse({ ...BASE, token_endpoint: TOKEN_ENDPOINT, extra: 1 });
    expect(JSON.parse(pendingSecretString(current, ADDED))).toEqual({ ...BASE, client_secret: ADDED.value, token_endpoint: TOKEN_ENDPOINT, extra: 1, client_secret_id: ADDED.id });
  });

  test('with paths: writes token_paths and region, and keeps token_endpoint only when oauth2 is one of them', () => {
    const current = parse({ ...BASE, token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2', 'api'], region: 'eu-west-1' });

    const both = JSON.parse(pendingSecretString(current, ADDED, { token_paths: ['oauth2', 'api'], region: 'eu-west-1' }));
    const api = JSON.parse(pendingSecretString(current, ADDED, { token_paths: ['api'], region: 'eu-west-1' }));

    expect(both).toEqual({ ...BASE, client_secret: ADDED.value, token_endpoint: TOKEN_ENDPOINT, token_paths: ['oauth2', 'api'], region: 'eu-west-1', client_secret_id: ADDED.id });
    expect(api).toEqual({ ...BASE, client_secret: ADDED.value, token_paths: ['api'], region: 'eu-west-1', client_secret_id: ADDED.id });
    // What createSecret writes, the next steps read.
    expect(parseClientCredentials(JSON.stringify(api), WHERE).credentials.token_paths).toEqual(['api']);
  });
});
