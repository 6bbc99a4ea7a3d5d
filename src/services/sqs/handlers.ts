/** The SQS handlers map: every operation Drydock serves, each a module-level function of the context. */
import type { Handlers } from '../../protocol/types.js';
import { bindOperations } from '../bind.js';
import type { SqsContext } from './common.js';
import { cancelMessageMoveTask, listMessageMoveTasks, startMessageMoveTask } from './move-tasks.js';
import { addPermission, removePermission } from './permissions.js';
import { getQueueAttributes, setQueueAttributes } from './queue-attributes.js';
import { createQueue, deleteQueue, getQueueUrl, listDeadLetterSourceQueues, listQueues, purgeQueue } from './queues.js';
import { receiveMessage } from './receive.js';
import { sendMessage, sendMessageBatch } from './send.js';
import { listQueueTags, tagQueue, untagQueue } from './tags.js';
import { changeMessageVisibility, changeMessageVisibilityBatch, deleteMessage, deleteMessageBatch } from './visibility.js';

const OPERATIONS = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
  AddPermission: addPermission,
  RemovePermission: removePermission,
  TagQueue: tagQueue,
  UntagQueue: untagQueue,
  ListQueueTags: listQueueTags,
  StartMessageMoveTask: startMessageMoveTask,
  ListMessageMoveTasks: listMessageMoveTasks,
  CancelMessageMoveTask: cancelMessageMoveTask,
};

export function createHandlers(c: SqsContext): Handlers {
  return bindOperations(c, OPERATIONS);
}
