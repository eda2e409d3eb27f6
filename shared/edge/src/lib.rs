//! The chat's edges: the wire contract ([`wire`]: client frames parsed, server frames
//! rendered), token verification ([`auth`]), the authorizer context ([`context`]), the HTTP
//! route table ([`routes`]) and the Lambda handlers ([`lambda`], over `aws_lambda_events`
//! types) that the thin function binaries run and chat-local calls in-process. The domain and
//! use cases live in `chat-shared`, which knows nothing of Lambda, JSON frames or tokens.

pub mod auth;
pub mod context;
pub mod events;
pub mod files;
pub mod lambda;
pub mod net;
pub mod routes;
pub mod webhook;
pub mod wire;
