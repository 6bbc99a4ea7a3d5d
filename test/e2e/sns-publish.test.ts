/**
 * SNS Publish and PublishBatch refusing what AWS refuses, with AWS's codes and messages (its
 * recorded answers): subjects, empty and oversize messages (256 KiB with attributes), message
 * attribute names, types and values, MessageStructure json, FIFO ids, batch limits. A refused
 * publish delivers nothing. Publish to a phone number lands in the local outbox.
 */

import { CreateTopicCommand, type MessageAttributeValue, PublishBatchCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAwsError, useServer } from '../helpers.js';
import { eventually, outbox } from './sns-helpers.js';

const server = useServer();
const sns = () => new SNSClient(server.clientConfig);
const MAX = 262_144;
let TopicArn = '';
let FifoArn = '';
let queueUrl = '';

beforeAll(async () => {
  TopicArn = (await sns().send(new CreateTopicCommand({ Name: 'publishing' }))).TopicArn!;
  FifoArn = (await sns().send(new CreateTopicCommand({ Name: 'publishing.fifo', Attributes: { FifoTopic: 'true' } }))).TopicArn!;
  const queueArn = 'arn:aws:sqs:us-east-1:000000000000:published';
  const Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] });
  queueUrl = (await new SQSClient(server.clientConfig).send(new CreateQueueCommand({ QueueName: 'published', Attributes: { Policy } }))).QueueUrl!;
  await sns().send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }));
});

const invalid = (message: string) => ({ code: 'InvalidParameter', status: 400, message });
const invalidValue = (message: string) => ({ code: 'ParameterValueInvalid', status: 400, message });

describe('SNS Publish', () => {
  it('refuses what AWS refuses and delivers none of it', async () => {
    const publish = (input: Partial<ConstructorParameters<typeof PublishCommand>[0]>) => sns().send(new PublishCommand({ TopicArn, Message: 'm', ...input }));
    const attribute = (value: Record<string, unknown>) => ({ attr1: value as unknown as MessageAttributeValue });
    await expectAwsError(publish({ Subject: '' }), invalid('Invalid parameter: Subject'));
    await expectAwsError(publish({ Subject: 'line\nbreak' }), invalid('Invalid parameter: Subject'));
    await expectAwsError(publish({ Subject: 's'.repeat(100) }), invalid('Invalid parameter: Subject'));
    await expectAwsError(publish({ Message: '' }), invalid('Invalid parameter: Empty message'));
    await expectAwsError(publish({ Message: 'x'.repeat(MAX + 1) }), invalid('Invalid parameter: Message too long'));
    await expectAwsError(publish({ Message: 'x'.repeat(MAX - 10), MessageAttributes: { attr: { DataType: 'String', StringValue: 'abcdef' } } }), invalid('Invalid parameter: Message too long'));
    await expectAwsError(publish({ MessageStructure: 'json', Message: '{"sqs":"only"}' }), invalid('Invalid parameter: Message Structure - No default entry in JSON message body'));
    await expectAwsError(publish({ MessageStructure: 'json', Message: '{"default": 1}' }), invalid('Invalid parameter: Message Structure - No default entry in JSON message body'));
    await expectAwsError(publish({ MessageStructure: 'json', Message: 'not json' }), invalid('Invalid parameter: Message Structure - JSON message body failed to parse'));
    await expectAwsError(
      publish({ MessageDeduplicationId: 'd' }),
      invalid('Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type'),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'String', StringValue: '' }) }),
      invalidValue("The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'."),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'Binary', BinaryValue: new Uint8Array() }) }),
      invalidValue("The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'Binary'."),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'String', BinaryValue: Uint8Array.from([1]) }) }),
      invalidValue("The message attribute 'attr1' with type 'String' must use field 'String'."),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'Number', BinaryValue: Uint8Array.from([1]) }) }),
      invalidValue("The message attribute 'attr1' with type 'Number' must use field 'String'."),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'Binary', StringValue: 'x' }) }),
      invalidValue("The message attribute 'attr1' with type 'Binary' must use field 'Binary'."),
    );
    await expectAwsError(
      publish({ MessageAttributes: attribute({ DataType: 'Stringy', StringValue: 'x' }) }),
      invalidValue("The message attribute 'attr1' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."),
    );
    await expectAwsError(publish({ MessageAttributes: attribute({ DataType: 'Number', StringValue: 'twelve' }) }), invalidValue("Could not cast message attribute 'attr1' value to number."));
    const named = (name: string) => publish({ MessageAttributes: { [name]: { DataType: 'String', StringValue: 'v' } } });
    await expectAwsError(named('a'.repeat(257)), invalidValue('Length of message attribute name must be less than 256 bytes.'));
    await expectAwsError(
      named('a^b'),
      invalidValue("Invalid non-alphanumeric character '#x5E' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots."),
    );
    await expectAwsError(named('.start'), invalidValue("Invalid message attribute name starting with character '.' was found."));
    await expectAwsError(named('end.'), invalidValue("Invalid message attribute name ending with character '.' was found."));
    await expectAwsError(named('a..b'), invalidValue("Message attribute name can not have successive '.' character."));
    await expectAwsError(publish({ MessageAttributes: attribute({ StringValue: 'no type' }) }), { code: 'ValidationError', status: 400 });
    await expectAwsError(sns().send(new PublishCommand({ Message: 'nowhere' })), invalid('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter'));
    await expectAwsError(publish({ TopicArn: 'arn:aws:sns:us-west-2:000000000000:publishing' }), invalid('Invalid parameter: TopicArn'));
    await expectAwsError(publish({ TopicArn: '' }), invalid('Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1'));
    await expectAwsError(publish({ TopicArn: 'arn:aws' }), invalid('Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 2'));
    await expectAwsError(publish({ TopicArn: `${TopicArn}-gone` }), { code: 'NotFound', status: 404, message: 'Topic does not exist' });
    await expectAwsError(
      publish({ TopicArn: undefined, TargetArn: 'arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/1' }),
      invalid('Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified'),
    );

    // The largest message AWS takes is taken, and it is the only thing that arrives.
    await publish({ Message: 'y'.repeat(MAX) });
    const { Messages } = await eventually(async () => {
      const answer = await new SQSClient(server.clientConfig).send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return answer.Messages?.length ? answer : undefined;
    });
    expect(Messages!.map((m) => m.Body!.length)).toEqual([MAX]);
  });

  it('applies the FIFO rules', async () => {
    await expectAwsError(sns().send(new PublishCommand({ TopicArn: FifoArn, Message: 'm' })), invalid('Invalid parameter: The MessageGroupId parameter is required for FIFO topics'));
    await expectAwsError(
      sns().send(new PublishCommand({ TopicArn: FifoArn, Message: 'm', MessageGroupId: 'g' })),
      invalid('Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly'),
    );
    const first = await sns().send(new PublishCommand({ TopicArn: FifoArn, Message: 'm', MessageGroupId: 'g', MessageDeduplicationId: 'once' }));
    const second = await sns().send(new PublishCommand({ TopicArn: FifoArn, Message: 'other', MessageGroupId: 'g', MessageDeduplicationId: 'twice' }));
    expect(BigInt(second.SequenceNumber!)).toBeGreaterThan(BigInt(first.SequenceNumber!));
  });

  it('records a text message to a phone number in the outbox, and refuses a number that is not one', async () => {
    const { MessageId } = await sns().send(new PublishCommand({ PhoneNumber: '+15551234567', Message: 'your code is 1234' }));
    const [sms] = await outbox(server.url, '+15551234567');
    expect(sms).toMatchObject({ protocol: 'sms', messageId: MessageId, body: 'your code is 1234' });
    await expectAwsError(sns().send(new PublishCommand({ PhoneNumber: '+1a234', Message: 'x' })), invalid('Invalid parameter: PhoneNumber Reason: +1a234 is not valid to publish to'));
  });
});

