//! Phase: privileges on objects, `*` expanded against the live catalog.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use common::Note;

use super::grantors::Grantors;
use super::objects::{all_extra, group_key, object_address, priv_list, PrivMap};
use super::ops::Builder;
use super::ownership::{effective_owner, relation_owner};
use super::pairs::{cols_map, same, Pairs};
use super::statements::{self, Pending};
use crate::live::{AclEntry, Live, LiveDb, Name, ObjRef, RelKind, Relation};
use crate::model::{split_signature, Database, Desired, Mode};
use crate::privs::{DefaultKind, ObjectKind, Privilege};

/// Hash maps with a fast hasher: the keys are catalog names, not attacker
/// input, and 100,000 of them are hashed several times per plan.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Expands a grant's object list against the live inventory; each table,
/// sequence or column comes with its live relation (`None` when absent, and
/// for other objects), so that its owner needs no second lookup.
pub(super) fn expand<'l>(
    g: &crate::model::Grant,
    dbname: &str,
    live: &'l LiveDb,
    notes: &mut Vec<Note>,
) -> Vec<(ObjRef, Option<&'l Relation>)> {
    let mut out = Vec::new();
    let schema_str = g.schema.as_deref().unwrap_or_default();
    // The live copy of the schema's name where it has relations: the
    // objects expanded here share their names with the live entries.
    let schema = live
        .relations
        .get_key_value(schema_str)
        .map_or_else(|| Name::from(schema_str), |(s, _)| s.clone());
    let excluded = |n: &str| g.except.iter().any(|e| e == n);
    let star = g.objects.iter().any(|o| o == "*");
    let named = g.objects.iter().filter(|o| *o != "*");
    let named_for_columns = named.clone();
    let missing_schema = |notes: &mut Vec<Note>| {
        notes.push(Note {
            address: format!("privileges.{dbname}.schema.{schema}"),
            message: format!(
                "schema `{schema}` does not exist in database `{dbname}` (or has no {}s)",
                g.kind.name()
            ),
        })
    };
    match g.kind {
        ObjectKind::Database => out.push((
            ObjRef::Database {
                name: dbname.into(),
            },
            None,
        )),
        ObjectKind::Schema => {
            if star {
                for s in live.schemas.keys().filter(|s| !excluded(s)) {
                    out.push((ObjRef::Schema { name: s.into() }, None));
                }
            }
            for n in named {
                out.push((ObjRef::Schema { name: n.into() }, None));
            }
        }
        ObjectKind::Table | ObjectKind::Sequence | ObjectKind::Column => {
            let want_seq = g.kind == ObjectKind::Sequence;
            let mk = |name: Name| {
                if want_seq {
                    ObjRef::Sequence {
                        schema: schema.clone(),
                        name,
                    }
                } else {
                    ObjRef::Table {
                        schema: schema.clone(),
                        name,
                    }
                }
            };
            let mut tables = Vec::new();
            if star {
                match live.relations.get(schema_str) {
                    Some(rels) => {
                        for (n, r) in rels {
                            if (r.kind == RelKind::Sequence) == want_seq && !excluded(n) {
                                tables.push((mk(n.clone()), Some(r)));
                            }
                        }
                    }
                    None => missing_schema(notes),
                }
            }
            for n in named {
                let found = live
                    .relations
                    .get(schema_str)
                    .and_then(|r| r.get_key_value(n.as_str()));
                if found.is_none() {
                    notes.push(Note {
                        address: format!("privileges.{dbname}.{}.{schema}.{n}", g.kind.name()),
                        message: format!(
                            "{} `{schema}.{n}` does not exist (yet) in database `{dbname}`",
                            if want_seq { "sequence" } else { "table" }
                        ),
                    });
                }
                let name = found.map_or_else(|| Name::from(n), |(k, _)| k.clone());
                tables.push((mk(name), found.map(|(_, r)| r)));
            }
            if g.kind == ObjectKind::Column {
                let named_tables: BTreeSet<&str> = named_for_columns.map(String::as_str).collect();
                for (t, rel) in tables {
                    if let ObjRef::Table { schema, name } = t {
                        // Through `*`: only the tables that have the columns
                        // (a named table without one fails at read time).
                        if !named_tables.contains(name.as_str())
                            && !g.columns.iter().all(|c| {
                                live.columns.contains(&(
                                    schema.to_string(),
                                    name.to_string(),
                                    c.clone(),
                                ))
                            })
                        {
                            continue;
                        }
                        for c in &g.columns {
                            out.push((
                                ObjRef::Column {
                                    schema: schema.clone(),
                                    table: name.clone(),
                                    column: c.into(),
                                },
                                rel,
                            ));
                        }
                    }
                }
            } else {
                out = tables;
            }
        }
        ObjectKind::Function => {
            let funcs = live.functions.get(schema_str);
            if star {
                match funcs {
                    Some(f) => {
                        for (sig, func) in f {
                            if !excluded(&func.name) && !excluded(sig) {
                                out.push((
                                    ObjRef::Function {
                                        schema: schema.clone(),
                                        signature: sig.into(),
                                    },
                                    None,
                                ));
                            }
                        }
                    }
                    None => missing_schema(notes),
                }
            }
            for n in named {
                // Resolved by the server (any spelling of the types).
                if let Some(sig) = live.function_ids.get(&(schema_str.to_string(), n.clone())) {
                    out.push((
                        ObjRef::Function {
                            schema: schema.clone(),
                            signature: sig.into(),
                        },
                        None,
                    ));
                    continue;
                }
                let (name, args) = split_signature(n);
                let matches: Vec<&String> = funcs
                    .map(|f| {
                        f.iter()
                            .filter(|(_, func)| {
                                func.name == name
                                    && args.as_ref().is_none_or(|a| {
                                        crate::model::normalize_args(&func.args) == *a
                                    })
                            })
                            .map(|(sig, _)| sig)
                            .collect()
                    })
                    .unwrap_or_default();
                if matches.is_empty() {
                    notes.push(Note {
                        address: format!("privileges.{dbname}.function.{schema}.{n}"),
                        message: format!(
                            "function `{schema}.{n}` does not exist (yet) in database `{dbname}`"
                        ),
                    });
                    if let Some(a) = args {
                        out.push((
                            ObjRef::Function {
                                schema: schema.clone(),
                                signature: format!("{name}({a})").into(),
                            },
                            None,
                        ));
                    }
                }
                for sig in matches {
                    out.push((
                        ObjRef::Function {
                            schema: schema.clone(),
                            signature: sig.into(),
                        },
                        None,
                    ));
                }
            }
        }
    }
    out
}

