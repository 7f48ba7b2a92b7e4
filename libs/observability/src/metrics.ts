import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The app that exports each of Annals' own metrics (the process metrics are every app's). */
const OWNER: Record<string, 'ingestor' | 'projector' | 'api'> = {
  annals_messages_ingested_total: 'ingestor',
  annals_messages_dead_lettered_total: 'ingestor',
  annals_ingest_transient_failures_total: 'ingestor',
  annals_ingest_batch_seconds: 'ingestor',
  annals_projection_events_applied_total: 'projector',
  annals_projection_batch_failures_total: 'projector',
  annals_projection_batch_seconds: 'projector',
  annals_projection_cache_values: 'projector',
  annals_projection_cache_lookups_total: 'projector',
  annals_projection_lag_events: 'api',
  annals_projection_lag_seconds: 'api',
  annals_projection_skipped_events: 'api',
  annals_events_stored: 'api',
  annals_dead_letters: 'api',
  annals_ingest_lag_messages: 'api',
  annals_source_up: 'api',
  annals_http_request_seconds: 'api',
  annals_state_answers_total: 'api',
  annals_state_copy_facts: 'api',
  annals_state_copy_bytes: 'api',
};

/**
 * Every Prometheus metric Annals exports, in one registry per process, each exported by the app
 * that owns it (OWNER). Names and meanings are documented in docs/operations.md ("Metrics").
 */
export class AnnalsMetrics {
  readonly registry = new Registry();

  readonly messagesIngested = new Counter({
    name: 'annals_messages_ingested_total',
    help: 'Kafka messages taken by the ingestor, by outcome (stored, duplicate, dead-lettered)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'annals_messages_dead_lettered_total',
    help: 'Messages sent to the dead-letter topic, by reason code',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly transientFailures = new Counter({
    name: 'annals_ingest_transient_failures_total',
    help: 'Batches retried because PostgreSQL or Kafka was unreachable',
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'annals_ingest_batch_seconds',
    help: 'Time to validate, decide, append and commit one chunk of a Kafka batch',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly projectionLagEvents = new Gauge({
    name: 'annals_projection_lag_events',
    help: 'Events stored but not yet applied to a read model',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionLagSeconds = new Gauge({
    name: 'annals_projection_lag_seconds',
    help: 'Age of the oldest stored event not yet applied to a read model (0 when caught up)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionSkippedEvents = new Gauge({
    name: 'annals_projection_skipped_events',
    help: 'Stored reports a read model left out because it could not read them (read_model.skipped_events)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  // The projector's own work, per read-model version.
  readonly projectionEventsApplied = new Counter({
    name: 'annals_projection_events_applied_total',
    help: 'Stored events a read-model version applied in this projector (skipped ones included), by committed batch',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionBatchFailures = new Counter({
    name: 'annals_projection_batch_failures_total',
    help: 'Batches a read-model version failed to apply and retries (PostgreSQL unreachable, a conflict, a bug): rising while the lag grows means the projector is stuck; its log says why',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionBatchSeconds = new Histogram({
    name: 'annals_projection_batch_seconds',
    help: 'Time to apply and commit one batch of a read-model version (up to 3,000 events)',
    labelNames: ['projection'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly projectionCacheValues = new Gauge({
    name: 'annals_projection_cache_values',
    help: 'Facts and membership rows the projector holds in memory for a read-model version (at most PROJECTOR_CACHE_SIZE)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });
  readonly projectionCacheLookups = new Counter({
    name: 'annals_projection_cache_lookups_total',
    help: 'Pairs the committed batches of a read-model version looked up in the projector\'s memory, by outcome: held, or missed (read from PostgreSQL)',
    labelNames: ['projection', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly stateAnswers = new Counter({
    name: 'annals_state_answers_total',
    help: 'Coalition states (GET /coalitions/{id}) the api answered, by where from: memory (its copy of the read model, current) or postgres',
    labelNames: ['from'] as const,
    registers: [this.registry],
  });
  readonly stateCopyFacts = new Gauge({
    name: 'annals_state_copy_facts',
    help: 'Membership facts in the api\'s copy of the read model (0 while it holds none: states come from PostgreSQL)',
    registers: [this.registry],
  });
  readonly stateCopyBytes = new Gauge({
    name: 'annals_state_copy_bytes',
    help: 'Bytes of the buffers and arrays of the api\'s copy of the read model (0 while it holds none)',
    registers: [this.registry],
  });
  // Cluster-wide figures, read from their sources of truth when the api is scraped.
  readonly eventsStored = new Gauge({ name: 'annals_events_stored', help: 'Events in the event store (highest global position)', registers: [this.registry] });
  readonly deadLetters = new Gauge({ name: 'annals_dead_letters', help: 'Messages on the dead-letter topic', registers: [this.registry] });
  readonly ingestLag = new Gauge({
    name: 'annals_ingest_lag_messages',
    help: 'Messages on the news topic the ingestors have not committed yet (their consumer group lag)',
    registers: [this.registry],
  });
  readonly sourceUp = new Gauge({
    name: 'annals_source_up',
    help: '1 when the last scrape read the figures of the source (postgres, kafka); 0 when it failed or timed out, and its figures are left out',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly httpSeconds = new Histogram({
    name: 'annals_http_request_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    // each app exports its own figures only: the api's scrape listed the ingestor's counters at 0
    for (const [name, owner] of Object.entries(OWNER)) if (owner !== app) this.registry.removeSingleMetric(name);
  }

  /**
   * Puts figures in the scrape, or takes them out: out while their source cannot be read, so
   * that a scraper sees no value rather than the last one read (a gauge without labels would
   * still print 0 after a reset: "no lag").
   */
  show(figures: ReadonlyArray<Gauge<string>>, shown: boolean): void {
    for (const figure of figures) {
      // every prom-client metric has its name; the typings leave it out
      const { name } = figure as unknown as { name: string };
      const registered = this.registry.getSingleMetric(name) !== undefined;
      if (shown && !registered) this.registry.registerMetric(figure);
      if (!shown && registered) this.registry.removeSingleMetric(name);
    }
  }
}
