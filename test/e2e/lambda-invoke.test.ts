/**
 * Lambda functions really run: the managed runtimes (Node.js as CommonJS, ES module and callback
 * handlers; Python) and a custom runtime with its own bootstrap, through the Runtime API; the
 * handler contract (event, context), AWS's variables and the execution role's credentials, the
 * error payloads AWS answers with, timeouts, logs in CloudWatch Logs and the LogResult tail.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { createActiveFunction, decode, executionRole, NODE_RUNTIME, PYTHON_RUNTIME, zipOf } from './lambda-helpers.js';

const server = useServer();
let lambda: LambdaClient;
let role: string;

beforeAll(async () => {
  lambda = new LambdaClient(server.clientConfig);
  role = await executionRole(server.server, 'invoke-tests');
});
afterAll(() => lambda.destroy());

async function invoke(name: string, event: unknown = {}, extra: { Qualifier?: string } = {}) {
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail', ...extra }));
  return { ...out, body: decode(out.Payload), log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8') };
}

/** Advances Drydock's clock in steps until `promise` settles: what makes a function's timeout pass without waiting for it. */
async function advanceUntilSettled<T>(promise: Promise<T>, stepMs: number): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    if (!settled) await server.advanceClock(stepMs);
  }
  return watched;
}

describe('Node.js', () => {
  it('runs an async CommonJS handler with the event, the context and AWS variables, and reuses its warm environment', async () => {
    const code = `
      let invocations = 0;
      exports.handler = async (event, context) => {
        invocations++;
        console.log('event', JSON.stringify(event));
        return {
          event,
          invocations,
          requestId: context.awsRequestId,
          functionName: context.functionName,
          version: context.functionVersion,
          arn: context.invokedFunctionArn,
          memory: context.memoryLimitInMB,
          stream: context.logStreamName,
          remaining: context.getRemainingTimeInMillis(),
          cwd: process.cwd(),
          env: Object.fromEntries(['AWS_LAMBDA_FUNCTION_NAME', '_HANDLER', 'LAMBDA_TASK_ROOT', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'GREETING', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_LOG_GROUP_NAME'].map((k) => [k, process.env[k]])),
          keys: Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY && process.env.AWS_SESSION_TOKEN),
        };
      };`;
    await createActiveFunction(lambda, {
      FunctionName: 'node-context',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 256,
      Environment: { Variables: { GREETING: 'hello' } },
      Code: { ZipFile: zipOf({ 'index.js': code }) },
    });
    const first = await invoke('node-context', { n: 1 });
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.ExecutedVersion).toBe('$LATEST');
    const body = first.body as Record<string, unknown>;
    expect(body).toMatchObject({
      event: { n: 1 },
      invocations: 1,
      requestId: first.$metadata.requestId,
      functionName: 'node-context',
      version: '$LATEST',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:node-context',
      memory: '256',
      cwd: '/var/task',
      keys: true,
      env: {
        AWS_LAMBDA_FUNCTION_NAME: 'node-context',
        _HANDLER: 'index.handler',
        LAMBDA_TASK_ROOT: '/var/task',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: server.url,
        GREETING: 'hello',
        AWS_EXECUTION_ENV: `AWS_Lambda_${NODE_RUNTIME}`,
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/node-context',
      },
    });
    expect(body.remaining).toBeGreaterThan(25_000);
    expect(body.remaining).toBeLessThanOrEqual(30_000);
    expect(body.stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(first.log).toMatch(new RegExp(`^START RequestId: ${first.$metadata.requestId} Version: \\$LATEST\\n`, 'm'));
    expect(first.log).toMatch(/\tINFO\tevent \{"n":1\}\n/);
    expect(first.log).toMatch(
      /\nEND RequestId: [0-9a-f-]+\nREPORT RequestId: [0-9a-f-]+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t$/,
    );

    const second = await invoke('node-context', { n: 2 });
    expect(second.body).toMatchObject({ invocations: 2, stream: body.stream });
    expect(second.log).not.toContain('Init Duration');
  });

  it('runs ES module (.mjs) handlers, callback handlers and handlers nested in directories', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-styles',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'src/app.handler',
      Code: { ZipFile: zipOf({ 'src/app.mjs': 'export const handler = async (event) => ({ esm: true, event });' }) },
    });
    expect((await invoke('node-styles', 'x')).body).toEqual({ esm: true, event: 'x' });

    await createActiveFunction(lambda, {
      FunctionName: 'node-callback',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': "exports.handler = (event, context, callback) => { setTimeout(() => console.log('after'), 10); callback(null, { sum: event.a + event.b }); };" }) },
    });
    const out = await invoke('node-callback', { a: 2, b: 3 });
    expect(out.body).toEqual({ sum: 5 });
    // The result is sent once the event loop is empty: the timer's line belongs to this invocation.
    expect(out.log).toMatch(/INFO\tafter\n/);
  });

  it("answers a thrown error as AWS's Unhandled error payload, with the log tail", async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-throws',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': "exports.handler = async () => { const e = new Error('no such order'); e.name = 'OrderError'; throw e; };" }) },
    });
    const out = await invoke('node-throws');
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body).toMatchObject({ errorType: 'OrderError', errorMessage: 'no such order', trace: expect.arrayContaining([expect.stringContaining('OrderError: no such order')]) });
    expect(out.log).toMatch(/\tERROR\tInvoke Error \t\{"errorType":"OrderError","errorMessage":"no such order"/);
  });

  it('reports a handler that is not exported and a module that does not exist as AWS does', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-no-handler',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.missing',
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => 1;' }) },
    });
    const missingHandler = await invoke('node-no-handler');
    expect(missingHandler.FunctionError).toBe('Unhandled');
    expect(missingHandler.body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.missing is undefined or not exported' });
    expect(missingHandler.log).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime.HandlerNotFound/);

    await createActiveFunction(lambda, {
      FunctionName: 'node-no-module',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'main.handler',
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => 1;' }) },
    });
    const missingModule = await invoke('node-no-module');
    expect(missingModule.body).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Error: Cannot find module 'main'\nRequire stack:\n- /var/runtime/index.mjs" });
    // Nothing is stuck: the function answers again, and so does everything else.
    expect((await invoke('node-no-module')).body).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });

  it('times out as AWS does (Task timed out after N.NN seconds), on the clock, and starts a fresh environment next time', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-slow',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Timeout: 2,
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async (event) => { if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); return "done"; };' }) },
    });
    expect((await invoke('node-slow')).body).toBe('done');
    const out = await advanceUntilSettled(invoke('node-slow', { hang: true }), 2000);
    expect(out.FunctionError).toBe('Unhandled');
    expect((out.body as { errorMessage: string }).errorMessage).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z [0-9a-f-]+ Task timed out after 2\.00 seconds$/);
    expect(out.log).toMatch(/REPORT RequestId: [0-9a-f-]+\tDuration: 2000\.00 ms\tBilled Duration: 2000 ms/);
    expect(out.log).toMatch(/Task timed out after 2\.00 seconds$/);
    const after = await invoke('node-slow');
    expect(after.body).toBe('done');
    expect(after.log).toContain('Init Duration');
  });

  it('reports a runtime that exits during an invocation as Runtime.ExitError', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-exits',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => { process.exit(3); };' }) },
    });
    const out = await invoke('node-exits');
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: exit status 3` });
  });

  it('gives each environment its own /tmp, and sees the updated configuration once the update is done', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-tmp',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Environment: { Variables: { MODE: 'one' } },
      Code: {
        ZipFile: zipOf({
          'index.js':
            "const fs = require('fs'); exports.handler = async () => { const seen = fs.existsSync('/tmp/mark'); fs.writeFileSync('/tmp/mark', 'x'); return { seen, mode: process.env.MODE }; };",
        }),
      },
    });
    expect((await invoke('node-tmp')).body).toEqual({ seen: false, mode: 'one' });
    expect((await invoke('node-tmp')).body).toEqual({ seen: true, mode: 'one' });
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'node-tmp', Environment: { Variables: { MODE: 'two' } } }));
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.5 }, { FunctionName: 'node-tmp' });
    // A new environment: new variables and an empty /tmp.
    expect((await invoke('node-tmp')).body).toEqual({ seen: false, mode: 'two' });
  });
});

describe('environments', () => {
  it('reaps a warm environment after five idle minutes of Drydock time', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-idle',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': 'exports.handler = async () => 1;' }) },
    });
    expect((await invoke('node-idle')).log).toContain('Init Duration');
    expect((await invoke('node-idle')).log).not.toContain('Init Duration');
    await server.advanceClock(5 * 60_000 + 1000);
    expect((await invoke('node-idle')).log).toContain('Init Duration');
  });
});

describe('Python', () => {
  it('runs a handler with the event and context, and reports exceptions with AWS payloads', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'python-fn',
      Runtime: PYTHON_RUNTIME,
      Role: role,
      Handler: 'app.handler',
      Code: {
        ZipFile: zipOf({
          'app.py': [
            'import os',
            'def handler(event, context):',
            '    print("got", event)',
            '    if event.get("fail"):',
            '        raise ValueError("bad value")',
            '    return {"event": event, "name": context.function_name, "id": context.aws_request_id, "left": context.get_remaining_time_in_millis(), "root": os.environ["LAMBDA_TASK_ROOT"]}',
          ].join('\n'),
        }),
      },
    });
    const ok = await invoke('python-fn', { a: 1 });
    expect(ok.body).toMatchObject({ event: { a: 1 }, name: 'python-fn', id: ok.$metadata.requestId, root: '/var/task' });
    expect(ok.log).toContain("got {'a': 1}\n");
    const failed = await invoke('python-fn', { fail: true });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(failed.body).toMatchObject({ errorMessage: 'bad value', errorType: 'ValueError', requestId: failed.$metadata.requestId, stackTrace: [expect.stringContaining('raise ValueError')] });
  });

  it('reports a module that does not exist and a missing handler as AWS does', async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'python-no-module',
      Runtime: PYTHON_RUNTIME,
      Role: role,
      Handler: 'lambda_function.handler',
      Code: { ZipFile: zipOf({ 'app.py': 'def handler(e, c):\n    return 1\n' }) },
    });
    expect((await invoke('python-no-module')).body).toEqual({
      errorMessage: "Unable to import module 'lambda_function': No module named 'lambda_function'",
      errorType: 'Runtime.ImportModuleError',
      requestId: '',
      stackTrace: [],
    });
    await createActiveFunction(lambda, {
      FunctionName: 'python-no-handler',
      Runtime: PYTHON_RUNTIME,
      Role: role,
      Handler: 'app.main',
      Code: { ZipFile: zipOf({ 'app.py': 'def handler(e, c):\n    return 1\n' }) },
    });
    expect((await invoke('python-no-handler')).body).toMatchObject({ errorMessage: "Handler 'main' missing on module 'app'", errorType: 'Runtime.HandlerNotFound' });
  });
});

describe('custom runtimes', () => {
  it("run the function's own bootstrap against the Runtime API", async () => {
    const bootstrap = [
      '#!/bin/sh',
      'set -eu',
      'while true; do',
      '  HEADERS=$(mktemp)',
      '  EVENT=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")',
      '  ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d \'[:space:]\' | cut -d: -f2)',
      '  echo "handling $ID with $_HANDLER"',
      '  curl -sS -X POST "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$ID/response" -d "{\\"echo\\":$EVENT,\\"handler\\":\\"$_HANDLER\\"}" >/dev/null',
      'done',
    ].join('\n');
    await createActiveFunction(lambda, {
      FunctionName: 'custom-fn',
      Runtime: 'provided.al2023',
      Role: role,
      Handler: 'function.handler',
      Code: { ZipFile: zipOf({ bootstrap: { text: bootstrap, mode: 0o755 } }) },
    });
    const out = await invoke('custom-fn', { x: [1, 2] });
    expect(out.body).toEqual({ echo: { x: [1, 2] }, handler: 'function.handler' });
    expect(out.log).toContain(`handling ${out.$metadata.requestId} with function.handler`);
  });

  it('reports a package without a bootstrap as Runtime.InvalidEntrypoint', async () => {
    await createActiveFunction(lambda, { FunctionName: 'custom-empty', Runtime: 'provided.al2023', Role: role, Handler: 'x', Code: { ZipFile: zipOf({ 'readme.txt': 'no bootstrap' }) } });
    const out = await invoke('custom-empty');
    expect(out.FunctionError).toBe('Unhandled');
    expect(out.body).toEqual({
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`,
    });
  });
});

