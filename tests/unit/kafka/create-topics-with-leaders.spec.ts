import type { Admin, ITopicMetadata } from 'kafkajs';
import { createTopicsWithLeaders } from '@annals/kafka';

/**
 * createTopicsWithLeaders waits until the new topic's partitions have leaders. A moment when no
 * broker answers its metadata request (kafkajs 2.2.4 then reads a null answer and throws a
 * TypeError) is waited through too: the real broker's side is tests/integration/foundation.
 */
describe('createTopicsWithLeaders while no broker answers for a moment', () => {
  it('asks again and resolves once the partitions have leaders', async () => {
    const led: ITopicMetadata = { name: 'news', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }] };
    let asked = 0;
    const admin = {
      createTopics: async () => true,
      fetchTopicMetadata: async () => {
        // kafkajs' admin when every broker's metadata request failed: it reads the null it got back
        const metadata = (asked++ === 0 ? null : { topicMetadata: [led] }) as { topicMetadata: ITopicMetadata[] };
        return { topics: metadata.topicMetadata };
      },
    } as unknown as Admin;
    await expect(createTopicsWithLeaders(admin, [{ topic: 'news', numPartitions: 1 }])).resolves.toBeUndefined();
    expect(asked).toBe(2);
  });
});
