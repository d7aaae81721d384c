import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { PushRecord, PushRecords } from '../paths/push-records';
import type { StartupOptions } from '../push/types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pushes (
  id TEXT PRIMARY KEY,
  source_name TEXT NOT NULL,
  url TEXT NOT NULL,
  full_url INTEGER,
  flash_version TEXT,
  options TEXT NOT NULL,
  created INTEGER NOT NULL
);
`;

/**
 * Pushes in the gateway's SQLite file (the one RTMP servers live in), so a restart, a crash or a
 * `kill -9` loses none: the file is opened on the first push saved (a gateway that never pushes
 * writes no file), and each write is durable when it returns.
 */
export class SqlitePushStore implements PushRecords {
  readonly #file: string;
  #db: DatabaseSync | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  all(): PushRecord[] {
    if (!this.#db && !existsSync(this.#file)) return [];
    return this.#open().prepare('SELECT * FROM pushes ORDER BY created, id').all().map((row) => ({
      id: String(row['id']),
      sourceName: String(row['source_name']),
      url: String(row['url']),
      fullUrl: row['full_url'] === null ? undefined : Number(row['full_url']) === 1,
      flashVersion: row['flash_version'] === null ? undefined : String(row['flash_version']),
      options: JSON.parse(String(row['options'])) as StartupOptions,
      createdTime: Number(row['created']),
    }));
  }

  save(record: PushRecord): void {
    this.#open()
      .prepare('INSERT OR REPLACE INTO pushes (id, source_name, url, full_url, flash_version, options, created) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(record.id, record.sourceName, record.url, record.fullUrl === undefined ? null : record.fullUrl ? 1 : 0, record.flashVersion ?? null, JSON.stringify(record.options), record.createdTime);
  }

  delete(id: string): void {
    if (!this.#db && !existsSync(this.#file)) return;
    this.#open().prepare('DELETE FROM pushes WHERE id = ?').run(id);
  }

  close(): void {
    if (this.#db?.isOpen) this.#db.close();
  }

  #open(): DatabaseSync {
    if (this.#db) return this.#db;
    mkdirSync(path.dirname(this.#file), { recursive: true });
    const db = new DatabaseSync(this.#file);
    // Media workers keep their pushes in the same file: a write waits for another process's.
    db.exec('PRAGMA busy_timeout = 5000;');
    db.exec('PRAGMA journal_mode = WAL;');
    db.exec(SCHEMA);
    this.#db = db;
    return db;
  }
}
