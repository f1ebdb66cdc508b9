//! Iceberg tables written by an independent writer: pyiceberg 0.12.0 (PyPI)
//! with its Glue catalog and FsspecFileIO pointed at moto creates and evolves
//! real Iceberg tables (metadata JSON in moto's S3, the Glue table
//! registered by pyiceberg). The real binary imports and plans them through
//! `AWS_ENDPOINT_URL`. pyiceberg lives in its own virtualenv
//! (`.services/pyiceberg`, made by `scripts/pyiceberg-venv.sh`, which
//! `scripts/services.sh up` runs); a test fails when it is missing.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::*;

fn venv_python() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.services/pyiceberg/bin/python"
    ))
}

/// Runs `support/pyiceberg_writer.py ACTION` on `db`; returns the table's
/// metadata_location.
pub fn pyiceberg(db: &str, action: &str) -> String {
    require_moto();
    let python = venv_python();
    assert!(
        python.exists(),
        "pyiceberg's virtualenv is missing at {}: run scripts/services.sh up (or scripts/pyiceberg-venv.sh)",
        python.display()
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/pyiceberg_writer.py"
    );
    let out = Command::new(&python)
        .args([script, &endpoint(), db, action])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "pyiceberg_writer.py {action} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `plan --detailed-exitcode` with a result location (Iceberg changes
/// are Athena statements).
pub fn plan(cfg: &std::path::Path) -> Run {
    athena(&[
        "plan",
        "--detailed-exitcode",
        "--output-location",
        "s3://athena-results/",
        s(cfg),
    ])
}

/// The statements of a plan (`> ` lines), in order.
pub fn statements(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("> "))
        .map(str::to_string)
        .collect()
}

/// Imports `db` into `dir/imported.yaml`.
pub fn import(db: &str, dir: &std::path::Path) -> (PathBuf, String) {
    let imported = dir.join("imported.yaml");
    let r = athena(&["import", "--database", db, "--out", s(&imported)]);
    assert_eq!(r.code, 0, "{r}");
    let text = std::fs::read_to_string(&imported).unwrap();
    (imported, text)
}

#[tokio::test]
async fn a_pyiceberg_table_imports_plans_no_changes_and_plans_exact_edits() {
    let db = unique("pyice");
    let dir = tempfile::tempdir().unwrap();
    let location = pyiceberg(&db, "create");
    assert!(location.ends_with(".metadata.json"), "{location}");

    // Import reads pyiceberg's metadata: every column in Athena's types, the
    // partition fields with their transforms in spec order, the declared
    // properties under Athena's keys.
    let (imported, text) = import(&db, dir.path());
    let expected = format!(
        r#"databases:
- name: {db}
  tables:
  - name: ice
    table_type: iceberg
    location: s3://{bucket}/ice
    columns:
    - name: id
      type: bigint
    - name: ts
      type: timestamp
    - name: category
      type: string
      comment: kind
    - name: tags
      type: array<string>
    - name: amount
      type: decimal(10,2)
    - name: d
      type: date
    - name: seen
      type: timestamp
    - name: born
      type: date
    partitioned_by:
    - category
    - day(ts)
    - bucket(16, id)
    - truncate(4, category)
    - month(d)
    - hour(seen)
    - year(born)
    properties:
      format: parquet
      optimize_rewrite_delete_file_threshold: '10'
      write_compression: zstd
"#,
        bucket = db.replace('_', "-")
    );
    assert!(text.ends_with(&expected), "{text}");
    let r = plan(&imported);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("No changes"), "{r}");

    // Edited in YAML: one property and one new column, planned exactly.
    let edited = write(
        dir.path(),
        "edited.yaml",
        &text
            .replace(
                "optimize_rewrite_delete_file_threshold: '10'",
                "optimize_rewrite_delete_file_threshold: '25'",
            )
            .replace(
                "    - name: born\n      type: date\n",
                "    - name: born\n      type: date\n    - name: note\n      type: string\n",
            ),
    );
    let r = plan(&edited);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        statements(&r.stdout),
        [
            "ALTER TABLE `ice` ADD COLUMNS (`note` string)",
            "ALTER TABLE `ice` SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold'='25')",
        ],
        "{r}"
    );
    assert!(
        r.stdout
            .contains("~ properties.optimize_rewrite_delete_file_threshold = \"10\" -> \"25\""),
        "{r}"
    );
    assert!(r.stdout.contains("+ columns.note = \"string\""), "{r}");
    assert!(!r.stdout.contains("# destructive"), "{r}");

    // pyiceberg commits the same edit out of band: the edited file now
    // matches except for the threshold (20 live, 25 declared), and the
    // imported one plans the column's removal and the old threshold.
    let evolved = pyiceberg(&db, "evolve");
    assert_ne!(evolved, location);
    let r = plan(&edited);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        statements(&r.stdout),
        ["ALTER TABLE `ice` SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold'='25')"],
        "{r}"
    );
    let r = plan(&imported);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        statements(&r.stdout),
        [
            "ALTER TABLE `ice` DROP COLUMN `note`",
            "ALTER TABLE `ice` SET TBLPROPERTIES ('optimize_rewrite_delete_file_threshold'='10')",
        ],
        "{r}"
    );
    assert!(
        r.stdout.contains("destructive: dropping column `note`"),
        "{r}"
    );
    cleanup(&db).await;
}

#[tokio::test]
async fn a_partition_spec_evolved_by_pyiceberg_is_read_and_never_silently_kept() {
    let db = unique("pyicespec");
    let dir = tempfile::tempdir().unwrap();
    pyiceberg(&db, "create");
    let (imported, text) = import(&db, dir.path());
    // pyiceberg evolves the spec (bucket(16, id) replaced by bucket(8, id)),
    // which Athena DDL cannot do.
    pyiceberg(&db, "respec");
    let r = plan(&imported);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stdout.contains(&format!(
            "-/+ table.{db}.ice  # destructive: Athena DDL cannot change the partition spec of an existing Iceberg table"
        )),
        "{r}"
    );
    // No snapshot yet: nothing but the (empty) table is lost, and the plan
    // says so from the metadata.
    assert!(
        r.stdout.contains(
            "its 0 row(s) in 0 data file(s) and its 0 snapshot(s) (time travel) are lost"
        ),
        "{r}"
    );
    assert!(
        r.stdout.contains("      ~ partitioned_by:\n          -category, day(ts), truncate(4, category), month(d), hour(seen), year(born), bucket(8, id)\n          +category, day(ts), bucket(16, id), truncate(4, category), month(d), hour(seen), year(born)\n"),
        "{r}"
    );
    assert_eq!(
        statements(&r.stdout)[..2],
        ["DROP TABLE `ice`".to_string(), "CREATE TABLE `ice` (`id` bigint, `ts` timestamp, `category` string COMMENT 'kind', `tags` array<string>, `amount` decimal(10,2), `d` date, `seen` timestamp, `born` date)".to_string()],
        "{r}"
    );
    // Declaring the spec pyiceberg left (in its order) is no change.
    let evolved = write(
        dir.path(),
        "evolved.yaml",
        &text.replace(
            "    - day(ts)\n    - bucket(16, id)\n    - truncate(4, category)\n    - month(d)\n    - hour(seen)\n    - year(born)\n",
            "    - day(ts)\n    - truncate(4, category)\n    - month(d)\n    - hour(seen)\n    - year(born)\n    - bucket(8, id)\n",
        ),
    );
    let r = plan(&evolved);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("No changes"), "{r}");
    cleanup(&db).await;
}
