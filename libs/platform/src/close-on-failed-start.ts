/**
 * Runs an app's last start step (listen, init) and, when it fails, closes the app before the
 * error goes on. By then earlier steps have opened things: the ingestor's consumer may already be
 * fetching, the projector's runner polling, the api's Kafka and PostgreSQL clients connected. A
 * process that exits on the error (runApp) does not care; a caller that goes on (a test starting
 * a second deployment, a supervisor in the same process) was left with a half-started app
 * working behind its back (CI, 2026-12-02: an api whose port was taken left its deployment's
 * ingestor and projector running, and jest never exited). An error while closing is not the
 * reason the start failed, so the start's own error is the one thrown.
 */
export async function closeOnFailedStart<T extends { close(): Promise<void> }>(app: T, start: () => Promise<unknown>): Promise<T> {
  try {
    await start();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
