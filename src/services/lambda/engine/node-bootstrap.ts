/**
 * Drydock's runtime for the nodejs*.x managed runtimes: one ES module the host's node runs as
 * /var/runtime/bootstrap.mjs, speaking the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API as AWS's
 * own runtime does. It loads `_HANDLER` from LAMBDA_TASK_ROOT (`.js` as CommonJS unless its
 * package.json says `"type": "module"`, `.mjs` as ES module, `.cjs` as CommonJS), reports init
 * errors with AWS's types and messages (Runtime.MalformedHandlerName, Runtime.ImportModuleError,
 * Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound), then loops on /invocation/next: async
 * handlers (a returned promise), callback handlers (the result is posted once the event loop is
 * empty while context.callbackWaitsForEmptyEventLoop holds), context with awsRequestId,
 * functionName, getRemainingTimeInMillis, logStreamName …, console lines as AWS formats them
 * (`<time>\t<request id>\t<LEVEL>\t<message>`, one line per call), and `_X_AMZN_TRACE_ID` per
 * invocation (the AWS SDK forwards it, which is how recursive loops are found). It runs in
 * LAMBDA_TASK_ROOT, as AWS's runtimes do.
 *
 * It is kept as source text (written next to the function at environment start) because it runs
 * on the host's node, not inside Drydock.
 */
