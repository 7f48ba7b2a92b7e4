export * from './ndjson-lines';
export * from './partition-key';
export * from './news-publisher';
export * from './publish-ndjson';
