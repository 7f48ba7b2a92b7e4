export * from './not-found.error';
export * from './coalition-queries';
