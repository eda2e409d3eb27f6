//! The serverless chat: a pure domain ([`domain`]), storage ([`store`]) and notification
//! ([`notify`]) behind small traits, the use cases ([`service`]), the wire contract ([`wire`]),
//! and the Lambda entry points ([`lambda`]) that the thin function binaries run.

pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod lambda;
pub mod net;
pub mod notify;
pub mod sdk;
pub mod service;
pub mod settings;
pub mod store;
pub mod wire;

pub use error::ChatError;
pub use service::{Chat, Settings};
