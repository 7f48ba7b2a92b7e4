import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresEventStore } from '@annals/event-store';
import { AnnalsMetrics } from '@annals/observability';
import { ProjectionVersionEntity, ProjectionVersions, ProjectorRunner } from '@annals/projections';
import { createTestDatabase, eventually, produce, type TestDatabase } from '@annals/testing';
import { ADMIN_TOKEN, TestSystem } from '../../support/system';
import { deskReport as report, message } from '../../support/news-factory';

interface Version {
  version: number;
  state: string;
  lagEvents: number;
  skippedEvents: number;
}

/**
 * A report-typed event the projection cannot read, appended to the store by another writer
 * (the ingestor stores only reports that passed the contract), is skipped and recorded with
 * what was wrong; the reports around it are applied and the read model keeps up. It used to
 * fail every batch holding it: the projector retried that batch forever and the read model
 * stopped at it.
 */
describe('projection: a stored report it cannot read', () => {
  let db: TestDatabase;
  let system: TestSystem;
  let pool: Pool;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    pool = db.appPool({ max: 2 });
  });
  afterAll(async () => {
    await system?.close();
    await pool?.end();
    await db.drop();
  });

  const members = async () =>
    ((await system.get<{ members: Array<{ country: string }> }>('/coalitions/coalition-odd?at=2015-06-01&knownAt=2016-01-01')).body.members ?? []).map((m) => m.country);
  const versions = async () => (await system.get<{ items: Version[] }>('/admin/projections', auth)).body.items;
  const skippedRows = async (version: number) =>
    (await pool.query<{ position: number; stream_id: string; type: string; reason: string }>('SELECT position, stream_id, type, reason FROM read_model.skipped_events WHERE version = $1 ORDER BY position', [version])).rows;

  it('skips it, records why, applies the reports around it, and a rebuild does the same', async () => {
    await produce(system.topics.KAFKA_TOPIC, [
      message(report('odd-formed', 'coalition.formed', '2014-09-01', '2014-09-02', { coalitionId: 'coalition-odd', name: 'Odd' })),
      message(report('odd-fr', 'coalition.member-joined', '2014-09-19', '2014-09-20', { coalitionId: 'coalition-odd', country: 'FR' })),
    ]);
    await system.caughtUp();

    // another writer: two reports the projection cannot read, between two it can, in one append
    const store = new PostgresEventStore(pool);
    const good = (id: string, country: string) => ({
      type: 'coalition.member-joined',
      data: { report: { id, occurredAt: '2014-10-01T00:00:00.000Z', source: { publisher: 'Elsewhere', publishedAt: '2014-10-02T00:00:00.000Z' } }, data: { coalitionId: 'coalition-odd', country } },
      idempotencyKey: id,
    });
    const appended = await store.append(
      'coalition:coalition-odd-foreign',
      [
        good('odd-gb', 'GB'),
        { type: 'coalition.member-joined', data: { coalitionId: 'coalition-odd', country: 'DE' }, idempotencyKey: 'odd-no-envelope' },
        { type: 'coalition.member-left', data: { report: { id: 'odd-bad-date', occurredAt: 'soon', source: { publisher: 'Elsewhere' } }, data: { coalitionId: 'coalition-odd', country: 'FR' } }, idempotencyKey: 'odd-bad-date' },
        good('odd-dk', 'DK'),
      ],
      { expectedVersion: 'any' },
    );
    // and the ingestor goes on storing reports after them
    await produce(system.topics.KAFKA_TOPIC, [message(report('odd-us', 'coalition.member-joined', '2014-11-01', '2014-11-02', { coalitionId: 'coalition-odd', country: 'US' }))]);
    await system.caughtUp();

    expect((await members()).sort()).toEqual(['DK', 'FR', 'GB', 'US']);
    const [, noEnvelope, badDate] = appended.events;
    const recorded = [
      { position: noEnvelope!.position, stream_id: 'coalition:coalition-odd-foreign', type: 'coalition.member-joined', reason: 'data.report is missing, not an object' },
      { position: badDate!.position, stream_id: 'coalition:coalition-odd-foreign', type: 'coalition.member-left', reason: 'data.report.occurredAt is "soon", not an instant in the years 1000-9999' },
    ];
    expect(await skippedRows(1)).toEqual(recorded);
    expect(await versions()).toEqual([expect.objectContaining({ version: 1, state: 'active', lagEvents: 0, skippedEvents: 2 })]);
    const metrics = (await system.get<string>('/metrics')).body;
    expect(metrics).toMatch(/^annals_projection_skipped_events\{projection="coalition-membership@v1",app="api"\} 2$/m);
    // the events stay in the store, as written
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM event_store.events WHERE stream_id = 'coalition:coalition-odd-foreign'");
    expect(rows[0]!.n).toBe(4);

    // a rebuild reads the log again: the same reports skipped, the same answer
    expect((await system.post('/admin/replay', auth)).status).toBe(202);
    await eventually('version 2 to become active', async () => ((await versions()).find((v) => v.version === 2)?.state === 'active' ? true : undefined), 120_000, 200);
    await system.caughtUp();
    expect((await members()).sort()).toEqual(['DK', 'FR', 'GB', 'US']);
    expect(await skippedRows(2)).toEqual(recorded);
    // the retired version's record goes with its partitions
    await eventually('version 1 to be purged', async () => ((await skippedRows(1)).length === 0 ? true : undefined), 30_000, 200);
    expect(await versions()).toEqual([expect.objectContaining({ version: 1, state: 'retired', skippedEvents: 0 }), expect.objectContaining({ version: 2, state: 'active', skippedEvents: 2 })]);
  });

  it('skips a report whose id is longer than the read model indexes (an index entry holds at most 2.7 kB)', async () => {
    const store = new PostgresEventStore(pool);
    const longId = randomBytes(3000).toString('base64');
    const { events } = await store.append(
      'coalition:coalition-odd-long',
      [{ type: 'coalition.member-joined', data: { report: { id: longId, occurredAt: '2014-12-01T00:00:00.000Z', source: { publisher: 'Elsewhere' } }, data: { coalitionId: 'coalition-odd', country: 'IT' } } }],
      { expectedVersion: 'any' },
    );
    await produce(system.topics.KAFKA_TOPIC, [message(report('odd-be', 'coalition.member-joined', '2014-12-01', '2014-12-02', { coalitionId: 'coalition-odd', country: 'BE' }))]);
    await system.caughtUp();
    expect((await members()).sort()).toEqual(['BE', 'DK', 'FR', 'GB', 'US']);
    expect((await skippedRows(2)).find((r) => r.position === events[0]!.position)?.reason).toMatch(/^data\.report\.id is ".{20,}\.\.\., not a non-empty string of at most 128 characters$/);
  });

  it('GET /admin/projections/{version}/skipped-events lists them, a page at a time; bad parameters are a 400 naming them', async () => {
    interface Page {
      version: number;
      items: Array<{ position: number; streamId: string; type: string; reason: string; skippedAt: string }>;
      next: number | null;
    }
    const page = async (query: string) => system.get<Page>(`/admin/projections/2/skipped-events${query}`, auth);
    const stored = await skippedRows(2);
    expect(stored).toHaveLength(3);
    const all = await page('');
    expect(all.status).toBe(200);
    expect(all.body.next).toBeNull();
    expect(all.body.items.map(({ position, streamId, type, reason }) => ({ position, stream_id: streamId, type, reason }))).toEqual(stored);
    expect(Date.parse(all.body.items[0]!.skippedAt)).not.toBeNaN();

    // pages of 2: the second starts after the first's last position
    const first = await page('?limit=2');
    expect(first.body.items.map((i) => i.position)).toEqual([stored[0]!.position, stored[1]!.position]);
    expect(first.body.next).toBe(stored[1]!.position);
    const second = await page(`?limit=2&after=${first.body.next}`);
    expect(second.body).toEqual({ version: 2, items: [expect.objectContaining({ position: stored[2]!.position })], next: null });

    // a version with nothing skipped, and one that does not exist
    await pool.query('DELETE FROM read_model.skipped_events WHERE version = 2 AND position = $1', [stored[2]!.position]);
    expect((await page(`?after=${stored[1]!.position}`)).body).toEqual({ version: 2, items: [], next: null });
    expect(await system.get('/admin/projections/99/skipped-events', auth)).toEqual({ status: 404, body: { error: 'not-found', message: 'no read-model version 99' } });

    const refused = async (path: string) => {
      const { status, body } = await system.get<{ error: string; message: string }>(path, auth);
      expect(status).toBe(400);
      expect(body.error).toBe('bad-request');
      return body.message;
    };
    expect(await refused('/admin/projections/abc/skipped-events')).toMatch(/^path parameter version: must be a read-model version/);
    expect(await refused('/admin/projections/0/skipped-events')).toMatch(/^path parameter version: /);
    expect(await refused('/admin/projections/2/skipped-events?limit=0')).toMatch(/^query parameter limit: must be an integer from 1 to 1000$/);
    expect(await refused('/admin/projections/2/skipped-events?limit=5000')).toMatch(/^query parameter limit: must be an integer from 1 to 1000$/);
    expect(await refused('/admin/projections/2/skipped-events?after=-1')).toMatch(/^query parameter after: must be an event position/);
    expect(await refused('/admin/projections/2/skipped-events?after=1e3')).toMatch(/^query parameter after: /);
    expect(await refused('/admin/projections/2/skipped-events?page=2')).toMatch(/^unknown query parameter\(s\): "page"$/);
    expect((await system.get('/admin/projections/2/skipped-events')).status).toBe(401);
  });

  it('skips a report whose id the read model holds already (another writer keyed its events otherwise), live and in a rebuild', async () => {
    const store = new PostgresEventStore(pool);
    const joining = (id: string, country: string, key: string) => ({
      type: 'coalition.member-joined',
      data: { report: { id, occurredAt: '2015-01-01T00:00:00.000Z', source: { publisher: 'Elsewhere', publishedAt: '2015-01-02T00:00:00.000Z' } }, data: { coalitionId: 'coalition-odd', country } },
      idempotencyKey: key,
    });
    // 'odd-fr' is stored already (the first test); 'odd-twin' twice in one append
    const { events } = await store.append(
      'coalition:coalition-odd-repeats',
      [joining('odd-fr', 'ES', 'repeat-1'), joining('odd-twin', 'NL', 'repeat-2'), joining('odd-twin', 'PT', 'repeat-3')],
      { expectedVersion: 'any' },
    );
    await system.caughtUp();
    const fr = (await pool.query<{ position: number }>("SELECT position FROM read_model.facts WHERE version = 2 AND report_id = 'odd-fr'")).rows[0]!.position;
    const repeats = [
      { position: events[0]!.position, stream_id: 'coalition:coalition-odd-repeats', type: 'coalition.member-joined', reason: `the read model holds report id "odd-fr" already, from the event at position ${fr}` },
      { position: events[2]!.position, stream_id: 'coalition:coalition-odd-repeats', type: 'coalition.member-joined', reason: `the read model holds report id "odd-twin" already, from the event at position ${events[1]!.position}` },
    ];
    const repeatsOf = async (version: number) => (await skippedRows(version)).filter((r) => r.reason.startsWith('the read model holds report id'));
    expect(await repeatsOf(2)).toEqual(repeats);
    expect((await members()).sort()).toEqual(['BE', 'DK', 'FR', 'GB', 'NL', 'US']);

    // a rebuild loads the facts without indexes: the unique index finds the repeats, which are skipped the same way
    expect((await system.post('/admin/replay', auth)).status).toBe(202);
    await eventually('version 3 to become active', async () => ((await versions()).find((v) => v.version === 3)?.state === 'active' ? true : undefined), 120_000, 200);
    await system.caughtUp();
    expect(await repeatsOf(3)).toEqual(repeats);
    expect((await members()).sort()).toEqual(['BE', 'DK', 'FR', 'GB', 'NL', 'US']);
  });

  it('annals projections lists the versions with their skipped reports, and --skipped the reports with their reasons', async () => {
    const ROOT = join(__dirname, '../../..');
    const annals = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'projections', ...args, '--database-url', db.appUrl], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const skipped = await skippedRows(3);
    expect(skipped.length).toBeGreaterThanOrEqual(5);

    const list = annals();
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^v3 +active +\\d+ +0 +[\\d.]+ +${skipped.length}$`, 'm'));
    expect(list.stdout).toMatch(/^v1 +retired /m);

    const page = annals('--skipped', '3', '--limit', '2');
    expect(page.status).toBe(0);
    const lines = page.stdout.trim().split('\n');
    expect(lines[0]).toBe('coalition-membership v3: 2 report(s) skipped');
    expect(lines.slice(3, 5)).toEqual(skipped.slice(0, 2).map((r) => expect.stringMatching(new RegExp(`^${r.position} +${r.stream_id} +${r.type} +${r.reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))));
    expect(lines[5]).toBe(`more: --after ${skipped[1]!.position}`);
    const rest = annals('--skipped', '3', '--after', String(skipped[1]!.position));
    expect(rest.stdout).toMatch(new RegExp(`^coalition-membership v3: ${skipped.length - 2} report\\(s\\) skipped after position ${skipped[1]!.position}$`, 'm'));

    const refused = (args: string[], message: RegExp) => {
      const run = annals(...args);
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toMatch(message);
    };
    refused(['--skipped', 'three'], /^annals: --skipped: must be a read-model version, a positive integer like 1$/);
    refused(['--skipped', '3', '--limit', '5000'], /^annals: --limit: must be an integer from 1 to 1000$/);
    refused(['--skipped', '99'], /^annals: no read-model version 99$/);
    refused(['--after', '5'], /^annals: --after and --limit go with --skipped <version>$/);
  });
});

