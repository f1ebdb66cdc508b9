//! Encode/decode round trips for the requests tansu does not serve
//! (CreatePartitions, ACLs, reassignments) and for the response parsing.

use std::collections::BTreeMap;

use super::*;
use crate::model::{Acl, Operation, PatternType, Permission, ResourceType};
use bytes::{Buf, BufMut, BytesMut};
use kafka_protocol::messages::describe_acls_response::{AclDescription, DescribeAclsResource};
use kafka_protocol::messages::{
    ApiVersionsResponse, BrokerId, CreatePartitionsRequest, DeleteTopicsRequest,
    DescribeAclsRequest, DescribeConfigsRequest, MetadataRequest,
};
use kafka_protocol::messages::{DescribeAclsResponse, ResponseHeader};
use kafka_protocol::protocol::{
    decode_request_header_from_buffer, Decodable, Encodable, HeaderVersion,
};
use kafka_protocol::protocol::{Request, StrBytes};

/// Encodes `req` as a client would, decodes it as a broker would, at every
/// version both sides know, and checks the broker sees the same request.
fn round_trip<R: Request + PartialEq + std::fmt::Debug + Clone>(req: &R) {
    let mut versions = Versions::new();
    versions.insert(R::KEY, (R::VERSIONS.min, R::VERSIONS.max));
    let max = conn::pick_version::<R>(&versions).unwrap();
    for v in R::VERSIONS.min..=max {
        let frame = conn::encode_request(req, v, 7, Some(StrBytes::from_static_str("t"))).unwrap();
        let mut bytes = frame.freeze();
        let len = bytes.get_i32();
        assert_eq!(usize::try_from(len).unwrap(), bytes.remaining());
        let header = decode_request_header_from_buffer(&mut bytes).unwrap();
        assert_eq!(header.request_api_key, R::KEY);
        assert_eq!(header.request_api_version, v);
        assert_eq!(header.correlation_id, 7);
        let back = R::decode(&mut bytes, v).unwrap();
        assert_eq!(&back, req, "version {v}");
        assert_eq!(bytes.remaining(), 0);
    }
}

fn acl() -> Acl {
    Acl {
        resource_type: ResourceType::Topic,
        name: "orders".into(),
        pattern_type: PatternType::Prefixed,
        principal: "User:alice".into(),
        host: "*".into(),
        operation: Operation::Read,
        permission: Permission::Allow,
    }
}

#[test]
fn create_partitions_round_trip() {
    let req = create_partitions_request(
        &[
            ("orders".into(), 12, None),
            ("x".into(), 3, Some(vec![vec![1, 2], vec![2, 3]])),
        ],
        5000,
    );
    assert_eq!(req.topics[0].count, 12);
    assert_eq!(
        req.topics[1].assignments.as_ref().unwrap()[1].broker_ids,
        vec![BrokerId(2), BrokerId(3)]
    );
    round_trip(&req);
}

#[test]
fn acl_requests_round_trip() {
    let req = create_acls_request(&[acl()]);
    let c = &req.creations[0];
    assert_eq!(
        (
            c.resource_type,
            c.resource_pattern_type,
            c.operation,
            c.permission_type
        ),
        (2, 4, 3, 3)
    );
    round_trip(&req);
    let req = delete_acls_request(&[acl()]);
    assert_eq!(
        req.filters[0].principal_filter.as_ref().unwrap().as_str(),
        "User:alice"
    );
    round_trip(&req);
    let req = DescribeAclsRequest::default()
        .with_resource_type_filter(1)
        .with_pattern_type_filter(1)
        .with_operation(1)
        .with_permission_type(1);
    round_trip(&req);
}

#[test]
fn reassignment_round_trip() {
    let mut m = BTreeMap::new();
    m.insert(
        "orders".to_string(),
        [(0, vec![1, 2]), (1, vec![2, 3])].into_iter().collect(),
    );
    let req = reassign_request(&m, 5000);
    assert_eq!(
        req.topics[0].partitions[1].replicas.as_ref().unwrap(),
        &vec![BrokerId(2), BrokerId(3)]
    );
    round_trip(&req);
}

#[test]
fn other_requests_round_trip() {
    let t = NewTopic {
        name: "a".into(),
        partitions: 3,
        replication_factor: 1,
        configs: [("retention.ms".to_string(), "1000".to_string())]
            .into_iter()
            .collect(),
    };
    round_trip(&create_topics_request(&[&t], 1000));
    let item = (
        "a".to_string(),
        t.configs.clone(),
        vec!["segment.ms".to_string()],
    );
    let req = alter_configs_request(&[&item]);
    assert_eq!(req.resources[0].configs[1].config_operation, OP_DELETE);
    round_trip(&req);
    // DeleteTopics changed shape at v6; each version encodes its own shape.
    for v in [1, 5, 6] {
        let req = delete_topics_request(&["a".into()], v, 1000);
        let frame = conn::encode_request(&req, v, 1, None).unwrap();
        let mut bytes = frame.freeze();
        bytes.advance(4);
        decode_request_header_from_buffer(&mut bytes).unwrap();
        assert_eq!(DeleteTopicsRequest::decode(&mut bytes, v).unwrap(), req);
    }
}

