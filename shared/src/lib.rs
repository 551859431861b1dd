//! What the API server and the web app must agree on: request and response types, error codes,
//! and (as they land) the pure domain rules. No I/O, no Diesel, no actix: this crate compiles to
//! WASM so the browser computes exactly what the server will.

pub mod activity;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod cadre;
pub mod calendar;
pub mod certificate;
pub mod checkin;
pub mod error;
pub mod guidance;
pub mod health;
pub mod insight;
pub mod integrity;
pub mod notification;
pub mod organization;
pub mod page;
pub mod pass;
pub mod people;
pub mod points;
pub mod practice;
pub mod rules;
pub mod school;
pub mod survey;
pub mod transcript;

pub use error::{ApiError, ErrorCode};
pub use page::{Page, PageParams};
