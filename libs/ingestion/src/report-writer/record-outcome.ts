import type { Rejection } from '@annals/contracts';

/** What became of one report handed to the ReportWriter. */
export type RecordOutcome =
  | { status: 'stored'; position: number; streamId: string; streamVersion: number }
  /** A redelivery: nothing written. The original's position when the store was asked. */
  | { status: 'duplicate'; streamId: string; position?: number }
  | { status: 'rejected'; rejection: Rejection };

/** Where a report came from: its Kafka message. */
export interface Provenance {
  topic: string;
  partition: number;
  offset: string;
  correlationId?: string;
}
