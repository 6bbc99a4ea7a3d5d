/**
 * AWS Lambda: functions that really run. Each execution environment is a sandboxed process (the
 * core executor) whose runtime pulls invocations from its own Lambda Runtime API; nodejs*.x and
 * python3.x run on the host's interpreters through Drydock's bootstraps, provided.* runtimes run
 * the function's `bootstrap`. Code and layers are extracted once and bound read-only at /var/task
 * and /opt, /tmp is private to each environment, credentials come from assuming the execution role
 * through STS, AWS_ENDPOINT_URL points at Drydock, and logs go to CloudWatch Logs with START, END and
 * REPORT lines. A cold start takes a spare environment whose process was started ahead
 * (engine/spares.ts) and runs the function's initialization in it. Versions, aliases with weighted
 * routing, resource policies, reserved and account concurrency, recursive loop detection,
 * asynchronous invocation with retries and destinations, layers, function URLs and SQS event
 * source mappings.
 *
 * Gaps against AWS:
 * - The Node.js runtimes do not include the AWS SDK for JavaScript v3 as AWS's do (nor Python's
 *   boto3 beyond what the host has): a function that imports `@aws-sdk/*` must bundle it.
 * - Runtimes: Java, .NET and Ruby are not run (their functions activate as Failed, InvalidRuntime);
 *   a managed runtime needs the host's interpreter of its version (DRYDOCK_RUNTIME_VERSIONS=host
 *   takes any). Container-image functions are accepted and recorded but never run: they activate
 *   as Failed (InvalidImage), saying whether a container engine is present.
 * - No extensions, Telemetry or Logs API, SnapStart, provisioned concurrency, code signing, durable
 *   executions, capacity providers, VPC or EFS: those operations answer 501 (VpcConfig is recorded).
 *   InvokeWithResponseStream and the legacy InvokeAsync answer 501.
 * - Event source mappings read SQS queues only: DynamoDB and Kinesis streams (and Kafka, MQ,
 *   DocumentDB) answer 501. FilterCriteria are stored but not applied; the role's SQS permissions are
 *   checked when the pollers call SQS, not at creation. GetRuntimeManagementConfig and the function
 *   scaling config answer 501.
 * - Memory is recorded (REPORT's Max Memory Used is the runtime's peak RSS) but not enforced, nor is
 *   ephemeral storage; CPU is not scaled with memory. Architectures are recorded: the host's runs.
 * - Without a sandbox (no bubblewrap or user namespaces), the process sees the host as it is: the
 *   code runs from its extracted directory (LAMBDA_TASK_ROOT names it, /opt is not bound: layers
 *   are found through NODE_PATH and PYTHONPATH), and TMPDIR replaces a private /tmp.
 * - Invocations during an update run the new code at once (AWS keeps the old code until the update
 *   ends). Timeouts and the init limit (10 s) are real seconds (DRYDOCK_TIME_SCALE does not shorten
 *   them), fired early by a clock advance past them. At most 32 idle environments stay warm.
 * - Recursive loops are detected through X-Amzn-Trace-Id lineage only (the AWS SDK forwards it from
 *   the function's calls); loops through SQS or SNS messages are not followed.
 * - Function URLs are served at `<endpoint>/_lambda/url/<url-id>/` (no per-URL host name); CORS is
 *   recorded but not applied; RESPONSE_STREAM answers buffered.
 * - Destinations and dead-letter queues are written with the execution role's permissions through
 *   Drydock's SQS, SNS, Lambda and EventBridge; S3 destinations are accepted but not written.
 * - Logs are always text lines: LoggingConfig's LogFormat JSON and log levels are recorded, not
 *   applied; X-Ray tracing is recorded only. The account's concurrency is AWS's default 1,000 (no
 *   quota increases); idle environments are reaped after 5 minutes of Drydock time.
 * - A timed-out invocation answers the classic payload (`{"errorMessage":"<time> <id> Task timed out
 *   after N.NN seconds"}`); an event stopped by loop detection reaches the on-failure destination
 *   with the condition `RecursiveInvocationException`, Drydock's name for it.
 * - Messages of errors AWS does not document (alias routing rules, tag limits, layer permissions)
 *   are Drydock's own, under AWS's codes.
 */
import { randomBytes } from 'node:crypto';
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { ACTIVATE_JOB, activationJob } from './activation.js';
import { ASYNC_INVOKE_JOB, asyncInvocationJob } from './async-invoke.js';
import { lambdaAuthorization } from './authorization.js';
import type { LambdaContext } from './common.js';
import { Engine } from './engine/engine.js';
import { createHandlers } from './handlers.js';
import { HTTP_PREFIX, lambdaHttpHandler } from './http.js';
import { MappingPollers } from './mappings.js';
import { functionResourcePolicy } from './permissions.js';
import { LambdaStore } from './store.js';

export const lambda: ServiceDefinition = {
  name: 'lambda',
  model: loadModel('lambda'),
  validationError: 'ValidationException',
  httpPrefix: HTTP_PREFIX,
  authorization: lambdaAuthorization,
  create(rt) {
    const partial: Omit<LambdaContext, 'pollers'> = { store: new LambdaStore(rt.store), rt, engine: new Engine(rt), signingKey: randomBytes(32) };
    const c = partial as LambdaContext;
    c.pollers = new MappingPollers(c);
    rt.jobs.register(ACTIVATE_JOB, activationJob(c), { maxAttempts: 3, backoffMs: 500 });
    rt.jobs.register(ASYNC_INVOKE_JOB, asyncInvocationJob(c), { maxAttempts: 3, backoffMs: 1000 });
    return {
      handlers: createHandlers(c),
      handleHttp: lambdaHttpHandler(c),
      resourcePolicy: (arn) => functionResourcePolicy(c, arn),
      start: () => c.pollers.start(),
      // Environments end with the server; the extracted packages are a cache of the blobs, made again on demand.
      async stop() {
        c.pollers.stop();
        await c.engine.stop(true);
        await c.engine.workspace.remove();
      },
      async reset() {
        c.pollers.stop();
        await c.engine.stop();
        await c.engine.workspace.remove();
      },
    };
  },
};
