/**
 * The API in front of the backend: a REST API (default) or an HTTP API built from the route table,
 * every route behind the authorizer, with access logs and throttling; and the bundled sample backend,
 * which answers every configured route.
 */
export * from './api-gateway';
export * from './http-api';
export * from './rest-api';
export * from './sample-backend';
export * from './sample-backend-bundle';
