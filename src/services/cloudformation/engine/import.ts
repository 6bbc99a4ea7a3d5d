/**
 * Resource import (CreateChangeSet with ChangeSetType IMPORT): existing resources made through the
 * services' APIs become resources of a stack, a new one (REVIEW_IN_PROGRESS → IMPORT_IN_PROGRESS →
 * IMPORT_COMPLETE) or a running one. The change set is checked as AWS checks it: every resource to
 * import is in the template with its type, a DeletionPolicy and a ResourceIdentifier naming exactly
 * the type's primary identifier; nothing else in the template may change. Running it reads each
 * resource through its provider (a resource that is not there fails the import, which rolls back
 * through IMPORT_ROLLBACK_IN_PROGRESS, leaving every resource as it was) and never changes one.
 */
import type * as C from '@aws-sdk/client-cloudformation';
import { type CloudFormationContext, parseJson, validationError } from '../common.js';
import { providerOf } from '../providers/index.js';
import { primaryIdentifier } from '../spec/index.js';
import type { ResourceRow, StackRow } from '../store.js';
import type { Template } from '../template/types.js';
import { providerContext } from './caller.js';
import { recordEvent, setStackStatus } from './events.js';
import { walkGraph } from './graph.js';
import { beginRun, failInterrupted, type PreviousState, previousStateOf } from './operations.js';
import { publishOutputs } from './outputs.js';
import { type OperationRun, properties, saveResource } from './resources.js';

/** One resource an IMPORT change set brings into the stack. */
export interface ImportTarget {
  logicalId: string;
  type: string;
  identifier: Record<string, string>;
  /** The identifier's value: what `Ref` answers for every type Drydock imports. */
  physicalId: string;
}

/** What IMPORT_IN_PROGRESS reads from the stack's operation options. */
interface ImportOptions {
  imports?: ImportTarget[];
}

/**
 * The types Drydock imports: those whose one-member primary identifier is also their physical id
 * (what `Ref` answers) and whose provider reads them. AWS::Events::Rule (identified by its Arn,
 * referred to by its name) and the like are left out rather than recorded under the wrong id.
 */
const IMPORTABLE = new Set([
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SSM::Parameter',
  'AWS::SNS::Topic',
  'AWS::IAM::Role',
  'AWS::IAM::User',
  'AWS::IAM::Group',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::KMS::Key',
  'AWS::SecretsManager::Secret',
  'AWS::Events::EventBus',
]);

/** A value with its object members in key order, so declarations compare alike whatever order the template wrote them in. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

const sameJson = (left: unknown, right: unknown) => JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));

/** The resources to import, checked against the template and the stack they go into (undefined for a new stack). */
export function importTargets(c: CloudFormationContext, requested: C.ResourceToImport[] | undefined, template: Template, stack: StackRow | undefined): ImportTarget[] {
  if (!requested?.length) throw validationError('ResourcesToImport must be specified when ChangeSetType is IMPORT.');
  // AWS's words (aws-cloudformation/cloudformation-coverage-roadmap#2339).
  const unsupported = [...new Set(requested.map((resource) => resource.ResourceType!))].filter((type) => !importable(type));
  if (unsupported.length) throw validationError(`ResourceTypes [${unsupported.join(', ')}] are not supported for Import`);
  const targets = requested.map((resource) => importTarget(c, resource, template, stack));
  const missingPolicy = targets.filter((target) => template.Resources[target.logicalId]!.DeletionPolicy === undefined).map((target) => target.logicalId);
  if (missingPolicy.length) throw validationError(`The following resources to import [${missingPolicy.join(', ')}] must have DeletionPolicy attribute specified in the template.`);
  const importing = new Set(targets.map((target) => target.logicalId));
  const current = stack ? parseJson<Template>(stack.processed_template) : { Resources: {} };
  const modified = [...new Set([...Object.keys(current.Resources), ...Object.keys(template.Resources)])].filter((id) => !importing.has(id) && !sameJson(current.Resources[id], template.Resources[id]));
  if (modified.length) {
    throw validationError(
      `You have modified resources [${modified.join(', ')}] in your template that are not being imported. Update, create or delete operations cannot be executed during import operations.`,
    );
  }
  if (stack && !sameJson(current.Outputs ?? {}, template.Outputs ?? {})) throw validationError('As part of the import operation, you cannot modify or add [Outputs]');
  return targets;
}