#[test]
fn describe_acls_response_is_parsed() {
    let resp =
        DescribeAclsResponse::default().with_resources(vec![DescribeAclsResource::default()
            .with_resource_type(2)
            .with_resource_name(StrBytes::from_static_str("orders"))
            .with_pattern_type(3)
            .with_acls(vec![AclDescription::default()
                .with_principal(StrBytes::from_static_str("User:bob"))
                .with_host(StrBytes::from_static_str("*"))
                .with_operation(4)
                .with_permission_type(3)])]);
    // Encode as a broker would, decode as the client does.
    let v = 3;
    let mut buf = BytesMut::new();
    ResponseHeader::default()
        .with_correlation_id(9)
        .encode(&mut buf, DescribeAclsResponse::header_version(v))
        .unwrap();
    resp.encode(&mut buf, v).unwrap();
    let (cid, back) = conn::decode_response::<DescribeAclsRequest>(buf.freeze(), v).unwrap();
    assert_eq!(cid, 9);
    let acls = acls_from_describe(&back);
    assert_eq!(acls.len(), 1);
    assert_eq!(acls[0].operation.name(), "Write");
    assert_eq!(acls[0].pattern_type.name(), "literal");
    assert_eq!(acls[0].principal, "User:bob");
}

#[test]
fn version_negotiation() {
    let mut v = Versions::new();
    assert!(conn::pick_version::<CreatePartitionsRequest>(&v).is_err());
    v.insert(CreatePartitionsRequest::KEY, (0, 1));
    assert_eq!(
        conn::pick_version::<CreatePartitionsRequest>(&v).unwrap(),
        1
    );
    v.insert(MetadataRequest::KEY, (0, 13));
    assert_eq!(conn::pick_version::<MetadataRequest>(&v).unwrap(), 12);
    v.insert(DescribeConfigsRequest::KEY, (5, 9));
    let e = conn::pick_version::<DescribeConfigsRequest>(&v).unwrap_err();
    assert!(e.to_string().contains("DescribeConfigs"), "{e}");
    let mut buf = BytesMut::new();
    buf.put_u8(0);
    assert!(error_text(35, None).contains("UnsupportedVersion"));
}

/// A response body as a broker sends it: header v0 (correlation id), then
/// the message in version `v`.
fn api_versions_body(resp: &ApiVersionsResponse, v: i16) -> bytes::Bytes {
    let mut buf = BytesMut::new();
    buf.put_i32(9);
    resp.encode(&mut buf, v).unwrap();
    buf.freeze()
}

#[test]
fn api_versions_v0_fallback_is_decoded() {
    use kafka_protocol::messages::api_versions_response::ApiVersion;
    let keys = vec![
        ApiVersion::default()
            .with_api_key(18)
            .with_min_version(0)
            .with_max_version(2),
        ApiVersion::default()
            .with_api_key(3)
            .with_min_version(0)
            .with_max_version(9),
    ];
    // An old broker answers a v3 request in v0: UNSUPPORTED_VERSION + ranges.
    let old = ApiVersionsResponse::default()
        .with_error_code(35)
        .with_api_keys(keys.clone());
    let (cid, r) = conn::decode_api_versions(api_versions_body(&old, 0), 3).unwrap();
    assert_eq!(cid, 9);
    assert_eq!(r.error_code, 35);
    assert_eq!(r.api_keys, keys);
    // A v3 answer decodes as v3.
    let new = ApiVersionsResponse::default()
        .with_api_keys(keys.clone())
        .with_throttle_time_ms(250);
    let (_, r) = conn::decode_api_versions(api_versions_body(&new, 3), 3).unwrap();
    assert_eq!(r.error_code, 0);
    assert_eq!(r.api_keys, keys);
    assert_eq!(r.throttle_ms(), 250);
    // Decoding the v0 body as v3 alone fails: the reason for the fallback.
    let mut b = api_versions_body(&old, 0);
    let _ = b.get_i32();
    assert!(ApiVersionsResponse::decode(&mut b, 3).map_or(true, |r| r.api_keys != keys));
}

#[test]
fn usable_checks_the_version_range_not_only_the_listing() {
    use kafka_protocol::messages::ApiKey;
    assert!(conn::usable(ApiKey::CreatePartitions, None).is_err());
    assert_eq!(
        conn::usable(ApiKey::CreatePartitions, Some((0, 3))).unwrap(),
        3
    );
    // Listed, but only in versions newer than this tool speaks.
    let e = conn::usable(ApiKey::CreateTopics, Some((40, 41))).unwrap_err();
    assert!(
        e.to_string().contains("the broker speaks versions 40..41"),
        "{e}"
    );
    let e = conn::usable(ApiKey::AlterPartitionReassignments, Some((1, 1))).unwrap_err();
    assert!(e.to_string().contains("AlterPartitionReassignments"), "{e}");
}

#[test]
fn controller_writes_retry_not_controller_after_locating_the_controller() {
    use protocol::{next_step, Next, ATTEMPTS, NOT_CONTROLLER};
    assert_eq!(next_step(0, 0), Next::Done);
    assert_eq!(next_step(NOT_CONTROLLER, 0), Next::Retry { refresh: true });
    // REQUEST_TIMED_OUT (7) is retriable without a controller change.
    assert_eq!(next_step(7, 1), Next::Retry { refresh: false });
    // The last attempt fails for good; so does a non-retriable error.
    assert_eq!(next_step(NOT_CONTROLLER, ATTEMPTS - 1), Next::Fail);
    assert_eq!(next_step(37, 0), Next::Fail); // INVALID_PARTITIONS
}
