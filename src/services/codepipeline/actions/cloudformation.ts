/**
 * Deploy/AWS/CloudFormation/1: runs a stack operation through Drydock's CloudFormation as the
 * action's role (RoleArn, the stack's own role, is passed on to the stack), waits for the stack on
 * CloudFormation's "Stack Status Change" events, and answers the stack's outputs as output variables
 * (and as JSON in OutputFileName). ActionMode CREATE_UPDATE, REPLACE_ON_FAILURE, DELETE_ONLY,
 * CHANGE_SET_REPLACE and CHANGE_SET_EXECUTE; TemplatePath and TemplateConfiguration name files
 * inside input artifacts (`ArtifactName::path`); ParameterOverrides take literal values,
 * `Fn::GetArtifactAtt` and `Fn::GetParam`. A template larger than TemplateBody allows is uploaded to
 * the artifact store and passed as TemplateURL. "No updates are to be performed." counts as success,
 * as it does in AWS; a failed stack fails the action with the first failed resource's reason, read
 * with DescribeStackEvents as AWS does.
 *
 * Gaps against AWS: `Fn::GetArtifactAtt`'s `URL` is a presigned GET URL on Drydock's endpoint
 * (path style), valid for ARTIFACT_URL_SECONDS, a lifetime AWS does not document; a change set that
 * holds no changes is treated as done by both CHANGE_SET_REPLACE and CHANGE_SET_EXECUTE (AWS's
 * execute action also skips it).
 */
import type { Capability, Parameter, Stack, Tag } from '@aws-sdk/client-cloudformation';
import { AwsError } from '../../../core/errors.js';
import type { AwsEvent } from '../../../core/events.js';
import { presignUrl } from '../../../core/presign.js';
import { createZip, readZip, safeEntryPath, ZipFormatError } from '../../../core/zip.js';
import { contextOf } from '../common.js';
import { type ActionContext, ActionFailure, type ActionProvider, type ActionResult } from './types.js';

/** TemplateBody's limit: larger templates go through S3 (TemplateURL), as CodePipeline does. */
const TEMPLATE_BODY_MAX = 51_200;

/** Statuses REPLACE_ON_FAILURE deletes the stack from before creating it again. */
const FAILED_STATUSES = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_FAILED']);

const MODES = ['CREATE_UPDATE', 'REPLACE_ON_FAILURE', 'DELETE_ONLY', 'CHANGE_SET_REPLACE', 'CHANGE_SET_EXECUTE'] as const;
type Mode = (typeof MODES)[number];

/** What a resumed run needs: the stack being waited on and what the wait was for. */
interface Saved {
  stackId: string;
  operation: Operation;
  startedAt: number;
}
type Operation = 'create' | 'update' | 'delete' | 'execute';

const FAILURE_WORDING: Record<Operation, { verb: string; status: string }> = {
  create: { verb: 'Failed to create stack.', status: 'Current status' },
  update: { verb: 'Failed to update stack.', status: 'Current status' },
  delete: { verb: 'Failed to delete stack.', status: 'Current status' },
  execute: { verb: 'Failed to execute change set.', status: 'Current stack status' },
};

const SUCCESS_STATUS: Record<Operation, RegExp> = {
  create: /^CREATE_COMPLETE$/,
  update: /^UPDATE_COMPLETE$/,
  delete: /^DELETE_COMPLETE$/,
  execute: /^(CREATE|UPDATE|IMPORT)_COMPLETE$/,
};

/** An AwsError from a CloudFormation call becomes the action's failure with CloudFormation's message. */
async function cfn<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AwsError) throw new ActionFailure(err.message, err.code === 'AccessDenied' || err.code === 'AccessDeniedException' ? 'PermissionError' : 'JobFailed');
    throw err;
  }
}

async function describeStack(ctx: ActionContext, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await ctx.call('cloudformation', 'DescribeStacks', { StackName: stackName });
    return out.Stacks?.[0];
  } catch (err) {
    if (err instanceof AwsError && /does not exist/.test(err.message)) return undefined;
    if (err instanceof AwsError) throw new ActionFailure(err.message, 'JobFailed');
    throw err;
  }
}

/** Splits `ArtifactName::path/in/zip`, as TemplatePath and TemplateConfiguration name a file. */
function artifactPath(ctx: ActionContext, property: string, value: string): { artifact: string; path: string } {
  const at = value.indexOf('::');
  if (at <= 0 || at + 2 >= value.length) throw new ActionFailure(`The ${property} '${value}' is not valid. Use the format ArtifactName::TemplateFileName.`, 'ConfigurationError');
  const artifact = value.slice(0, at);
  if (!ctx.inputArtifacts.some((input) => input.name === artifact)) {
    throw new ActionFailure(`The input artifact, ${artifact}, specified in ${property} does not exist in the action's input artifacts.`, 'ConfigurationError');
  }
  return { artifact, path: value.slice(at + 2) };
}