export const NODE_BOOTSTRAP = String.raw`
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

let host;
let port;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const taskRoot = process.env.LAMBDA_TASK_ROOT;
let handlerName;
let currentRequestId;

/**
 * A spare environment starts before its function is known: its function's variables arrive on
 * stdin as one JSON line (DRYDOCK_LAMBDA_ASSIGNMENT=stdin); otherwise they are in the environment.
 */
async function assignment() {
  if (process.env.DRYDOCK_LAMBDA_ASSIGNMENT === 'stdin') {
    let text = '';
    for await (const chunk of process.stdin) {
      text += chunk;
      if (text.includes('\n')) break;
    }
    process.stdin.destroy();
    delete process.env.DRYDOCK_LAMBDA_ASSIGNMENT;
    Object.assign(process.env, JSON.parse(text.slice(0, text.indexOf('\n'))));
  }
  [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
  handlerName = process.env._HANDLER ?? '';
  process.chdir(taskRoot);
}

function call(method, path, body, headers = {}) {
  return new Promise((done, fail) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = request({ host, port, path: '/2018-06-01/runtime' + path, method, agent, headers: data ? { ...headers, 'content-length': data.length } : headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(data);
  });
}

for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    const text = format(...args).replace(/\n/g, '\r');
    process.stdout.write(new Date().toISOString() + '\t' + currentRequestId + '\t' + level + '\t' + text + '\n');
  };
}

function errorPayload(err, type) {
  if (err instanceof Error) {
    return { errorType: type ?? err.name, errorMessage: err.message, trace: String(err.stack ?? '').split('\n') };
  }
  return { errorType: type ?? typeof err, errorMessage: String(err), trace: [] };
}

class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    if (cause?.stack) this.stack = type + ': ' + message + '\n' + String(cause.stack).split('\n').slice(1).join('\n');
  }
}

function findModule(base) {
  for (const ext of ['.js', '.mjs', '.cjs']) if (existsSync(base + ext)) return base + ext;
  return undefined;
}

function isModulePackage(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = resolve(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return JSON.parse(readFileSync(pkg, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (dir === dirname(dir) || dir === dirname(taskRoot)) return false;
  }
}

async function loadHandler() {
  const dot = handlerName.lastIndexOf('.');
  if (dot <= 0 || dot === handlerName.length - 1) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler ' + handlerName);
  const modulePath = handlerName.slice(0, dot);
  const functionPath = handlerName.slice(dot + 1);
  const file = findModule(resolve(taskRoot, modulePath));
  if (!file) {
    const name = modulePath.split('/').pop();
    throw new RuntimeError('Runtime.ImportModuleError', "Error: Cannot find module '" + name + "'\nRequire stack:\n- /var/runtime/index.mjs");
  }
  let loaded;
  try {
    if (file.endsWith('.mjs') || (file.endsWith('.js') && isModulePackage(file))) loaded = await import(pathToFileURL(file).href);
    else loaded = createRequire(file)(file);
  } catch (err) {
    if (err instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', String(err), err);
    if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') throw new RuntimeError('Runtime.ImportModuleError', String(err), err);
    throw err;
  }
  let fn = loaded;
  for (const part of functionPath.split('.')) fn = fn?.[part];
  if (typeof fn !== 'function' && typeof loaded?.default === 'object') {
    fn = loaded.default;
    for (const part of functionPath.split('.')) fn = fn?.[part];
  }
  if (typeof fn !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', modulePath + '.' + functionPath + ' is undefined or not exported');
  return fn;
}

/** Settles once the event loop has nothing left to do (process 'beforeExit'). */
function emptyEventLoop() {
  return new Promise((done) => process.once('beforeExit', done));
}

async function runHandler(handler, event, context) {
  return new Promise((settle) => {
    let finished = false;
    const finish = (outcome) => {
      if (finished) return;
      finished = true;
      settle(outcome);
    };
    const callback = (err, result) => {
      const outcome = err !== undefined && err !== null ? { error: err } : { result };
      if (context.callbackWaitsForEmptyEventLoop) emptyEventLoop().then(() => finish(outcome));
      else finish(outcome);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (err) => callback(err ?? 'handled');
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      finish({ error: err });
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then((result) => finish({ result }), (err) => finish({ error: err ?? new Error('Promise rejected') }));
    } else if (handler.length < 3) {
      // Neither a promise nor a callback: the invocation ends with null once the loop is empty.
      emptyEventLoop().then(() => finish({ result: returned ?? null }));
    }
  });
}

let invocationErrorHandler;
process.on('uncaughtException', (err) => {
  if (invocationErrorHandler) invocationErrorHandler(err);
  else process.exit(129);
});
process.on('unhandledRejection', (err) => {
  if (invocationErrorHandler) invocationErrorHandler(err);
  else process.exit(128);
});

async function main() {
  await assignment();
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const payload = errorPayload(err);
    console.error('Uncaught Exception \t' + JSON.stringify(payload));
    await call('POST', '/init/error', JSON.stringify(payload), { 'content-type': 'application/json', 'Lambda-Runtime-Function-Error-Type': payload.errorType });
    process.exit(129);
  }
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    currentRequestId = id;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: next.headers['lambda-runtime-client-context'] ? JSON.parse(next.headers['lambda-runtime-client-context']) : undefined,
      identity: next.headers['lambda-runtime-cognito-identity'] ? JSON.parse(next.headers['lambda-runtime-cognito-identity']) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let event;
    try {
      event = JSON.parse(next.body.toString('utf8') || 'null');
    } catch (err) {
      event = next.body.toString('utf8');
    }
    const crashed = new Promise((settle) => (invocationErrorHandler = (err) => settle({ error: err, fatal: true })));
    const outcome = await Promise.race([runHandler(handler, event, context), crashed]);
    invocationErrorHandler = undefined;
    if (outcome.error === undefined) {
      const body = JSON.stringify(outcome.result === undefined ? null : outcome.result);
      await call('POST', '/invocation/' + id + '/response', body ?? 'null', { 'content-type': 'application/json' });
    } else {
      const payload = errorPayload(outcome.error);
      console.error('Invoke Error \t' + JSON.stringify({ errorType: payload.errorType, errorMessage: payload.errorMessage, stack: payload.trace }));
      await call('POST', '/invocation/' + id + '/error', JSON.stringify(payload), { 'content-type': 'application/json', 'Lambda-Runtime-Function-Error-Type': payload.errorType });
      if (outcome.fatal) process.exit(129);
    }
  }
}

main();
`;
