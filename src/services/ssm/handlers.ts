/** The SSM handlers map: every operation Drydock serves, each a module-level function of the context. */
import type { Handlers } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import type { SsmContext } from './common.js';
import { getParameterHistory, labelParameterVersion, unlabelParameterVersion } from './history.js';
import { describeParameters, getParameter, getParameters, getParametersByPath } from './reads.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './tags.js';
import { deleteParameter, deleteParameters, putParameter } from './writes.js';

const OPERATIONS = {
  PutParameter: putParameter,
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  DescribeParameters: describeParameters,
  GetParameterHistory: getParameterHistory,
  LabelParameterVersion: labelParameterVersion,
  UnlabelParameterVersion: unlabelParameterVersion,
  DeleteParameter: deleteParameter,
  DeleteParameters: deleteParameters,
  AddTagsToResource: addTagsToResource,
  RemoveTagsFromResource: removeTagsFromResource,
  ListTagsForResource: listTagsForResource,
};

export function createHandlers(c: SsmContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
