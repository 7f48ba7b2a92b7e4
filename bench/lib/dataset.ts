import { COUNTRY_CODES, ROLE_KINDS, validateNewsEvent, type NewsEvent, type NewsEventInput } from '@annals/contracts';
import type { PostgresEventStore } from '@annals/event-store';
import { ReportWriter } from '@annals/ingestion';
import { rng } from '@annals/testing';

export { rng };

/** The benchmark's world: 200 coalitions, 190 countries, reports over ten years of valid time. */
export const COALITIONS = Array.from({ length: 200 }, (_, i) => `coalition-${String(i).padStart(3, '0')}`);
export const COUNTRIES = [...COUNTRY_CODES].sort().slice(0, 190);
const START = Date.UTC(2010, 0, 1);
const DAY = 86_400_000;


/**
 * One report: 80% membership facts, 20% meetings, stances and territory reports naming a coalition.
 * Its publication day (its knowledge time) is drawn at random over eleven years, 0 to 400 days
 * after what it reports: reports arrive in no order of publication, as an archive's backfill
 * does, so most land before much of what is already known.
 * With `publishedDay` (days after 2010-01-01), it is published that day instead, about something
 * 0 to 400 days before: a live feed, whose reports come in the order they were published.
 */
export function benchReport(random: () => number, id: string, publishedDay?: number): NewsEventInput {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const [occurred, published] =
    publishedDay === undefined
      ? archiveDays(random)
      : [START + publishedDay * DAY - Math.floor(random() * 400) * DAY, START + publishedDay * DAY];
  const coalitionId = pick(COALITIONS);
  const country = pick(COUNTRIES);
  // another country than `country` (a meeting lists each once), drawn with one number as pick draws
  const otherCountry = (than: string) => COUNTRIES[(COUNTRIES.indexOf(than) + 1 + Math.floor(random() * (COUNTRIES.length - 1))) % COUNTRIES.length]!;
  const role = { kind: pick(ROLE_KINDS), ...(random() < 0.5 ? { theater: pick(['IQ', 'SY', 'LY']) } : {}) };
  const envelope = {
    id,
    occurredAt: new Date(occurred).toISOString().slice(0, 10),
    source: { publisher: pick(['TASS', 'Reuters', 'AP', 'AFP', 'BBC']), publishedAt: new Date(published).toISOString().slice(0, 10) },
  };
  const r = random();
  if (r < 0.35) return { ...envelope, type: 'coalition.member-joined', data: { coalitionId, country, roles: [role] } };
  if (r < 0.45) return { ...envelope, type: 'coalition.member-left', data: { coalitionId, country } };
  if (r < 0.65) return { ...envelope, type: 'coalition.role-started', data: { coalitionId, country, role } };
  if (r < 0.8) return { ...envelope, type: 'coalition.role-ended', data: { coalitionId, country, role } };
  if (r < 0.87) return { ...envelope, type: 'stance.declared', data: { country, subject: 'the campaign', stance: pick(['supports', 'opposes', 'condemns', 'neutral'] as const), coalitionId } };
  if (r < 0.94) return { ...envelope, type: 'diplomacy.meeting', data: { participants: [country, otherCountry(country)], topics: ['the campaign'], coalitionId } };
  return { ...envelope, type: 'territory.control-reported', data: { actor: 'ISIS', country, share: Math.round(random() * 100) / 100, coalitionId } };
}

/** An archive's report: what it reports on a day of ten years, published 0 to 400 days later (two draws, in that order). */
function archiveDays(random: () => number): [occurred: number, published: number] {
  const occurred = START + Math.floor(random() * 3650) * DAY;
  return [occurred, occurred + Math.floor(random() * 400) * DAY];
}

/**
 * The publication day of a live feed's `n`th report: 25 reports a day from 2011-02-05 on, so
 * that the 90,000 reports of a burst run span ten years of publication, as the archive's do,
 * and what they report never precedes 2010.
 */
export const liveDay = (n: number) => 400 + Math.floor(n / 25);

export function parsed(input: NewsEventInput): NewsEvent {
  const result = validateNewsEvent(input);
  if (!result.ok) throw new Error(`bench dataset produced an invalid report: ${result.rejection.detail}`);
  return result.event;
}

/** Stores `count` reports through the ingestor's own write path (domain decision, grouped appends). */
export async function storeReports(store: PostgresEventStore, count: number, seed: number, prefix: string, onProgress?: (done: number) => void): Promise<void> {
  const writer = new ReportWriter(store, { maxEventsPerAppend: 1000 });
  const random = rng(seed);
  const chunk = 5000;
  for (let done = 0; done < count; done += chunk) {
    const reports = Array.from({ length: Math.min(chunk, count - done) }, (_, i) => parsed(benchReport(random, `${prefix}-${done + i}`)));
    await Promise.all(reports.map((r, i) => writer.record(r, { topic: 'bench', partition: 0, offset: String(done + i) })));
    onProgress?.(done + reports.length);
  }
}
