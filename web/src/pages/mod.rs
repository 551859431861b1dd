//! One module per screen.

pub mod account;
pub mod activities;
pub mod activity;
pub mod activity_edit;
pub mod attendance;
pub mod audit;
pub mod calendar;
pub mod checkin;
pub mod checkin_screen;
pub mod home;
pub mod login;
pub mod manage_activities;
pub mod my_activities;
pub mod not_found;
pub mod notifications;
pub mod org;
pub mod org_accounts;
pub mod overdue;
pub mod people;
pub mod people_import;
pub mod registrations;
pub mod requests;
pub mod results;
pub mod reviews;
pub mod rules;
pub mod status;
