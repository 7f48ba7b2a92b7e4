/**
 * Runs an app's last start step (listen, init) and, when it fails, closes the app before the
 * error goes on. By then earlier steps have opened things: the ingestor's and the api's Kafka
 * and PostgreSQL clients are connected. A process that exits on the error (runApp) does not care;
 * a caller that goes on (a test starting a second deployment, a supervisor in the same process)
 * was left with them open, and a process that never exits. An error while closing is not the
 * reason the start failed, so the start's own error is the one thrown.
 * (The projector's start steps come after NestFactory.createApplicationContext, which
 * initializes the app itself and, when that fails, never hands it back to be closed: the only
 * hook on its path sets its readiness check, which cannot fail.)
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
