import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../core/paths.js';
import { loadModel, MODEL_INDEX, type RawModel, ServiceModel } from './model.js';

const MODELS_DIR = join(PACKAGE_ROOT, 'models');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(MODELS_DIR, file), 'utf8'));

describe('models/index.json', () => {
  it('holds exactly the metadata of every model (npm run import-models rewrites it)', () => {
    const models = readdirSync(MODELS_DIR)
      .filter((f) => f.endsWith('.json') && f !== MODEL_INDEX)
      .sort();
    const expected = Object.fromEntries(models.map((f) => [f.slice(0, -'.json'.length), (readJson(f) as RawModel).metadata]));
    expect(readJson(MODEL_INDEX)).toEqual(expected);
  });

  it('a model loaded from its metadata reads its operations on first use, the same as one parsed whole', () => {
    const whole = new ServiceModel(readJson('s3.json') as RawModel);
    const lazy = loadModel('s3');
    expect(lazy.metadata).toEqual(whole.metadata);
    expect(lazy.protocol).toBe(whole.protocol);
    expect([...lazy.operations.keys()]).toEqual([...whole.operations.keys()]);
    expect(lazy.operations.get('PutObject')).toEqual(whole.operations.get('PutObject'));
    expect(lazy.errorShape('NoSuchKey')).toEqual(whole.errorShape('NoSuchKey'));
  });
});
