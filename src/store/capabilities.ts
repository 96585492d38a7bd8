/**
 * What differs between the databases, as flags. Code asks a flag, never the dialect's name
 * (the one exception is the migration that must pick SQLite's AUTOINCREMENT spelling).
 */
export interface Capabilities {
  name: 'sqlite' | 'postgres';
  /** SELECT … FOR UPDATE locks a row until commit. SQLite locks the whole database instead. */
  rowLocks: boolean;
  /** Column type of a 64-bit auto-increment key. */
  autoIncrementType: 'integer' | 'bigserial';
  /**
   * FOR UPDATE SKIP LOCKED: several processes can each claim different rows at once (the webhook
   * outbox). Without it claims run one transaction at a time, which SQLite's write lock does anyway.
   */
  skipLocked: boolean;
  /**
   * pg_advisory_xact_lock: a lock that ends with its transaction. Migrations take it inside the one
   * transaction they run in; a session lock (Kysely's own) can outlive it behind pgbouncer.
   */
  advisoryTransactionLocks: boolean;
  /** INSERT … RETURNING inside WITH, read by the statement around it: two round trips become one. */
  dataModifyingCte: boolean;
  /**
   * The collation that compares text byte by byte (code point order), for prefix ranges on the
   * search indexes; null where that is already the default (SQLite's BINARY).
   */
  byteCollation: string | null;
  /** JSON text is read with jsonb operators (->, ->>, jsonb_typeof); else with JSON1's json_type/json_extract. */
  jsonb: boolean;
  /** The position of a substring: strpos(haystack, needle) or instr(haystack, needle). */
  substringPosition: 'strpos' | 'instr';
}

export const SQLITE: Capabilities = { name: 'sqlite', rowLocks: false, autoIncrementType: 'integer', skipLocked: false, advisoryTransactionLocks: false, dataModifyingCte: false, byteCollation: null, jsonb: false, substringPosition: 'instr' };
export const POSTGRES: Capabilities = { name: 'postgres', rowLocks: true, autoIncrementType: 'bigserial', skipLocked: true, advisoryTransactionLocks: true, dataModifyingCte: true, byteCollation: 'C', jsonb: true, substringPosition: 'strpos' };
