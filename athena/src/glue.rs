//! Conversions between Glue API types and the catalog model.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_glue::types::{
    Column, DatabaseInput, PartitionInput, SerDeInfo, StorageDescriptor, Table, TableInput,
};

use crate::model::{
    is_managed_parameter, ColumnSpec, DatabaseSpec, Kind, PartitionSpec, TableSpec, ViewSpec,
};
use crate::sql;
use crate::types;

fn to_btree(m: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn to_hash(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn column_spec(c: &Column) -> ColumnSpec {
    ColumnSpec {
        name: c.name.to_lowercase(),
        type_: types::canonical(c.r#type.as_deref().unwrap_or("")),
        comment: c.comment.clone().filter(|s| !s.is_empty()),
    }
}

/// The model of a Glue table as read.
pub fn table_spec(t: &Table) -> TableSpec {
    let params = to_btree(t.parameters.as_ref());
    let kind = if t.table_type.as_deref() == Some("VIRTUAL_VIEW") {
        Kind::View
    } else if params
        .get("table_type")
        .is_some_and(|v| v.eq_ignore_ascii_case("iceberg"))
    {
        Kind::Iceberg
    } else {
        Kind::External
    };
    let mut spec = TableSpec::new(t.name.to_lowercase(), kind);
    spec.description = t.description.clone().filter(|s| !s.is_empty());
    if kind == Kind::View {
        let text = t.view_original_text.as_deref().unwrap_or("");
        spec.view = Some(match sql::decode_presto_view(text) {
            Ok(v) => ViewSpec {
                sql: v
                    .original_sql
                    .trim()
                    .trim_end_matches(';')
                    .trim_end()
                    .to_string(),
                columns: v
                    .columns
                    .iter()
                    .map(|c| (c.name.to_lowercase(), c.type_.to_lowercase()))
                    .collect(),
                schema: v.schema.map(|s| s.to_lowercase()),
                comment: v.comment,
                run_as_invoker: v.run_as_invoker.unwrap_or(false),
            },
            Err(e) => ViewSpec {
                sql: format!("(view text not readable: {e})"),
                columns: Vec::new(),
                schema: None,
                comment: None,
                run_as_invoker: false,
            },
        });
        return spec;
    }
    let sd = t.storage_descriptor.as_ref();
    spec.columns = sd
        .and_then(|s| s.columns.as_ref())
        .map(|c| c.iter().map(column_spec).collect())
        .unwrap_or_default();
    spec.partition_keys = t
        .partition_keys
        .as_ref()
        .map(|c| c.iter().map(column_spec).collect())
        .unwrap_or_default();
    spec.location = sd
        .and_then(|s| s.location.clone())
        .filter(|s| !s.is_empty());
    spec.parameters = params
        .into_iter()
        .filter(|(k, _)| !is_managed_parameter(k))
        .collect();
    if kind == Kind::Iceberg {
        // Athena normalises the value; the config writes `ICEBERG`.
        spec.parameters
            .insert("table_type".into(), "ICEBERG".into());
        return spec;
    }
    spec.input_format = sd.and_then(|s| s.input_format.clone());
    spec.output_format = sd.and_then(|s| s.output_format.clone());
    let serde = sd.and_then(|s| s.serde_info.as_ref());
    spec.serde_library = serde.and_then(|s| s.serialization_library.clone());
    spec.serde_parameters = to_btree(serde.and_then(|s| s.parameters.as_ref()));
    spec
}

/// The model of a Glue database as read (no tables yet).
pub fn database_spec(d: &aws_sdk_glue::types::Database) -> DatabaseSpec {
    DatabaseSpec {
        name: d.name.to_lowercase(),
        description: d.description.clone().filter(|s| !s.is_empty()),
        location: d.location_uri.clone().filter(|s| !s.is_empty()),
        parameters: to_btree(d.parameters.as_ref()),
        delete_unmanaged: false,
        tables: BTreeMap::new(),
    }
}

/// A Glue `DatabaseInput` for a database spec.
pub fn database_input(d: &DatabaseSpec) -> anyhow::Result<DatabaseInput> {
    Ok(DatabaseInput::builder()
        .name(&d.name)
        .set_description(d.description.clone())
        .set_location_uri(d.location.clone())
        .set_parameters(Some(to_hash(&d.parameters)))
        .build()?)
}

fn glue_columns(cols: &[ColumnSpec], previous: &[Column]) -> anyhow::Result<Vec<Column>> {
    cols.iter()
        .map(|c| {
            // Keep parameters Glue or Iceberg attached to a column we keep.
            let params = previous
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&c.name))
                .and_then(|p| p.parameters.clone());
            Ok(Column::builder()
                .name(&c.name)
                .r#type(&c.type_)
                .set_comment(c.comment.clone())
                .set_parameters(params)
                .build()?)
        })
        .collect()
}

/// Applies the managed fields of `spec` onto a storage descriptor, keeping
/// the fields the configuration does not manage (buckets, sort columns,
/// compression, SerDe name, descriptor parameters, ...).
fn apply_storage(sd: &mut StorageDescriptor, spec: &TableSpec) -> anyhow::Result<()> {
    let previous = sd.columns.take().unwrap_or_default();
    sd.columns = Some(glue_columns(&spec.columns, &previous)?);
    sd.location = spec.location.clone();
    sd.input_format = spec.input_format.clone();
    sd.output_format = spec.output_format.clone();
    let mut serde = sd
        .serde_info
        .take()
        .unwrap_or_else(|| SerDeInfo::builder().build());
    serde.serialization_library = spec.serde_library.clone();
    serde.parameters = Some(to_hash(&spec.serde_parameters));
    sd.serde_info = Some(serde);
    Ok(())
}

/// A `TableInput` for a new external table.
pub fn new_table_input(spec: &TableSpec) -> anyhow::Result<TableInput> {
    let mut sd = StorageDescriptor::builder().build();
    apply_storage(&mut sd, spec)?;
    Ok(TableInput::builder()
        .name(&spec.name)
        .set_description(spec.description.clone())
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(sd)
        .set_partition_keys(Some(glue_columns(&spec.partition_keys, &[])?))
        .set_parameters(Some(to_hash(&spec.parameters)))
        .build()?)
}

/// The read-modify-write `TableInput` for UpdateTable: every `TableInput`
/// field of the table as read, with the managed fields replaced by `spec`.
/// Catalog-maintained parameters are kept.
pub fn updated_table_input(live: &Table, spec: &TableSpec) -> anyhow::Result<TableInput> {
    let mut sd = live
        .storage_descriptor
        .clone()
        .unwrap_or_else(|| StorageDescriptor::builder().build());
    apply_storage(&mut sd, spec)?;
    let mut params: HashMap<String, String> = live
        .parameters
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| is_managed_parameter(k))
        .collect();
    params.extend(to_hash(&spec.parameters));
    let previous_keys = live.partition_keys.clone().unwrap_or_default();
    Ok(TableInput::builder()
        .name(&live.name)
        .set_description(spec.description.clone())
        .set_owner(live.owner.clone())
        .set_last_access_time(live.last_access_time)
        .set_last_analyzed_time(live.last_analyzed_time)
        .retention(live.retention)
        .storage_descriptor(sd)
        .set_partition_keys(Some(glue_columns(&spec.partition_keys, &previous_keys)?))
        .set_view_original_text(live.view_original_text.clone())
        .set_view_expanded_text(live.view_expanded_text.clone())
        .set_table_type(Some(
            live.table_type
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "EXTERNAL_TABLE".into()),
        ))
        .set_parameters(Some(params))
        .set_target_table(live.target_table.clone())
        .build()?)
}

/// A `PartitionInput`: the table's storage with the partition's location.
pub fn partition_input(spec: &TableSpec, p: &PartitionSpec) -> anyhow::Result<PartitionInput> {
    let mut sd = StorageDescriptor::builder().build();
    apply_storage(&mut sd, spec)?;
    sd.location = p.location.clone();
    Ok(PartitionInput::builder()
        .set_values(Some(p.values.clone()))
        .storage_descriptor(sd)
        .build())
}

/// Partition values as the Glue batch calls take them (one list per
/// partition).
pub fn value_lists(
    values: &[Vec<String>],
) -> Result<Vec<aws_sdk_glue::types::PartitionValueList>, aws_sdk_glue::error::BuildError> {
    values
        .iter()
        .map(|v| {
            aws_sdk_glue::types::PartitionValueList::builder()
                .set_values(Some(v.clone()))
                .build()
        })
        .collect()
}
