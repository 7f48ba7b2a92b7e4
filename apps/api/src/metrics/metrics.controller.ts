import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { APP_CONFIG, type ApiConfig } from '@annals/config';
import { PostgresEventStore } from '@annals/event-store';
import { consumerLag, KAFKA } from '@annals/kafka';
import { AnnalsMetrics } from '@annals/observability';
import { ProjectionVersions } from '@annals/projections';

/**
 * /metrics in Prometheus text format. Besides this process's own metrics, it reads the
 * cluster-wide figures from their sources of truth at each scrape: events stored (the
 * event store), dead letters (the DLQ topic's offsets), ingest lag (the ingestors' committed
 * offsets), projection lag (checkpoints), reports the read models skipped.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: AnnalsMetrics,
    private readonly versions: ProjectionVersions,
    private readonly store: PostgresEventStore,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    await Promise.allSettled([this.readStore(), this.readProjections(), this.readKafka()]);
    return this.metrics.registry.metrics();
  }

  private async readStore() {
    this.metrics.eventsStored.set(await this.store.lastPosition());
  }

  private async readProjections() {
    for (const v of await this.versions.list()) {
      if (v.state === 'retired') continue;
      const label = { projection: `coalition-membership@v${v.version}` };
      this.metrics.projectionLagEvents.set(label, v.lagEvents);
      this.metrics.projectionLagSeconds.set(label, v.lagSeconds);
      this.metrics.projectionSkippedEvents.set(label, v.skippedEvents);
    }
  }

  private async readKafka() {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.KAFKA_DLQ_TOPIC);
      this.metrics.deadLetters.set(offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0));
      this.metrics.ingestLag.set(await consumerLag(admin, this.config.KAFKA_GROUP_ID, this.config.KAFKA_TOPIC));
    } finally {
      await admin.disconnect();
    }
  }
}
