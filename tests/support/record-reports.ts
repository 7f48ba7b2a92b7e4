import { validateNewsEvent } from '@annals/contracts';
import { START, type PostgresEventStore, type StoredEvent } from '@annals/event-store';
import { ReportWriter } from '@annals/ingestion/report-writer/report-writer';
import type { Report } from './news-factory';

/**
 * Records reports in the event store as the ingestor does (validated, decided, appended), one at
 * a time in the order given, each with a Kafka place of its own; returns their stored events.
 */
export class ReportRecorder {
  private readonly writer: ReportWriter;
  private offset = 0;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly topic: string,
  ) {
    this.writer = new ReportWriter(store);
  }

  async record(reports: ReadonlyArray<Report>): Promise<StoredEvent[]> {
    const before = (await this.store.readAll(START, 1_000_000)).events.length;
    for (const report of reports) {
      const parsed = validateNewsEvent(report);
      if (!parsed.ok) throw new Error(parsed.rejection.detail);
      await this.writer.record(parsed.event, { topic: this.topic, partition: 0, offset: String(this.offset++) });
    }
    return (await this.store.readAll(START, 1_000_000)).events.slice(before);
  }
}
