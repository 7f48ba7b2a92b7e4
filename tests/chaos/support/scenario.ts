import { appendFileSync, mkdirSync } from 'node:fs';
import type { Kafka, Message } from 'kafkajs';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { readDeadLetters } from '@annals/ingestion';
import { loadConfig } from '@annals/config';
import { consumerLag, ensureTopics, readTopicToEnd, ReliableProducer } from '@annals/kafka';
import { PostgresEventStore } from '@annals/event-store';
import { ProjectionVersionEntity, ProjectionVersions, ProjectorRunner } from '@annals/projections';
import type { AppProcess } from '../../../tools/runtime/app-process';
import { assertNoneCrashed } from './apps';
import { ARTIFACTS, SUMMARY } from './artifacts';
import { MALFORMED, message, randomReport, rng, type Report } from '../../support/news-factory';

export const SHORT = process.env.CHAOS_SHORT === '1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scenario's messages: unique ids, mostly valid, one in fifty malformed (of every kind). */
export function workload(prefix: string, count: number, seed: number): { messages: Message[]; valid: Report[]; invalid: number } {
  const random = rng(seed);
  const valid: Report[] = [];
  const messages: Message[] = [];
  let invalid = 0;
  for (let i = 0; i < count; i++) {
    const report = randomReport(random, `${prefix}-${i}`, 20);
    if (i % 50 === 25) {
      const kind = MALFORMED.filter((m) => m.reason !== 'payload-too-large')[invalid % (MALFORMED.length - 1)]!;
      messages.push(kind.make(report, i));
      invalid++;
    } else {
      valid.push(report);
      messages.push(message(report));
    }
  }
  return { messages, valid, invalid };
}

/**
 * Publishes a scenario's messages through Annals' own producer, into topics created as the
 * ingestor creates them (its settings: partitions, replication), whether or not it runs yet.
 */
