//! The infrastructure the rules use: storage for files, the durable queue, live events, cookie sessions and their
//! store, limits (login throttling), password hashing and the API's token material. Nothing here decides who may do
//! what; nothing here imports a rule.

pub mod cursor;
pub mod events;
pub mod idempotency;
pub mod limits;
pub mod password;
pub mod proxies;
pub mod queue;
pub mod reads;
pub mod session;
pub mod session_store;
pub mod shared_counts;
pub mod sql;
pub mod storage;
pub mod tokens;
pub mod transactions;
