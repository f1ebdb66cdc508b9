#!/usr/bin/env bash
# Makes the demo re-runnable: removes the demo_athena_sales database (and its
# tables) that a previous run created in the local moto server. Uses boto3,
# which comes with moto; talks only to AWS_ENDPOINT_URL (the demo's moto).
set -euo pipefail
: "${AWS_ENDPOINT_URL:?reset.sh only runs against a local emulator (AWS_ENDPOINT_URL)}"
python3 - <<'PY'
import os
import boto3
glue = boto3.client("glue", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                    region_name=os.environ.get("AWS_REGION", "us-east-1"))
db = "demo_athena_sales"
try:
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=db):
        for t in page["TableList"]:
            glue.delete_table(DatabaseName=db, Name=t["Name"])
    glue.delete_database(Name=db)
    print(f"{db} deleted.")
except glue.exceptions.EntityNotFoundException:
    print(f"{db} does not exist.")
PY