/** Reads one file of an input artifact's zip. */
async function artifactFile(ctx: ActionContext, artifact: string, path: string): Promise<string> {
  let entries: ReturnType<typeof readZip>;
  try {
    entries = readZip(await ctx.readArtifact(artifact));
  } catch (err) {
    if (err instanceof ZipFormatError) throw new ActionFailure(`The input artifact, ${artifact}, is not a valid zip file.`);
    throw err;
  }
  const wanted = safeEntryPath(path);
  const entry = entries.find((candidate) => safeEntryPath(candidate.name) === wanted);
  if (!entry) throw new ActionFailure(`File ${path} does not exist in artifact ${artifact}`);
  return Buffer.from(entry.data).toString('utf8');
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionFailure(`${what} is not valid JSON.`, 'ConfigurationError');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ActionFailure(`${what} must be a JSON object.`, 'ConfigurationError');
  return parsed as Record<string, unknown>;
}

/** How long `Fn::GetArtifactAtt`'s presigned `URL` can be fetched: an hour, as long as the action role's session it is signed with lasts. */
const ARTIFACT_URL_SECONDS = 3600;

/**
 * `Fn::GetArtifactAtt`'s `URL`: the artifact's S3 URL ("Using parameter override functions with
 * CodePipeline pipelines" in the CloudFormation user guide), presigned with the action role's
 * session (the credentials CodePipeline hands job workers as artifactCredentials) so whatever the
 * stack hands it to can fetch the artifact with no credentials of its own.
 */
async function artifactUrl(ctx: ActionContext, artifact: { bucket: string; key: string }): Promise<string> {
  const credentials = contextOf(ctx.rt).artifactCredentials.get(ctx.actionExecutionId);
  if (!credentials) throw new ActionFailure('The artifact credentials of this action execution are not available.', 'JobFailed');
  return presignUrl({
    method: 'GET',
    url: `${ctx.rt.endpoint()}/${artifact.bucket}/${artifact.key}`,
    credentials,
    region: ctx.region,
    service: 's3',
    expiresInSeconds: ARTIFACT_URL_SECONDS,
    // Drydock checks a presigned URL's expiry against the wall clock, as every signing time.
    now: Date.now(),
  });
}

/** `Fn::GetArtifactAtt: [artifact, BucketName|ObjectKey|URL]` and `Fn::GetParam: [artifact, file, key]`. */
async function overrideValue(ctx: ActionContext, name: string, value: unknown): Promise<string> {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const fn = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
  if (fn.length === 1 && fn[0][0] === 'Fn::GetArtifactAtt' && Array.isArray(fn[0][1]) && fn[0][1].length === 2) {
    const [artifactName, attribute] = fn[0][1] as unknown[];
    const artifact = ctx.inputArtifacts.find((input) => input.name === artifactName);
    if (!artifact) throw new ActionFailure(`Fn::GetArtifactAtt for parameter ${name} names artifact ${String(artifactName)}, which is not an input artifact of this action.`, 'ConfigurationError');
    if (attribute === 'BucketName') return artifact.bucket;
    if (attribute === 'ObjectKey') return artifact.key;
    if (attribute === 'URL') return artifactUrl(ctx, artifact);
    throw new ActionFailure(`Fn::GetArtifactAtt for parameter ${name}: ${String(attribute)} is not an artifact attribute (BucketName, ObjectKey or URL).`, 'ConfigurationError');
  }
  if (fn.length === 1 && fn[0][0] === 'Fn::GetParam' && Array.isArray(fn[0][1]) && fn[0][1].length === 3) {
    const [artifactName, file, key] = (fn[0][1] as unknown[]).map(String);
    if (!ctx.inputArtifacts.some((input) => input.name === artifactName)) {
      throw new ActionFailure(`Fn::GetParam for parameter ${name} names artifact ${artifactName}, which is not an input artifact of this action.`, 'ConfigurationError');
    }
    const params = parseJsonObject(await artifactFile(ctx, artifactName, file), `The file ${file} in artifact ${artifactName}`);
    if (!(key in params)) throw new ActionFailure(`Fn::GetParam for parameter ${name}: key ${key} was not found in ${file} of artifact ${artifactName}.`, 'ConfigurationError');
    const found = params[key];
    return typeof found === 'string' ? found : JSON.stringify(found);
  }
  throw new ActionFailure(`ParameterOverrides: the value of ${name} must be a string, Fn::GetArtifactAtt or Fn::GetParam.`, 'ConfigurationError');
}

