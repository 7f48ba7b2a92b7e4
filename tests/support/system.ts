import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Pool } from 'pg';
import { startApi } from '../../apps/api/src/bootstrap';
import { startIngestor } from '../../apps/ingestor/src/bootstrap';
import { startProjector } from '../../apps/projector/src/bootstrap';
import { eventually, freePort, ingestorTopics, produce, testServers, waitForZeroLag, type TestDatabase } from '@annals/testing';
import { ProjectionVersions } from '@annals/projections';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The seed dataset: the article's reports, one JSON message per line (data/seed/README.md). */
export function seedReports(): string[] {
  return readFileSync(join(__dirname, '../../data/seed/coalition-against-isis.ndjson'), 'utf8').trim().split('\n');
}

export interface Response<T = unknown> {
  status: number;
  body: T;
}

/**
 * The whole of Annals for one test database: ingestor, projector and api, in this process,
 * on a topic and consumer group of their own, the api on a free port.
 */
export class TestSystem {
  readonly topics = ingestorTopics('system');
  private ingestor: INestMicroservice | undefined;
  private projector: INestApplicationContext | undefined;
  private api: NestExpressApplication | undefined;
  private pool: Pool | undefined;
  baseUrl = '';
  /** The ingestor's and the projector's own GET /metrics (they have no HTTP API). */
  ingestorMetricsUrl = '';
  projectorMetricsUrl = '';

  constructor(readonly db: TestDatabase) {}

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { KAFKA_BROKERS: testServers().kafkaBrokers.join(','), DATABASE_URL: this.db.appUrl, ...this.topics, KAFKA_TOPIC_PARTITIONS: '3', LOG_LEVEL: 'error', ...extra };
  }

  /** Starts the three apps; when one fails to start, closes those already running before the error goes on. */
  async start(): Promise<this> {
    try {
      return await this.startAll();
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
  }

  private async startAll(): Promise<this> {
    const port = await freePort();
    const metricsPort = await freePort();
    this.ingestor = await startIngestor(this.env({ METRICS_PORT: String(metricsPort) }));
    this.ingestorMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const projectorMetricsPort = await freePort();
    this.projector = await startProjector(this.env({ METRICS_PORT: String(projectorMetricsPort) }));
    this.projectorMetricsUrl = `http://127.0.0.1:${projectorMetricsPort}/metrics`;
    this.api = await startApi(this.env({ PORT: String(port), ANNALS_ADMIN_TOKEN: ADMIN_TOKEN }));
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.pool = this.db.appPool({ max: 2 });
    return this;
  }

  async stopIngestor(): Promise<void> {
    await this.ingestor?.close();
    this.ingestor = undefined;
  }

  async startIngestor(): Promise<void> {
    this.ingestor = await startIngestor(this.env());
  }

  /** Publishes report messages (keyed by their coalition) and waits until the read model has them. */
  async publish(values: string[], key = 'coalition-against-isis'): Promise<void> {
    await produce(this.topics.KAFKA_TOPIC, values.map((value) => ({ key, value })));
    await this.caughtUp();
  }

  /** Every published message committed, every stored event applied to the active read model. */
  async caughtUp(): Promise<void> {
    await waitForZeroLag(this.topics.KAFKA_GROUP_ID, this.topics.KAFKA_TOPIC);
    await eventually('the read model to apply every stored event', async () => ((await ProjectionVersions.activeLag(this.pool!)) === 0 ? true : undefined), 60_000, 100);
  }

  async get<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<Response<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers });
    const text = await response.text();
    return { status: response.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
  }

  async post<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<Response<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Closes what runs; a second close (after a failed start, then the suite's afterAll) does nothing. */
  async close(): Promise<void> {
    const { api, projector, ingestor, pool } = this;
    this.api = this.projector = this.ingestor = this.pool = undefined;
    await api?.close();
    await projector?.close();
    await ingestor?.close();
    await pool?.end();
  }
}