describe('projector: a skipped report in a batch that is retried', () => {
  it('is recorded and logged once, though its batch failed first on a repeated report id', async () => {
    const db = await createTestDatabase();
    const pool = db.appPool({ max: 6 });
    const source = new DataSource({ type: 'postgres', url: db.appUrl, entities: [ProjectionVersionEntity], synchronize: false, extra: { max: 1 } });
    await source.initialize();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const metrics = new AnnalsMetrics('projector');
    const runner = new ProjectorRunner(pool, new PostgresEventStore(pool), new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity)), { pollIntervalMs: 100, subscriptionPollMs: 100, metrics });
    try {
      const store = new PostgresEventStore(pool);
      const report = (id: string, country: string) => ({ report: { id, occurredAt: '2014-10-01T00:00:00.000Z', source: { publisher: 'Elsewhere' } }, data: { coalitionId: 'coalition-retry', country } });
      await store.append('coalition:retry-first', [{ type: 'coalition.member-joined', data: report('retry-twin', 'FR') }], { expectedVersion: 'any' });
      await runner.start();
      await eventually('the first report applied', async () => ((await ProjectionVersions.activeLag(pool)) === 0 ? true : undefined), 30_000, 50);
      // one batch: a report it cannot read, and a report id it holds already; the batch fails on the latter once, then commits
      const { events } = await store.append(
        'coalition:retry-second',
        [
          { type: 'coalition.member-joined', data: { coalitionId: 'coalition-retry', country: 'DE' } },
          { type: 'coalition.member-joined', data: report('retry-twin', 'GB') },
        ],
        { expectedVersion: 'any' },
      );
      await eventually('the batch applied', async () => ((await ProjectionVersions.activeLag(pool)) === 0 ? true : undefined), 30_000, 50);
      const { rows } = await pool.query<{ position: number }>('SELECT position FROM read_model.skipped_events WHERE version = 1 ORDER BY position');
      expect(rows.map((r) => r.position)).toEqual(events.map((e) => e.position));
      const skippedLines = logged.mock.calls.map((call) => String(call[1])).filter((message) => message.includes('skipped event'));
      expect(skippedLines).toEqual([
        `read model v1 skipped event ${events[0]!.position}: data.report is missing, not an object`,
        expect.stringMatching(new RegExp(`^read model v1 skipped event ${events[1]!.position}: the read model holds report id "retry-twin" already`)),
      ]);
      // the projector's own metrics: the failed attempt counted, then the three events applied once
      const count = async (metric: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }) =>
        (await metric.get()).values.find((v) => v.labels.projection === 'coalition-membership@v1')?.value;
      expect(await count(metrics.projectionBatchFailures)).toBe(1);
      expect(await count(metrics.projectionEventsApplied)).toBe(3);
    } finally {
      await runner.stop();
      logged.mockRestore();
      await source.destroy();
      await pool.end();
      await db.drop();
    }
  });
});