describe('logs and payloads', () => {
  it("writes START, the function's lines, END and REPORT to /aws/lambda/<name> with the execution role", async () => {
    await createActiveFunction(lambda, {
      FunctionName: 'node-logs',
      Runtime: NODE_RUNTIME,
      Role: role,
      Handler: 'index.handler',
      Code: { ZipFile: zipOf({ 'index.js': "exports.handler = async () => { console.log('line one\\nline two'); return null; };" }) },
    });
    const out = await invoke('node-logs');
    expect(out.body).toBeNull();
    const logs = new CloudWatchLogsClient(server.clientConfig);
    let messages: string[] = [];
    for (let attempt = 0; attempt < 100 && !messages.some((m) => m.startsWith('REPORT')); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const events = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/node-logs' })).catch(() => ({ events: [] }));
      messages = (events.events ?? []).map((e) => e.message ?? '');
    }
    logs.destroy();
    const id = out.$metadata.requestId;
    expect(messages[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
    // A console.log of several lines is one event, as AWS's runtime keeps it.
    expect(messages[1]).toMatch(new RegExp(`\\t${id}\\tINFO\\tline one\\nline two$`));
    expect(messages[2]).toBe(`END RequestId: ${id}`);
    expect(messages[3]).toMatch(/^REPORT RequestId: /);
  });

  it('refuses payloads that are not JSON or too large, before running anything', async () => {
    await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'node-logs', Payload: Buffer.from('{oops') })), {
      code: 'InvalidRequestContentException',
      status: 400,
      message: 'Could not parse request body into json',
    });
    await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'node-logs', InvocationType: 'Event', Payload: Buffer.from(JSON.stringify('x'.repeat(1_048_577))) })), {
      code: 'RequestTooLargeException',
      status: 413,
      message: 'Request must be smaller than 1048576 bytes for the InvokeFunction operation',
    });
    await expectAwsError(lambda.send(new InvokeCommand({ FunctionName: 'nope' })), {
      code: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
  });

  it('answers DryRun with 204 without running the function', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'node-logs', InvocationType: 'DryRun' }));
    expect(out.StatusCode).toBe(204);
  });
});
