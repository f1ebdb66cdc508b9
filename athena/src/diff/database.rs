//! Phase: databases (Glue CreateDatabase / UpdateDatabase).

use std::collections::BTreeMap;

use common::plan::{Action, Change, FieldChange, Planned};

use super::fields::{map_fields, opt_field, same_location};
use super::op::Op;
use crate::model::DatabaseSpec;

pub(super) fn database_changes(
    want: &DatabaseSpec,
    have: Option<&DatabaseSpec>,
) -> Option<Planned<Op>> {
    let addr = format!("database.{}", want.name);
    match have {
        None => {
            let mut c = Change::new(addr, Action::Create)
                .statement(format!("glue:CreateDatabase {}", want.name));
            c.fields
                .extend(opt_field("description", &None, &want.description));
            c.fields
                .extend(opt_field("location", &None, &want.location));
            c.fields
                .extend(map_fields("parameters", &BTreeMap::new(), &want.parameters));
            Some(Planned::new(c, vec![Op::CreateDatabase(want.clone())]))
        }
        Some(h) => {
            let mut fields = Vec::new();
            fields.extend(opt_field("description", &h.description, &want.description));
            if !same_location(&h.location, &want.location) {
                fields.push(FieldChange::new(
                    "location",
                    h.location.clone(),
                    want.location.clone(),
                ));
            }
            fields.extend(map_fields("parameters", &h.parameters, &want.parameters));
            if fields.is_empty() {
                return None;
            }
            let mut c = Change::new(addr, Action::Update)
                .statement(format!("glue:UpdateDatabase {}", want.name));
            c.fields = fields;
            Some(Planned::new(c, vec![Op::UpdateDatabase(want.clone())]))
        }
    }
}
