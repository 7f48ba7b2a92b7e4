import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BatchIngestor, NEWS_EVENTS_BATCH, type KafkaBatch, type BatchResult } from '@annals/ingestion';

/** The ingestor's one entry point: a batch of one partition of the news-events topic. */
@Controller()
export class NewsEventsController {
  constructor(private readonly ingestor: BatchIngestor) {}

  @EventPattern(NEWS_EVENTS_BATCH)
  ingest(@Payload() batch: KafkaBatch): Promise<BatchResult> {
    return this.ingestor.process(batch);
  }
}