/// Whether a live privilege is what a declared default privilege gives the
/// objects its creator makes: such grants are kept, not revoked.
pub(super) fn from_default(
    desired: &Database,
    live: &LiveDb,
    o: &ObjRef,
    grantee: &str,
    p: Privilege,
) -> bool {
    let (kind, schema) = match o {
        ObjRef::Table { schema, .. } => (DefaultKind::Tables, Some(schema)),
        ObjRef::Sequence { schema, .. } => (DefaultKind::Sequences, Some(schema)),
        ObjRef::Function { schema, .. } => (DefaultKind::Functions, Some(schema)),
        ObjRef::Schema { .. } => (DefaultKind::Schemas, None),
        _ => return false,
    };
    let Some(owner) = live.owner_of(o) else {
        return false;
    };
    desired.default_privileges.iter().any(|d| {
        d.kind == kind
            && d.for_role == owner
            && d.to.iter().any(|t| t == grantee)
            && d.privileges.contains(&p)
            && (d.schema.is_none() || d.schema.as_deref() == schema.map(Name::as_str))
    })
}

/// (group key, grantee): a borrowed object where it needs no rewriting.
type Key<'a> = (Cow<'a, ObjRef>, &'a str);

/// The group key of a live object, borrowed unless it is a column.
fn live_key(o: &ObjRef) -> Cow<'_, ObjRef> {
    match o {
        ObjRef::Column { .. } => Cow::Owned(group_key(o)),
        other => Cow::Borrowed(other),
    }
}

/// The column of an object (`""` unless a column).
fn column_of(o: &ObjRef) -> String {
    if let ObjRef::Column { column, .. } = o {
        column.to_string()
    } else {
        String::new()
    }
}

