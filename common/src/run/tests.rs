//! The shared verbs, driven by a tiny in-process tool whose "system" is a map:
//! this tests the orchestration (exit codes, destructive gate, stale plans,
//! failure reports), not any service.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::*;
use crate::cli::{ApplyArgs, GlobalArgs, PlanArgs, ValidateArgs};
use crate::plan::Change;

#[derive(Default)]
struct MapTool {
    live: RefCell<BTreeMap<String, String>>,
    fail_on: Option<String>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Desired {
    #[serde(default)]
    items: BTreeMap<String, String>,
}

impl Tool for MapTool {
    const NAME: &'static str = "maptool";
    type Desired = Desired;
    type Live = BTreeMap<String, String>;
    type Op = (String, Option<String>);

    fn load(&self, sources: &Sources, _ctx: &LoadContext) -> Result<Desired, Diagnostics> {
        let mut items = BTreeMap::new();
        for (_, d) in sources.deserialize_all::<Desired>()? {
            items.extend(d.items);
        }
        Ok(Desired { items })
    }

    fn target(&self, _: &Desired) -> String {
        "memory".into()
    }

    fn schema() -> String {
        "{}".into()
    }

    async fn read_live(&self, _: &Desired) -> anyhow::Result<Self::Live> {
        Ok(self.live.borrow().clone())
    }

    fn diff(&self, d: &Desired, live: &Self::Live) -> Diff<Self::Op> {
        let mut diff = Diff::default();
        for (k, v) in &d.items {
            match live.get(k) {
                None => diff.changes.push(Planned::new(
                    Change::new(format!("item.{k}"), Action::Create),
                    vec![(k.clone(), Some(v.clone()))],
                )),
                Some(l) if l != v => diff.changes.push(Planned::new(
                    Change::new(format!("item.{k}"), Action::Update),
                    vec![(k.clone(), Some(v.clone()))],
                )),
                _ => {}
            }
        }
        for k in live.keys().filter(|k| !d.items.contains_key(*k)) {
            diff.changes.push(Planned::new(
                Change::new(format!("item.{k}"), Action::Delete).destructive("not declared"),
                vec![(k.clone(), None)],
            ));
        }
        diff
    }

