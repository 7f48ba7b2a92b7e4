export * from './news-event/instant';
export * from './news-event/primitives';
export * from './news-event/news-event.v1';
export * from './news-event/rejection';
export * from './news-event/parse-news-event';
export * from './news-event/json-schema';
export * from './http/query-instant';
export * as httpApi from './http/api-schemas';
export * from './http/openapi';
