//! One module per screen.

pub mod calendar;
pub mod home;
pub mod not_found;
pub mod status;
