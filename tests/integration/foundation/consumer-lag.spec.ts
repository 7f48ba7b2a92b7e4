import type { Admin } from 'kafkajs';
import { consumerLag } from '@annals/kafka';
import { produce, testKafka, uniqueName } from '@annals/testing';

/**
 * consumerLag reads the group's offsets and the topic's end offsets in two requests; messages
 * published and committed between them must not make the lag negative (the API's lag gauge and
 * the benchmark's plot read it while the ingestor works).
 */
describe('foundation: a consumer group\'s lag read while messages arrive and are committed', () => {
  let admin: Admin;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('is never negative when the group commits past the end offsets read a moment before', async () => {
    const topic = uniqueName('lag');
    const group = uniqueName('lag-group');
    await produce(topic, Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })));
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '10' }] });
    expect(await consumerLag(admin, group, topic)).toBe(0);

    // Between consumerLag's two requests, 5 more messages arrive and a consumer keeping up
    // commits them: the first request of the two answers, then the world moves on.
    let moved = false;
    const racing = new Proxy(admin, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if ((property !== 'fetchOffsets' && property !== 'fetchTopicOffsets') || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const answer = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!moved) {
            moved = true;
            await produce(topic, Array.from({ length: 5 }, (_, i) => ({ value: `n${i}` })));
            await target.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '15' }] });
          }
          return answer;
        };
      },
    });
    const lag = await consumerLag(racing, group, topic);
    expect(moved).toBe(true);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(await consumerLag(admin, group, topic)).toBe(0);
  });
});
