import { readTopicToEnd } from '@annals/kafka';
import { produce, testKafka, uniqueName } from '@annals/testing';

/**
 * readTopicToEnd reads a topic for the dlq commands; `dlq redrive` sends what it reads from
 * inside the read. A failure there (Kafka refusing a send) must end the read with that error:
 * thrown into kafkajs, it would be retried and the consumer restarted without end.
 */
describe('foundation: reading a topic to its end', () => {
  it('hands every message over, in order, and ends', async () => {
    const topic = uniqueName('read');
    await produce(topic, Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })));
    const read: string[] = [];
    await readTopicToEnd(testKafka(), topic, async (_, message) => {
      read.push(String(message.value));
    });
    expect(read).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it("ends with the caller's error when handing a message over fails, having handed over none after it", async () => {
    const topic = uniqueName('read-fail');
    await produce(topic, Array.from({ length: 5 }, (_, i) => ({ value: `m${i}` })));
    const read: string[] = [];
    const failure = new Error('the send of m2 was refused');
    const reading = readTopicToEnd(testKafka(), topic, async (_, message) => {
      if (String(message.value) === 'm2') throw failure;
      read.push(String(message.value));
    });
    // (before, the read went on for ever: kafkajs retried the message and restarted the consumer)
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise((resolve) => (timer = setTimeout(() => resolve('still reading after 30 s'), 30_000)));
    await expect(Promise.race([reading, stuck]).finally(() => clearTimeout(timer))).rejects.toBe(failure);
    expect(read).toEqual(['m0', 'm1']);
  });
});
