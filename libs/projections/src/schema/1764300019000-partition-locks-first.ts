import type { MigrationInterface, QueryRunner } from 'typeorm';
import { insertAfter } from '@annals/database/function-text';
import { DROP_VERSION_PARTITIONS_V1 } from './1764300001000-read-model';
import { CREATE_VERSION_PARTITIONS_V2 } from './1764300010000-payload-statistics';

/**
 * Creating or dropping a version's partitions takes an ACCESS EXCLUSIVE lock on each of the
 * three parents (facts, membership, coalitions). The functions took them one table at a time,
 * with a partition created or dropped in between, while a query holds its ACCESS SHARE locks in
 * the order of its own plan: a query that had read coalitions and then wanted facts, against a
 * rebuild that had created facts_v2 and then wanted coalitions, was a deadlock, and PostgreSQL
 * cancelled one of the two (in CI it was the rebuild: POST /admin/replay answered 500).
 *
 * Now each function takes every lock it needs in one LOCK statement before it changes anything,
 * so it holds some of them while waiting for the rest only during that statement, never while
 * it works. The callers (ProjectionVersions) wait for a lock for less than PostgreSQL's
 * deadlock_timeout and try again: a query never waits on them long enough to be the one
 * cancelled. This file holds the current create_version_partitions and drop_version_partitions.
 */
const LOCK_PARENTS = 'LOCK TABLE ONLY read_model.facts, ONLY read_model.membership, ONLY read_model.coalitions';

/** A function's text with `statement` as the first of its body. */
const withFirstStatement = (definition: string, statement: string) => insertAfter(definition, '      BEGIN\n', `        ${statement}\n`);

export const CREATE_VERSION_PARTITIONS_V3 = withFirstStatement(CREATE_VERSION_PARTITIONS_V2, `${LOCK_PARENTS} IN ACCESS EXCLUSIVE MODE;`);

/** The parents, and the version's partitions that exist (a query may still be reading one). */
export const DROP_VERSION_PARTITIONS_V2 = withFirstStatement(
  DROP_VERSION_PARTITIONS_V1.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
  `EXECUTE (SELECT '${LOCK_PARENTS}' || coalesce(', ' || string_agg(format('read_model.%I', p), ', '), '') || ' IN ACCESS EXCLUSIVE MODE'
                    FROM unnest(ARRAY['facts_v' || v, 'membership_v' || v, 'coalitions_v' || v]) AS p
                   WHERE to_regclass(format('read_model.%I', p)) IS NOT NULL);`,
);

export class PartitionLocksFirst1764300019000 implements MigrationInterface {
  name = 'PartitionLocksFirst1764300019000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(CREATE_VERSION_PARTITIONS_V3);
    await q.query(DROP_VERSION_PARTITIONS_V2);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(CREATE_VERSION_PARTITIONS_V2);
    await q.query(DROP_VERSION_PARTITIONS_V1.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
  }
}
