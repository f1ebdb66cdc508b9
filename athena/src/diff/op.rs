//! The executable steps a plan is made of.

use crate::model::{DatabaseSpec, PartitionSpec, TableSpec};

/// Glue's BatchCreatePartition / BatchDeletePartition limit.
pub const PARTITION_BATCH: usize = 100;

/// One executable step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Glue CreateDatabase.
    CreateDatabase(DatabaseSpec),
    /// Glue UpdateDatabase (description, location, parameters).
    UpdateDatabase(DatabaseSpec),
    /// Glue CreateTable.
    CreateTable {
        /// Database.
        db: String,
        /// The table.
        spec: TableSpec,
    },
    /// Glue GetTable + UpdateTable (read-modify-write, VersionId passed).
    UpdateTable {
        /// Database.
        db: String,
        /// The managed fields to write.
        spec: TableSpec,
    },
    /// Glue DeleteTable.
    DeleteTable {
        /// Database.
        db: String,
        /// Table or view.
        name: String,
    },
    /// Glue BatchCreatePartition, in chunks of [`PARTITION_BATCH`].
    CreatePartitions {
        /// Database.
        db: String,
        /// The table (its storage is copied into each partition).
        spec: TableSpec,
        /// Partitions to add.
        partitions: Vec<PartitionSpec>,
    },
    /// Glue BatchDeletePartition, in chunks of [`PARTITION_BATCH`].
    DeletePartitions {
        /// Database.
        db: String,
        /// Table.
        table: String,
        /// Partition values to remove.
        values: Vec<Vec<String>>,
    },
    /// An Athena statement (StartQueryExecution, polled to completion).
    Athena {
        /// Database set in QueryExecutionContext.
        db: String,
        /// The statement.
        sql: String,
    },
}