interface StackInput {
  TemplateBody?: string;
  TemplateURL?: string;
  Parameters: Parameter[];
  Tags?: Tag[];
  StackPolicyBody?: string;
  Capabilities?: Capability[];
  RoleARN?: string;
}

/** The template, parameters, tags, stack policy, capabilities and role a create, update or change set sends. */
async function stackInput(ctx: ActionContext): Promise<StackInput> {
  const config = ctx.configuration;
  const parameters: Record<string, string> = {};
  let tags: Tag[] | undefined;
  let stackPolicy: string | undefined;
  if (config.TemplateConfiguration) {
    const { artifact, path } = artifactPath(ctx, 'TemplateConfiguration', config.TemplateConfiguration);
    const file = parseJsonObject(await artifactFile(ctx, artifact, path), `The template configuration file ${path}`);
    for (const [key, value] of Object.entries((file.Parameters ?? {}) as Record<string, unknown>)) parameters[key] = String(value);
    if (file.Tags) tags = Object.entries(file.Tags as Record<string, unknown>).map(([Key, Value]) => ({ Key, Value: String(Value) }));
    if (file.StackPolicy) stackPolicy = JSON.stringify(file.StackPolicy);
  }
  if (config.ParameterOverrides) {
    for (const [key, value] of Object.entries(parseJsonObject(config.ParameterOverrides, 'ParameterOverrides'))) parameters[key] = await overrideValue(ctx, key, value);
  }
  if (!config.TemplatePath) throw new ActionFailure('The TemplatePath property is required for this action mode.', 'ConfigurationError');
  const { artifact, path } = artifactPath(ctx, 'TemplatePath', config.TemplatePath);
  const template = await artifactFile(ctx, artifact, path);
  return {
    ...(await templateSource(ctx, template)),
    Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    Tags: tags,
    StackPolicyBody: stackPolicy,
    Capabilities: config.Capabilities ? (config.Capabilities.split(',').map((capability) => capability.trim()) as Capability[]) : undefined,
    RoleARN: config.RoleArn || undefined,
  };
}

/** A template within TemplateBody's limit goes inline; a larger one is uploaded to the artifact store first. */
async function templateSource(ctx: ActionContext, template: string): Promise<{ TemplateBody?: string; TemplateURL?: string }> {
  if (Buffer.byteLength(template) <= TEMPLATE_BODY_MAX) return { TemplateBody: template };
  const key = `${ctx.pipelineName.slice(0, 20)}/CFNTemplates/${ctx.actionExecutionId}.template`;
  const store = ctx.artifactStore;
  await ctx.call('s3', 'PutObject', {
    Bucket: store.bucket,
    Key: key,
    Body: Buffer.from(template),
    ...(store.encryptionKey ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: store.encryptionKey.id } : {}),
  });
  return { TemplateURL: `https://${store.bucket}.s3.amazonaws.com/${key}` };
}

