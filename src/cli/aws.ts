/** `drydock aws …`: the aws CLI, pointed at Drydock. */
import { spawn } from 'node:child_process';
import { DEFAULT_REGION } from '../core/accounts.js';
import { callerCredentials, endpointOf } from './endpoint.js';

/** Credentials and region already in the environment win; the test keys and us-east-1 fill in, so a bare `drydock aws …` needs no configuration. */
export function aws(args: string[]): void {
  const endpoint = endpointOf(undefined);
  const { accessKeyId, secretAccessKey } = callerCredentials();
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? process.env.AWS_REGION ?? DEFAULT_REGION,
  };
  const child = spawn('aws', ['--endpoint-url', endpoint, ...args], { stdio: 'inherit', env });
  child.on('error', () => {
    process.stderr.write('drydock: the aws CLI is not installed or not on PATH\n');
    process.exitCode = 127;
  });
  child.on('exit', (code) => {
    process.exitCode = code ?? 1;
  });
}
