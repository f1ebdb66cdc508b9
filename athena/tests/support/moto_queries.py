"""Prints, as JSON, every query execution moto's Athena recorded, in the
order moto lists them: [{"query", "database", "workgroup",
"output_location", "state"}]. An independent client (boto3) for the tests.

usage: moto_queries.py ENDPOINT_URL [REGION]
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
client = boto3.client(
    "athena",
    endpoint_url=endpoint,
    region_name=region,
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
ids = []
kwargs = {}
while True:
    page = client.list_query_executions(**kwargs)
    ids.extend(page.get("QueryExecutionIds", []))
    token = page.get("NextToken")
    if not token:
        break
    kwargs = {"NextToken": token}
out = []
for qid in ids:
    q = client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
    out.append(
        {
            "query": q.get("Query"),
            "database": q.get("QueryExecutionContext", {}).get("Database"),
            "workgroup": q.get("WorkGroup"),
            "output_location": q.get("ResultConfiguration", {}).get("OutputLocation"),
            "state": q.get("Status", {}).get("State"),
        }
    )
json.dump(out, sys.stdout, indent=1)
