"""The independent Iceberg writer of athena/tests/iceberg_pyiceberg.rs.

Runs in the pyiceberg virtualenv (.services/pyiceberg, scripts/pyiceberg-venv.sh):
pyiceberg's Glue catalog and FsspecFileIO (s3fs), both pointed at moto.

usage: pyiceberg_writer.py ENDPOINT DATABASE create|evolve|respec
  create   bucket, database and table `ice` (identity, day, bucket, truncate,
           month, hour and year partition fields, a list and a decimal column,
           properties)
  evolve   another optimize_rewrite_delete_file_threshold and a new column `note`
  respec   partition evolution: bucket(16, id) replaced by bucket(8, id)
Prints the table's metadata_location.
"""
import sys

from pyiceberg.catalog import load_catalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import (
    BucketTransform,
    DayTransform,
    HourTransform,
    IdentityTransform,
    MonthTransform,
    TruncateTransform,
    YearTransform,
)
from pyiceberg.types import (
    DateType,
    DecimalType,
    ListType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
)

endpoint, db, action = sys.argv[1], sys.argv[2], sys.argv[3]
bucket = db.replace("_", "-")
creds = {"access-key-id": "test", "secret-access-key": "test", "region": "us-east-1"}
props = {"type": "glue", "glue.endpoint": endpoint, "s3.endpoint": endpoint,
         "py-io-impl": "pyiceberg.io.fsspec.FsspecFileIO",
         "warehouse": f"s3://{bucket}/wh"}
for k, v in creds.items():
    props[f"glue.{k}"] = v
    props[f"s3.{k}"] = v
catalog = load_catalog("glue", **props)

if action == "create":
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    catalog.create_namespace(db)
    schema = Schema(
        NestedField(1, "id", LongType()),
        NestedField(2, "ts", TimestampType()),
        NestedField(3, "category", StringType(), doc="kind"),
        NestedField(4, "tags", ListType(5, StringType())),
        NestedField(6, "amount", DecimalType(10, 2)),
        NestedField(7, "d", DateType()),
        NestedField(8, "seen", TimestampType()),
        NestedField(9, "born", DateType()),
    )
    spec = PartitionSpec(
        PartitionField(3, 1000, IdentityTransform(), "category"),
        PartitionField(2, 1001, DayTransform(), "ts_day"),
        PartitionField(1, 1002, BucketTransform(16), "id_bucket"),
        PartitionField(3, 1003, TruncateTransform(4), "category_trunc"),
        PartitionField(7, 1004, MonthTransform(), "d_month"),
        PartitionField(8, 1005, HourTransform(), "seen_hour"),
        PartitionField(9, 1006, YearTransform(), "born_year"),
    )
    table = catalog.create_table(
        f"{db}.ice", schema=schema, partition_spec=spec,
        location=f"s3://{bucket}/ice",
        properties={"optimize_rewrite_delete_file_threshold": "10",
                    "write.format.default": "parquet",
                    "write.parquet.compression-codec": "zstd"})
elif action == "evolve":
    table = catalog.load_table(f"{db}.ice")
    with table.transaction() as tx:
        tx.set_properties(optimize_rewrite_delete_file_threshold="20")
    with table.update_schema() as update:
        update.add_column("note", StringType())
elif action == "respec":
    table = catalog.load_table(f"{db}.ice")
    with table.update_spec() as update:
        update.remove_field("id_bucket")
        update.add_field("id", BucketTransform(8), "id_bucket8")
else:
    sys.exit(f"unknown action {action}")
print(catalog.load_table(f"{db}.ice").metadata_location)
