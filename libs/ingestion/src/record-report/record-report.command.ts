import { Command } from '@nestjs/cqrs';
import type { NewsEvent } from '@annals/contracts';
import type { Provenance, RecordOutcome } from '../report-writer/record-outcome';

/** Record one validated news report in the event store. One per accepted Kafka message. */
export class RecordReportCommand extends Command<RecordOutcome> {
  constructor(
    readonly report: NewsEvent,
    readonly provenance: Provenance,
  ) {
    super();
  }
}
