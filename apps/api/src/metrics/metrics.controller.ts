import { Controller, Get, Header, Inject, Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Gauge } from 'prom-client';
import { APP_CONFIG, type ApiConfig } from '@annals/config';
import { PostgresEventStore } from '@annals/event-store';
import { consumerLag, KAFKA, listTopics } from '@annals/kafka';
import { AnnalsMetrics, within } from '@annals/observability';
import { ProjectionVersions } from '@annals/projections';

/**
 * How long a scrape waits for each source. Prometheus gives a scrape 10 s by default; a source
 * that is down must not cost the figures of the others, nor the process's own metrics.
 */
const SOURCE_READ_MS = 3_000;

/**
 * /metrics in Prometheus text format. Besides this process's own metrics, it reads the
 * cluster-wide figures from their sources of truth at each scrape: events stored, projection
 * lag and reports the read models skipped (PostgreSQL); dead letters (the DLQ topic's offsets)
 * and ingest lag (the ingestors' committed offsets) (Kafka). A source that fails or does not
 * answer within SOURCE_READ_MS has `annals_source_up{source}` 0 and its figures left out of
 * the scrape (AnnalsMetrics.show): a figure from an earlier scrape, shown as current, would
 * say the lag is fine while nothing can be known.
 */
@Controller('metrics')
export class MetricsController {
  private readonly logger = new Logger('metrics');
  /** A missing topic is said once, not at every scrape. */
  private missingTopicsLogged = false;

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
    const m = this.metrics;
    await Promise.all([
      this.read('postgres', [m.eventsStored, m.projectionLagEvents, m.projectionLagSeconds, m.projectionSkippedEvents], async () => {
        await Promise.all([this.readStore(), this.readProjections()]);
      }),
      this.read('kafka', [m.deadLetters, m.ingestLag], () => this.readKafka()),
    ]);
    return m.registry.metrics();
  }

  /**
   * Reads one source's figures into the scrape, or leaves them out and says the source is down.
   * `read` may return figures the source has none of (Kafka: a topic that does not exist yet),
   * left out while the source is up.
   */
  private async read(source: 'postgres' | 'kafka', figures: ReadonlyArray<Gauge<string>>, read: () => Promise<ReadonlyArray<Gauge<string>> | void>): Promise<void> {
    try {
      const result = await within(read(), SOURCE_READ_MS, source === 'postgres' ? 'PostgreSQL' : 'Kafka');
      const none = new Set(result ?? []);
      this.metrics.show(figures.filter((f) => !none.has(f)), true);
      this.metrics.show([...none], false);
      this.metrics.sourceUp.set({ source }, 1);
    } catch (error) {
      this.metrics.show(figures, false);
      this.metrics.sourceUp.set({ source }, 0);
      this.logger.warn(`/metrics left out the figures read from ${source}: ${(error as Error).message}`);
    }
  }

  private async readStore() {
    this.metrics.eventsStored.set(await this.store.lastPosition());
  }

  private async readProjections() {
    const versions = await this.versions.list();
    // only the versions there are now: a retired version's series must end, not keep its last value
    for (const gauge of [this.metrics.projectionLagEvents, this.metrics.projectionLagSeconds, this.metrics.projectionSkippedEvents]) gauge.reset();
    for (const v of versions) {
      if (v.state === 'retired') continue;
      const label = { projection: v.subscriptionId };
      this.metrics.projectionLagEvents.set(label, v.lagEvents);
      this.metrics.projectionLagSeconds.set(label, v.lagSeconds);
      this.metrics.projectionSkippedEvents.set(label, v.skippedEvents);
    }
  }

  /**
   * The dead letters and the ingest lag; returns the figures of topics that do not exist. The
   * ingestors create their topics when they first start: until then Kafka is up and has no such
   * figures (a missing topic read as Kafka down, which pages someone for a deployment not yet used).
   */
  private async readKafka(): Promise<Array<Gauge<string>>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = new Set(await listTopics(admin, { attempts: 1 }));
      const none: Array<Gauge<string>> = [];
      if (topics.has(this.config.KAFKA_DLQ_TOPIC)) {
        const offsets = await admin.fetchTopicOffsets(this.config.KAFKA_DLQ_TOPIC);
        this.metrics.deadLetters.set(offsets.reduce((sum, p) => sum + (Number(p.high) - Number(p.low)), 0));
      } else none.push(this.metrics.deadLetters);
      if (topics.has(this.config.KAFKA_TOPIC)) this.metrics.ingestLag.set(await consumerLag(admin, this.config.KAFKA_GROUP_ID, this.config.KAFKA_TOPIC));
      else none.push(this.metrics.ingestLag);
      if (none.length > 0 && !this.missingTopicsLogged) {
        this.missingTopicsLogged = true;
        const missing = [this.config.KAFKA_TOPIC, this.config.KAFKA_DLQ_TOPIC].filter((t) => !topics.has(t));
        this.logger.warn(`/metrics: no topic ${missing.join(', ')} on Kafka yet (the ingestors create them when they start): its figures are left out`);
      }
      return none;
    } finally {
      await admin.disconnect();
    }
  }
}
