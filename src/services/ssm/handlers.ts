import type { GetParameterRequest, GetParameterResult, PutParameterRequest, PutParameterResult } from '@aws-sdk/client-ssm';
import type { Handlers, RequestContext, Runtime } from '../../protocol/types.js';
import { AwsError } from '../../core/errors.js';
import { arn } from '../../core/arn.js';
import type { SsmStore, ParameterRow } from './store.js';

function parameterArn(ctx: RequestContext, name: string): string {
  return arn('ssm', ctx.region, ctx.account, `parameter${name.startsWith('/') ? '' : '/'}${name}`);
}

export function createHandlers(store: SsmStore, rt: Runtime): Handlers {
  return {
    PutParameter(input: PutParameterRequest, ctx: RequestContext): PutParameterResult {
      const name = input.Name!;
      return store.tx(() => {
        const existing = store.get(ctx.account, ctx.region, name);
        if (existing && !input.Overwrite) throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
        const type = input.Type ?? existing?.type;
        if (!type) throw new AwsError('ValidationException', 'A parameter type is required when you create a parameter.');
        const row: ParameterRow = {
          account: ctx.account,
          region: ctx.region,
          name,
          type,
          value: input.Value!,
          version: (existing?.version ?? 0) + 1,
          description: input.Description ?? existing?.description ?? null,
          key_id: input.KeyId ?? existing?.key_id ?? null,
          tier: input.Tier ?? existing?.tier ?? 'Standard',
          data_type: input.DataType ?? existing?.data_type ?? 'text',
          allowed_pattern: input.AllowedPattern ?? existing?.allowed_pattern ?? null,
          modified_at: rt.clock.now(),
          modified_by: ctx.principal.arn,
        };
        store.put(row);
        return { Version: row.version, Tier: row.tier as PutParameterResult['Tier'] };
      });
    },
    GetParameter(input: GetParameterRequest, ctx: RequestContext): GetParameterResult {
      const row = store.get(ctx.account, ctx.region, input.Name!);
      if (!row) throw new AwsError('ParameterNotFound', `Parameter ${input.Name} not found.`);
      return {
        Parameter: {
          Name: row.name,
          Type: row.type as 'String',
          Value: row.value,
          Version: row.version,
          LastModifiedDate: new Date(row.modified_at),
          ARN: parameterArn(ctx, row.name),
          DataType: row.data_type,
        },
      };
    },
  };
}
