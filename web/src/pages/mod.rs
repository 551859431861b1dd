//! One module per screen.

pub mod account;
pub mod audit;
pub mod calendar;
pub mod home;
pub mod login;
pub mod not_found;
pub mod org;
pub mod org_accounts;
pub mod people;
pub mod people_import;
pub mod status;
