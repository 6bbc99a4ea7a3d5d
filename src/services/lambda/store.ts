/**
 * Lambda's tables and every statement on them. A function is its `$LATEST` row in
 * lambda_versions plus one row per published version; each row keeps the version's configuration
 * as the FunctionConfiguration JSON it answers with (names, ARNs and code digests are added when
 * read) and its code as a blob id, shared between versions with the same code. Resource policies
 * are per function and qualifier ('' for the unqualified function).
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { Scope } from '../../core/accounts.js';
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface FunctionRow {
  account: string;
  region: string;
  name: string;
  next_version: number;
  reserved_concurrency: number | null;
  recursion: string;
  tags: string;
  created: number;
}

/** The configuration a version keeps: what it answers with, less what the row's columns give. */
export type StoredConfig = Omit<FunctionConfiguration, 'FunctionName' | 'FunctionArn' | 'Version' | 'CodeSha256' | 'CodeSize'> & {
  /** Container-image functions: the image the function runs. */
  ImageUri?: string;
};

export interface VersionRow {
  account: string;
  region: string;
  name: string;
  version: string;
  config: string;
  code_blob: string | null;
  code_sha: string;
  code_size: number;
}

export interface AliasRow {
  account: string;
  region: string;
  function_name: string;
  name: string;
  version: string;
  description: string;
  routing: string | null;
  revision: string;
}

export interface LayerVersionRow {
  account: string;
  region: string;
  name: string;
  version: number;
  config: string;
  code_blob: string;
  code_sha: string;
  code_size: number;
  policy: string | null;
  created: number;
}

interface EventInvokeConfigRow {
  account: string;
  region: string;
  function_name: string;
  qualifier: string;
  config: string;
  modified: number;
}

interface UrlRow {
  account: string;
  region: string;
  function_name: string;
  qualifier: string;
  url_id: string;
  config: string;
}

export interface MappingRow {
  uuid: string;
  account: string;
  region: string;
  function_arn: string;
  config: string;
}

const SCHEMA = `
CREATE TABLE lambda_functions (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  next_version INTEGER NOT NULL DEFAULT 1,
  reserved_concurrency INTEGER,
  recursion TEXT NOT NULL DEFAULT 'Terminate',
  tags TEXT NOT NULL DEFAULT '{}',
  created INTEGER NOT NULL,
  PRIMARY KEY (account, region, name)
);
CREATE TABLE lambda_versions (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
  config TEXT NOT NULL,
  code_blob TEXT, code_sha TEXT NOT NULL, code_size INTEGER NOT NULL,
  PRIMARY KEY (account, region, name, version)
);
CREATE INDEX lambda_versions_blob ON lambda_versions (code_blob);
CREATE TABLE lambda_aliases (
  account TEXT NOT NULL, region TEXT NOT NULL, function_name TEXT NOT NULL, name TEXT NOT NULL,
  version TEXT NOT NULL, description TEXT NOT NULL, routing TEXT, revision TEXT NOT NULL,
  PRIMARY KEY (account, region, function_name, name)
);
CREATE TABLE lambda_policies (
  account TEXT NOT NULL, region TEXT NOT NULL, function_name TEXT NOT NULL, qualifier TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (account, region, function_name, qualifier)
);
CREATE TABLE lambda_event_invoke_configs (
  account TEXT NOT NULL, region TEXT NOT NULL, function_name TEXT NOT NULL, qualifier TEXT NOT NULL,
  config TEXT NOT NULL, modified INTEGER NOT NULL,
  PRIMARY KEY (account, region, function_name, qualifier)
);
CREATE TABLE lambda_urls (
  account TEXT NOT NULL, region TEXT NOT NULL, function_name TEXT NOT NULL, qualifier TEXT NOT NULL,
  url_id TEXT NOT NULL UNIQUE, config TEXT NOT NULL,
  PRIMARY KEY (account, region, function_name, qualifier)
);
CREATE TABLE lambda_layers (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, next_version INTEGER NOT NULL,
  PRIMARY KEY (account, region, name)
);
CREATE TABLE lambda_layer_versions (
  account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  config TEXT NOT NULL, code_blob TEXT NOT NULL, code_sha TEXT NOT NULL, code_size INTEGER NOT NULL,
  policy TEXT, created INTEGER NOT NULL,
  PRIMARY KEY (account, region, name, version)
);
CREATE TABLE lambda_event_source_mappings (
  uuid TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, function_arn TEXT NOT NULL, config TEXT NOT NULL
);`;

