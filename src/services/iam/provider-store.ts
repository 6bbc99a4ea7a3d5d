/** IAM identity providers (OpenID Connect and SAML) and their prepared statements. No SQL lives anywhere else. */
import { preparedOnUse } from '../../core/prepared.js';
import type { Store } from '../../core/store.js';

export interface OidcProviderRow {
  account: string;
  /** The issuer without its scheme (`token.actions.githubusercontent.com`), as IAM shows it and names the ARN. */
  url: string;
  /** The issuer's scheme (`https`, or `http` for a loopback issuer). */
  scheme: string;
  arn: string;
  /** JSON arrays. */
  client_ids: string;
  thumbprints: string;
  /** JSON array of {Key, Value}. */
  tags: string;
  created_at: number;
}

export interface SamlProviderRow {
  account: string;
  name: string;
  arn: string;
  uuid: string;
  metadata: string;
  assertion_encryption_mode: string | null;
  tags: string;
  created_at: number;
  valid_until: number;
}

export class ProviderStore {
  private readonly s;

  constructor(private readonly store: Store) {
    store.migrate('iam.providers', [
      {
        version: 1,
        sql: `CREATE TABLE iam_oidc_providers (
          account TEXT NOT NULL, url TEXT NOT NULL, scheme TEXT NOT NULL, arn TEXT NOT NULL,
          client_ids TEXT NOT NULL, thumbprints TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL,
          PRIMARY KEY (account, url)
        );
        CREATE TABLE iam_saml_providers (
          account TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL, uuid TEXT NOT NULL, metadata TEXT NOT NULL,
          assertion_encryption_mode TEXT, tags TEXT NOT NULL, created_at INTEGER NOT NULL, valid_until INTEGER NOT NULL,
          PRIMARY KEY (account, name)
        );`,
      },
    ]);
    const db = store.db;
    this.s = preparedOnUse({
      getOidc: () => db.prepare<[string, string], OidcProviderRow>('SELECT * FROM iam_oidc_providers WHERE account = ? AND arn = ?'),
      oidcByUrl: () => db.prepare<[string, string], OidcProviderRow>('SELECT * FROM iam_oidc_providers WHERE account = ? AND url = ?'),
      listOidc: () => db.prepare<[string], OidcProviderRow>('SELECT * FROM iam_oidc_providers WHERE account = ? ORDER BY arn'),
      insertOidc: () =>
        db.prepare<OidcProviderRow>(
          'INSERT INTO iam_oidc_providers (account, url, scheme, arn, client_ids, thumbprints, tags, created_at) VALUES (@account, @url, @scheme, @arn, @client_ids, @thumbprints, @tags, @created_at)',
        ),
      updateOidc: () => db.prepare<OidcProviderRow>('UPDATE iam_oidc_providers SET client_ids = @client_ids, thumbprints = @thumbprints, tags = @tags WHERE account = @account AND arn = @arn'),
      deleteOidc: () => db.prepare<[string, string]>('DELETE FROM iam_oidc_providers WHERE account = ? AND arn = ?'),
      getSaml: () => db.prepare<[string, string], SamlProviderRow>('SELECT * FROM iam_saml_providers WHERE account = ? AND arn = ?'),
      listSaml: () => db.prepare<[string], SamlProviderRow>('SELECT * FROM iam_saml_providers WHERE account = ? ORDER BY arn'),
      insertSaml: () =>
        db.prepare<SamlProviderRow>(
          `INSERT INTO iam_saml_providers (account, name, arn, uuid, metadata, assertion_encryption_mode, tags, created_at, valid_until)
         VALUES (@account, @name, @arn, @uuid, @metadata, @assertion_encryption_mode, @tags, @created_at, @valid_until)`,
        ),
      updateSaml: () =>
        db.prepare<SamlProviderRow>(
          'UPDATE iam_saml_providers SET metadata = @metadata, assertion_encryption_mode = @assertion_encryption_mode, tags = @tags, valid_until = @valid_until WHERE account = @account AND arn = @arn',
        ),
      deleteSaml: () => db.prepare<[string, string]>('DELETE FROM iam_saml_providers WHERE account = ? AND arn = ?'),
    });
  }

  tx<T>(fn: () => T): T {
    return this.store.tx(fn);
  }

  oidc(account: string, arn: string): OidcProviderRow | undefined {
    return this.s.getOidc.get(account, arn);
  }

  oidcByUrl(account: string, url: string): OidcProviderRow | undefined {
    return this.s.oidcByUrl.get(account, url);
  }

  listOidc(account: string): OidcProviderRow[] {
    return this.s.listOidc.all(account);
  }

  insertOidc(row: OidcProviderRow): void {
    this.s.insertOidc.run(row);
  }

  updateOidc(row: OidcProviderRow): void {
    this.s.updateOidc.run(row);
  }

  deleteOidc(account: string, arn: string): void {
    this.s.deleteOidc.run(account, arn);
  }

  saml(account: string, arn: string): SamlProviderRow | undefined {
    return this.s.getSaml.get(account, arn);
  }

  listSaml(account: string): SamlProviderRow[] {
    return this.s.listSaml.all(account);
  }

  insertSaml(row: SamlProviderRow): void {
    this.s.insertSaml.run(row);
  }

  updateSaml(row: SamlProviderRow): void {
    this.s.updateSaml.run(row);
  }

  deleteSaml(account: string, arn: string): void {
    this.s.deleteSaml.run(account, arn);
  }
}
