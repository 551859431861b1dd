//! Pieces reused across pages.

pub mod error;
pub mod layout;
