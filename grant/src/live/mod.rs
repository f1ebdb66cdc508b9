//! The live state: its types ([`Live`] and friends), and its readers: read
//! with a constant number of catalog queries (five cluster-wide, six per
//! database), explicit grants only.

mod acl;
mod database;
mod name;
mod roles;
mod types;

pub use database::read_db;
pub use roles::{cluster_info, read_roles, version_num, ClusterInfo};
pub use types::{
    push_acl, push_default, AclEntry, AclRow, DatabaseGrant, DefaultAclEntry, Function, Live,
    LiveDb, LiveRole, Name, ObjRef, RelKind, Relation,
};
