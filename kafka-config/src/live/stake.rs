//! Which topics a plan would lose data of — deleted unmanaged topics and
//! lossy config changes (see [`crate::loss`]) — so that their size on disk
//! is read (DescribeLogDirs) and shown in the plan. Mirrors the diff's
//! rules; reading a size too many costs a few bytes of a request, one too
//! few only leaves the size out of the reason.

use std::collections::BTreeMap;

use super::types::LiveTopic;
use crate::loss::{data_loss, LOSSY_KEYS};
use crate::model::{Desired, Mode, Unmanaged};
use crate::units;

/// Topic → partition count, for the topics whose plan loses data.
pub fn at_stake(desired: &Desired, topics: &BTreeMap<String, LiveTopic>) -> BTreeMap<String, i32> {
    topics
        .iter()
        .filter(|(name, l)| match desired.topics.get(*name) {
            None => {
                desired.unmanaged == Unmanaged::Delete && !l.internal && !desired.is_protected(name)
            }
            Some(spec) => LOSSY_KEYS.iter().any(|k| {
                let live = l.configs.get(*k);
                let lv = live.and_then(|c| c.value.as_deref());
                match spec.configs.get(*k) {
                    Some(v) => {
                        !units::values_equal(k, v, lv) && data_loss(k, lv, Some(v)).is_some()
                    }
                    None => live.is_some_and(|c| {
                        c.is_override
                            && desired.mode == Mode::Authoritative
                            && !desired.ignores_config(k)
                            && data_loss(
                                k,
                                lv,
                                c.fallback.as_ref().and_then(|f| f.value.as_deref()),
                            )
                            .is_some()
                    }),
                }
            }),
        })
        .map(|(name, l)| (name.clone(), l.partitions))
        .collect()
}
