//! What every role's screens share: form parts, the header and section tabs, live updates, the analytics charts,
//! and the loading, error, paging and role-gate parts.

pub mod analytics;
pub mod charts;
pub mod components;
pub mod layout;
pub mod live;
pub mod status;
