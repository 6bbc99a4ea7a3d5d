/** The CloudFormation handlers map: every operation Drydock serves. The Gaps are stated in index.ts. */
import type { Handlers } from '../../../protocol/types.js';
import { bindOperations } from '../../bind.js';
import type { CloudFormationContext } from '../common.js';
import { createChangeSet, deleteChangeSet, describeChangeSet, executeChangeSet, listChangeSets } from './change-sets.js';
import {
  describeAccountLimits,
  describeStackEvents,
  describeStackResource,
  describeStackResources,
  describeStacks,
  getTemplate,
  listExports,
  listImports,
  listStackResources,
  listStacks,
} from './describe.js';
import { describeStackDriftDetectionStatus, describeStackResourceDrifts, detectStackDrift, detectStackResourceDrift } from './drift.js';
import { signalResource } from './signals.js';
import { cancelUpdateStack, continueUpdateRollback, createStack, deleteStack, getStackPolicy, rollbackStack, setStackPolicy, updateStack, updateTerminationProtection } from './stacks.js';
import { getTemplateSummary, validateTemplate } from './templates.js';

const OPERATIONS = {
  CreateStack: createStack,
  UpdateStack: updateStack,
  DeleteStack: deleteStack,
  CancelUpdateStack: cancelUpdateStack,
  ContinueUpdateRollback: continueUpdateRollback,
  RollbackStack: rollbackStack,
  UpdateTerminationProtection: updateTerminationProtection,
  SetStackPolicy: setStackPolicy,
  GetStackPolicy: getStackPolicy,
  DescribeStacks: describeStacks,
  ListStacks: listStacks,
  DescribeStackEvents: describeStackEvents,
  DescribeStackResource: describeStackResource,
  DescribeStackResources: describeStackResources,
  ListStackResources: listStackResources,
  GetTemplate: getTemplate,
  ListExports: listExports,
  ListImports: listImports,
  DescribeAccountLimits: describeAccountLimits,
  ValidateTemplate: validateTemplate,
  GetTemplateSummary: getTemplateSummary,
  SignalResource: signalResource,
  DetectStackDrift: detectStackDrift,
  DescribeStackDriftDetectionStatus: describeStackDriftDetectionStatus,
  DetectStackResourceDrift: detectStackResourceDrift,
  DescribeStackResourceDrifts: describeStackResourceDrifts,
  CreateChangeSet: createChangeSet,
  DescribeChangeSet: describeChangeSet,
  ExecuteChangeSet: executeChangeSet,
  DeleteChangeSet: deleteChangeSet,
  ListChangeSets: listChangeSets,
};

export function createHandlers(c: CloudFormationContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
