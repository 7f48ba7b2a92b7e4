import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Kafka } from 'kafkajs';
import { APP_CONFIG, type IngestorConfig } from '@annals/config';
import { PostgresEventStore } from '@annals/event-store';
import { KAFKA } from '@annals/kafka';
import { BatchIngestor } from './batch-ingestor';
import { DeadLetterPublisher } from './dead-letter/dead-letter-publisher';
import { RecordReportHandler } from './record-report/record-report.handler';
import { ReportWriter } from './report-writer/report-writer';

/**
 * The command side: Kafka batches → RecordReport commands → domain decisions → appends,
 * and the dead-letter topic for what cannot be accepted. Needs the config, database,
 * event store, Kafka and observability modules of the app.
 */
@Module({
  imports: [CqrsModule.forRoot()],
  providers: [
    { provide: ReportWriter, inject: [PostgresEventStore], useFactory: (store: PostgresEventStore) => new ReportWriter(store) },
    {
      provide: DeadLetterPublisher,
      inject: [KAFKA, APP_CONFIG],
      useFactory: (kafka: Kafka, config: IngestorConfig) => new DeadLetterPublisher(kafka, config.KAFKA_DLQ_TOPIC),
    },
    RecordReportHandler,
    BatchIngestor,
  ],
  exports: [BatchIngestor, ReportWriter, DeadLetterPublisher],
})
export class IngestionModule implements OnApplicationShutdown {
  constructor(private readonly deadLetters: DeadLetterPublisher) {}

  async onApplicationShutdown(): Promise<void> {
    await this.deadLetters.disconnect();
  }
}