export class LambdaStore {
  private readonly s;

  constructor(readonly store: Store) {
    store.migrate('lambda', [{ version: 1, sql: SCHEMA }]);
    const db = store.db;
    type Key = [string, string, string];
    this.s = preparedOnUse({
      getFunction: () => db.prepare<Key, FunctionRow>('SELECT * FROM lambda_functions WHERE account = ? AND region = ? AND name = ?'),
      insertFunction: () => db.prepare<[string, string, string, string, number]>('INSERT INTO lambda_functions (account, region, name, tags, created) VALUES (?, ?, ?, ?, ?)'),
      takeVersionNumber: () =>
        db.prepare<Key, { number: number }>('UPDATE lambda_functions SET next_version = next_version + 1 WHERE account = ? AND region = ? AND name = ? RETURNING next_version - 1 AS number'),
      setReserved: () => db.prepare<[number | null, ...Key]>('UPDATE lambda_functions SET reserved_concurrency = ? WHERE account = ? AND region = ? AND name = ?'),
      setRecursion: () => db.prepare<[string, ...Key]>('UPDATE lambda_functions SET recursion = ? WHERE account = ? AND region = ? AND name = ?'),
      setTags: () => db.prepare<[string, ...Key]>('UPDATE lambda_functions SET tags = ? WHERE account = ? AND region = ? AND name = ?'),
      functionsPage: () => db.prepare<[string, string, string, number], FunctionRow>('SELECT * FROM lambda_functions WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?'),
      reservedTotal: () => db.prepare<[string, string], { total: number | null }>('SELECT SUM(reserved_concurrency) AS total FROM lambda_functions WHERE account = ? AND region = ?'),
      functionCount: () => db.prepare<[string, string], { count: number }>('SELECT COUNT(*) AS count FROM lambda_functions WHERE account = ? AND region = ?'),
      totalCodeSize: () =>
        db.prepare<[string, string, string, string], { total: number | null }>(
          'SELECT (SELECT SUM(code_size) FROM lambda_versions WHERE account = ? AND region = ?) + COALESCE((SELECT SUM(code_size) FROM lambda_layer_versions WHERE account = ? AND region = ?), 0) AS total',
        ),
      deleteFunction: () => db.prepare<Key>('DELETE FROM lambda_functions WHERE account = ? AND region = ? AND name = ?'),

      getVersion: () => db.prepare<[...Key, string], VersionRow>('SELECT * FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?'),
      versions: () =>
        db.prepare<Key, VersionRow>("SELECT * FROM lambda_versions WHERE account = ? AND region = ? AND name = ? ORDER BY CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END"),
      putVersion: () =>
        db.prepare<[string, string, string, string, string, string | null, string, number]>(
          'INSERT OR REPLACE INTO lambda_versions (account, region, name, version, config, code_blob, code_sha, code_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ),
      setConfig: () => db.prepare<[string, ...Key, string]>('UPDATE lambda_versions SET config = ? WHERE account = ? AND region = ? AND name = ? AND version = ?'),
      deleteVersion: () => db.prepare<[...Key, string]>('DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?'),
      deleteVersions: () => db.prepare<Key>('DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ?'),
      blobUses: () =>
        db.prepare<[string, string], { uses: number }>('SELECT (SELECT COUNT(*) FROM lambda_versions WHERE code_blob = ?) + (SELECT COUNT(*) FROM lambda_layer_versions WHERE code_blob = ?) AS uses'),

      getAlias: () => db.prepare<[...Key, string], AliasRow>('SELECT * FROM lambda_aliases WHERE account = ? AND region = ? AND function_name = ? AND name = ?'),
      aliases: () => db.prepare<Key, AliasRow>('SELECT * FROM lambda_aliases WHERE account = ? AND region = ? AND function_name = ? ORDER BY name'),
      putAlias: () =>
        db.prepare<[string, string, string, string, string, string, string | null, string]>(
          'INSERT OR REPLACE INTO lambda_aliases (account, region, function_name, name, version, description, routing, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ),
      deleteAlias: () => db.prepare<[...Key, string]>('DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND function_name = ? AND name = ?'),
      deleteAliases: () => db.prepare<Key>('DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND function_name = ?'),

      getPolicy: () => db.prepare<[...Key, string], { document: string }>('SELECT document FROM lambda_policies WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      putPolicy: () => db.prepare<[string, string, string, string, string]>('INSERT OR REPLACE INTO lambda_policies (account, region, function_name, qualifier, document) VALUES (?, ?, ?, ?, ?)'),
      deletePolicy: () => db.prepare<[...Key, string]>('DELETE FROM lambda_policies WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      deletePolicies: () => db.prepare<Key>('DELETE FROM lambda_policies WHERE account = ? AND region = ? AND function_name = ?'),

      getInvokeConfig: () => db.prepare<[...Key, string], EventInvokeConfigRow>('SELECT * FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      invokeConfigs: () => db.prepare<Key, EventInvokeConfigRow>('SELECT * FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND function_name = ? ORDER BY qualifier'),
      putInvokeConfig: () =>
        db.prepare<[string, string, string, string, string, number]>(
          'INSERT OR REPLACE INTO lambda_event_invoke_configs (account, region, function_name, qualifier, config, modified) VALUES (?, ?, ?, ?, ?, ?)',
        ),
      deleteInvokeConfig: () => db.prepare<[...Key, string]>('DELETE FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      deleteInvokeConfigs: () => db.prepare<Key>('DELETE FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND function_name = ?'),

      getUrl: () => db.prepare<[...Key, string], UrlRow>('SELECT * FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      urlById: () => db.prepare<[string], UrlRow>('SELECT * FROM lambda_urls WHERE url_id = ?'),
      urls: () => db.prepare<Key, UrlRow>('SELECT * FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ? ORDER BY qualifier'),
      putUrl: () =>
        db.prepare<[string, string, string, string, string, string]>('INSERT OR REPLACE INTO lambda_urls (account, region, function_name, qualifier, url_id, config) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteUrl: () => db.prepare<[...Key, string]>('DELETE FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      deleteUrls: () => db.prepare<Key>('DELETE FROM lambda_urls WHERE account = ? AND region = ? AND function_name = ?'),

      takeLayerVersion: () =>
        db.prepare<[string, string, string], { number: number }>(
          `INSERT INTO lambda_layers (account, region, name, next_version) VALUES (?, ?, ?, 2)
           ON CONFLICT (account, region, name) DO UPDATE SET next_version = next_version + 1 RETURNING next_version - 1 AS number`,
        ),
      getLayerVersion: () => db.prepare<[string, string, string, number], LayerVersionRow>('SELECT * FROM lambda_layer_versions WHERE account = ? AND region = ? AND name = ? AND version = ?'),
      layerVersions: () => db.prepare<[string, string, string], LayerVersionRow>('SELECT * FROM lambda_layer_versions WHERE account = ? AND region = ? AND name = ? ORDER BY version DESC'),
      latestLayerVersions: () =>
        db.prepare<[string, string], LayerVersionRow>(
          `SELECT * FROM lambda_layer_versions v WHERE account = ? AND region = ?
           AND version = (SELECT MAX(version) FROM lambda_layer_versions w WHERE w.account = v.account AND w.region = v.region AND w.name = v.name) ORDER BY name`,
        ),
      putLayerVersion: () =>
        db.prepare<[string, string, string, number, string, string, string, number, string | null, number]>(
          'INSERT OR REPLACE INTO lambda_layer_versions (account, region, name, version, config, code_blob, code_sha, code_size, policy, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ),
      deleteLayerVersion: () => db.prepare<[string, string, string, number]>('DELETE FROM lambda_layer_versions WHERE account = ? AND region = ? AND name = ? AND version = ?'),

      getMapping: () => db.prepare<[string], MappingRow>('SELECT * FROM lambda_event_source_mappings WHERE uuid = ?'),
      mappings: () => db.prepare<[string, string], MappingRow>('SELECT * FROM lambda_event_source_mappings WHERE account = ? AND region = ? ORDER BY uuid'),
      allMappings: () => db.prepare<[], MappingRow>('SELECT * FROM lambda_event_source_mappings ORDER BY uuid'),
      putMapping: () =>
        db.prepare<[string, string, string, string, string]>('INSERT OR REPLACE INTO lambda_event_source_mappings (uuid, account, region, function_arn, config) VALUES (?, ?, ?, ?, ?)'),
      deleteMapping: () => db.prepare<[string]>('DELETE FROM lambda_event_source_mappings WHERE uuid = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  getFunction(scope: Scope, name: string): FunctionRow | undefined {
    return this.s.getFunction.get(scope.account, scope.region, name);
  }

  insertFunction(scope: Scope, name: string, tags: Record<string, string>, now: number): void {
    this.s.insertFunction.run(scope.account, scope.region, name, JSON.stringify(tags), now);
  }

  /** The next version number of the function, taken (numbers are never reused, even after a version is deleted). */
  takeVersionNumber(scope: Scope, name: string): number {
    return this.s.takeVersionNumber.get(scope.account, scope.region, name)!.number;
  }

  setReservedConcurrency(scope: Scope, name: string, reserved: number | null): void {
    this.s.setReserved.run(reserved, scope.account, scope.region, name);
  }

  setRecursion(scope: Scope, name: string, mode: string): void {
    this.s.setRecursion.run(mode, scope.account, scope.region, name);
  }

  setTags(scope: Scope, name: string, tags: Record<string, string>): void {
    this.s.setTags.run(JSON.stringify(tags), scope.account, scope.region, name);
  }

  functionsAfter(scope: Scope, after: string, limit: number): FunctionRow[] {
    return this.s.functionsPage.all(scope.account, scope.region, after, limit);
  }

  reservedTotal(scope: Scope): number {
    return this.s.reservedTotal.get(scope.account, scope.region)?.total ?? 0;
  }

  functionCount(scope: Scope): number {
    return this.s.functionCount.get(scope.account, scope.region)!.count;
  }

  totalCodeSize(scope: Scope): number {
    return this.s.totalCodeSize.get(scope.account, scope.region, scope.account, scope.region)?.total ?? 0;
  }

  /** Removes the function and everything it owns; answers the code blobs no row uses any more. */
  deleteFunction(scope: Scope, name: string): string[] {
    const blobs = this.versions(scope, name).flatMap((v) => (v.code_blob ? [v.code_blob] : []));
    const key = [scope.account, scope.region, name] as const;
    this.s.deleteVersions.run(...key);
    this.s.deleteAliases.run(...key);
    this.s.deletePolicies.run(...key);
    this.s.deleteInvokeConfigs.run(...key);
    this.s.deleteUrls.run(...key);
    this.s.deleteFunction.run(...key);
    return this.unusedBlobs(blobs);
  }

  getVersion(scope: Scope, name: string, version: string): VersionRow | undefined {
    return this.s.getVersion.get(scope.account, scope.region, name, version);
  }

  /** `$LATEST` first, then the published versions in order. */
  versions(scope: Scope, name: string): VersionRow[] {
    return this.s.versions.all(scope.account, scope.region, name);
  }

  putVersion(scope: Scope, name: string, version: string, config: StoredConfig, code: { blob: string | null; sha: string; size: number }): void {
    this.s.putVersion.run(scope.account, scope.region, name, version, JSON.stringify(config), code.blob, code.sha, code.size);
  }

  setConfig(scope: Scope, name: string, version: string, config: StoredConfig): void {
    this.s.setConfig.run(JSON.stringify(config), scope.account, scope.region, name, version);
  }

  /** Removes one published version; answers its code blob when no row uses it any more. */
  deleteVersion(scope: Scope, name: string, version: string): string[] {
    const row = this.getVersion(scope, name, version);
    this.s.deleteVersion.run(scope.account, scope.region, name, version);
    this.s.deletePolicy.run(scope.account, scope.region, name, version);
    this.s.deleteInvokeConfig.run(scope.account, scope.region, name, version);
    return this.unusedBlobs(row?.code_blob ? [row.code_blob] : []);
  }

  /** Of these blobs, those no function or layer version refers to. */
  unusedBlobs(blobs: string[]): string[] {
    return [...new Set(blobs)].filter((blob) => this.s.blobUses.get(blob, blob)!.uses === 0);
  }

  getAlias(scope: Scope, functionName: string, name: string): AliasRow | undefined {
    return this.s.getAlias.get(scope.account, scope.region, functionName, name);
  }

  aliases(scope: Scope, functionName: string): AliasRow[] {
    return this.s.aliases.all(scope.account, scope.region, functionName);
  }

  putAlias(scope: Scope, row: Omit<AliasRow, 'account' | 'region'>): void {
    this.s.putAlias.run(scope.account, scope.region, row.function_name, row.name, row.version, row.description, row.routing, row.revision);
  }

  deleteAlias(scope: Scope, functionName: string, name: string): void {
    this.s.deleteAlias.run(scope.account, scope.region, functionName, name);
    this.s.deletePolicy.run(scope.account, scope.region, functionName, name);
    this.s.deleteInvokeConfig.run(scope.account, scope.region, functionName, name);
    this.s.deleteUrl.run(scope.account, scope.region, functionName, name);
  }

  getPolicy(scope: Scope, functionName: string, qualifier: string): string | undefined {
    return this.s.getPolicy.get(scope.account, scope.region, functionName, qualifier)?.document;
  }

  putPolicy(scope: Scope, functionName: string, qualifier: string, document: string | undefined): void {
    if (document === undefined) this.s.deletePolicy.run(scope.account, scope.region, functionName, qualifier);
    else this.s.putPolicy.run(scope.account, scope.region, functionName, qualifier, document);
  }

  getInvokeConfig(scope: Scope, functionName: string, qualifier: string): EventInvokeConfigRow | undefined {
    return this.s.getInvokeConfig.get(scope.account, scope.region, functionName, qualifier);
  }

  invokeConfigs(scope: Scope, functionName: string): EventInvokeConfigRow[] {
    return this.s.invokeConfigs.all(scope.account, scope.region, functionName);
  }

  putInvokeConfig(scope: Scope, functionName: string, qualifier: string, config: string, now: number): void {
    this.s.putInvokeConfig.run(scope.account, scope.region, functionName, qualifier, config, now);
  }

  deleteInvokeConfig(scope: Scope, functionName: string, qualifier: string): void {
    this.s.deleteInvokeConfig.run(scope.account, scope.region, functionName, qualifier);
  }

  getUrl(scope: Scope, functionName: string, qualifier: string): UrlRow | undefined {
    return this.s.getUrl.get(scope.account, scope.region, functionName, qualifier);
  }

  urlById(urlId: string): UrlRow | undefined {
    return this.s.urlById.get(urlId);
  }

  urls(scope: Scope, functionName: string): UrlRow[] {
    return this.s.urls.all(scope.account, scope.region, functionName);
  }

  putUrl(scope: Scope, functionName: string, qualifier: string, urlId: string, config: string): void {
    this.s.putUrl.run(scope.account, scope.region, functionName, qualifier, urlId, config);
  }

  deleteUrl(scope: Scope, functionName: string, qualifier: string): void {
    this.s.deleteUrl.run(scope.account, scope.region, functionName, qualifier);
  }

  takeLayerVersion(scope: Scope, name: string): number {
    return this.s.takeLayerVersion.get(scope.account, scope.region, name)!.number;
  }

  getLayerVersion(scope: Scope, name: string, version: number): LayerVersionRow | undefined {
    return this.s.getLayerVersion.get(scope.account, scope.region, name, version);
  }

  /** Newest first. */
  layerVersions(scope: Scope, name: string): LayerVersionRow[] {
    return this.s.layerVersions.all(scope.account, scope.region, name);
  }

  /** The newest version of each layer, by layer name. */
  latestLayerVersions(scope: Scope): LayerVersionRow[] {
    return this.s.latestLayerVersions.all(scope.account, scope.region);
  }

  putLayerVersion(row: LayerVersionRow): void {
    this.s.putLayerVersion.run(row.account, row.region, row.name, row.version, row.config, row.code_blob, row.code_sha, row.code_size, row.policy, row.created);
  }

  /** Removes a layer version; answers its blob when nothing uses it any more. */
  deleteLayerVersion(scope: Scope, name: string, version: number): string[] {
    const row = this.getLayerVersion(scope, name, version);
    this.s.deleteLayerVersion.run(scope.account, scope.region, name, version);
    return row ? this.unusedBlobs([row.code_blob]) : [];
  }

  getMapping(uuid: string): MappingRow | undefined {
    return this.s.getMapping.get(uuid);
  }

  mappings(scope: Scope): MappingRow[] {
    return this.s.mappings.all(scope.account, scope.region);
  }

  allMappings(): MappingRow[] {
    return this.s.allMappings.all();
  }

  putMapping(row: MappingRow): void {
    this.s.putMapping.run(row.uuid, row.account, row.region, row.function_arn, row.config);
  }

  deleteMapping(uuid: string): void {
    this.s.deleteMapping.run(uuid);
  }
}
