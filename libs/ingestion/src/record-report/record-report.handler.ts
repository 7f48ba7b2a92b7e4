import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { ReportWriter } from '../report-writer/report-writer';
import type { RecordOutcome } from '../report-writer/record-outcome';
import { RecordReportCommand } from './record-report.command';

/** Hands the command to the domain through the ReportWriter (decide, then append). */
@CommandHandler(RecordReportCommand)
export class RecordReportHandler implements ICommandHandler<RecordReportCommand> {
  constructor(private readonly writer: ReportWriter) {}

  execute(command: RecordReportCommand): Promise<RecordOutcome> {
    return this.writer.record(command.report, command.provenance);
  }
}
