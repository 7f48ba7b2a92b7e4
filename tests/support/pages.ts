/** A page of a paged answer (a timeline, a history, a member's sources): its `next` is the following page's `after`, null on the last. */
export interface PageOf {
  next: string | null;
}

/**
 * Every page from the first, following `next`: `get` fetches the page after a `next` (the
 * first page: none) and must answer 200.
 */
export async function followPages<P extends PageOf>(get: (after: string | undefined) => Promise<{ status: number; body: P }>): Promise<P[]> {
  const pages: P[] = [];
  for (let after: string | undefined; ; ) {
    const { status, body } = await get(after);
    expect(status).toBe(200);
    pages.push(body);
    if (body.next === null) return pages;
    after = body.next;
  }
}

/** Every page of `query`, `limit` at a time: `page` fetches a query string's page. */
export function pagesOf<P extends PageOf>(page: (query: string) => Promise<{ status: number; body: P }>, query: string, limit: number): Promise<P[]> {
  return followPages((after) => page(`${query}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`));
}
