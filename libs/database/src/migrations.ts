import { EventStore1764300000000 } from '@annals/event-store/schema/1764300000000-event-store';
import { AppendIndexProbes1764300002000 } from '@annals/event-store/schema/1764300002000-append-index-probes';
import { AppendMany1764300003000 } from '@annals/event-store/schema/1764300003000-append-many';
import { AppendFastPath1764300005000 } from '@annals/event-store/schema/1764300005000-append-fast-path';
import { AppendManySetBased1764300006000 } from '@annals/event-store/schema/1764300006000-append-many-set-based';
import { StreamIdCheck1764300008000 } from '@annals/event-store/schema/1764300008000-stream-id-check';
import { CanonicalBytesPrintedOnce1764300009000 } from '@annals/event-store/schema/1764300009000-canonical-bytes-printed-once';
import { ReadModel1764300001000 } from '@annals/projections/schema/1764300001000-read-model';
import { FormedIndex1764300004000 } from '@annals/projections/schema/1764300004000-formed-index';
import { MembershipCoalitionHash1764300007000 } from '@annals/projections/schema/1764300007000-membership-coalition-hash';
import { PayloadStatistics1764300010000 } from '@annals/projections/schema/1764300010000-payload-statistics';
import { CoarseStatisticsRefresh1764300016000 } from '@annals/projections/schema/1764300016000-coarse-statistics-refresh';
import { RulesAsDomains1764300012000 } from '@annals/event-store/schema/1764300012000-rules-as-domains';
import { AppendOne1764300013000 } from '@annals/event-store/schema/1764300013000-append-one';
import { AppendChainLoop1764300014000 } from '@annals/event-store/schema/1764300014000-append-chain-loop';
import { AppendManyChainLoop1764300015000 } from '@annals/event-store/schema/1764300015000-append-many-chain-loop';
import { EventPayloadStatistics1764300017000 } from '@annals/event-store/schema/1764300017000-event-payload-statistics';
import { StreamWriteLock1764300018000 } from '@annals/event-store/schema/1764300018000-stream-write-lock';
import { PartitionLocksFirst1764300019000 } from '@annals/projections/schema/1764300019000-partition-locks-first';
import { FactsPairCovering1764300020000 } from '@annals/projections/schema/1764300020000-facts-pair-covering';
import { SkippedEvents1764300021000 } from '@annals/projections/schema/1764300021000-skipped-events';
import { LogAnchor1764300022000 } from '@annals/event-store/schema/1764300022000-log-anchor';
import { AppendNewKeysFirst1764300024000 } from '@annals/event-store/schema/1764300024000-append-new-keys-first';
import { StreamRowWithItsHead1764300025000 } from '@annals/event-store/schema/1764300025000-stream-row-with-its-head';
import { AppendAnswerInOneRow1764300026000 } from '@annals/event-store/schema/1764300026000-append-answer-in-one-row';
import { LogKeepsJsonAsSent1764300027000 } from '@annals/event-store/schema/1764300027000-log-keeps-json-as-sent';
import { MembershipCountryBySkipScan1764300023000 } from '@annals/projections/schema/1764300023000-membership-country-by-skip-scan';
import { FactsPairCarriesSource1764300028000 } from '@annals/projections/schema/1764300028000-facts-pair-carries-source';

/**
 * The schema's history, oldest first. Each lib owns the migrations of its tables;
 * this list is the one place that orders them.
 */
export const migrations = [EventStore1764300000000, ReadModel1764300001000, AppendIndexProbes1764300002000, AppendMany1764300003000, FormedIndex1764300004000, AppendFastPath1764300005000, AppendManySetBased1764300006000, MembershipCoalitionHash1764300007000, StreamIdCheck1764300008000, CanonicalBytesPrintedOnce1764300009000, PayloadStatistics1764300010000, RulesAsDomains1764300012000, AppendOne1764300013000, AppendChainLoop1764300014000, AppendManyChainLoop1764300015000, CoarseStatisticsRefresh1764300016000, EventPayloadStatistics1764300017000, StreamWriteLock1764300018000, PartitionLocksFirst1764300019000, FactsPairCovering1764300020000, SkippedEvents1764300021000, LogAnchor1764300022000, MembershipCountryBySkipScan1764300023000, AppendNewKeysFirst1764300024000, StreamRowWithItsHead1764300025000, AppendAnswerInOneRow1764300026000, LogKeepsJsonAsSent1764300027000, FactsPairCarriesSource1764300028000];
