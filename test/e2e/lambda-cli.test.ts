/**
 * Lambda through the aws CLI: botocore's own waiters (function-active-v2, function-updated-v2) are
 * satisfied by the states the activation job drives, and `aws lambda invoke` writes the function's
 * answer to its file and returns the log tail.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { useServer } from '../helpers.js';
import { tempDirs } from '../temp-dirs.js';
import { executionRole, NODE_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
const tempDir = tempDirs('drydock-lambda-cli-');

it('creates, waits, updates, waits and invokes with the aws CLI', async () => {
  const dir = tempDir();
  const role = await executionRole(server.server, 'cli-role');
  writeFileSync(join(dir, 'one.zip'), zipOf({ 'index.js': "exports.handler = async (e) => ({ version: 'one', e });" }));
  writeFileSync(join(dir, 'two.zip'), zipOf({ 'index.js': "exports.handler = async (e) => { console.log('two ran'); return { version: 'two', e }; };" }));
  const created = JSON.parse(
    (
      await server.aws([
        'lambda',
        'create-function',
        '--function-name',
        'cli-fn',
        '--runtime',
        NODE_RUNTIME,
        '--role',
        role,
        '--handler',
        'index.handler',
        '--zip-file',
        `fileb://${join(dir, 'one.zip')}`,
      ])
    ).stdout,
  );
  expect(created).toMatchObject({ FunctionName: 'cli-fn', State: 'Pending' });
  await server.aws(['lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn']);
  await server.aws(['lambda', 'update-function-code', '--function-name', 'cli-fn', '--zip-file', `fileb://${join(dir, 'two.zip')}`]);
  await server.aws(['lambda', 'wait', 'function-updated-v2', '--function-name', 'cli-fn']);
  const out = join(dir, 'out.json');
  const answer = JSON.parse((await server.aws(['lambda', 'invoke', '--function-name', 'cli-fn', '--payload', '{"n":1}', '--log-type', 'Tail', out])).stdout);
  expect(answer).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
  expect(Buffer.from(answer.LogResult, 'base64').toString('utf8')).toContain('two ran');
  expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ version: 'two', e: { n: 1 } });
}, 120_000);