/** Resolves once the stack leaves its *_IN_PROGRESS status, woken by CloudFormation's status events. */
async function settle(ctx: ActionContext, stackId: string): Promise<Stack | undefined> {
  let wake: () => void = () => {};
  const unsubscribe = ctx.rt.events.subscribe((event: AwsEvent) => {
    if (event['detail-type'] === 'CloudFormation Stack Status Change' && event.detail['stack-id'] === stackId) wake();
  });
  const onAbort = () => wake();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const stack = await describeStack(ctx, stackId);
      if (!stack?.StackStatus?.endsWith('_IN_PROGRESS')) return stack;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      await woken;
    }
  } finally {
    unsubscribe();
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The first failed resource's reason since the operation began, as CodePipeline reads it from DescribeStackEvents. */
async function failureReason(ctx: ActionContext, stack: Stack, since: number): Promise<string> {
  let events: NonNullable<Awaited<ReturnType<typeof describeEvents>>>;
  try {
    events = await describeEvents(ctx, stack.StackId!);
  } catch {
    return 'Status reason is not available because IAM role associated with the action does not have CloudFormation DescribeStackEvents permission';
  }
  const failed = events
    .filter((event) => event.Timestamp && event.Timestamp.getTime() >= since && /FAILED$/.test(event.ResourceStatus ?? '') && event.ResourceStatusReason)
    .sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
  const resource = failed.find((event) => event.LogicalResourceId !== stack.StackName) ?? failed[0];
  if (resource) return `${resource.LogicalResourceId}: ${resource.ResourceStatusReason}`;
  return stack.StackStatusReason || 'No reason was provided.';
}

async function describeEvents(ctx: ActionContext, stackId: string) {
  const events = [];
  let token: string | undefined;
  do {
    const page = await ctx.call('cloudformation', 'DescribeStackEvents', { StackName: stackId, NextToken: token });
    events.push(...(page.StackEvents ?? []));
    token = page.NextToken;
  } while (token);
  return events;
}

/** Waits for the stack the saved operation started, and fails the action as AWS words it unless it ended well. */
async function finish(ctx: ActionContext, saved: Saved): Promise<Stack | undefined> {
  const stack = await settle(ctx, saved.stackId);
  if (saved.operation === 'delete' && (!stack || stack.StackStatus === 'DELETE_COMPLETE')) return undefined;
  if (!stack) throw new ActionFailure(`Stack with id ${saved.stackId} does not exist`);
  if (SUCCESS_STATUS[saved.operation].test(stack.StackStatus ?? '')) return stack;
  const wording = FAILURE_WORDING[saved.operation];
  throw new ActionFailure(`${wording.verb} ${wording.status}: ${stack.StackStatus}. Reason: ${await failureReason(ctx, stack, saved.startedAt)}`, 'JobFailed', stack.StackId);
}

async function waitFor(ctx: ActionContext, stackId: string, operation: Operation, startedAt: number): Promise<Stack | undefined> {
  const saved: Saved = { stackId, operation, startedAt };
  ctx.checkpoint({ ...saved });
  return finish(ctx, saved);
}

async function createStack(ctx: ActionContext, input: StackInput): Promise<Stack | undefined> {
  const startedAt = ctx.clock.now();
  const out = await cfn(() => ctx.call('cloudformation', 'CreateStack', { StackName: ctx.configuration.StackName, ...input }));
  return waitFor(ctx, out.StackId!, 'create', startedAt);
}

/** Updates the stack; "No updates are to be performed." leaves it as it is and succeeds. */
async function updateStack(ctx: ActionContext, stack: Stack, input: StackInput): Promise<Stack | undefined> {
  const startedAt = ctx.clock.now();
  try {
    await ctx.call('cloudformation', 'UpdateStack', { StackName: stack.StackId!, ...input });
  } catch (err) {
    if (err instanceof AwsError && err.message === 'No updates are to be performed.') return stack;
    if (err instanceof AwsError) throw new ActionFailure(err.message);
    throw err;
  }
  return waitFor(ctx, stack.StackId!, 'update', startedAt);
}

async function deleteStack(ctx: ActionContext, stack: Stack): Promise<void> {
  const startedAt = ctx.clock.now();
  await cfn(() => ctx.call('cloudformation', 'DeleteStack', { StackName: stack.StackId!, RoleARN: ctx.configuration.RoleArn || undefined }));
  await waitFor(ctx, stack.StackId!, 'delete', startedAt);
}

async function createOrUpdate(ctx: ActionContext, replaceFailed: boolean): Promise<Stack | undefined> {
  const input = await stackInput(ctx);
  const stack = await describeStack(ctx, ctx.configuration.StackName);
  if (!stack) return createStack(ctx, input);
  if (replaceFailed && FAILED_STATUSES.has(stack.StackStatus ?? '')) {
    await deleteStack(ctx, stack);
    return createStack(ctx, input);
  }
  return updateStack(ctx, stack, input);
}

function changeSetName(ctx: ActionContext): string {
  const name = ctx.configuration.ChangeSetName;
  if (!name) throw new ActionFailure('The ChangeSetName property is required for this action mode.', 'ConfigurationError');
  return name;
}

const EMPTY_CHANGE_SET = /didn't contain changes|No updates are to be performed/;

/** Creates the change set again (deleting the one of that name first) and waits until it is computed. */
async function replaceChangeSet(ctx: ActionContext): Promise<Stack | undefined> {
  const name = changeSetName(ctx);
  const input = await stackInput(ctx);
  const stack = await describeStack(ctx, ctx.configuration.StackName);
  const creating = !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS';
  if (stack) {
    try {
      await ctx.call('cloudformation', 'DeleteChangeSet', { StackName: stack.StackId!, ChangeSetName: name });
    } catch (err) {
      if (!(err instanceof AwsError && err.code === 'ChangeSetNotFoundException')) throw err instanceof AwsError ? new ActionFailure(err.message) : err;
    }
  }
  const { RoleARN, StackPolicyBody: _policyAppliesOnlyToStacks, ...changeSet } = input;
  const created = await cfn(() =>
    ctx.call('cloudformation', 'CreateChangeSet', { StackName: ctx.configuration.StackName, ChangeSetName: name, ChangeSetType: creating ? 'CREATE' : 'UPDATE', RoleARN, ...changeSet }),
  );
  const described = await cfn(() => ctx.call('cloudformation', 'DescribeChangeSet', { ChangeSetName: created.Id!, StackName: created.StackId! }));
  if (described.Status === 'FAILED' && !EMPTY_CHANGE_SET.test(described.StatusReason ?? '')) throw new ActionFailure(`Failed to create change set ${name}. Reason: ${described.StatusReason}`);
  return describeStack(ctx, created.StackId!);
}

async function executeChangeSet(ctx: ActionContext): Promise<Stack | undefined> {
  const name = changeSetName(ctx);
  const stack = await describeStack(ctx, ctx.configuration.StackName);
  if (!stack) throw new ActionFailure(`Stack [${ctx.configuration.StackName}] does not exist`);
  const changeSet = await cfn(() => ctx.call('cloudformation', 'DescribeChangeSet', { StackName: stack.StackId!, ChangeSetName: name }));
  if (changeSet.Status === 'FAILED' && EMPTY_CHANGE_SET.test(changeSet.StatusReason ?? '')) return stack;
  const startedAt = ctx.clock.now();
  await cfn(() => ctx.call('cloudformation', 'ExecuteChangeSet', { StackName: stack.StackId!, ChangeSetName: name }));
  return waitFor(ctx, stack.StackId!, 'execute', startedAt);
}

async function runMode(ctx: ActionContext, mode: Mode): Promise<Stack | undefined> {
  const saved = ctx.saved?.stackId ? (ctx.saved as unknown as Saved) : undefined;
  if (saved) {
    const stack = await finish(ctx, saved);
    // REPLACE_ON_FAILURE interrupted while deleting the failed stack still has to create it again.
    if (!(mode === 'REPLACE_ON_FAILURE' && saved.operation === 'delete')) return stack;
  }
  switch (mode) {
    case 'CREATE_UPDATE':
      return createOrUpdate(ctx, false);
    case 'REPLACE_ON_FAILURE':
      return createOrUpdate(ctx, true);
    case 'DELETE_ONLY': {
      const stack = await describeStack(ctx, ctx.configuration.StackName);
      if (stack) await deleteStack(ctx, stack);
      return undefined;
    }
    case 'CHANGE_SET_REPLACE':
      return replaceChangeSet(ctx);
    case 'CHANGE_SET_EXECUTE':
      return executeChangeSet(ctx);
  }
}

async function run(ctx: ActionContext): Promise<ActionResult> {
  const mode = ctx.configuration.ActionMode as Mode;
  if (!MODES.includes(mode)) throw new ActionFailure(`ActionMode ${ctx.configuration.ActionMode} is not valid. Valid values: ${MODES.join(', ')}`, 'ConfigurationError');
  const stack = await runMode(ctx, mode);
  const outputs: Record<string, string> = {};
  // A change set not yet executed has no outputs of its own; the stack's are those of its last deployment.
  for (const output of stack?.Outputs ?? []) if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue ?? '';
  for (const artifact of ctx.outputArtifacts) {
    const file = ctx.configuration.OutputFileName;
    const entries = file ? [{ name: file, data: Buffer.from(JSON.stringify(outputs)), mode: 0o100644 }] : [];
    await ctx.writeArtifact(artifact.name, createZip(entries));
  }
  return { outputVariables: outputs, externalExecutionId: stack?.StackId };
}

export const cloudFormationDeployAction: ActionProvider = {
  typeId: { category: 'Deploy', owner: 'AWS', provider: 'CloudFormation', version: '1' },
  settings: {
    configurationProperties: [
      { name: 'ActionMode', required: true, key: false, secret: false },
      { name: 'StackName', required: true, key: true, secret: false },
      { name: 'Capabilities', required: false, key: false, secret: false },
      { name: 'ChangeSetName', required: false, key: false, secret: false },
      { name: 'OutputFileName', required: false, key: false, secret: false },
      { name: 'ParameterOverrides', required: false, key: false, secret: false },
      { name: 'RoleArn', required: false, key: false, secret: false },
      { name: 'TemplatePath', required: false, key: false, secret: false },
      { name: 'TemplateConfiguration', required: false, key: false, secret: false },
    ],
    inputArtifacts: { minimumCount: 0, maximumCount: 10 },
    outputArtifacts: { minimumCount: 0, maximumCount: 1 },
  },
  run,
};
