//! One module per screen.

pub mod account;
pub mod attendance;
pub mod audit;
pub mod calendar;
pub mod checkin;
pub mod checkin_screen;
pub mod home;
pub mod login;
pub mod not_found;
pub mod org;
pub mod org_accounts;
pub mod overdue;
pub mod people;
pub mod people_import;
pub mod requests;
pub mod results;
pub mod status;
