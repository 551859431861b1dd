//! Pieces reused across pages.

pub mod deadline;
pub mod error;
pub mod layout;
