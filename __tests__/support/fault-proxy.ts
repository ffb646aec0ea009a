import * as http from 'node:http';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';

/** What the proxy does with one request: fail it, delay it, or pass it on. */
export type Fault = { kind: 'status'; status: number; headers?: Record<string, string> } | { kind: 'hang' } | { kind: 'pass' };

/**
 * A real HTTP proxy on 127.0.0.1 in front of a real endpoint: the first requests get the scripted
 * faults, the rest are forwarded. Counts every request it receives.
 */
export class FaultProxy {
  faults: Fault[] = [];
  received = 0;
  private server?: http.Server;
  private port = 0;

  constructor(private readonly target: string) {}

  /** `target`'s URL through the proxy. */
  get url(): string {
    const target = new URL(this.target);
    return `http://127.0.0.1:${this.port}${target.pathname}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const fault = this.faults[this.received++] ?? { kind: 'pass' };
      if (fault.kind === 'hang') return;
      if (fault.kind === 'status') {
        response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end('{"error":"temporarily_unavailable"}');
        return;
      }
      const forward = http.request(this.target, { method: request.method, headers: { ...request.headers, host: new URL(this.target).host } }, (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(response);
      });
      forward.on('error', () => response.writeHead(502).end());
      request.pipe(forward);
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
