import { KafkaJSError, type Admin, type ITopicMetadata } from 'kafkajs';

export interface MetadataOptions {
  /** Tries in all; 1 looks once (the api's /metrics, which must not hold a scrape). */
  attempts?: number;
  /** The wait before the second try, doubled before each next one (at most 5 s). */
  firstDelayMs?: number;
}

/**
 * The cluster's metadata, asked again while no broker answers.
 *
 * When every broker's metadata request fails, kafkajs 2.2.4 does not say so: its broker pool
 * swallows each broker's error and hands back null (cluster/brokerPool.js, withBroker), and its
 * admin then throws a TypeError from reading that null: listTopics "Cannot destructure property
 * 'topicMetadata' of ... as it is null", fetchTopicMetadata "Cannot read properties of null
 * (reading 'topicMetadata')". Seen in the chaos suite just after the only broker came back from
 * 40 s frozen, listing topics and, in a producer, looking up a topic's partitions: a moment's
 * trouble, failed for good, in words that name nothing. Each is tried again here (about 9 s in
 * all by default, as kafkajs retries its own requests), and then fails as a KafkaJSError that
 * says what happened, which the apps report as Kafka's (serverError). Any other error is
 * kafkajs' own, already retried by it: thrown as it is.
 */
async function whileNoBrokerAnswers<T>(what: string, ask: () => Promise<T>, options: MetadataOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ask();
    } catch (error) {
      if (!noBrokerAnswered(error)) throw error;
      if (attempt >= attempts) {
        throw new KafkaJSError(`no broker answered a request for the cluster's metadata (${what}), ${attempts === 1 ? 'asked once' : `asked ${attempts} times`}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, (options.firstDelayMs ?? 300) * 2 ** (attempt - 1))));
    }
  }
}

/** The names of the cluster's topics (`admin.listTopics()`). */
export function listTopics(admin: Admin, options: MetadataOptions = {}): Promise<string[]> {
  return whileNoBrokerAnswers('listing its topics', () => admin.listTopics(), options);
}

/** The metadata of these topics, their partitions and leaders (`admin.fetchTopicMetadata`). */
export function fetchTopicMetadata(admin: Admin, topics: string[], options: MetadataOptions = {}): Promise<{ topics: ITopicMetadata[] }> {
  return whileNoBrokerAnswers(`the partitions of ${topics.join(', ')}`, () => admin.fetchTopicMetadata({ topics }), options);
}

/** kafkajs' TypeError when its metadata request got no answer from any broker (see above). */
const noBrokerAnswered = (error: unknown): boolean => error instanceof TypeError && error.message.includes("'topicMetadata'");
