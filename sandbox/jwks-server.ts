import * as http from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';
import { jwksOf, type SigningKey } from './cognito-tokens';

/**
 * A real JWKS endpoint on 127.0.0.1 whose behaviour a test can change: serve the current keys,
 * answer 503 (down), or never answer (slow). Counts requests.
 */
export class JwksServer {
  keys: SigningKey[];
  mode: 'up' | 'down' | 'slow' = 'up';
  requests = 0;
  private server?: http.Server;
  private port = 0;

  constructor(
    keys: SigningKey[],
    readonly poolId = 'eu-west-1_TestPool1',
  ) {
    this.keys = keys;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}/${this.poolId}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      this.requests++;
      if (this.mode === 'slow') return; // never answers; the client must give up
      if (this.mode === 'down' || request.url !== `/${this.poolId}/.well-known/jwks.json`) {
        response.writeHead(this.mode === 'down' ? 503 : 404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(this.keys)));
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
