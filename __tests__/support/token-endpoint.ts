import * as http from 'node:http';
import { closeServer, listenOnLoopback } from '../../sandbox/loopback';

/** What the scripted endpoint answers to one request. */
export interface ScriptedReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /**
   * Misbehave after the status line and headers (which announce the whole body's length): drop the
   * connection, or send half the body and then nothing until the endpoint stops.
   */
  fault?: 'drop-after-headers' | 'stall-mid-body';
}

export interface RecordedRequest {
  authorization?: string;
  body: URLSearchParams;
}

/**
 * A real HTTP token endpoint on 127.0.0.1 whose replies a test scripts, one per request (the last
 * one repeats). Records each request.
 */
export class ScriptedTokenEndpoint {
  readonly requests: RecordedRequest[] = [];
  replies: ScriptedReply[] = [];
  private server?: http.Server;
  private port = 0;
  private issued = 0;

  /** A valid token reply with a fresh token each time. */
  static ok(expiresIn = 3600): ScriptedReply {
    return { status: 200, body: { token_type: 'Bearer', expires_in: expiresIn } };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/oauth2/token`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      request.on('end', () => {
        this.requests.push({ authorization: request.headers.authorization, body: new URLSearchParams(raw) });
        const reply = this.replies[Math.min(this.requests.length - 1, this.replies.length - 1)] ?? ScriptedTokenEndpoint.ok();
        const body = reply.status === 200 && reply.body && typeof reply.body === 'object' && !Array.isArray(reply.body) && !('access_token' in reply.body) ? { access_token: `token-${++this.issued}`, ...reply.body } : reply.body;
        setTimeout(() => {
          if (response.destroyed) return;
          const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
          response.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...reply.headers });
          if (reply.fault === 'drop-after-headers') {
            response.flushHeaders();
            // Long enough for the client to have the headers: the drop must come mid-body, not before the response.
            setTimeout(() => response.socket?.destroy(), 20);
          } else if (reply.fault === 'stall-mid-body') {
            response.write(text.slice(0, Math.floor(text.length / 2)));
          } else {
            response.end(text);
          }
        }, reply.delayMs ?? 0);
      });
    });
    this.port = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}
