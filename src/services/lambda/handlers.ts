/** The Lambda handlers map: every operation Drydock serves. The Gaps are stated in index.ts. */
import type { Handlers } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import type { LambdaContext } from './common.js';
import { createFunction, deleteFunction, getFunction, getFunctionConfiguration, listFunctions, updateFunctionCode, updateFunctionConfiguration } from './functions.js';
import { invoke } from './invoke.js';
import {
  addLayerVersionPermission,
  deleteLayerVersion,
  getLayerVersion,
  getLayerVersionByArn,
  getLayerVersionPolicy,
  listLayers,
  listLayerVersions,
  publishLayerVersion,
  removeLayerVersionPermission,
} from './layers.js';
import { createEventSourceMapping, deleteEventSourceMapping, getEventSourceMapping, listEventSourceMappings, updateEventSourceMapping } from './mappings.js';
import { addPermission, getPolicy, removePermission } from './permissions.js';
import {
  deleteFunctionConcurrency,
  deleteFunctionEventInvokeConfig,
  getAccountSettings,
  getFunctionConcurrency,
  getFunctionEventInvokeConfig,
  getFunctionRecursionConfig,
  listFunctionEventInvokeConfigs,
  listTags,
  putFunctionConcurrency,
  putFunctionEventInvokeConfig,
  putFunctionRecursionConfig,
  tagResource,
  untagResource,
  updateFunctionEventInvokeConfig,
} from './settings.js';
import { createFunctionUrlConfig, deleteFunctionUrlConfig, getFunctionUrlConfig, listFunctionUrlConfigs, updateFunctionUrlConfig } from './urls.js';
import { createAlias, deleteAlias, getAlias, listAliases, listVersionsByFunction, publishVersion, updateAlias } from './versions.js';

const OPERATIONS = {
  CreateFunction: createFunction,
  GetFunction: getFunction,
  GetFunctionConfiguration: getFunctionConfiguration,
  ListFunctions: listFunctions,
  DeleteFunction: deleteFunction,
  UpdateFunctionCode: updateFunctionCode,
  UpdateFunctionConfiguration: updateFunctionConfiguration,
  Invoke: invoke,
  PublishVersion: publishVersion,
  ListVersionsByFunction: listVersionsByFunction,
  CreateAlias: createAlias,
  GetAlias: getAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  AddPermission: addPermission,
  RemovePermission: removePermission,
  GetPolicy: getPolicy,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTags: listTags,
  GetAccountSettings: getAccountSettings,
  PutFunctionConcurrency: putFunctionConcurrency,
  GetFunctionConcurrency: getFunctionConcurrency,
  DeleteFunctionConcurrency: deleteFunctionConcurrency,
  GetFunctionRecursionConfig: getFunctionRecursionConfig,
  PutFunctionRecursionConfig: putFunctionRecursionConfig,
  PutFunctionEventInvokeConfig: putFunctionEventInvokeConfig,
  UpdateFunctionEventInvokeConfig: updateFunctionEventInvokeConfig,
  GetFunctionEventInvokeConfig: getFunctionEventInvokeConfig,
  DeleteFunctionEventInvokeConfig: deleteFunctionEventInvokeConfig,
  ListFunctionEventInvokeConfigs: listFunctionEventInvokeConfigs,
  CreateFunctionUrlConfig: createFunctionUrlConfig,
  GetFunctionUrlConfig: getFunctionUrlConfig,
  UpdateFunctionUrlConfig: updateFunctionUrlConfig,
  DeleteFunctionUrlConfig: deleteFunctionUrlConfig,
  ListFunctionUrlConfigs: listFunctionUrlConfigs,
  PublishLayerVersion: publishLayerVersion,
  GetLayerVersion: getLayerVersion,
  GetLayerVersionByArn: getLayerVersionByArn,
  ListLayerVersions: listLayerVersions,
  ListLayers: listLayers,
  DeleteLayerVersion: deleteLayerVersion,
  AddLayerVersionPermission: addLayerVersionPermission,
  RemoveLayerVersionPermission: removeLayerVersionPermission,
  GetLayerVersionPolicy: getLayerVersionPolicy,
  CreateEventSourceMapping: createEventSourceMapping,
  GetEventSourceMapping: getEventSourceMapping,
  UpdateEventSourceMapping: updateEventSourceMapping,
  DeleteEventSourceMapping: deleteEventSourceMapping,
  ListEventSourceMappings: listEventSourceMappings,
};

export function createHandlers(c: LambdaContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
