//! Merging the files of a configuration directory: each section once
//! (clusters, profiles and topics unique across files), every value kept
//! with its location for error messages.

use std::collections::BTreeMap;

use common::{Diagnostic, Diagnostics, SourceFile, Sources, Unique, YPath};

use crate::config::{
    Document, RawAcl, RawCluster, RawDeletion, RawPolicies, RawSettings, RawTopic, RawTopicBase,
};

/// Where a value was written: its file (and the file's index) and path.
pub(crate) struct Loc<'a> {
    /// The file.
    pub file: &'a SourceFile,
    /// Index of the file in the sources.
    pub idx: usize,
    /// Path of the value in the file.
    pub path: YPath,
}

impl Loc<'_> {
    /// An error at `p` in this file.
    pub fn at(&self, p: &YPath, msg: impl Into<String>) -> Diagnostic {
        self.file.error(p, msg)
    }
}

/// Every section of every file, with locations.
pub(crate) struct Merged<'a> {
    pub clusters: BTreeMap<String, (RawCluster, Loc<'a>)>,
    pub settings: Option<(RawSettings, Loc<'a>)>,
    pub deletion: Option<(RawDeletion, Loc<'a>)>,
    pub defaults: Option<(RawTopicBase, Loc<'a>)>,
    pub profiles: BTreeMap<String, (RawTopicBase, Loc<'a>)>,
    pub policies: Option<(RawPolicies, Loc<'a>)>,
    pub topics: Vec<(RawTopic, Loc<'a>)>,
    pub acls: Option<Vec<(RawAcl, Loc<'a>)>>,
    pub files: std::sync::Arc<Vec<SourceFile>>,
}

fn single<'a, T>(
    slot: &mut Option<(T, Loc<'a>)>,
    value: Option<T>,
    (idx, file): (usize, &'a SourceFile),
    key: &str,
    seen: &mut Unique<String>,
    diags: &mut Diagnostics,
) {
    if let Some(v) = value {
        let path = YPath::root().key(key);
        if let Err(d) = seen.insert("section", key.to_string(), file.locate_key(&path)) {
            diags.push(d);
            return;
        }
        *slot = Some((v, Loc { file, idx, path }));
    }
}

/// Parses and merges the files; duplicates are errors.
pub(crate) fn merge(sources: &Sources) -> Result<Merged<'_>, Diagnostics> {
    let docs = sources.deserialize_all::<Document>()?;
    let mut diags = Diagnostics::new();
    let mut m = Merged {
        clusters: BTreeMap::new(),
        settings: None,
        deletion: None,
        defaults: None,
        profiles: BTreeMap::new(),
        policies: None,
        topics: Vec::new(),
        acls: None,
        files: std::sync::Arc::new(sources.files.clone()),
    };
    let mut sections = Unique::new();
    let mut clusters = Unique::new();
    let mut profiles = Unique::new();
    // Topic names: locations are resolved only for duplicates (resolving a
    // location is linear in the file size; 10,000 topics must stay fast).
    let mut topics: BTreeMap<String, (&SourceFile, YPath)> = BTreeMap::new();
    for (idx, (file, doc)) in docs.into_iter().enumerate() {
        for (name, c) in doc.clusters {
            let path = YPath::root().key("clusters").key(name.clone());
            match clusters.insert("cluster", name.clone(), file.locate_key(&path)) {
                Ok(()) => {
                    m.clusters.insert(name, (c, Loc { file, idx, path }));
                }
                Err(d) => diags.push(d),
            }
        }
        single(
            &mut m.settings,
            doc.settings,
            (idx, file),
            "settings",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.deletion,
            doc.deletion,
            (idx, file),
            "deletion",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.defaults,
            doc.defaults,
            (idx, file),
            "defaults",
            &mut sections,
            &mut diags,
        );
        single(
            &mut m.policies,
            doc.policies,
            (idx, file),
            "policies",
            &mut sections,
            &mut diags,
        );
        for (name, p) in doc.profiles {
            let path = YPath::root().key("profiles").key(name.clone());
            match profiles.insert("profile", name.clone(), file.locate_key(&path)) {
                Ok(()) => {
                    m.profiles.insert(name, (p, Loc { file, idx, path }));
                }
                Err(d) => diags.push(d),
            }
        }
        for (i, t) in doc.topics.into_iter().enumerate() {
            let path = YPath::root().key("topics").index(i);
            let name_path = path.key("name");
            if let Some((first_file, first_path)) = topics.get(&t.name) {
                let mut u = Unique::new();
                let _ = u.insert("topic", t.name.clone(), first_file.locate(first_path));
                if let Err(d) = u.insert("topic", t.name.clone(), file.locate(&name_path)) {
                    diags.push(d);
                }
                continue;
            }
            topics.insert(t.name.clone(), (file, name_path));
            m.topics.push((t, Loc { file, idx, path }));
        }
        if let Some(acls) = doc.acls {
            let list = m.acls.get_or_insert_with(Vec::new);
            for (i, a) in acls.into_iter().enumerate() {
                let path = YPath::root().key("acls").index(i);
                list.push((a, Loc { file, idx, path }));
            }
        }
    }
    diags.into_result(m)
}
