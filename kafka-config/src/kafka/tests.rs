//! Encode/decode round trips for the requests tansu does not serve
//! (CreatePartitions, ACLs, reassignments) and for the response parsing.

use std::collections::BTreeMap;

use super::*;
use crate::model::{Acl, Operation, PatternType, Permission, ResourceType};
use bytes::{Buf, BufMut, BytesMut};
use kafka_protocol::messages::describe_acls_response::{AclDescription, DescribeAclsResource};
use kafka_protocol::messages::{
    BrokerId, CreatePartitionsRequest, DeleteTopicsRequest, DescribeAclsRequest,
    DescribeConfigsRequest, MetadataRequest,
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
