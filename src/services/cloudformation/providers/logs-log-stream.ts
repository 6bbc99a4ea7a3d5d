/**
 * AWS::Logs::LogStream through CreateLogStream / DeleteLogStream. Ref is the stream's name; there
 * are no attributes. Both properties replace the stream when changed, so there is no update.
 */
import { givenOrIntendedName, requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import type { ResourceProvider } from './types.js';

export const logsLogStreamProvider: ResourceProvider = {
  async create(ctx, props) {
    const logGroupName = requiredStringProp(props, 'LogGroupName');
    const logStreamName = givenOrIntendedName(ctx, stringProp(props, 'LogStreamName'), { maxLength: 512 });
    await ctx.call('logs', 'CreateLogStream', { logGroupName, logStreamName });
    return { physicalId: logStreamName };
  },

  async delete(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    await unlessGone(() => ctx.call('logs', 'DeleteLogStream', { logGroupName, logStreamName: current.physicalId }), 'ResourceNotFoundException');
  },

  async read(ctx, current) {
    const logGroupName = requiredStringProp(current.props, 'LogGroupName');
    const page = await unlessGone(() => ctx.call('logs', 'DescribeLogStreams', { logGroupName, logStreamNamePrefix: current.physicalId }), 'ResourceNotFoundException');
    const stream = page?.logStreams?.find((candidate) => candidate.logStreamName === current.physicalId);
    if (!stream) return undefined;
    return current.props.LogStreamName === undefined ? { LogGroupName: logGroupName } : { LogGroupName: logGroupName, LogStreamName: stream.logStreamName };
  },
};
