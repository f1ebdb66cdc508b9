//! The validated desired state, and the catalog model shared with the live
//! state: a table is a [`TableSpec`] on both sides, so the diff compares like
//! with like. Pure: no I/O.
//!
//! `spec` holds the types, `validate` turns configuration files into them
//! (with `projection` and `partitions` for those sections).

mod iceberg;
mod partitions;
mod projection;
mod spec;
mod validate;

pub use iceberg::{athena_properties, same_property_value, ATHENA_ICEBERG_PROPERTIES};
pub use projection::java_to_chrono;
pub use spec::*;
pub use validate::load;

#[cfg(test)]
pub(crate) mod tests;
