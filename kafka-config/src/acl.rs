//! The four enumerated fields of an ACL binding — resource type, pattern
//! type, operation and permission — with their spellings in configuration
//! files and their codes on the wire.
//!
//! Hand-written on purpose: the `kafka-protocol` crate carries these fields
//! as bare `i8`s and has no names for them. The codes are Kafka's
//! (`org.apache.kafka.common.resource.ResourceType`, `PatternType`,
//! `acl.AclOperation`, `acl.AclPermissionType`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines a closed enum with a canonical name and a wire code per variant.
/// Ordering follows the canonical names, so sorted bindings read
/// alphabetically.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $var:ident = ($text:literal, $code:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $var),+
        }

        impl $name {
            /// Every value, in wire-code order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// What the field is called in error messages.
            pub const WHAT: &'static str = $what;

            /// The canonical name (as written in configuration files).
            pub fn name(self) -> &'static str {
                match self { $($name::$var => $text),+ }
            }

            /// The code on the wire.
            pub fn code(self) -> i8 {
                match self { $($name::$var => $code),+ }
            }

            /// The value of a wire code; `None` for codes this tool does not
            /// know (`ANY`, `MATCH`, `UNKNOWN`, or newer ones).
            pub fn from_code(code: i8) -> Option<$name> {
                match code { $($code => Some($name::$var),)+ _ => None }
            }

            /// Parses a name, case-insensitively and ignoring `_`
            /// (`read`, `CLUSTER_ACTION`, `ClusterAction`).
            pub fn parse(word: &str) -> Option<$name> {
                let norm = |s: &str| s.replace('_', "").to_ascii_lowercase();
                let w = norm(word);
                $name::ALL.iter().copied().find(|v| norm(v.name()) == w)
            }

            /// The canonical names, for help messages.
            pub fn names() -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.name()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.name().cmp(other.name())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown ACL {} `{s}`; expected one of: {}",
                        $what,
                        $name::names().join(", ")
                    ))
                })
            }
        }
    };
}

wire_enum!(
    /// The type of resource an ACL protects.
    ResourceType, "resource type", {
        /// A topic.
        Topic = ("Topic", 2),
        /// A consumer group.
        Group = ("Group", 3),
        /// The cluster (`kafka-cluster`).
        Cluster = ("Cluster", 4),
        /// A transactional id.
        TransactionalId = ("TransactionalId", 5),
        /// A delegation token.
        DelegationToken = ("DelegationToken", 6),
        /// A user (for CreateTokens / DescribeTokens).
        User = ("User", 7),
    }
);

wire_enum!(
    /// How an ACL's resource name matches.
    PatternType, "pattern type", {
        /// The exact name.
        Literal = ("literal", 3),
        /// Every name starting with it.
        Prefixed = ("prefixed", 4),
    }
);

wire_enum!(
    /// The operation an ACL allows or denies.
    Operation, "operation", {
        /// Every operation.
        All = ("All", 2),
        /// Read.
        Read = ("Read", 3),
        /// Write.
        Write = ("Write", 4),
        /// Create.
        Create = ("Create", 5),
        /// Delete.
        Delete = ("Delete", 6),
        /// Alter.
        Alter = ("Alter", 7),
        /// Describe.
        Describe = ("Describe", 8),
        /// Inter-broker actions.
        ClusterAction = ("ClusterAction", 9),
        /// Describe configs.
        DescribeConfigs = ("DescribeConfigs", 10),
        /// Alter configs.
        AlterConfigs = ("AlterConfigs", 11),
        /// Idempotent produce.
        IdempotentWrite = ("IdempotentWrite", 12),
        /// Create delegation tokens.
        CreateTokens = ("CreateTokens", 13),
        /// Describe delegation tokens.
        DescribeTokens = ("DescribeTokens", 14),
    }
);

wire_enum!(
    /// Whether an ACL allows or denies.
    Permission, "permission", {
        /// Deny.
        Deny = ("Deny", 2),
        /// Allow.
        Allow = ("Allow", 3),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_case_insensitively_and_codes_round_trip() {
        assert_eq!(
            Operation::parse("cluster_action"),
            Some(Operation::ClusterAction)
        );
        assert_eq!(PatternType::parse("PREFIXED"), Some(PatternType::Prefixed));
        assert_eq!(ResourceType::parse("Topics"), None);
        for op in Operation::ALL {
            assert_eq!(Operation::from_code(op.code()), Some(*op));
        }
        // ANY (1) and UNKNOWN (0) are filters, never bindings.
        assert_eq!(ResourceType::from_code(1), None);
        assert_eq!(Permission::from_code(0), None);
    }

    #[test]
    fn order_and_serialization_follow_the_names() {
        assert!(Operation::All < Operation::Alter && Operation::Read < Operation::Write);
        assert_eq!(
            serde_json::to_string(&PatternType::Literal).unwrap(),
            "\"literal\""
        );
        assert!(serde_json::from_str::<Permission>("\"Maybe\"").is_err());
    }
}