describe('SNS PublishBatch', () => {
  const entry = (Id: string, extra: Record<string, unknown> = {}) => ({ Id, Message: `message ${Id}`, ...extra });

  it('publishes up to ten entries and answers each MessageId', async () => {
    const { Successful, Failed } = await sns().send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [entry('1'), entry('2'), entry('3')] }));
    expect(Failed).toEqual([]);
    expect(Successful!.map((s) => s.Id)).toEqual(['1', '2', '3']);
    expect(new Set(Successful!.map((s) => s.MessageId)).size).toBe(3);
  });

  it('refuses batches AWS refuses', async () => {
    const batch = (entries: Record<string, unknown>[], topic = TopicArn) => sns().send(new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: entries as never }));
    await expectAwsError(batch(Array.from({ length: 11 }, (_, i) => entry(String(i)))), {
      code: 'TooManyEntriesInBatchRequest',
      status: 400,
      message: 'The batch request contains more entries than permissible.',
    });
    await expectAwsError(batch([entry('same'), entry('same')]), { code: 'BatchEntryIdsNotDistinct', status: 400, message: 'Two or more batch entries in the request have the same Id.' });
    await expectAwsError(batch([entry('no spaces')]), { code: 'InvalidBatchEntryId', status: 400 });
    await expectAwsError(batch([entry('a', { Message: 'x'.repeat(MAX / 2) }), entry('b', { Message: 'x'.repeat(MAX / 2 + 1) })]), {
      code: 'BatchRequestTooLong',
      status: 400,
      message: 'The length of all the messages put together is more than the limit.',
    });
    await expectAwsError(batch([entry('a', { MessageAttributes: { attr1: { DataType: 'String', StringValue: '' } } })]), { code: 'ParameterValueInvalid', status: 400 });
    await expectAwsError(batch([entry('a')], FifoArn), invalid('Invalid parameter: The MessageGroupId parameter is required for FIFO topics'));
    await expectAwsError(batch([entry('a')], `${TopicArn}-gone`), { code: 'NotFound', status: 404, message: 'Topic does not exist' });
  });
});
