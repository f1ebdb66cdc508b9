//! Request builders and response parsing (pure): what the admin calls put
//! on the wire, testable without a broker.

use std::collections::BTreeMap;

use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::create_partitions_request::{
    CreatePartitionsAssignment, CreatePartitionsTopic,
};
use kafka_protocol::messages::create_topics_request::{CreatableTopic, CreatableTopicConfig};
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, BrokerId, CreateAclsRequest, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteAclsRequest, DeleteTopicsRequest, IncrementalAlterConfigsRequest,
};

use super::protocol::{sb, tn, OP_DELETE, OP_SET, RESOURCE_TOPIC};
use super::types::{ConfigAlteration, NewTopic, PartitionIncrease};
use crate::model::{Acl, Operation, PatternType, Permission, ResourceType};

/// CreateTopics for these topics.
pub fn create_topics_request(topics: &[&NewTopic], timeout_ms: i32) -> CreateTopicsRequest {
    CreateTopicsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            topics
                .iter()
                .map(|t| {
                    CreatableTopic::default()
                        .with_name(tn(&t.name))
                        .with_num_partitions(t.partitions)
                        .with_replication_factor(t.replication_factor)
                        .with_configs(
                            t.configs
                                .iter()
                                .map(|(k, v)| {
                                    CreatableTopicConfig::default()
                                        .with_name(sb(k))
                                        .with_value(Some(sb(v)))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// DeleteTopics by name, in the shape version `v` expects.
pub fn delete_topics_request(names: &[String], v: i16, timeout_ms: i32) -> DeleteTopicsRequest {
    let req = DeleteTopicsRequest::default().with_timeout_ms(timeout_ms);
    if v >= 6 {
        req.with_topics(
            names
                .iter()
                .map(|n| DeleteTopicState::default().with_name(Some(tn(n))))
                .collect(),
        )
    } else {
        req.with_topic_names(names.iter().map(|n| tn(n)).collect())
    }
}

/// CreatePartitions: (topic, new total, assignment of the new partitions).
pub fn create_partitions_request(
    items: &[PartitionIncrease],
    timeout_ms: i32,
) -> CreatePartitionsRequest {
    CreatePartitionsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            items
                .iter()
                .map(|(t, count, assignment)| {
                    CreatePartitionsTopic::default()
                        .with_name(tn(t))
                        .with_count(*count)
                        .with_assignments(assignment.as_ref().map(|a| {
                            a.iter()
                                .map(|ids| {
                                    CreatePartitionsAssignment::default()
                                        .with_broker_ids(ids.iter().map(|&i| BrokerId(i)).collect())
                                })
                                .collect()
                        }))
                })
                .collect(),
        )
}

/// IncrementalAlterConfigs: SET then DELETE operations per topic.
pub fn alter_configs_request(items: &[&ConfigAlteration]) -> IncrementalAlterConfigsRequest {
    alter_resource_configs_request(RESOURCE_TOPIC, items)
}

/// IncrementalAlterConfigs of resources of one type (topics, brokers):
/// (resource name, set, delete).
pub fn alter_resource_configs_request(
    resource_type: i8,
    items: &[&ConfigAlteration],
) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest::default().with_resources(
        items
            .iter()
            .map(|(t, set, del)| {
                let mut configs: Vec<AlterableConfig> = set
                    .iter()
                    .map(|(k, v)| {
                        AlterableConfig::default()
                            .with_name(sb(k))
                            .with_config_operation(OP_SET)
                            .with_value(Some(sb(v)))
                    })
                    .collect();
                configs.extend(del.iter().map(|k| {
                    AlterableConfig::default()
                        .with_name(sb(k))
                        .with_config_operation(OP_DELETE)
                        .with_value(None)
                }));
                AlterConfigsResource::default()
                    .with_resource_type(resource_type)
                    .with_resource_name(sb(t))
                    .with_configs(configs)
            })
            .collect(),
    )
}

/// AlterPartitionReassignments for these topics.
pub fn reassign_request(
    items: &BTreeMap<String, BTreeMap<i32, Vec<i32>>>,
    timeout_ms: i32,
) -> AlterPartitionReassignmentsRequest {
    AlterPartitionReassignmentsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            items
                .iter()
                .map(|(t, parts)| {
                    ReassignableTopic::default()
                        .with_name(tn(t))
                        .with_partitions(
                            parts
                                .iter()
                                .map(|(p, r)| {
                                    ReassignablePartition::default()
                                        .with_partition_index(*p)
                                        .with_replicas(Some(
                                            r.iter().map(|&i| BrokerId(i)).collect(),
                                        ))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

/// CreateAcls for these bindings.
pub fn create_acls_request(acls: &[Acl]) -> CreateAclsRequest {
    CreateAclsRequest::default().with_creations(
        acls.iter()
            .map(|a| {
                AclCreation::default()
                    .with_resource_type(a.resource_type.code())
                    .with_resource_name(sb(&a.name))
                    .with_resource_pattern_type(a.pattern_type.code())
                    .with_principal(sb(&a.principal))
                    .with_host(sb(&a.host))
                    .with_operation(a.operation.code())
                    .with_permission_type(a.permission.code())
            })
            .collect(),
    )
}

/// DeleteAcls with one exact filter per binding.
pub fn delete_acls_request(acls: &[Acl]) -> DeleteAclsRequest {
    DeleteAclsRequest::default().with_filters(
        acls.iter()
            .map(|a| {
                DeleteAclsFilter::default()
                    .with_resource_type_filter(a.resource_type.code())
                    .with_resource_name_filter(Some(sb(&a.name)))
                    .with_pattern_type_filter(a.pattern_type.code())
                    .with_principal_filter(Some(sb(&a.principal)))
                    .with_host_filter(Some(sb(&a.host)))
                    .with_operation(a.operation.code())
                    .with_permission_type(a.permission.code())
            })
            .collect(),
    )
}

/// The bindings of a DescribeAcls response, sorted; unknown codes skipped.
pub fn acls_from_describe(r: &kafka_protocol::messages::DescribeAclsResponse) -> Vec<Acl> {
    let mut out = Vec::new();
    for res in &r.resources {
        let (Some(rt), Some(pt)) = (
            ResourceType::from_code(res.resource_type),
            PatternType::from_code(res.pattern_type),
        ) else {
            continue;
        };
        for a in &res.acls {
            let (Some(op), Some(perm)) = (
                Operation::from_code(a.operation),
                Permission::from_code(a.permission_type),
            ) else {
                continue;
            };
            out.push(Acl {
                resource_type: rt,
                name: res.resource_name.as_str().to_string(),
                pattern_type: pt,
                principal: a.principal.as_str().to_string(),
                host: a.host.as_str().to_string(),
                operation: op,
                permission: perm,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}
