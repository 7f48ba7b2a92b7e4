import { Module } from '@nestjs/common';
import { IngestionModule } from '@annals/ingestion';
import { KafkaModule } from '@annals/kafka';
import { PlatformModule } from '@annals/platform';
import { NewsEventsController } from './news-events.controller';

/** Wiring only: Kafka batches in, the command side of libs/ingestion, the event store out. */
@Module({})
export class IngestorModule {
  static forEnv(env: Record<string, string | undefined>) {
    return {
      module: IngestorModule,
      imports: [PlatformModule.forApp('ingestor', env), KafkaModule.forApp('ingestor'), IngestionModule],
      controllers: [NewsEventsController],
    };
  }
}
