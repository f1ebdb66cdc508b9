"""Independent Kafka client of the kafka-config integration tests (kafka-python).

usage: python3 kadmin.py OP 'JSON-ARGS'  -> prints a JSON answer on stdout.
       python3 kadmin.py --serve          -> one request per stdin line,
         {"op": OP, "args": {...}}, one answer per stdout line, {"ok": ...} or
         {"error": "..."}; the admin connection is reused between requests.
The tests use it to set up out-of-band state and to verify outcomes: never
kafka-config's own client. Connection: KAFKA_BOOTSTRAP (default 127.0.0.1:9092),
PLAINTEXT (a super user on the test cluster, see scripts/kafka/node.properties.in).
"""
import json
import os
import sys
import time

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         ConfigResource, ConfigResourceType, NewTopic, ResourcePattern,
                         ResourcePatternFilter, ResourceType)


def admin(args):
    kw = dict(bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
              client_id="kafka-config-tests", request_timeout_ms=20000)
    kw.update(args.get("conn", {}))
    return KafkaAdminClient(**kw)


def topics(a, args):
    """{name: {partitions: [[replicas]...], configs: {key: [value, source]}}} for names with the prefix."""
    prefix = args["prefix"]
    names = sorted(t for t in a.list_topics() if t.startswith(prefix))
    out = {}
    if not names:
        return out
    for t in a.describe_topics(names):
        parts = sorted(t["partitions"], key=lambda p: p["partition_index"])
        out[t["name"]] = {"partitions": [p["replica_nodes"] for p in parts], "configs": {}}
    # DescribeConfigs goes to one broker, DescribeTopics may have been answered by
    # another: a broker that has not yet replayed the topic's creation from the
    # metadata log answers with no configs. Ask again (up to 10 s) for those.
    pending = list(out)
    deadline = time.time() + 10
    while pending:
        res = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in pending],
                                 config_filter="all")
        for name, cfg in res["topic"].items():
            if name in out and cfg:
                out[name]["configs"] = {k: [v["value"], v["config_source"]] for k, v in cfg.items()}
        pending = [n for n in pending if not out[n]["configs"]]
        if pending and time.time() > deadline:
            raise RuntimeError(f"no configs for {pending} after 10 s")
        if pending:
            time.sleep(0.1)
    return out


def create(a, args):
    a.create_topics([NewTopic(args["name"], args["partitions"], args.get("rf", 1),
                              topic_configs=args.get("configs", {}))])
    return True


def delete(a, args):
    names = [t for t in a.list_topics() if t.startswith(args["prefix"])]
    if names:
        a.delete_topics(names)
        deadline = time.time() + 30
        while time.time() < deadline and any(t in names for t in a.list_topics()):
            time.sleep(0.2)
    return names


def alter(a, args):
    """Incremental alter of a topic: args.set {k: v}, args.delete [k]."""
    cfg = {k: ("SET", v) for k, v in args.get("set", {}).items()}
    cfg.update({k: ("DELETE", None) for k in args.get("delete", [])})
    # raise_on_unknown=False: kafka-python's own key check describes the topic
    # first, which a broker that has not yet applied the creation answers
    # empty; the broker validates the keys anyway.
    # A topic created a moment ago may be unknown to the answering broker for
    # a few milliseconds: retry that error only, for up to 5 s.
    deadline = time.time() + 5
    while True:
        res = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, args["name"], configs=cfg)],
                              incremental=True, raise_on_unknown=False)
        errors = [str(e) for r in res.values() for e in r.values() if str(e) != "OK"]
        if not errors:
            return str(res)
        if time.time() > deadline or not all("UnknownTopicOrPartition" in e for e in errors):
            raise RuntimeError("; ".join(errors))
        time.sleep(0.1)


def acl_pattern(d):
    return ResourcePattern(ResourceType[d["type"].upper()], d["name"],
                           ACLResourcePatternType[d.get("pattern", "literal").upper()])


def acl_dict(acl):
    rp = acl.resource_pattern
    return {"principal": acl.principal, "host": acl.host, "operation": acl.operation.name,
            "permission": acl.permission_type.name, "type": rp.resource_type.name,
            "name": rp.resource_name, "pattern": rp.pattern_type.name}


def acls(a, args):
    """Every ACL whose principal, or resource name, contains args.contains."""
    f = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                  permission_type=ACLPermissionType.ANY,
                  resource_pattern=ResourcePatternFilter(ResourceType.ANY, None,
                                                         ACLResourcePatternType.ANY))
    found, err = a.describe_acls(f)
    if err and err.errno:
        raise RuntimeError(str(err))
    sub = args.get("contains", "")
    return sorted((acl_dict(x) for x in found
                   if sub in x.principal or sub in x.resource_pattern.resource_name),
                  key=lambda d: json.dumps(d, sort_keys=True))


