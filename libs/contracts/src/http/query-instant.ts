import { instantText } from '../news-event/instant';

/**
 * A time in a query: YYYY-MM-DD or RFC 3339 with an offset. A date alone means the END of
 * that day (23:59:59.999Z) -- "as of 2014-10-01" includes everything of that day -- except
 * where a range starts (`from` of a timeline), where it means its start.
 */
function queryInstant(dateMeans: 'end-of-day' | 'start-of-day', description: string, latest?: () => number) {
  return instantText(({ iso, dateOnly }) => {
    const instant = new Date(iso);
    const time = dateOnly && dateMeans === 'end-of-day' ? instant.getTime() + 86_400_000 - 1 : instant.getTime();
    return new Date(latest ? Math.min(time, latest()) : time);
  })
    .optional()
    .meta({ description, examples: ['2014-10-01', '2014-10-01T12:00:00Z'] });
}

export const atParam = () => queryInstant('end-of-day', 'Valid time: the state in the world at this time. A date alone means its end (23:59:59.999Z). Default: now.');
/**
 * Knowledge time is at most now: what will be published later is not known yet. A report whose
 * publishedAt lies ahead (sent under embargo) was in the answer to a question "as known" at a
 * later time, asked before it was published.
 */
export const knownAtParam = () =>
  queryInstant(
    'end-of-day',
    'Knowledge time: only reports published (or recorded) by then count. A date alone means its end. Default, and at most: now (a later time means now; the answer says which it used).',
    Date.now,
  );
export const fromParam = (what: string) => queryInstant('start-of-day', `${what} A date alone means its start.`);
export const toParam = (what: string) => queryInstant('end-of-day', `${what} A date alone means its end.`);
