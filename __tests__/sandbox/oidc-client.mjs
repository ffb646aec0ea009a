// A standard OpenID Connect client (openid-client, ESM only, so run as a child process of the test):
// discovers the issuer given as argv[2], then runs a client_credentials grant with the client
// authentication method argv[5] (client_secret_basic or client_secret_post). Prints one JSON line.
import * as oidc from 'openid-client';

const [issuer, clientId, clientSecret, method, scope] = process.argv.slice(2);
const authentication = method === 'client_secret_post' ? oidc.ClientSecretPost() : oidc.ClientSecretBasic();
try {
  const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, authentication, { execute: [oidc.allowInsecureRequests] });
  const tokens = await oidc.clientCredentialsGrant(config, scope ? { scope } : {});
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString());
  console.log(JSON.stringify({ issuer: config.serverMetadata().issuer, tokenEndpoint: config.serverMetadata().token_endpoint, tokenType: tokens.token_type, expiresIn: tokens.expires_in, claims }));
} catch (error) {
  console.log(JSON.stringify({ failed: error.name, code: error.code, error: error.error, status: error.status }));
}
