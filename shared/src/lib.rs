//! The serverless chat: a pure domain ([`domain`]), storage ([`store`]) and notification
//! ([`notify`]) behind small traits, and the use cases ([`chat`]), one file each. The edges
//! (wire JSON, tokens, Lambda handlers) live in the `chat-edge` crate.

pub mod chat;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod files;
pub mod notify;
pub mod origin;
pub mod principal;
pub mod sdk;
pub mod settings;
pub mod store;

pub use chat::{Chat, Settings};
pub use error::ChatError;
