/**
 * SQS's two wire models. SQS moved from awsQuery to awsJson1_0 (`awsQueryCompatible`), and
 * botocore's model keeps only the JSON side: it lost the query protocol's error codes
 * (`AWS.SimpleQueueService.NonExistentQueue` …), member names (`Attribute.N.Name`,
 * `SendMessageBatchRequestEntry.N.Id` …) and result wrappers. Both are restored here from AWS's
 * Smithy model (the `awsQueryError`, `xmlName` and `xmlFlattened` traits the SDKs are generated
 * from): the JSON model gets the error codes (sent in `x-amzn-query-error`), the query model the
 * codes and the names, so that older SDKs' `Action=…` requests are served too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { type MemberRef, type RawModel, type RawShape, ServiceModel } from '../../protocol/model.js';

/** Each error shape's query code and HTTP status (Smithy `awsQueryError`); the others are their own name, 400. */
const QUERY_ERRORS: Record<string, [code: string, status: number]> = {
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidAddress: ['InvalidAddress', 404],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  InvalidSecurity: ['InvalidSecurity', 403],
  KmsAccessDenied: ['KMS.AccessDeniedException', 400],
  KmsDisabled: ['KMS.DisabledException', 400],
  KmsInvalidKeyUsage: ['KMS.InvalidKeyUsageException', 400],
  KmsInvalidState: ['KMS.InvalidStateException', 400],
  KmsNotFound: ['KMS.NotFoundException', 400],
  KmsOptInRequired: ['KMS.OptInRequired', 403],
  KmsThrottled: ['KMS.ThrottlingException', 400],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  OverLimit: ['OverLimit', 403],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  QueueDeletedRecently: ['AWS.SimpleQueueService.QueueDeletedRecently', 400],
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  RequestThrottled: ['RequestThrottled', 403],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
};

/** The query protocol's name of each list or map member (Smithy `xmlName`; every one of them is flattened). */
const QUERY_MEMBER_NAMES: Record<string, Record<string, string>> = {
  AddPermissionRequest: { AWSAccountIds: 'AWSAccountId', Actions: 'ActionName' },
  ChangeMessageVisibilityBatchRequest: { Entries: 'ChangeMessageVisibilityBatchRequestEntry' },
  ChangeMessageVisibilityBatchResult: { Successful: 'ChangeMessageVisibilityBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  CreateQueueRequest: { Attributes: 'Attribute', tags: 'Tag' },
  DeleteMessageBatchRequest: { Entries: 'DeleteMessageBatchRequestEntry' },
  DeleteMessageBatchResult: { Successful: 'DeleteMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  GetQueueAttributesRequest: { AttributeNames: 'AttributeName' },
  GetQueueAttributesResult: { Attributes: 'Attribute' },
  ListDeadLetterSourceQueuesResult: { queueUrls: 'QueueUrl' },
  ListMessageMoveTasksResult: { Results: 'ListMessageMoveTasksResultEntry' },
  ListQueuesResult: { QueueUrls: 'QueueUrl' },
  ListQueueTagsResult: { Tags: 'Tag' },
  Message: { Attributes: 'Attribute', MessageAttributes: 'MessageAttribute' },
  MessageAttributeValue: { StringListValues: 'StringListValue', BinaryListValues: 'BinaryListValue' },
  MessageSystemAttributeValue: { StringListValues: 'StringListValue', BinaryListValues: 'BinaryListValue' },
  ReceiveMessageRequest: { AttributeNames: 'AttributeName', MessageSystemAttributeNames: 'AttributeName', MessageAttributeNames: 'MessageAttributeName' },
  ReceiveMessageResult: { Messages: 'Message' },
  SendMessageBatchRequest: { Entries: 'SendMessageBatchRequestEntry' },
  SendMessageBatchRequestEntry: { MessageAttributes: 'MessageAttribute', MessageSystemAttributes: 'MessageSystemAttribute' },
  SendMessageBatchResult: { Successful: 'SendMessageBatchResultEntry', Failed: 'BatchResultErrorEntry' },
  SendMessageRequest: { MessageAttributes: 'MessageAttribute', MessageSystemAttributes: 'MessageSystemAttribute' },
  SetQueueAttributesRequest: { Attributes: 'Attribute' },
  TagQueueRequest: { Tags: 'Tag' },
  UntagQueueRequest: { TagKeys: 'TagKey' },
};

/** Names of the keys and values of the query protocol's flattened maps. */
const QUERY_MAP_ENTRIES: Record<string, [key: string, value: string]> = {
  MessageBodyAttributeMap: ['Name', 'Value'],
  MessageBodySystemAttributeMap: ['Name', 'Value'],
  MessageSystemAttributeMap: ['Name', 'Value'],
  QueueAttributeMap: ['Name', 'Value'],
  TagMap: ['Key', 'Value'],
};

/** Names of list items in the query protocol where they are not the member's own name. */
const QUERY_LIST_ITEMS: Record<string, string> = { StringList: 'StringListValue', BinaryList: 'BinaryListValue' };

const QUERY_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

function readSqsModel(): RawModel {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'models', 'sqs.json'), 'utf8')) as RawModel;
}

function withErrorCodes(shapes: Record<string, RawShape>): void {
  for (const [name, [code, httpStatusCode]] of Object.entries(QUERY_ERRORS)) {
    const shape = shapes[name];
    if (shape) shape.error = { code, httpStatusCode, senderFault: true };
  }
}

/** The JSON model clients speak today, with the query codes its errors also carry. */
function jsonModel(): RawModel {
  const raw = readSqsModel();
  withErrorCodes(raw.shapes);
  return raw;
}

/** The same operations as awsQuery: form member names, flattened lists and maps, result wrappers, XML namespace. */
function queryModel(): RawModel {
  const raw = readSqsModel();
  withErrorCodes(raw.shapes);
  for (const [shapeName, members] of Object.entries(QUERY_MEMBER_NAMES)) {
    const shape = raw.shapes[shapeName];
    for (const [member, locationName] of Object.entries(members)) {
      const ref = shape?.members?.[member];
      if (ref) Object.assign(ref, { locationName, flattened: true } satisfies Partial<MemberRef>);
    }
  }
  for (const [shapeName, [key, value]] of Object.entries(QUERY_MAP_ENTRIES)) {
    const shape = raw.shapes[shapeName];
    if (shape?.key && shape.value) {
      shape.key.locationName = key;
      shape.value.locationName = value;
    }
  }
  for (const [shapeName, item] of Object.entries(QUERY_LIST_ITEMS)) {
    const member = raw.shapes[shapeName]?.member;
    if (member) member.locationName = item;
  }
  for (const op of Object.values(raw.operations)) if (op.output) op.output.resultWrapper = `${op.name}Result`;
  raw.metadata = { ...queryMetadata(raw.metadata) };
  return raw;
}

function queryMetadata(metadata: RawModel['metadata']): RawModel['metadata'] {
  const { targetPrefix: _json, jsonVersion: _version, awsQueryCompatible: _compatible, ...rest } = metadata;
  return { ...rest, protocol: 'query', protocols: ['query'], xmlNamespace: QUERY_NAMESPACE };
}

/** Both models, read from models/sqs.json on their first request (startup parses neither). */
export function sqsModels(metadata: RawModel['metadata']): { json: ServiceModel; query: ServiceModel } {
  return {
    json: new ServiceModel({ metadata, load: jsonModel }),
    query: new ServiceModel({ metadata: queryMetadata(metadata), load: queryModel }),
  };
}
