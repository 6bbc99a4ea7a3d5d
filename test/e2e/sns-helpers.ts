/** What the SNS end-to-end tests share: the local outbox, waiting for deliveries, and an HTTP endpoint that records what SNS posts to it. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OutboxMessage {
  id: number;
  protocol: string;
  to: string;
  subject: string;
  body: string;
  messageId: string;
  subscriptionArn?: string;
  topicArn?: string;
}

/** The outbox entries sent to `to` (every entry without it). */
export async function outbox(url: string, to?: string): Promise<OutboxMessage[]> {
  const query = to === undefined ? '' : `?to=${encodeURIComponent(to)}`;
  const response = await fetch(`${url}/_drydock/sns/outbox${query}`);
  return ((await response.json()) as { messages: OutboxMessage[] }).messages;
}

/**
 * Polls `probe` until it answers something other than undefined: deliveries run as jobs after the
 * request that caused them has answered, so their effects appear a moment later.
 */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for a delivery');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface HttpEndpoint {
  url: string;
  requests: ReceivedRequest[];
  /** The status the endpoint answers from now on. */
  status: number;
  /** While true, requests are recorded but not answered (a subscriber that hangs). */
  holding: boolean;
  /** Resolves with the `index`th request (0-based) once it has arrived. */
  request(index: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

/** A local HTTP endpoint that records every request and answers `status` (200 by default). */
export async function httpEndpoint(): Promise<HttpEndpoint> {
  const requests: ReceivedRequest[] = [];
  const endpoint = { status: 200, holding: false } as HttpEndpoint;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (!endpoint.holding) res.writeHead(endpoint.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sns`;
  endpoint.requests = requests;
  endpoint.request = (index) => eventually(() => requests[index]);
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return endpoint;
}
