// Real servers: a consumer group's first join alone can take seconds.
jest.setTimeout(180_000);