export async function produceAll(kafka: Kafka, env: Record<string, string>, messages: Message[], batch = 250, pauseMs = 0): Promise<void> {
  const config = loadConfig('ingestor', env);
  await ensureTopics(kafka, config);
  const topic = config.KAFKA_TOPIC;
  // Annals' own producer: idempotent, acks=all, one partition per request (see ReliableProducer)
  const producer = new ReliableProducer(kafka);
  try {
    for (let i = 0; i < messages.length; i += batch) {
      await producer.send(topic, messages.slice(i, i + batch));
      if (pauseMs) await sleep(pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 300_000, intervalMs = 200): Promise<number> {
  const started = Date.now();
  for (;;) {
    assertNoneCrashed();
    if (await check().catch(() => false)) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function zeroLag(kafka: Kafka, group: string, topic: string, timeoutMs = 300_000): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await until(`consumer group ${group} to commit everything`, async () => (await consumerLag(admin, group, topic)) === 0, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The end of every fault: waits until the ingestors have committed everything and the read
 * model has applied every stored event, then stops the apps (none may have died on its own).
 * Returns the seconds that took: the time to recover.
 */
export async function recover(input: { kafka: Kafka; env: Record<string, string>; pool: Pool; apps: AppProcess[] }): Promise<number> {
  const started = Date.now();
  await zeroLag(input.kafka, input.env.KAFKA_GROUP_ID!, input.env.KAFKA_TOPIC!);
  await until('the read model to catch up', () => readModelCaughtUp(input.pool));
  const seconds = (Date.now() - started) / 1000;
  for (const app of input.apps) {
    if (app.exited) throw new Error(`the ${app.app} (${app.logFile}) had exited before the end of the scenario`);
    await app.stop();
  }
  await input.pool.end();
  return seconds;
}

/** True once the live projection's checkpoint is past every stored event. */
export async function readModelCaughtUp(pool: Pool): Promise<boolean> {
  return (await ProjectionVersions.activeLag(pool)) === 0;
}

export interface Outcome {
  scenario: string;
  messages: number;
  faults: number;
  lost: number;
  duplicated: number;
  recoverSeconds: number;
}

/**
 * Exactly once, checked from the outside: every valid report stored once, every malformed message
 * on the dead-letter topic once (letters are identified by their origin), and the live read model
 * equal to a rebuild from scratch.
 */
export async function checkExactlyOnce(input: {
  scenario: string;
  kafka: Kafka;
  databaseUrl: string;
  dlqTopic: string;
  /** The source topic: when reports are missing, says whether Kafka ever had them. */
  topic?: string;
  valid: Report[];
  invalid: number;
  faults: number;
  recoverSeconds: number;
  compareWithRebuild?: boolean;
}): Promise<Outcome> {
  const pool = new Pool({ connectionString: input.databaseUrl, max: 6 });
  try {
    const { rows } = await pool.query<{ idempotency_key: string; n: number }>('SELECT idempotency_key, count(*)::int AS n FROM event_store.events GROUP BY 1');
    const stored = new Map(rows.map((r) => [r.idempotency_key, r.n]));
    const missing = input.valid.filter((r) => !stored.has(r.id)).map((r) => r.id);
    const lostValid = missing.length;
    const duplicatedValid = rows.filter((r) => r.n > 1).length;
    const letters = await readDeadLetters(input.kafka, input.dlqTopic);
    let missingInTopic: number | undefined;
    if (missing.length && input.topic) {
      const wanted = new Set(missing);
      missingInTopic = 0;
      await readTopicToEnd(input.kafka, input.topic, (_, m) => {
        try {
          if (wanted.delete(String(JSON.parse(m.value?.toString('utf8') ?? '{}').id))) missingInTopic!++;
        } catch {
          // a malformed message: not one of the valid reports
        }
      });
    }
    const lostInvalid = Math.max(0, input.invalid - letters.length);
    const duplicatedInvalid = Math.max(0, letters.length - input.invalid);
    if (input.compareWithRebuild !== false) await compareWithRebuild(pool, input.databaseUrl);
    const outcome = {
      scenario: input.scenario,
      messages: input.valid.length + input.invalid,
      faults: input.faults,
      lost: lostValid + lostInvalid,
      duplicated: duplicatedValid + duplicatedInvalid,
      recoverSeconds: Math.round(input.recoverSeconds * 10) / 10,
      // what a failure needs to be looked into
      ...(missing.length ? { missing: missing.slice(0, 10), missingButInTopic: missingInTopic } : {}),
      ...(lostInvalid || duplicatedInvalid ? { deadLetters: `${letters.length} on the DLQ, ${input.invalid} expected` } : {}),
    };
    mkdirSync(ARTIFACTS, { recursive: true });
    appendFileSync(SUMMARY, JSON.stringify(outcome) + '\n');
    return outcome;
  } finally {
    await pool.end();
  }
}

/**
 * The live read model, row for row, against a version rebuilt from the first event. The apps are
 * stopped by now, so the live rows are read first; the rebuild then replaces them (the runner
 * activates a rebuilt version once it has caught up) and its rows must be the same.
 */
async function compareWithRebuild(pool: Pool, url: string): Promise<void> {
  const rowsOf = async (v: number) =>
    (
      await pool.query<{ r: string }>(
        `SELECT coalition_id || '|' || country || '|' || valid::text || '|' || known::text || '|' || since::text || '|' || roles::text AS r
           FROM read_model.membership WHERE version = $1 ORDER BY 1`,
        [v],
      )
    ).rows.map((x) => x.r);
  const factsOf = async (v: number) =>
    (await pool.query<{ r: string }>(`SELECT report_id || '|' || coalesce(retracted_at::text, '-') AS r FROM read_model.facts WHERE version = $1 ORDER BY 1`, [v])).rows.map(
      (x) => x.r,
    );
  const source = new DataSource({ type: 'postgres', url, entities: [ProjectionVersionEntity], extra: { max: 1 } });
  await source.initialize();
  try {
    const versions = new ProjectionVersions(pool, source.getRepository(ProjectionVersionEntity));
    const live = (await versions.states()).find((v) => v.state === 'active')!.version;
    const [liveRows, liveFacts] = [await rowsOf(live), await factsOf(live)];
    const { version } = await versions.startRebuild();
    const runner = new ProjectorRunner(pool, new PostgresEventStore(pool), versions, { batchSize: 2000, pollIntervalMs: 100 });
    await runner.start();
    try {
      await until('the rebuild to catch up and take over', async () => (await versions.states()).find((v) => v.version === version)?.state === 'active', 300_000);
    } finally {
      await runner.stop();
    }
    const [rebuiltRows, rebuiltFacts] = [await rowsOf(version), await factsOf(version)];
    if (liveFacts.length !== rebuiltFacts.length || liveFacts.some((f, i) => f !== rebuiltFacts[i])) {
      throw new Error(`the live read model had ${liveFacts.length} facts, a rebuild has ${rebuiltFacts.length}: a fact was applied twice or never`);
    }
    if (liveRows.length !== rebuiltRows.length || liveRows.some((r, i) => r !== rebuiltRows[i])) {
      throw new Error(`the live membership (${liveRows.length} rows) differs from a rebuild (${rebuiltRows.length} rows)`);
    }
  } finally {
    await source.destroy();
  }
}