function importable(type: string): boolean {
  return IMPORTABLE.has(type) && primaryIdentifier(type).length === 1 && providerOf(type)?.read !== undefined;
}

function importTarget(c: CloudFormationContext, resource: C.ResourceToImport, template: Template, stack: StackRow | undefined): ImportTarget {
  const logicalId = resource.LogicalResourceId!;
  const type = resource.ResourceType!;
  const declaration = template.Resources[logicalId];
  if (!declaration) throw validationError(`Resource [${logicalId}] to import is not in the template.`);
  if (declaration.Type !== type) throw validationError(`Resource [${logicalId}] to import has type ${type} in ResourcesToImport but ${declaration.Type} in the template.`);
  if (stack && c.store.resource(stack.stack_id, logicalId)) throw validationError(`Resource [${logicalId}] to import already exists in the stack.`);
  const keys = primaryIdentifier(type);
  const identifier = resource.ResourceIdentifier ?? {};
  if (!sameJson(Object.keys(identifier).sort(), keys)) {
    throw validationError(`Invalid ResourceIdentifier for resource [${logicalId}] of type ${type}: expected the keys [${keys.join(', ')}].`);
  }
  const physicalId = identifier[keys[0]!]!;
  const owner = c.store.resourcesByPhysicalId(physicalId).find((row) => row.type === type && c.store.stack(row.stack_id)?.deleted_at === null);
  if (owner) throw validationError(`Resource [${physicalId}] of type ${type} already belongs to stack [${owner.stack_id}].`);
  return { logicalId, type, identifier, physicalId };
}

/** The changes an IMPORT change set shows: one Import per resource. */
export function importChanges(targets: ImportTarget[]): C.Change[] {
  return targets.map((target) => ({
    Type: 'Resource',
    ResourceChange: { Action: 'Import', LogicalResourceId: target.logicalId, PhysicalResourceId: target.physicalId, ResourceType: target.type, Scope: [], Details: [] },
  }));
}

/** Moves the stack to IMPORT_IN_PROGRESS with the change set's template; the previous state is kept for the rollback. Call inside a transaction. */
export function beginImport(c: CloudFormationContext, stack: StackRow, targets: ImportTarget[], columns: Partial<StackRow>): void {
  const previous = previousStateOf(c, stack);
  const options: ImportOptions = { imports: targets };
  setStackStatus(c, stack.stack_id, 'IMPORT_IN_PROGRESS', 'User Initiated', {
    ...columns,
    updated_at: stack.status === 'REVIEW_IN_PROGRESS' ? null : c.rt.clock.now(),
    previous: JSON.stringify(previous),
    operation_options: JSON.stringify(options),
  });
}

