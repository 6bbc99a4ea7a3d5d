/** How the client commands (status, reset, aws, builds) reach a running Drydock: its internal API, and AWS operations signed like any SDK's. */
import { DEFAULT_ACCESS_KEY, DEFAULT_REGION, DEFAULT_SECRET_KEY } from '../core/accounts.js';
import { CommandFailed } from './usage.js';

export const DEFAULT_PORT = 4566;

/** --endpoint, else AWS_ENDPOINT_URL (what the aws CLI and the SDKs read), else this machine on DRYDOCK_PORT. */
export function endpointOf(flag: string | undefined): string {
  return flag ?? process.env.AWS_ENDPOINT_URL ?? `http://localhost:${process.env.DRYDOCK_PORT ?? DEFAULT_PORT}`;
}

/** Keys already in the environment win (a twelve-digit key id addresses another account); the test keys fill in otherwise. */
export function callerCredentials(): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  return {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? DEFAULT_ACCESS_KEY,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? DEFAULT_SECRET_KEY,
    sessionToken: process.env.AWS_SESSION_TOKEN,
  };
}

/** Calls `/_drydock/<path>` and answers its JSON document; fails when nothing answers, or something that is not Drydock does. */
export async function callInternal(endpoint: string, method: 'GET' | 'POST', path: string): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/_drydock/${path}`, { method });
  } catch {
    throw new CommandFailed(`Drydock is not reachable at ${endpoint}`);
  }
  const text = await res.text();
  try {
    return { ok: res.ok, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new CommandFailed(`${endpoint} answered ${res.status} but is not Drydock (the answer is not JSON)`);
  }
}

/** An AWS error answer, as the CLI reports it. */
export class ApiError extends CommandFailed {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Calls an awsJson1_1 operation of the server, signed with the caller's (or the test) credentials. */
export async function callJson(endpoint: string, service: string, target: string, input: unknown): Promise<Record<string, unknown>> {
  // Loaded on use: the other commands do not sign requests.
  const [{ SignatureV4 }, { NodeSha256 }] = await Promise.all([import('@smithy/signature-v4'), import('../protocol/sigv4.js')]);
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    credentials: callerCredentials(),
    sha256: NodeSha256,
  });
  const body = JSON.stringify(input);
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: '/',
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  let res: Response;
  try {
    res = await fetch(new URL('/', url), { method: 'POST', headers: signed.headers as Record<string, string>, body });
  } catch {
    throw new CommandFailed(`Drydock is not reachable at ${endpoint}`);
  }
  const text = await res.text();
  let answer: Record<string, unknown>;
  try {
    answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  } catch {
    throw new CommandFailed(`${endpoint} answered ${res.status} but is not Drydock (the answer is not JSON)`);
  }
  if (!res.ok) {
    const code = String(answer.__type ?? res.status)
      .split('#')
      .pop()!;
    throw new ApiError(code, String(answer.message ?? answer.Message ?? text));
  }
  return answer;
}
