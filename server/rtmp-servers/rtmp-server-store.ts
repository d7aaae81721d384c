import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import type { AccessRuleRecord, RtmpServerRecord, RtmpServerType, RuleAction } from './rtmp-server-record';

/** Tables of the embedded database; `ON DELETE CASCADE` removes a server's rules with it. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rtmp_servers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  buffer_seconds REAL NOT NULL,
  port INTEGER NOT NULL UNIQUE,
  active INTEGER NOT NULL,
  created TEXT NOT NULL,
  modified TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rtmp_access_rules (
  id TEXT PRIMARY KEY,
  server_id TEXT NOT NULL REFERENCES rtmp_servers(id) ON DELETE CASCADE,
  action TEXT NOT NULL,
  app TEXT NOT NULL,
  stream_key TEXT NOT NULL,
  webhook_url TEXT,
  allow_ips TEXT NOT NULL,
  deny_ips TEXT NOT NULL,
  created TEXT NOT NULL,
  modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rtmp_access_rules_by_server ON rtmp_access_rules(server_id);
`;

type Row = Record<string, SQLOutputValue>;

/**
 * RTMP servers and their access rules in an SQLite file (Node's built-in `node:sqlite`: no server,
 * no dependency). Synchronous: every call is one small statement, and each write is durable when
 * it returns, so a crash never loses an answered API call.
 */
export class RtmpServerStore {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating the file and its directory if needed) the database at `file`, or ':memory:'. */
  static open(file: string): RtmpServerStore {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const db = new DatabaseSync(file);
    db.exec('PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;');
    db.exec(SCHEMA);
    return new RtmpServerStore(db);
  }

  /** Every server, oldest first. */
  servers(): RtmpServerRecord[] {
    return this.#db.prepare('SELECT * FROM rtmp_servers ORDER BY created, id').all().map(toServer);
  }

  server(id: string): RtmpServerRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM rtmp_servers WHERE id = ?').get(id);
    return row === undefined ? undefined : toServer(row);
  }

  /** Inserts or updates (by id) a server; its rules are kept. */
  saveServer(server: RtmpServerRecord): void {
    this.#db
      .prepare(
        `INSERT INTO rtmp_servers (id, name, type, buffer_seconds, port, active, created, modified)
         VALUES (:id, :name, :type, :bufferSeconds, :port, :active, :created, :modified)
         ON CONFLICT(id) DO UPDATE SET name = :name, type = :type, buffer_seconds = :bufferSeconds, port = :port, active = :active, modified = :modified`,
      )
      .run({ ...server, active: server.active ? 1 : 0 });
  }

  /** Deletes a server and its rules. */
  deleteServer(id: string): void {
    this.#db.prepare('DELETE FROM rtmp_servers WHERE id = ?').run(id);
  }

  /** Rules of one server, or of all servers, oldest first. */
  rules(serverId?: string): AccessRuleRecord[] {
    const statement = serverId === undefined
      ? this.#db.prepare('SELECT * FROM rtmp_access_rules ORDER BY created, id')
      : this.#db.prepare('SELECT * FROM rtmp_access_rules WHERE server_id = ? ORDER BY created, id');
    return (serverId === undefined ? statement.all() : statement.all(serverId)).map(toRule);
  }

  rule(id: string): AccessRuleRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM rtmp_access_rules WHERE id = ?').get(id);
    return row === undefined ? undefined : toRule(row);
  }

  /** Inserts or updates (by id) a rule. */
  saveRule(rule: AccessRuleRecord): void {
    this.#db
      .prepare(
        `INSERT INTO rtmp_access_rules (id, server_id, action, app, stream_key, webhook_url, allow_ips, deny_ips, created, modified)
         VALUES (:id, :serverId, :action, :app, :streamKey, :webhookUrl, :allowIps, :denyIps, :created, :modified)
         ON CONFLICT(id) DO UPDATE SET action = :action, app = :app, stream_key = :streamKey, webhook_url = :webhookUrl,
           allow_ips = :allowIps, deny_ips = :denyIps, modified = :modified`,
      )
      .run({ ...rule, allowIps: JSON.stringify(rule.allowIps), denyIps: JSON.stringify(rule.denyIps) });
  }

  deleteRule(id: string): void {
    this.#db.prepare('DELETE FROM rtmp_access_rules WHERE id = ?').run(id);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function toServer(row: Row): RtmpServerRecord {
  return {
    id: String(row['id']),
    name: String(row['name']),
    type: String(row['type']) as RtmpServerType,
    bufferSeconds: Number(row['buffer_seconds']),
    port: Number(row['port']),
    active: Number(row['active']) === 1,
    created: String(row['created']),
    modified: String(row['modified']),
  };
}

function toRule(row: Row): AccessRuleRecord {
  return {
    id: String(row['id']),
    serverId: String(row['server_id']),
    action: String(row['action']) as RuleAction,
    app: String(row['app']),
    streamKey: String(row['stream_key']),
    webhookUrl: row['webhook_url'] === null ? null : String(row['webhook_url']),
    allowIps: JSON.parse(String(row['allow_ips'])) as string[],
    denyIps: JSON.parse(String(row['deny_ips'])) as string[],
    created: String(row['created']),
    modified: String(row['modified']),
  };
}
