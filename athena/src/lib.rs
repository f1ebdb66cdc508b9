//! `athena`: Athena / Glue Data Catalog schemas as code (databases, tables,
//! partitions, views), and athena-rs-compatible Tera SQL templates.
//!
//! Modules follow the suite's pipeline: [`config`] (YAML types) →
//! [`model`] (validation, pure) → `live` (Glue reads) → `diff` (pure) →
//! `apply` (Glue and Athena calls).

pub mod apply;
pub mod config;
pub mod diff;
pub mod glue;
pub mod import;
pub mod live;
pub mod lock;
pub mod metadata;
pub mod model;
pub mod query;
pub mod runner;
pub mod schedule;
pub mod sql;
pub mod template;
pub mod tool;
pub mod types;
pub mod verify;
pub mod view_sql;
