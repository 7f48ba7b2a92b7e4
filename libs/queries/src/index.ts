export * from './bad-parameter.error';
export * from './not-found.error';
export * from './coalition-queries';
