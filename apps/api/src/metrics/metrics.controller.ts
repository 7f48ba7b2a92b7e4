import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { APP_CONFIG, type ApiConfig } from '@annals/config';
import { PG_POOL } from '@annals/database';
import { consumerLag, KAFKA } from '@annals/kafka';
import { AnnalsMetrics } from '@annals/observability';
import { ProjectionVersions } from '@annals/projections';
import { Gauge } from 'prom-client';

/**
 * /metrics in Prometheus text format. Besides this process's own metrics, it reads the
 * cluster-wide figures from their sources of truth at each scrape: events stored (the
 * event store), dead letters (the DLQ topic's offsets), projection lag (checkpoints).
 */
@Controller('metrics')
export class MetricsController {
  private readonly stored: Gauge;
  private readonly deadLetters: Gauge;
  private readonly ingestLag: Gauge;

  constructor(
    private readonly metrics: AnnalsMetrics,
    private readonly versions: ProjectionVersions,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
  ) {
    this.stored = new Gauge({ name: 'annals_events_stored', help: 'Events in the event store (highest global position)', registers: [metrics.registry] });
    this.deadLetters = new Gauge({ name: 'annals_dead_letters', help: 'Messages on the dead-letter topic', registers: [metrics.registry] });
    this.ingestLag = new Gauge({
      name: 'annals_ingest_lag_messages',
      help: 'Messages on the news topic the ingestors have not committed yet (their consumer group lag)',
      registers: [metrics.registry],
    });
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    await Promise.allSettled([this.readStore(), this.readProjections(), this.readKafka()]);
    return this.metrics.registry.metrics();
  }

  private async readStore() {
    const { rows } = await this.pool.query<{ n: number }>('SELECT coalesce(max(position), 0) AS n FROM event_store.events');
    this.stored.set(rows[0]!.n);
  }

  private async readProjections() {
    for (const v of await this.versions.list()) {
      if (v.state === 'retired') continue;
      const label = { projection: `coalition-membership@v${v.version}` };
      this.metrics.projectionLagEvents.set(label, v.lagEvents);
      this.metrics.projectionLagSeconds.set(label, v.lagSeconds);
    }
  }

  private async readKafka() {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.KAFKA_DLQ_TOPIC);
      this.deadLetters.set(offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0));
      this.ingestLag.set(await consumerLag(admin, this.config.KAFKA_GROUP_ID, this.config.KAFKA_TOPIC));
    } finally {
      await admin.disconnect();
    }
  }
}
