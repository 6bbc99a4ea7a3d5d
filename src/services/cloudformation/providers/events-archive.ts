/**
 * AWS::Events::Archive through CreateArchive, UpdateArchive and DeleteArchive. Ref is the archive's
 * name; GetAtt Arn (the archive's ARN). Without ArchiveName, AWS generates `<stack>-<LogicalId>-<random>`
 * within the 48-character limit.
 */
import { givenOrIntendedName, integerProp, requiredStringProp, stringProp, unlessGone } from './foundation-helpers.js';
import { jsonText } from './integration-helpers.js';
import type { Properties, ResourceProvider } from './types.js';

const NOT_FOUND = 'ResourceNotFoundException';

function settings(props: Properties) {
  return {
    Description: stringProp(props, 'Description'),
    EventPattern: jsonText(props.EventPattern, 'EventPattern'),
    RetentionDays: integerProp(props, 'RetentionDays'),
    KmsKeyIdentifier: stringProp(props, 'KmsKeyIdentifier'),
  };
}

export const eventsArchiveProvider: ResourceProvider = {
  async create(ctx, props) {
    const name = givenOrIntendedName(ctx, stringProp(props, 'ArchiveName'), { maxLength: 48 });
    const { ArchiveArn } = await ctx.call('events', 'CreateArchive', { ArchiveName: name, EventSourceArn: requiredStringProp(props, 'SourceArn'), ...settings(props) });
    return { physicalId: name, attributes: { Arn: ArchiveArn } };
  },

  async update(ctx, current, props) {
    const { ArchiveArn } = await ctx.call('events', 'UpdateArchive', {
      ArchiveName: current.physicalId,
      ...settings(props),
      // Dropping Description or RetentionDays clears it (retention 0 keeps events forever); UpdateArchive cannot clear a pattern.
      Description: stringProp(props, 'Description') ?? '',
      RetentionDays: integerProp(props, 'RetentionDays') ?? 0,
    });
    return { physicalId: current.physicalId, attributes: { Arn: ArchiveArn } };
  },

  async delete(ctx, current) {
    await unlessGone(() => ctx.call('events', 'DeleteArchive', { ArchiveName: current.physicalId }), NOT_FOUND);
  },

  async read(ctx, current) {
    const archive = await unlessGone(() => ctx.call('events', 'DescribeArchive', { ArchiveName: current.physicalId }), NOT_FOUND);
    if (!archive) return undefined;
    const actual: Properties = { SourceArn: archive.EventSourceArn };
    if (current.props.ArchiveName !== undefined) actual.ArchiveName = archive.ArchiveName;
    if (archive.Description) actual.Description = archive.Description;
    if (archive.EventPattern) actual.EventPattern = typeof current.props.EventPattern === 'string' ? archive.EventPattern : JSON.parse(archive.EventPattern);
    if (archive.RetentionDays) actual.RetentionDays = archive.RetentionDays;
    if (archive.KmsKeyIdentifier) actual.KmsKeyIdentifier = archive.KmsKeyIdentifier;
    return actual;
  },
};