pub(super) fn privileges<'a>(
    b: &mut Builder,
    d: &'a Desired,
    live: &'a Live,
    dbname: &str,
    desired: &'a Database,
    ldb: &'a LiveDb,
) {
    // Hashed, not ordered: the few keys that produce a change or a note are
    // sorted at the end, so the output keeps the (object, grantee) order
    // without ordering the 100,000 converged ones.
    // (group key, grantee) → both sides: column ("" unless a column) →
    // privilege → grant option. Sized once: about one key per live
    // (object, grantee).
    let mut pairs = Pairs::with_capacity(ldb.acl.len());
    // Objects a grant excludes for a grantee: default privileges do not
    // excuse grants on them (nor on objects a grant names: those are in `want`).
    let mut excepted: HashSet<Key<'a>> = HashSet::default();
    for g in &desired.grants {
        if let (Some(schema), ObjectKind::Table | ObjectKind::Sequence) = (&g.schema, g.kind) {
            for e in &g.except {
                let (schema, name) = (Name::from(schema), Name::from(e));
                let o = if g.kind == ObjectKind::Sequence {
                    ObjRef::Sequence { schema, name }
                } else {
                    ObjRef::Table { schema, name }
                };
                for t in &g.to {
                    excepted.insert((Cow::Owned(o.clone()), t.as_str()));
                }
            }
        }
    }
    // (group key, grantee) → column → privileges that must not be held
    // (grant-rs `-table`): revoked in every mode, winning over grants.
    let mut deny: HashMap<Key<'a>, BTreeMap<String, BTreeSet<Privilege>>> = HashMap::default();
    for g in desired.grants.iter().filter(|g| g.revoke) {
        for (o, _) in expand(g, dbname, ldb, &mut b.notes) {
            let col = column_of(&o);
            let key = group_key(&o);
            for grantee in &g.to {
                deny.entry((Cow::Owned(key.clone()), grantee.as_str()))
                    .or_default()
                    .entry(col.clone())
                    .or_default()
                    .extend(g.privileges.iter().copied());
            }
        }
    }
    for g in desired.grants.iter().filter(|g| !g.revoke) {
        let extra = all_extra(g.all, g.kind == ObjectKind::Table, live);
        for (o, rel) in expand(g, dbname, ldb, &mut b.notes) {
            let owner = match &o {
                ObjRef::Table { schema, .. }
                | ObjRef::Sequence { schema, .. }
                | ObjRef::Column { schema, .. } => relation_owner(desired, schema, rel),
                _ => effective_owner(desired, ldb, &o),
            };
            let col = column_of(&o);
            let key = match o {
                ObjRef::Column { .. } => group_key(&o),
                other => other,
            };
            let grantees: Vec<&'a str> =
                g.to.iter()
                    .map(String::as_str)
                    .filter(|t| owner != Some(*t))
                    .collect();
            for grantee in grantees {
                // A copy shares the names: no allocation.
                let k = (Cow::Owned(key.clone()), grantee);
                let denied = if deny.is_empty() {
                    None
                } else {
                    deny.get(&k).and_then(|c| c.get(&col))
                };
                let m = pairs.want(k.0, grantee, col.clone());
                for p in g.privileges.iter().chain(extra.as_ref()) {
                    if denied.is_some_and(|d| d.contains(p)) {
                        continue;
                    }
                    m.add(*p, g.grant_option);
                }
            }
        }
    }
    for AclEntry {
        object,
        grantee,
        privilege,
        grantable,
        ..
    } in &ldb.acl
    {
        let m = pairs.have(live_key(object), grantee.as_str(), column_of(object));
        // Granted by several grantors: held, with the option if any gave it.
        m.add(*privilege, *grantable);
    }
    // PUBLIC: only on the objects where the configuration declares it.
    for e in &ldb.public_acl {
        let key = live_key(&e.object);
        if pairs.wanted(&key, &e.grantee) {
            let m = pairs.have(key, e.grantee.as_str(), column_of(&e.object));
            m.add(e.privilege, e.grantable);
        }
    }
    let grantors = Grantors::new(ldb, &live.current_user);
    let mut managed_cache: HashMap<&str, bool> = HashMap::default();
    let mut notes: Vec<((&ObjRef, &str), Note)> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    for (obj, grantee, w, h) in pairs.iter() {
        let key = &(Cow::Borrowed(obj), grantee);
        // A key is declared when its desired side has a column (a grant
        // that names it always adds one, even when every privilege is denied).
        let wanted = !w.is_empty();
        let dk = if deny.is_empty() { None } else { deny.get(key) };
        // Held exactly as declared, nothing denied: no change, no drift.
        if same(&w, &h) && dk.is_none() {
            continue;
        }
        let (w, h) = (&cols_map(&w), &cols_map(&h));
        let tracked = *managed_cache
            .entry(grantee)
            .or_insert_with(|| d.is_managed(grantee, &live.current_user));
        // PUBLIC's privileges on an object it is declared for are exact.
        let managed = (tracked && d.mode == Mode::Authoritative) || grantee == "PUBLIC";
        // Additive mode keeps what the configuration does not declare on a
        // managed grantee, and says so: drift is never invisible.
        let mut drift: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut drift_go: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut grant: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut grant_go: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut revoke: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let mut revoke_go: BTreeMap<Privilege, BTreeSet<String>> = BTreeMap::new();
        let cols: BTreeSet<&String> = w.keys().chain(h.keys()).collect();
        let none = PrivMap::new();
        let no_deny = BTreeSet::new();
        for col in cols {
            let wp = w.get(col).unwrap_or(&none);
            let hp = h.get(col).unwrap_or(&none);
            let dp = dk.and_then(|c| c.get(col)).unwrap_or(&no_deny);
            if !managed {
                for p in hp.keys().filter(|p| dp.contains(p)) {
                    revoke.entry(*p).or_default().insert(col.clone());
                }
            }
            for (p, go) in wp {
                match (hp.get(p), go) {
                    (None, false) => {
                        grant.entry(*p).or_default().insert(col.clone());
                    }
                    (None, true) | (Some(false), true) => {
                        grant_go.entry(*p).or_default().insert(col.clone());
                    }
                    (Some(true), false) if managed => {
                        revoke_go.entry(*p).or_default().insert(col.clone());
                    }
                    (Some(true), false) if tracked && !dp.contains(p) => {
                        drift_go.entry(*p).or_default().insert(col.clone());
                    }
                    _ => {}
                }
            }
            if tracked && !managed {
                for p in hp.keys() {
                    if !wp.contains_key(p)
                        && !dp.contains(p)
                        && (wanted
                            || excepted.contains(key)
                            || !from_default(desired, ldb, obj, grantee, *p))
                    {
                        drift.entry(*p).or_default().insert(col.clone());
                    }
                }
            }
            if managed {
                for p in hp.keys() {
                    if !wp.contains_key(p)
                        && (wanted
                            || dp.contains(p)
                            || excepted.contains(key)
                            || !from_default(desired, ldb, obj, grantee, *p))
                    {
                        revoke.entry(*p).or_default().insert(col.clone());
                    }
                }
            }
        }
        if !drift.is_empty() || !drift_go.is_empty() {
            let mut what = Vec::new();
            if !drift.is_empty() {
                what.push(priv_list(&drift));
            }
            if !drift_go.is_empty() {
                what.push(format!("the grant option of {}", priv_list(&drift_go)));
            }
            notes.push((
                (obj, grantee),
                Note {
                    address: format!("privileges.{dbname}.{}.to.{grantee}", object_address(obj)),
                    message: format!(
                        "{} granted outside the configuration (kept: mode additive)",
                        what.join(" and ")
                    ),
                },
            ));
        }
        if grant.is_empty() && grant_go.is_empty() && revoke.is_empty() && revoke_go.is_empty() {
            continue;
        }
        pending.push(Pending {
            obj,
            grantee,
            h: h.clone(),
            grant,
            grant_go,
            revoke,
            revoke_go,
        });
    }
    let bits = |want: bool, o: &ObjRef, g: &str, col: &str, p: Privilege| {
        let (w, h) = pairs.sides(o, g);
        (if want { w } else { h })
            .iter()
            .find(|(c, _)| c == col)
            .map_or((false, false), |(_, b)| b.get(p))
    };
    let changes = statements::changes(
        b,
        dbname,
        ldb,
        live,
        &grantors,
        pending,
        |o, g, c, p| bits(true, o, g, c, p),
        |o, g, c, p| bits(false, o, g, c, p),
        |o, g| {
            pairs
                .sides(o, g)
                .0
                .iter()
                .flat_map(|(c, b)| b.map().into_iter().map(move |(p, go)| (c.clone(), p, go)))
                .collect()
        },
    );
    // In (object, grantee) order, as the ordered maps gave them.
    notes.sort_by(|a, c| a.0.cmp(&c.0));
    b.notes.extend(notes.into_iter().map(|(_, n)| n));
    for (_, phase, c, ops) in changes {
        b.push(phase, c, ops);
    }
}
