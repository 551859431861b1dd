//! Pieces reused across pages.

pub mod activity;
pub mod answers;
pub mod attendance;
pub mod cadre_nav;
pub mod certificate;
pub mod chart;
pub mod deadline;
pub mod error;
pub mod field;
pub mod guard;
pub mod layout;
pub mod lazy;
pub mod not_found;
pub mod org_select;
pub mod pager;
pub mod permissions;
pub mod points_nav;
pub mod practice_nav;
pub mod report;
pub mod route;
pub mod scope_filter;
pub mod secret;
pub mod survey;
pub mod table;
pub mod transcript;
pub mod unread;
