/**
 * `promise`, or a rejection naming `what` once `ms` have passed: for the api's probes and
 * scrapes of PostgreSQL and Kafka, which must answer "down" in time for the prober (a load
 * balancer, Prometheus' 10 s scrape timeout) rather than after a client's own retries. The
 * promise itself goes on; its caller cleans up after it.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