def create_acls(a, args):
    objs = [ACL(d["principal"], d.get("host", "*"), ACLOperation[d["operation"].upper()],
                ACLPermissionType[d.get("permission", "allow").upper()], acl_pattern(d))
            for d in args["acls"]]
    res = a.create_acls(objs)
    if res.get("failed"):
        raise RuntimeError(str(res["failed"]))
    return len(res["succeeded"])


def delete_acls(a, args):
    """Deletes every ACL whose principal or resource name contains args.contains."""
    mine = acls(a, args)
    filters = [ACLFilter(principal=d["principal"], host=d["host"], operation=ACLOperation[d["operation"]],
                         permission_type=ACLPermissionType[d["permission"]],
                         resource_pattern=ResourcePatternFilter(ResourceType[d["type"]], d["name"],
                                                                ACLResourcePatternType[d["pattern"]]))
               for d in mine]
    if filters:
        a.delete_acls(filters)
    return len(filters)


def reassign(a, args):
    """Starts a reassignment: args.moves = {"topic:partition": [brokers]}."""
    moves = {}
    for k, v in args["moves"].items():
        t, p = k.rsplit(":", 1)
        moves[TopicPartition(t, int(p))] = v
    res = a.alter_partition_reassignments(moves)
    return {f"{tp.topic}:{tp.partition}": (None if e is None else str(e)) for tp, e in res.items()}


def reassignments(a, args):
    res = a.list_partition_reassignments()
    return {f"{tp.topic}:{tp.partition}": str(v) for tp, v in res.items()
            if tp.topic.startswith(args.get("prefix", ""))}


def can_connect(_a, _args):
    """Connects with args.conn and lists the brokers (SASL/TLS checks)."""
    return len(_a.describe_cluster()["brokers"])


def visible_topics(a, args):
    """Topic names with args.prefix that the connecting principal may see (args.conn)."""
    return sorted(t for t in a.list_topics() if t.startswith(args["prefix"]))


def produce(_a, args):
    """Writes args.count records of args.size bytes to args.topic (PLAINTEXT)."""
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                      acks=1, linger_ms=20, batch_size=1 << 20, max_request_size=2 << 20)
    payload = b"x" * args["size"]
    for _ in range(args["count"]):
        p.send(args["topic"], payload)
    p.flush()
    p.close()
    return args["count"]


def broker_config(a, args):
    """Incremental alter of a broker's config (args.broker, "" = cluster default): set / delete."""
    cfg = {k: ("SET", v) for k, v in args.get("set", {}).items()}
    cfg.update({k: ("DELETE", None) for k in args.get("delete", [])})
    res = a.alter_configs([ConfigResource(ConfigResourceType.BROKER, str(args["broker"]), configs=cfg)],
                          incremental=True, raise_on_unknown=False)
    return str(res)


OPS = {f.__name__: f for f in (topics, create, delete, alter, acls, create_acls, delete_acls,
                               reassign, reassignments, can_connect, visible_topics, produce,
                               broker_config)}

# Reads that may meet a broker killed a moment ago (kafka-python then fails
# with KafkaConnectionError instead of asking another broker): asked again,
# on a new connection, for up to 10 s. Writes are never repeated.
READS = {"topics", "acls", "reassignments", "visible_topics"}


def serve():
    default = None
    for line in sys.stdin:
        req = json.loads(line)
        op, args = req["op"], req.get("args", {})
        deadline = time.time() + 10
        while True:
            ans, default = answer(op, args, default)
            if op not in READS or "KafkaConnectionError" not in ans.get("error", "") \
                    or time.time() > deadline:
                break
            time.sleep(0.5)
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


def answer(op, args, default):
    """One request: ({"ok": ...} or {"error": ...}, the reusable connection)."""
    try:
        if "conn" in args:
            a = admin(args)
            try:
                ans = {"ok": OPS[op](a, args)}
            finally:
                a.close()
        else:
            if default is None:
                default = admin(args)
            ans = {"ok": OPS[op](default, args)}
    except Exception as e:  # the answer carries the failure to the test
        ans = {"error": f"{type(e).__name__}: {e}"}
        if default is not None:
            default.close()
            default = None
    return ans, default


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve()
        sys.exit(0)
    op, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    a = admin(args)
    try:
        print(json.dumps(OPS[op](a, args)))
    finally:
        a.close()
