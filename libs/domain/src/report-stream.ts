import type { NewsEvent } from '@annals/contracts';

/**
 * Which stream a report is recorded in. A coalition's stream holds every report that
 * names it; stances and territory reports belong to the country they are about;
 * meetings (many participants, no single subject) to the year's diplomacy stream;
 * retractions to one stream of their own, because the report they withdraw may not
 * have arrived yet.
 */
export function streamIdFor(event: NewsEvent): string {
  switch (event.type) {
    case 'coalition.formed':
    case 'coalition.proposed':
    case 'coalition.member-joined':
    case 'coalition.member-left':
    case 'coalition.role-started':
    case 'coalition.role-ended':
      return `coalition:${event.data.coalitionId}`;
    case 'stance.declared':
    case 'territory.control-reported':
      return `country:${event.data.country}`;
    case 'diplomacy.meeting':
      return `diplomacy:${event.occurredAt.slice(0, 4)}`;
    case 'report.retracted':
      return 'retractions';
  }
}

export function streamTypeOf(streamId: string): string {
  return streamId.split(':')[0]!;
}
