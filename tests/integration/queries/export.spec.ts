import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNewsEvent } from '@annals/contracts';
import { PostgresEventStore } from '@annals/event-store';
import { Client } from 'pg';
import { createTestDatabase, eventually, produce, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { TestSystem } from '../../support/system';

const ROOT = join(__dirname, '../../..');
const C = 'coalition-against-isis';
const SEED = readFileSync(join(ROOT, 'data/seed/coalition-against-isis.ndjson'), 'utf8').trim().split('\n');

describe('annals export: the stored reports as the contract\'s NDJSON', () => {
  let first: { db: TestDatabase; system: TestSystem };
  let second: { db: TestDatabase; system: TestSystem } | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'annals-export-'));

  const exportFrom = (db: TestDatabase, ...args: string[]) => {
    const file = join(dir, `export-${args.join('')}.ndjson`);
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'export', '--out', file, ...args, '--database-url', db.appUrl], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: '' });
    return { lines: readFileSync(file, 'utf8').trim().split('\n'), summary: run.stderr.trim() };
  };
  const count = async (db: TestDatabase) => (await db.appPool().query<{ n: number }>('SELECT count(*)::int AS n FROM event_store.events')).rows[0]!.n;

  beforeAll(async () => {
    const db = await createTestDatabase();
    first = { db, system: await new TestSystem(db).start() };
    await first.system.publish([
      ...SEED,
      // no publishedAt: known from the time Annals recorded it
      JSON.stringify({ id: 'recorded-only', type: 'coalition.member-joined', occurredAt: '2014-10-09', source: { publisher: 'Wire' }, data: { coalitionId: C, country: 'IT' } }),
      JSON.stringify({ id: 'retraction', type: 'report.retracted', occurredAt: '2016-01-01', source: { publisher: 'TASS', publishedAt: '2016-01-01' }, data: { reportId: 'tass-2015-12-09-france-joins' } }),
    ]);
    // an event that no report made, appended by another writer
    await new PostgresEventStore(db.appPool()).append('other-writer', [{ type: 'audit.note', data: { text: 'not a report' } }], { expectedVersion: 'no-stream' });
  });
  afterAll(async () => {
    for (const s of [first, second]) {
      await s?.system.close();
      await s?.db.drop();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every report as a valid message, leaves out what is no report and says so; sent back, nothing is stored twice', async () => {
    const { lines, summary } = exportFrom(first.db);
    expect(summary).toMatch(
      new RegExp(`^exported ${SEED.length + 2} report\\(s\\) up to checkpoint \\d+:\\d+; 1 event\\(s\\) are no reports of the contract and were left out\\n  \\(annals export --after \\d+:\\d+ writes the reports stored since\\)$`),
    );
    const parsed = lines.map((line) => parseNewsEvent(line));
    expect(parsed.filter((p) => !p.ok)).toEqual([]);
    expect(parsed.map((p) => (p.ok ? p.event.id : '')).sort()).toEqual([...SEED.map((l) => (JSON.parse(l) as { id: string }).id), 'recorded-only', 'retraction'].sort());

    const before = await count(first.db);
    await first.system.publish(lines);
    expect(await count(first.db)).toBe(before);
  });

  it('--recorded-as-published: published into a new deployment, it answers every question as the first one does (a timeline\'s ties across streams aside)', async () => {
    const { lines } = exportFrom(first.db, '--recorded-as-published');
    const db = await createTestDatabase();
    second = { db, system: await new TestSystem(db).start() };
    await second.system.publish(lines);
    const recordedAt = (await first.system.get<{ recordedAt: string }>('/reports/recorded-only')).body.recordedAt;
    const now = new Date().toISOString();
    const questions = [
      `/coalitions/${C}?at=2014-10-10&knownAt=${now}`,
      `/coalitions/${C}?at=2014-10-10&knownAt=2015-12-31`,
      // just before the first deployment recorded the report without publishedAt, and when it did
      `/coalitions/${C}?at=2014-10-10&knownAt=${new Date(Date.parse(recordedAt) - 1).toISOString()}`,
      `/coalitions/${C}?at=2014-10-10&knownAt=${recordedAt}`,
      `/coalitions/${C}/timeline?knownAt=${now}`,
      `/coalitions/${C}/history?knownAt=${now}`,
      `/countries/IT/coalitions?at=2014-10-10&knownAt=${now}`,
    ];
    // A timeline lists reports of the same valid and knowledge time by store position, which
    // follows arrival: the second deployment stored the reports of different streams in another
    // order (the ingestor appends a chunk's streams in stream id order). Those ties are compared
    // as sets; a pair's reports share a stream, and their order is kept.
    const ties = (body: unknown) => {
      const items = (body as { items?: Array<{ occurredAt: string; knownAt: string; reportId: string }> }).items;
      if (!items?.[0]?.reportId) return body;
      const key = (i: { occurredAt: string; knownAt: string; reportId: string }) => `${i.occurredAt} ${i.knownAt} ${i.reportId}`;
      return { ...(body as object), items: [...items].sort((x, y) => key(x).localeCompare(key(y))) };
    };
    for (const question of questions) {
      const [a, b] = await Promise.all([first.system.get(question), second.system.get(question)]);
      // the same answer; the report that had no publishedAt now names as published the time it was recorded
      const expected = JSON.parse(JSON.stringify(a.body).replaceAll('"publishedAt":null', `"publishedAt":${JSON.stringify(recordedAt)}`)) as unknown;
      expect({ question, status: b.status, body: ties(b.body) }).toEqual({ question, status: a.status, body: ties(expected) });
    }
    const itAtRecording = await second.system.get<{ members: Array<{ country: string }> }>(`/coalitions/${C}?at=2014-10-10&knownAt=${recordedAt}`);
    expect(itAtRecording.body.members.map((m) => m.country)).toContain('IT');
  });

  describe('where the export goes', () => {
    const annals = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/annals.js'), 'export', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const leftovers = (where: string) => readdirSync(where).filter((name) => name.includes('partial'));

    it('--out into a directory that does not exist, or onto a directory: refused by name before any work', () => {
      const missing = annals('--out', join(dir, 'no-such-dir', 'x.ndjson'), '--database-url', first.db.appUrl);
      expect({ status: missing.status, stderr: missing.stderr.trim() }).toEqual({
        status: 1,
        stderr: `annals: --out: cannot write ${join(dir, 'no-such-dir', 'x.ndjson')}: ENOENT: no such file or directory`,
      });
      const directory = annals('--out', dir, '--database-url', first.db.appUrl);
      expect({ status: directory.status, stderr: directory.stderr.trim() }).toEqual({ status: 1, stderr: `annals: --out: ${dir} is a directory` });
    });

    it('an export that fails leaves the file it was to replace as it was, and nothing half-written beside it', () => {
      const archive = join(dir, 'yesterday.ndjson');
      writeFileSync(archive, 'the archive of yesterday\n');
      // a database that takes the connection but holds no event store: the export fails once under way
      const unmigrated = new URL(first.db.appUrl);
      unmigrated.pathname = '/postgres';
      const failed = annals('--out', archive, '--database-url', unmigrated.toString());
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(/^annals: PostgreSQL: .*"event_store.*" does not exist .*annals migrate/);
      expect(readFileSync(archive, 'utf8')).toBe('the archive of yesterday\n');
      expect(leftovers(dir)).toEqual([]);
      // and one that succeeds replaces it whole
      expect(annals('--out', archive, '--database-url', first.db.appUrl).status).toBe(0);
      expect(readFileSync(archive, 'utf8').trim().split('\n')).toHaveLength(SEED.length + 2);
      expect(leftovers(dir)).toEqual([]);
    });

    it.each(['SIGINT', 'SIGTERM'] as const)('interrupted (%s) under way, it removes what it had written and ends as the signal ends a command, leaving the file it was to replace as it was', async (signal) => {
      const archive = join(dir, `before-${signal}.ndjson`);
      writeFileSync(archive, 'the archive of yesterday\n');
      // the export waits on the log while another session holds it: under way, its file open
      const holder = new Client({ connectionString: first.db.ownerUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE event_store.events IN ACCESS EXCLUSIVE MODE');
        const child = spawn(process.execPath, [join(ROOT, 'bin/annals.js'), 'export', '--out', archive, '--database-url', first.db.appUrl], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
        const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
        await eventually('the export to open its file', async () => (leftovers(dir).length > 0 ? true : undefined), 60_000, 50);
        child.kill(signal);
        const [code, endedBy] = await exited;
        // (before, the signal's default ended it and left its temporary file beside the archive)
        expect({ code, endedBy, leftovers: leftovers(dir), archive: readFileSync(archive, 'utf8') }).toEqual({ code: null, endedBy: signal, leftovers: [], archive: 'the archive of yesterday\n' });
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
    });

    it('a reader that stops early (| head) ends it quietly, with the status of a command SIGPIPE ended', async () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/annals.js'), 'export', '--database-url', first.db.appUrl], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      // the reader is gone before the first report is written
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect({ code, stderr }).toEqual({ code: 141, stderr: '' });
    });

    it('--after the checkpoint an export printed: the reports stored since, and nothing else; a checkpoint past the log\'s end is refused', async () => {
      const checkpointOf = (summary: string) => /up to checkpoint (\d+:\d+)/.exec(summary)![1]!;
      const whole = exportFrom(first.db);
      const later = ['later-1', 'later-2'].map((id, i) =>
        JSON.stringify({ id, type: 'coalition.member-joined', occurredAt: `2015-0${i + 1}-01`, source: { publisher: 'Wire', publishedAt: '2016-02-01' }, data: { coalitionId: C, country: i ? 'NO' : 'DK' } }),
      );
      await first.system.publish(later);
      const next = exportFrom(first.db, '--after', checkpointOf(whole.summary));
      expect(next.lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['later-1', 'later-2']);
      expect(next.summary).toMatch(/^exported 2 report\(s\) up to checkpoint/);
      // the parts together are the whole log's reports, each once
      expect([...whole.lines, ...next.lines].sort()).toEqual(exportFrom(first.db).lines.sort());
      // nothing stored since the last part
      const none = annals('--after', checkpointOf(next.summary), '--database-url', first.db.appUrl);
      expect({ status: none.status, stdout: none.stdout }).toEqual({ status: 0, stdout: '' });
      expect(none.stderr).toMatch(/^exported 0 report\(s\)/);

      const [transactionId] = checkpointOf(next.summary).split(':');
      const past = annals('--after', `${BigInt(transactionId!) + 1000n}:1`, '--database-url', first.db.appUrl);
      expect({ status: past.status, stdout: past.stdout }).toEqual({ status: 1, stdout: '' });
      expect(past.stderr).toMatch(/^annals: --after: \d+:1 is past the log's end \(\d+:\d+\): a checkpoint of another database, or of this one before a restore\?\n$/);
      const malformed = annals('--after', '12', '--database-url', first.db.appUrl);
      expect({ status: malformed.status, stderr: malformed.stderr }).toEqual({
        status: 1,
        stderr: 'annals: --after: is not a checkpoint (<transaction id>:<position>, as annals export prints it), got "12"\n',
      });
    });

    it('a report committed while an older transaction is still open is not in this part: it opens the next one', async () => {
      const checkpointOf = (summary: string) => /up to checkpoint (\d+:\d+)/.exec(summary)![1]!;
      const before = exportFrom(first.db);
      // a transaction that began before the report is stored, and is still open when the export runs
      const holder = new Client({ connectionString: first.db.appUrl });
      await holder.connect();
      let part: ReturnType<typeof exportFrom>;
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_current_xact_id()');
        await produce(first.system.topics.KAFKA_TOPIC, [
          { key: C, value: JSON.stringify({ id: 'while-open', type: 'coalition.member-joined', occurredAt: '2015-03-01', source: { publisher: 'Wire', publishedAt: '2016-02-02' }, data: { coalitionId: C, country: 'FI' } }) },
        ]);
        await waitForZeroLag(first.system.topics.KAFKA_GROUP_ID, first.system.topics.KAFKA_TOPIC);
        part = exportFrom(first.db, '--after', checkpointOf(before.summary));
      } finally {
        await holder.query('COMMIT');
        await holder.end();
      }
      expect(part.summary).toMatch(/^exported 0 report\(s\)/);
      expect(checkpointOf(part.summary)).toBe(checkpointOf(before.summary));
      const next = exportFrom(first.db, '--after', checkpointOf(part.summary));
      expect(next.lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(['while-open']);
    });
  });
});
