/**
 * AWS CloudFormation: stacks whose resources are really created, updated and deleted through the
 * other services' operations (as the stack's RoleARN session, or as the caller), by a durable
 * engine that walks the dependency graph in parallel through AWS's stack and resource status
 * machines: rollback on failure (OnFailure, DisableRollback, RetainExceptOnCreate), updates in
 * place or by replacement per the resource specification with cleanup, update rollback with
 * ContinueUpdateRollback and CancelUpdateStack, DeletionPolicy and UpdateReplacePolicy, stack
 * policies, termination protection, exports and imports, stack events with SNS notifications and
 * EventBridge events. A restart resumes or fails every operation explicitly.
 *
 * Gaps against AWS:
 * - Stack sets, the registry (types, hooks, publishers), resource scans, generated templates,
 *   stack refactors and EstimateTemplateCost answer 501. CreateChangeSet's
 *   ImportExistingResources (automatic import) is ignored.
 * - Resource import (ChangeSetType IMPORT) takes the types whose primary identifier is one property
 *   that is also their physical id and whose provider can read them (engine/import.ts lists them:
 *   S3 buckets, SQS queues, SSM parameters, SNS topics, IAM roles …); other types are refused
 *   ("ResourceTypes [T] are not supported for Import"), some of which AWS imports. The imported
 *   resource is read through its provider (one that is not there fails the import: "Resource of
 *   type 'X' with identifier 'Y' was not found.") and its GetAtt attributes come from its
 *   provider's update with the template's own properties, which changes nothing; the template's
 *   properties are not compared with the resource's (AWS does not either; drift detection shows
 *   the differences). The wording of the refusals other than the unsupported types, the missing
 *   DeletionPolicy and the changes beside an import is Drydock's.
 * - GetTemplateSummary's ResourceIdentifierSummaries name each type's primary identifier from the
 *   specification index for every type but those known not to be importable (spec/index.ts:
 *   custom resources, wait conditions, Lambda permissions, IAM inline policies …); AWS also leaves
 *   out other types that do not support import (the index does not say which), and Drydock's own
 *   resource import takes fewer types still (engine/import.ts).
 * - Rules: a failed assertion answers its AssertDescription (Drydock's words when it has none).
 *   Fn::RefAll and Fn::ValueOfAll answer empty lists and Fn::ValueOf fails, since the AWS-specific
 *   parameter types they look up name EC2-like resources Drydock does not have.
 * - Nested stacks, custom resources and wait conditions: their providers' headers
 *   (providers/cloudformation-*.ts) state how they differ. Their signals and responses are objects
 *   in buckets of Drydock's account 999999999999 (AWS's own account on AWS), reachable through the
 *   presigned URLs CloudFormation hands out; SignalResource serves CreationPolicy ResourceSignal
 *   only (no UpdatePolicy: Drydock has no Auto Scaling groups).
 * - Change sets are worked out within the CreateChangeSet request, so CREATE_PENDING and
 *   CREATE_IN_PROGRESS are never seen. IncludeNestedStacks makes nested change sets; how they
 *   differ is in providers/cloudformation-stack.ts. DescribeChangeSet pages Changes 100 at a time.
 *   ExecuteChangeSet answers once the stack operation has ended (at most 15 s later), so waiters
 *   find it done at their first poll.
 *   The wording of some refusals is Drydock's: CreateChangeSet's AlreadyExistsException for an
 *   attribute other than Template, DeleteChangeSet during execution (ExecuteChangeSet's "An
 *   operation on this ChangeSet is currently in progress." reused).
 * - RollbackConfiguration (alarm triggers) is stored but never stops an operation. TimeoutInMinutes
 *   runs on Drydock's clock from the stack's creation (the time warp passes it); a creation Drydock
 *   stopped in fails on restart whatever time is left. ClientRequestToken makes a retried request
 *   idempotent per stack (a token the stack took for another operation is refused with
 *   TokenAlreadyExistsException in AWS's words); a CreateStack with a token a deleted stack of the
 *   same name took is refused so too, as a reported case has AWS do, until the deleted stack is
 *   purged (90 days); other operations on the new stack do not look at the deleted one's tokens.
 * - DeletionPolicy Snapshot: no resource type Drydock provides can snapshot, so the resource is
 *   retained (DELETE_SKIPPED) with a reason saying so; AWS would snapshot types that support it.
 * - A resource whose type the specification knows but Drydock has no provider for fails with
 *   "Unsupported resource type: AWS::X::Y" (Drydock's words) and the stack rolls back.
 * - Resource status reasons wrap the owning service's refusal as AWS does (engine/handler-errors.ts):
 *   "Resource handler returned message: … (RequestToken: …, HandlerErrorCode: …)" for registry
 *   types, the SDK v1 "(Service: …; Status Code: …; Error Code: …)" suffix for the types AWS still
 *   provisions itself. Which types are which is from stack events users reported (S3 buckets,
 *   IAM inline policies and CodeCommit repositories are the older kind); a type with no report
 *   either way is treated as a registry type. The Request IDs in them are fresh UUIDs, and the
 *   HandlerErrorCode is derived from the service's error code and status (a handler may classify
 *   some errors differently).
 * - When Drydock stops while a resource is being created or updated, the operation fails into its
 *   rollback with the in-flight resources marked failed ("Resource handler was interrupted"); one
 *   interrupted in an in-place update is updated back to its old properties in the rollback.
 *   Resources with a generated name (S3 buckets, SSM parameters, IAM roles, users, groups and
 *   instance profiles, Lambda functions, log groups, streams and filters, SNS topics, SQS queues,
 *   EventBridge rules and archives, CodeBuild projects, ECR repositories) record their physical
 *   id before they are made, so the rollback deletes them even when the kill landed between the
 *   service's create and the engine's record. Other resources whose creation finished in the
 *   owning service just before the stop (a name the template gave, which may belong to a
 *   resource that existed before; types whose id the service assigns, such as KMS keys and
 *   secrets; other types with generated names) are not known to the stack and are left behind.
 *   Deletions and rollbacks resume where they stopped.
 * - DeleteStack during a creation stops it (what waits is cancelled) and deletes the stack, acting
 *   as the principal who created it (its RoleARN and caller are the creation's).
 * - DisableRollback ("Preserve successfully provisioned resources"): a failure stops the resources
 *   that depend on it, the others go on; from CREATE_FAILED or UPDATE_FAILED an update (UpdateStack
 *   or a change set) with DisableRollback retries: failed creations are made again (after a Delete
 *   of a physical id the failed create named), failed updates are sent again, and RollbackStack
 *   goes back to the state before the first failed update (a stack whose creation never completed
 *   is rolled back as a creation, ROLLBACK_COMPLETE). AWS's guide says an update's failed
 *   resources are rolled back to their last stable state at once; Drydock leaves them as the
 *   failed request left them until the retry or RollbackStack. A resource that a failed update
 *   replaced or added and the retry replaces again leaves the earlier replacement behind.
 *   ExecuteChangeSet without DisableRollback from those states is refused with UpdateStack's words.
 * - Update comparisons are on resolved property values: a changed dynamic reference whose
 *   resolved value is the same is not an update, and a changed secret value is.
 * - Stack notifications are published to SNS as the principal who started the operation.
 * - Drift detection compares only the properties each type's provider reads (its `read` says
 *   which; a template property it cannot read is not checked), with the values dynamic references
 *   resolved to (shown so in ExpectedProperties). A member added to a JSON document or map is
 *   reported NOT_EQUAL with ExpectedValue "null" (AWS's ADD is documented for list elements).
 *   Lists whose elements only changed order are in sync for every list (AWS decides per property
 *   from the registry schema's insertionOrder). Detections and their results are never purged.
 * - The wording of drift detection's refusals (a stack in a status that does not allow it, a
 *   resource that cannot be checked, an unknown detection id) is Drydock's.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { cloudFormationAuthorization } from './authorization.js';
import type { CloudFormationContext } from './common.js';
import { DriftStore } from './drift-store.js';
import { registerDriftJobs } from './engine/drift.js';
import { registerNotificationJobs } from './engine/events.js';
import { registerStackJobs } from './engine/runner.js';
import { createHandlers } from './handlers/index.js';
import { registerSignals } from './signals.js';
import { CloudFormationStore } from './store.js';

export const cloudformation: ServiceDefinition = {
  name: 'cloudformation',
  model: loadModel('cloudformation'),
  validationError: 'ValidationError',
  authorization: cloudFormationAuthorization,
  create(rt) {
    const c: CloudFormationContext = { store: new CloudFormationStore(rt.store), drift: new DriftStore(rt.store), rt, cancels: new Map() };
    registerStackJobs(c);
    registerNotificationJobs(c);
    registerDriftJobs(c);
    registerSignals(c);
    return { handlers: createHandlers(c) };
  },
};
