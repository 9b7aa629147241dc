import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The semantic cache's entries (the source of truth; each replica keeps an in-process vector
 * index of them and polls for new rows by `seq`), and the purges (a replica that sees one drops
 * the namespace from its index). `vector` is the query embedding as little-endian float32;
 * `embedder` names the embedder that produced it (entries of another embedder are not loaded).
 */
export class SemanticCache1764750000000 implements MigrationInterface {
  name = 'SemanticCache1764750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE semantic_cache_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        namespace varchar(160) NOT NULL,
        context_hash varchar(64) NOT NULL,
        embedder varchar(96) NOT NULL,
        query text NOT NULL,
        vector bytea NOT NULL,
        answer jsonb NOT NULL,
        bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX semantic_cache_entries_seq_idx ON semantic_cache_entries (seq)`,
    );
    await queryRunner.query(
      `CREATE INDEX semantic_cache_entries_namespace_idx ON semantic_cache_entries (namespace)`,
    );
    await queryRunner.query(
      `CREATE INDEX semantic_cache_entries_expires_idx ON semantic_cache_entries (expires_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE semantic_cache_purges (
        seq bigserial PRIMARY KEY,
        namespace varchar(160) NOT NULL,
        purged_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE semantic_cache_purges`);
    await queryRunner.query(`DROP TABLE semantic_cache_entries`);
  }
}
