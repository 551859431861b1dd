//! API integration tests: the real server on port 0 against its own PostgreSQL database, cloned
//! from a migrated template, so tests run in parallel.

mod activities;
mod attendance;
mod auth;
mod auth_audit;
mod authz;
mod backups;
mod cadres;
mod calendar;
mod certificates;
mod cluster;
mod contract;
mod guidance;
mod health;
mod helpers;
mod imports;
mod insight;
mod integrity;
mod matrix;
mod metrics;
mod openapi;
mod passes;
mod people;
mod points;
mod practice;
mod rules;
mod scale;
mod school;
mod surveys;
mod transcripts;
