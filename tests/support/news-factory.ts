import type { Message } from 'kafkajs';
import { ROLE_KINDS, type RejectionReason } from '@annals/contracts';

export { rng } from '@annals/testing';

export const COUNTRIES = ['US', 'FR', 'DK', 'GB', 'AU', 'BE', 'NL', 'CA', 'SA', 'AE', 'JO', 'QA', 'BH', 'DE', 'IT', 'TR', 'IQ', 'SY', 'RU', 'ES'];

export interface Report {
  id: string;
  type: string;
  occurredAt: string;
  source: { publisher: string; publishedAt?: string };
  data: Record<string, unknown>;
}

/** A valid membership report with random valid and knowledge times. */
export function randomReport(random: () => number, id: string, coalitions = 10): Report {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const day = (from: number, span: number) => new Date(Date.UTC(2014, 0, 1) + Math.floor((from + random() * span) * 86_400_000)).toISOString().slice(0, 10);
  const coalitionId = `coalition-${Math.floor(random() * coalitions)}`;
  const country = pick(COUNTRIES);
  const role = { kind: pick(ROLE_KINDS), ...(random() < 0.5 ? { theater: pick(['IQ', 'SY']) } : {}) };
  const type = pick(['coalition.member-joined', 'coalition.member-joined', 'coalition.member-left', 'coalition.role-started', 'coalition.role-ended']);
  const data =
    type === 'coalition.member-joined'
      ? { coalitionId, country, roles: random() < 0.7 ? [role] : [] }
      : type === 'coalition.member-left'
        ? { coalitionId, country }
        : { coalitionId, country, role };
  return { id, type, occurredAt: day(0, 700), source: { publisher: pick(['TASS', 'Reuters', 'AP', 'AFP']), ...(random() < 0.9 ? { publishedAt: day(365, 900) } : {}) }, data };
}

/** A report written out by hand in a test: one publisher ('Desk'), the times and data given. */
export const deskReport = (id: string, type: string, occurredAt: string, publishedAt: string, data: Record<string, unknown>): Report => ({
  id,
  type,
  occurredAt,
  source: { publisher: 'Desk', publishedAt },
  data,
});

export const message = (report: Report): Message => ({ key: String(report.data.coalitionId ?? report.data.country ?? report.type), value: JSON.stringify(report) });

/** Every way a message can be refused, with the reason the ingestor must give. */
export const MALFORMED: Array<{ reason: RejectionReason; make: (base: Report, n: number) => Message }> = [
  { reason: 'not-json', make: (b, n) => ({ key: key(b), value: `{"id": "broken-${n}", ` }) },
  { reason: 'not-utf8', make: (b) => ({ key: key(b), value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }) },
  { reason: 'not-an-object', make: (b, n) => ({ key: key(b), value: JSON.stringify([n, 'not', 'an', 'object']) }) },
  { reason: 'unknown-type', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `bad-type-${n}`, type: 'coalition.dissolved' }) }) },
  { reason: 'unsupported-version', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `v2-${n}`, schemaVersion: 2 }) }) },
  { reason: 'invalid-country', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `bad-country-${n}`, data: { ...b.data, country: 'XX' } }) }) },
  { reason: 'invalid-date', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `bad-date-${n}`, occurredAt: '2014-02-30' }) }) },
  { reason: 'contract-violation', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `no-publisher-${n}`, source: {} }) }) },
  { reason: 'payload-too-large', make: (b, n) => ({ key: key(b), value: JSON.stringify({ ...b, id: `huge-${n}`, source: { publisher: 'x'.repeat(1_100_000) } }) }) },
];

const key = (report: Report) => String(report.data.coalitionId ?? 'x');
