/**
 * Statements queued on one pipelined connection (createPgPool) and not yet awaited. Each one's
 * failure is held (so that none is an unhandled rejection while an earlier one is awaited) and
 * the first is rethrown by finish(), once every one has ended (on an error, the transaction's
 * rollback follows, and must not race a statement still in flight).
 */
export class StatementsInFlight {
  private readonly all: Array<Promise<unknown>> = [];

  add<T>(statement: Promise<T>): Promise<T> {
    this.all.push(statement);
    statement.catch(() => undefined);
    return statement;
  }

  /**
   * Waits until every statement has ended, then throws the failure of the first one queued that
   * failed: the connection runs them in order, so that is the cause, and later ones only echo it.
   */
  async finish(): Promise<void> {
    const results = await Promise.allSettled(this.all);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
