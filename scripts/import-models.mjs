#!/usr/bin/env node
// Copies AWS's published JSON service models (botocore's `service-2.json`, the same format the
// AWS SDKs generate from) into models/, minus documentation, so that the runtime never depends on
// a Python or npm package of models. Run with `npm run import-models [service ...]`.
// Source: the botocore data directory of the local aws CLI, or DRYDOCK_BOTOCORE_DATA. Also writes
// models/index.json, every model's metadata (what the server reads at startup).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Botocore folder name → Drydock service name (the folder under src/services/). */
const DEFAULT_SERVICES = {
  sts: 'sts',
  iam: 'iam',
  s3: 's3',
  kms: 'kms',
  ssm: 'ssm',
  secretsmanager: 'secretsmanager',
  logs: 'logs',
  codecommit: 'codecommit',
  codebuild: 'codebuild',
  codedeploy: 'codedeploy',
  codepipeline: 'codepipeline',
  cloudformation: 'cloudformation',
  events: 'events',
  cloudwatch: 'cloudwatch',
  sqs: 'sqs',
  sns: 'sns',
  lambda: 'lambda',
};

function botocoreData() {
  if (process.env.DRYDOCK_BOTOCORE_DATA) return process.env.DRYDOCK_BOTOCORE_DATA;
  const dir = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim();
  return join(dir, 'data');
}

function stripDocs(node) {
  if (Array.isArray(node)) return node.map(stripDocs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'documentation' || k === 'documentationUrl' || k === 'examples') continue;
      out[k] = stripDocs(v);
    }
    return out;
  }
  return node;
}

const data = botocoreData();
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');
mkdirSync(outDir, { recursive: true });
const wanted = process.argv.slice(2);
const services = wanted.length ? Object.fromEntries(wanted.map((s) => [s, DEFAULT_SERVICES[s] ?? s])) : DEFAULT_SERVICES;
for (const [botoName, name] of Object.entries(services)) {
  const dir = join(data, botoName);
  const version = readdirSync(dir).sort().at(-1);
  const base = join(dir, version, 'service-2.json');
  const raw = existsSync(`${base}.gz`) ? gunzipSync(readFileSync(`${base}.gz`)).toString('utf8') : readFileSync(base, 'utf8');
  const model = stripDocs(JSON.parse(raw));
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(model)}\n`);
  console.log(`${name}: ${model.metadata.protocol} ${version}, ${Object.keys(model.operations).length} operations`);
}

// models/index.json: every model's metadata, so that the server starts without parsing the models
// (src/protocol/model.ts reads the rest of a model on the first request to its service).
const index = {};
for (const file of readdirSync(outDir)
  .filter((f) => f.endsWith('.json') && f !== 'index.json')
  .sort()) {
  index[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(outDir, file), 'utf8')).metadata;
}
writeFileSync(join(outDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