    async fn apply(
        &self,
        _: &Desired,
        changes: &[Planned<Self::Op>],
        log: &mut ApplyLog,
    ) -> anyhow::Result<()> {
        for p in changes {
            for (k, v) in &p.ops {
                if self.fail_on.as_deref() == Some(k.as_str()) {
                    anyhow::bail!("cannot write {k}");
                }
                match v {
                    Some(v) => self.live.borrow_mut().insert(k.clone(), v.clone()),
                    None => self.live.borrow_mut().remove(k),
                };
            }
            log.done(&p.change.address);
        }
        Ok(())
    }
}

fn global() -> GlobalArgs {
    GlobalArgs {
        verbose: 0,
        no_color: true,
    }
}

fn config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.yaml");
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

fn plan_args(path: &std::path::Path) -> PlanArgs {
    PlanArgs {
        path: path.to_path_buf(),
        format: Format::Text,
        out: None,
        detailed_exitcode: true,
    }
}

fn apply_args(path: &std::path::Path) -> ApplyArgs {
    ApplyArgs {
        path: path.to_path_buf(),
        plan: None,
        allow_destructive: false,
        auto_approve: true,
        format: Format::Text,
    }
}

fn block<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn plan_apply_plan_converges() {
    let tool = MapTool::default();
    let (_d, p) = config("items: {a: '1', b: '2'}\n");
    assert_eq!(
        block(plan(&tool, &global(), &plan_args(&p), &ctx(Verb::Plan))),
        exit::CHANGES
    );
    assert_eq!(
        block(apply(&tool, &global(), &apply_args(&p), &ctx(Verb::Apply))),
        exit::SUCCESS
    );
    assert_eq!(
        block(plan(&tool, &global(), &plan_args(&p), &ctx(Verb::Plan))),
        exit::SUCCESS
    );
}

#[test]
fn destructive_changes_need_the_flag() {
    let tool = MapTool::default();
    tool.live.borrow_mut().insert("old".into(), "x".into());
    let (_d, p) = config("items: {a: '1'}\n");
    assert_eq!(
        block(apply(&tool, &global(), &apply_args(&p), &ctx(Verb::Apply))),
        exit::ERROR
    );
    // Nothing at all was applied: not even the safe creation.
    assert!(!tool.live.borrow().contains_key("a"));
    let mut a = apply_args(&p);
    a.allow_destructive = true;
    assert_eq!(
        block(apply(&tool, &global(), &a, &ctx(Verb::Apply))),
        exit::SUCCESS
    );
    assert!(!tool.live.borrow().contains_key("old"));
}

#[test]
fn saved_plan_is_refused_when_stale() {
    let tool = MapTool::default();
    let (d, p) = config("items: {a: '1'}\n");
    let saved = d.path().join("plan.json");
    let mut pa = plan_args(&p);
    pa.out = Some(saved.clone());
    assert_eq!(
        block(plan(&tool, &global(), &pa, &ctx(Verb::Plan))),
        exit::CHANGES
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("\"format_version\": 1"));
    // Out-of-band change after the plan was saved.
    tool.live.borrow_mut().insert("a".into(), "changed".into());
    let mut a = apply_args(&p);
    a.plan = Some(saved.clone());
    assert_eq!(
        block(apply(&tool, &global(), &a, &ctx(Verb::Apply))),
        exit::ERROR
    );
    assert_eq!(
        tool.live.borrow().get("a").map(String::as_str),
        Some("changed")
    );
    // A fresh plan applies.
    assert_eq!(
        block(plan(&tool, &global(), &pa, &ctx(Verb::Plan))),
        exit::CHANGES
    );
    assert_eq!(
        block(apply(&tool, &global(), &a, &ctx(Verb::Apply))),
        exit::SUCCESS
    );
    assert_eq!(tool.live.borrow().get("a").map(String::as_str), Some("1"));
}

#[test]
fn saved_plan_is_refused_when_config_changed() {
    let tool = MapTool::default();
    let (d, p) = config("items: {a: '1'}\n");
    let saved = d.path().join("plan.json");
    let mut pa = plan_args(&p);
    pa.out = Some(saved.clone());
    block(plan(&tool, &global(), &pa, &ctx(Verb::Plan)));
    std::fs::write(&p, "items: {a: '2'}\n").unwrap();
    let mut a = apply_args(&p);
    a.plan = Some(saved);
    assert_eq!(
        block(apply(&tool, &global(), &a, &ctx(Verb::Apply))),
        exit::ERROR
    );
    assert!(tool.live.borrow().is_empty());
}

#[test]
fn failed_apply_reports_what_was_done() {
    let tool = MapTool {
        fail_on: Some("b".into()),
        ..Default::default()
    };
    let (_d, p) = config("items: {a: '1', b: '2', c: '3'}\n");
    assert_eq!(
        block(apply(&tool, &global(), &apply_args(&p), &ctx(Verb::Apply))),
        exit::ERROR
    );
    let live = tool.live.borrow().clone();
    assert_eq!(live.len(), 1);
    let plan = Plan {
        format_version: 1,
        tool: "t".into(),
        target: "x".into(),
        live_fingerprint: String::new(),
        config_fingerprint: String::new(),
        changes: ["item.a", "item.b", "item.c"]
            .iter()
            .map(|a| Change::new(*a, Action::Create))
            .collect(),
        notes: vec![],
    };
    insta::assert_snapshot!(failure_report(&plan, &["item.a".to_string()]), @r"
    Applied (1):
      + item.a
    Not applied (2):
      + item.b
      + item.c
    Fix the cause and run apply again: it plans from the live state and converges.
    ");
}

#[test]
fn bad_config_is_exit_1_and_nothing_applied() {
    let tool = MapTool::default();
    let (_d, p) = config("itemz: {a: '1'}\n");
    let v = ValidateArgs {
        path: p.clone(),
        require_env: false,
    };
    assert_eq!(validate(&tool, &global(), &v, None), exit::ERROR);
    assert_eq!(
        block(apply(&tool, &global(), &apply_args(&p), &ctx(Verb::Apply))),
        exit::ERROR
    );
    assert!(tool.live.borrow().is_empty());
}

#[test]
fn validate_is_lenient_about_unset_variables_unless_asked() {
    let tool = MapTool::default();
    let (_d, p) = config("items: {a: '${SURELY_NOT_SET_VAR_123}'}\n");
    let mut v = ValidateArgs {
        path: p.clone(),
        require_env: false,
    };
    assert_eq!(validate(&tool, &global(), &v, None), exit::SUCCESS);
    v.require_env = true;
    assert_eq!(validate(&tool, &global(), &v, None), exit::ERROR);
    assert_eq!(
        block(plan(&tool, &global(), &plan_args(&p), &ctx(Verb::Plan))),
        exit::ERROR
    );
}

#[test]
fn a_destructive_reason_that_quotes_moving_figures_is_not_staleness() {
    let plan = |changes: Vec<Change>| Plan {
        format_version: crate::plan::PLAN_FORMAT_VERSION,
        tool: "maptool".into(),
        target: "memory".into(),
        live_fingerprint: "l".into(),
        config_fingerprint: "c".into(),
        changes,
        notes: Vec::new(),
    };
    let change = |reason: Option<&str>| {
        let mut c = Change::new("topic.logs", crate::plan::Action::Update);
        c.destructive = reason.map(str::to_string);
        c
    };
    let saved = plan(vec![change(Some(
        "lowers retention.ms (the topic holds 1.0 MiB)",
    ))]);
    let now = plan(vec![change(Some(
        "lowers retention.ms (the topic holds 1.2 MiB)",
    ))]);
    assert_eq!(stale_reason(&saved, &now), None);
    let not_destructive = plan(vec![change(None)]);
    assert!(stale_reason(&saved, &not_destructive).is_some());
}

fn ctx(verb: Verb) -> LoadContext {
    LoadContext::new(verb)
}
