//! `grant`: PostgreSQL and Redshift roles, memberships and privileges as code.
//!
//! Data flow: [`config`] (raw YAML types, or a grant-rs file translated by
//! [`grantrs`]) → [`validate`] → [`model::Desired`]; [`read`] reads the
//! [`live::Live`] state (PostgreSQL through [`live`], Redshift through
//! [`redshift`]); [`diff`] computes the ordered changes; [`apply`] runs them.
//! [`tool::GrantTool`] ties these into `common::Tool`.

pub mod apply;
pub mod commands;
pub mod compat;
pub mod config;
pub mod conn;
pub mod diff;
pub mod grantrs;
pub mod import;
pub mod inspect;
pub mod live;
pub mod model;
pub mod password;
pub mod privs;
pub mod read;
pub mod redshift;
pub mod signature;
pub mod sql;
pub mod timefmt;
pub mod tls;
pub mod tool;
pub mod validate;
