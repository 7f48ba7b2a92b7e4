import { KafkaJSError, type Admin } from 'kafkajs';

export interface ListTopicsOptions {
  /** Tries in all; 1 looks once (the api's /metrics, which must not hold a scrape). */
  attempts?: number;
  /** The wait before the second try, doubled before each next one (at most 5 s). */
  firstDelayMs?: number;
}

/**
 * The names of the cluster's topics (`admin.listTopics()`), asked again while no broker answers.
 *
 * When every broker's metadata request fails, kafkajs 2.2.4 does not say so: its broker pool
 * swallows each broker's error and hands back null (cluster/brokerPool.js, withBroker), and
 * listTopics then throws a TypeError ("Cannot destructure property 'topicMetadata' of ... as it
 * is null"). Seen in the chaos suite when topics were listed just after the only broker came back
 * from 40 s frozen: a moment's trouble, failed for good, in words that name nothing. It is tried
 * again here (about 9 s in all by default, as kafkajs retries its own requests), and then fails
 * as a KafkaJSError that says what happened, which the apps' start reports as Kafka's
 * (serverError). Any other error is kafkajs' own, already retried by it: thrown as it is.
 */
export async function listTopics(admin: Admin, options: ListTopicsOptions = {}): Promise<string[]> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.listTopics();
    } catch (error) {
      if (!noBrokerAnswered(error)) throw error;
      if (attempt >= attempts) {
        throw new KafkaJSError(`no broker answered a request for the cluster's metadata (listing its topics), ${attempts === 1 ? 'asked once' : `asked ${attempts} times`}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, (options.firstDelayMs ?? 300) * 2 ** (attempt - 1))));
    }
  }
}

/** kafkajs' TypeError when its metadata request got no answer from any broker (see listTopics). */
const noBrokerAnswered = (error: unknown): boolean => error instanceof TypeError && error.message.includes("'topicMetadata'");
