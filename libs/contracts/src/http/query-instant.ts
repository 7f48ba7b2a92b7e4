import { instantText } from '../news-event/instant';

/**
 * A time in a query: YYYY-MM-DD or RFC 3339 with an offset. A date alone means the END of
 * that day (23:59:59.999Z) -- "as of 2014-10-01" includes everything of that day -- except
 * where a range starts (`from` of a timeline), where it means its start.
 */
function queryInstant(dateMeans: 'end-of-day' | 'start-of-day', description: string) {
  return instantText(({ iso, dateOnly }) => {
    const instant = new Date(iso);
    return dateOnly && dateMeans === 'end-of-day' ? new Date(instant.getTime() + 86_400_000 - 1) : instant;
  })
    .optional()
    .meta({ description, examples: ['2014-10-01', '2014-10-01T12:00:00Z'] });
}

export const atParam = () => queryInstant('end-of-day', 'Valid time: the state in the world at this time. A date alone means its end (23:59:59.999Z). Default: now.');
export const knownAtParam = () =>
  queryInstant('end-of-day', 'Knowledge time: only reports published (or recorded) by then count. A date alone means its end. Default: now.');
export const fromParam = (what: string) => queryInstant('start-of-day', `${what} A date alone means its start.`);
export const toParam = (what: string) => queryInstant('end-of-day', `${what} A date alone means its end.`);