/** Reads one resource to import through its provider and records it as the stack's; answers whether it was found. */
async function importResource(run: OperationRun, target: ImportTarget): Promise<boolean> {
  const { c, stack } = run;
  const position = run.model.active.indexOf(target.logicalId);
  const base: ResourceRow = {
    stack_id: stack.stack_id,
    logical_id: target.logicalId,
    type: target.type,
    physical_id: target.physicalId,
    status: 'IMPORT_IN_PROGRESS',
    status_reason: null,
    props: '{}',
    attributes: '{}',
    updated_at: c.rt.clock.now(),
    prior: null,
    removed: 0,
    position,
  };
  saveResource(run, base, { reason: 'Resource import started.' });
  try {
    const provider = providerOf(target.type)!;
    const props = await properties(run, target.logicalId);
    const context = providerContext(c, stack, run.caller, target.logicalId, target.type, run.signal);
    const found = { physicalId: target.physicalId, props: props.resolved, attributes: { ...target.identifier } };
    const actual = await provider.read!(context, found);
    if (!actual) throw validationError(`Resource of type '${target.type}' with identifier '${target.physicalId}' was not found.`);
    // An update to the properties the resource is recorded with changes nothing, and answers the attributes GetAtt reads.
    const attributes = provider.update ? ((await provider.update(context, { ...found, attributes: { ...found.attributes, ...actual } }, props.resolved)).attributes ?? {}) : {};
    const row = { ...base, status: 'IMPORT_COMPLETE', props: JSON.stringify(props.resolved), attributes: JSON.stringify(attributes), updated_at: c.rt.clock.now() };
    saveResource(run, row, { reason: 'Resource import completed.', props: props.shown });
    run.states.set(target.logicalId, { physicalId: target.physicalId, attributes });
    return true;
  } catch (err) {
    const reason = (err as Error).message;
    saveResource(run, { ...base, status: 'IMPORT_FAILED', status_reason: reason, updated_at: c.rt.clock.now() }, { reason });
    return false;
  }
}

/** IMPORT_IN_PROGRESS: every resource to import in dependency order, then outputs; a failure rolls the import back. */
export async function importStep(c: CloudFormationContext, stack: StackRow, signal: AbortSignal, resumed: boolean): Promise<void> {
  let reason: string;
  if (resumed) {
    failInterrupted(c, stack);
    reason = 'Drydock stopped while resources were being imported.';
  } else {
    const targets = parseJson<ImportOptions>(stack.operation_options).imports ?? [];
    const byId = new Map(targets.map((target) => [target.logicalId, target]));
    try {
      const run = await beginRun(c, stack, signal);
      const walk = await walkGraph(
        byId.keys(),
        (id) => run.model.dependencies.get(id) ?? [],
        (id) => importResource(run, byId.get(id)!),
        { stopOnFailure: true, signal },
      );
      const failed = [...walk.failed].sort();
      if (!failed.length) {
        c.store.tx(() => setStackStatus(c, stack.stack_id, 'IMPORT_COMPLETE', undefined, { outputs: publishOutputs(run), previous: null, operation_options: '{}' }));
        return;
      }
      reason = `The following resource(s) failed to import: [${failed.join(', ')}].`;
    } catch (err) {
      reason = (err as Error).message;
    }
  }
  setStackStatus(c, stack.stack_id, 'IMPORT_ROLLBACK_IN_PROGRESS', reason);
}

/** IMPORT_ROLLBACK_IN_PROGRESS: the resources the import took are let go (left as they are, out of the stack), and the previous template comes back. */
export async function importRollbackStep(c: CloudFormationContext, stack: StackRow): Promise<void> {
  const targets = parseJson<ImportOptions>(stack.operation_options).imports ?? [];
  const previous = stack.previous ? parseJson<PreviousState>(stack.previous) : undefined;
  c.store.tx(() => {
    for (const target of targets) {
      const row = c.store.resource(stack.stack_id, target.logicalId);
      if (!row) continue;
      recordEvent(c, stack, { logicalId: row.logical_id, physicalId: row.physical_id, type: row.type, status: 'DELETE_SKIPPED' });
      c.store.deleteResource(stack.stack_id, row.logical_id);
    }
    const restored: Partial<StackRow> = previous
      ? {
          template_body: previous.template_body,
          processed_template: previous.processed_template,
          parameters: previous.parameters,
          outputs: previous.outputs,
          notification_arns: previous.notification_arns,
          capabilities: previous.capabilities,
          tags: previous.tags,
          role_arn: previous.role_arn,
          description: previous.description,
        }
      : {};
    setStackStatus(c, stack.stack_id, 'IMPORT_ROLLBACK_COMPLETE', undefined, { ...restored, previous: null, operation_options: '{}' });
  });
}
