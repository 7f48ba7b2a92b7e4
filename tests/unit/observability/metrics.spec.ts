import { AnnalsMetrics } from '@annals/observability';

const annalsNames = async (metrics: AnnalsMetrics) => (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => name.startsWith('annals_'));

describe('observability: each app exports its own figures', () => {
  it('no Annals metric is exported by two apps, and every one by some app', async () => {
    const byApp = await Promise.all(['ingestor', 'projector', 'api'].map(async (app) => [app, await annalsNames(new AnnalsMetrics(app))] as const));
    const all = byApp.flatMap(([, names]) => names);
    expect(new Set(all).size).toBe(all.length);
    // every metric the class defines (a field with a name) is exported somewhere: a new one left out of OWNER would be exported by every app
    const defined = Object.values(new AnnalsMetrics('none')).flatMap((field) => {
      const name = (field as { name?: unknown }).name;
      return typeof name === 'string' && name.startsWith('annals_') ? [name] : [];
    });
    expect(defined.length).toBeGreaterThan(10);
    expect([...all].sort()).toEqual([...defined].sort());
  });

  it('the ingestor counts messages, the projector its batches, the api the cluster and its requests', async () => {
    const names = async (app: string) => annalsNames(new AnnalsMetrics(app));
    expect(await names('ingestor')).toEqual(expect.arrayContaining(['annals_messages_ingested_total', 'annals_ingest_batch_seconds']));
    expect(await names('projector')).toEqual(expect.arrayContaining(['annals_projection_events_applied_total', 'annals_projection_batch_failures_total', 'annals_projection_batch_seconds', 'annals_projection_cache_values', 'annals_projection_cache_lookups_total']));
    expect(await names('api')).toEqual(expect.arrayContaining(['annals_projection_lag_events', 'annals_ingest_lag_messages', 'annals_source_up', 'annals_http_request_seconds']));
    expect(await names('api')).not.toContain('annals_messages_ingested_total');
  });
});
