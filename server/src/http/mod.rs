//! The HTTP side of the server, one file per resource: the REST API v1 (`api` with `auth`, `jobs`, `work`,
//! `notifications`, its rate `limits` and `openapi` document), the dashboard's file transfers (`files`), CSV
//! `exports`, the live `events` stream, `Idempotency-Key` on the API's writes (`idempotency`), request time limits (`timeout`), operations (`ops`: health, readiness, metrics) and the request guards
//! (`security`), and requests that finish their work even when the client leaves (`detach`). Every route answers errors through the one adapter in `error`, and finds who is asking through
//! `extract`. Handlers are thin: extract, one domain call, map the error.

pub mod api;
pub mod assets;
pub mod auth;
pub mod detach;
pub mod error;
pub mod events;
pub mod exports;
pub mod extract;
pub mod files;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod manage;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod resumes;
pub mod security;
pub mod timeout;
pub mod work;
