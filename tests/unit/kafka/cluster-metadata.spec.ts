import { KafkaJSConnectionError, type Admin, type ITopicMetadata } from 'kafkajs';
import { fetchTopicMetadata, listTopics } from '@annals/kafka';
import { serverError } from '@annals/platform';

/**
 * kafkajs' listTopics when no broker answered its metadata request: its broker pool hands back
 * null and listTopics destructures it (kafkajs/src/admin/index.js), as this does.
 */
async function kafkajsWithoutAnswer(): Promise<string[]> {
  const { topicMetadata } = (await Promise.resolve(null)) as unknown as { topicMetadata: Array<{ name: string }> };
  return topicMetadata.map((t) => t.name);
}

/** An admin whose `method` answers as `answers` say, in turn (the last one from then on). */
function adminAnswering<T>(method: 'listTopics' | 'fetchTopicMetadata', ...answers: Array<() => Promise<T>>): Admin & { calls: number } {
  const admin = {
    calls: 0,
    [method]: () => answers[Math.min(admin.calls++, answers.length - 1)]!(),
  };
  return admin as unknown as Admin & { calls: number };
}

describe('listTopics: the topics, asked again while no broker answers', () => {
  it('returns the topics once a broker answers again', async () => {
    const admin = adminAnswering('listTopics', kafkajsWithoutAnswer, kafkajsWithoutAnswer, async () => ['news', 'news.dlq']);
    await expect(listTopics(admin, { firstDelayMs: 1 })).resolves.toEqual(['news', 'news.dlq']);
    expect(admin.calls).toBe(3);
  });

  it('fails, after its tries, with an error that says no broker answered, reported as Kafka\'s', async () => {
    const admin = adminAnswering('listTopics', kafkajsWithoutAnswer);
    const error = await listTopics(admin, { attempts: 4, firstDelayMs: 1 }).catch((e: unknown) => e);
    expect(admin.calls).toBe(4);
    expect(serverError(error)).toMatch(/^Kafka: no broker answered a request for the cluster's metadata \(listing its topics\), asked 4 times$/);
  });

  it('looks once when asked to', async () => {
    const admin = adminAnswering('listTopics', kafkajsWithoutAnswer, async () => ['news']);
    await expect(listTopics(admin, { attempts: 1 })).rejects.toThrow(/no broker answered .*asked once/);
    expect(admin.calls).toBe(1);
  });

  it("throws kafkajs' own errors as they are, at once (kafkajs retried them already)", async () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const admin = adminAnswering('listTopics', () => Promise.reject(refused), async () => ['news']);
    await expect(listTopics(admin, { firstDelayMs: 1 })).rejects.toBe(refused);
    expect(admin.calls).toBe(1);
  });
});

/**
 * kafkajs' fetchTopicMetadata when no broker answered: it reads `topicMetadata` of the null its
 * broker pool handed back (kafkajs/src/admin/index.js), as this does.
 */
async function kafkajsFetchWithoutAnswer(): Promise<{ topics: ITopicMetadata[] }> {
  const metadata = (await Promise.resolve(null)) as unknown as { topicMetadata: ITopicMetadata[] };
  return { topics: metadata.topicMetadata };
}

const NEWS: ITopicMetadata = { name: 'news', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] };

describe("fetchTopicMetadata: a topic's partitions, asked again while no broker answers", () => {
  it('returns the metadata once a broker answers again', async () => {
    const admin = adminAnswering('fetchTopicMetadata', kafkajsFetchWithoutAnswer, kafkajsFetchWithoutAnswer, async () => ({ topics: [NEWS] }));
    await expect(fetchTopicMetadata(admin, ['news'], { firstDelayMs: 1 })).resolves.toEqual({ topics: [NEWS] });
    expect(admin.calls).toBe(3);
  });

  it('fails, after its tries, with an error that names the topic and says no broker answered', async () => {
    const admin = adminAnswering('fetchTopicMetadata', kafkajsFetchWithoutAnswer);
    const error = await fetchTopicMetadata(admin, ['news'], { attempts: 3, firstDelayMs: 1 }).catch((e: unknown) => e);
    expect(admin.calls).toBe(3);
    expect(serverError(error)).toMatch(/^Kafka: no broker answered a request for the cluster's metadata \(the partitions of news\), asked 3 times$/);
  });

  it("throws kafkajs' own errors as they are, at once", async () => {
    const unknown = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const admin = adminAnswering('fetchTopicMetadata', () => Promise.reject(unknown), async () => ({ topics: [NEWS] }));
    await expect(fetchTopicMetadata(admin, ['news'], { firstDelayMs: 1 })).rejects.toBe(unknown);
    expect(admin.calls).toBe(1);
  });
});
