//! The operations of the Step Functions API (AWS JSON 1.0): each takes the request object and
//! answers with the response object or an [`ApiError`]. Field names and shapes follow the
//! Step Functions API Reference (and botocore's `stepfunctions` service model).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::arn::{epoch, now_ms, parts};
use crate::error::ApiError;
use crate::history;
use crate::service::{Service, Signal, check_input};
use crate::store::{ActivityRecord, AliasRecord, ExecutionRecord, MachineRecord, VersionRecord};

fn opt_str(req: &Value, k: &str) -> Option<String> {
    req.get(k).and_then(Value::as_str).map(String::from)
}

fn req_str(req: &Value, k: &str) -> Result<String, ApiError> {
    opt_str(req, k).ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{k}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

fn tags_of(req: &Value) -> BTreeMap<String, String> {
    req.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| Some((opt_str(t, "key")?, opt_str(t, "value").unwrap_or_default())))
        .collect()
}

fn tag_list(tags: &BTreeMap<String, String>) -> Value {
    tags.iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect()
}

/// Runs one operation.
pub async fn call(svc: &Arc<Service>, op: &str, req: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateStateMachine" => create_machine(svc, req),
        "DescribeStateMachine" => describe_machine(svc, req),
        "UpdateStateMachine" => update_machine(svc, req),
        "DeleteStateMachine" => {
            svc.delete_machine(&req_str(req, "stateMachineArn")?)?;
            Ok(json!({}))
        }
        "ListStateMachines" => list_machines(svc, req),
        "ValidateStateMachineDefinition" => crate::validate::validate(req),
        "PublishStateMachineVersion" => publish_version(svc, req),
        "ListStateMachineVersions" => list_versions(svc, req),
        "DeleteStateMachineVersion" => delete_version(svc, req),
        "CreateStateMachineAlias" => create_alias(svc, req),
        "DescribeStateMachineAlias" => describe_alias(svc, req),
        "UpdateStateMachineAlias" => update_alias(svc, req),
        "DeleteStateMachineAlias" => delete_alias(svc, req),
        "ListStateMachineAliases" => list_aliases(svc, req),
        "DescribeStateMachineForExecution" => describe_machine_for_execution(svc, req),
        "TagResource" | "UntagResource" | "ListTagsForResource" => tags(svc, op, req),
        "StartExecution" if svc.is_express(&req_str(req, "stateMachineArn")?)? => {
            let (arn, start) = svc.start_express(
                &req_str(req, "stateMachineArn")?,
                opt_str(req, "name"),
                opt_str(req, "input"),
            )?;
            Ok(json!({"executionArn": arn, "startDate": epoch(start)}))
        }
        "StartExecution" => {
            let (arn, start) = svc.start_execution(
                &req_str(req, "stateMachineArn")?,
                opt_str(req, "name"),
                opt_str(req, "input"),
                None,
            )?;
            Ok(json!({"executionArn": arn, "startDate": epoch(start)}))
        }
        "StartSyncExecution" => {
            svc.start_sync(
                &req_str(req, "stateMachineArn")?,
                opt_str(req, "name"),
                opt_str(req, "input"),
            )
            .await
        }
        "DescribeExecution" => Ok(describe_execution(
            &svc.execution(&req_str(req, "executionArn")?)?,
            svc,
        )),
        "StopExecution" => {
            let stop = svc
                .stop_execution(
                    &req_str(req, "executionArn")?,
                    opt_str(req, "error"),
                    opt_str(req, "cause"),
                )
                .await?;
            Ok(json!({"stopDate": epoch(stop)}))
        }
        "ListExecutions" => list_executions(svc, req),
        "GetExecutionHistory" => execution_history(svc, req),
        "RedriveExecution" => {
            let at = svc.redrive_execution(&req_str(req, "executionArn")?)?;
            Ok(json!({"redriveDate": epoch(at)}))
        }
        "UpdateMapRun" => crate::map_runs::update_map_run(svc, req),
        "DescribeMapRun" => crate::map_runs::describe_map_run(svc, &req_str(req, "mapRunArn")?),
        "ListMapRuns" => {
            let runs = crate::map_runs::list_map_runs(svc, &req_str(req, "executionArn")?)?;
            paged(req, "mapRuns", runs)
        }
        "SendTaskSuccess" => {
            let output = req_str(req, "output")?;
            check_input(&output, "output", "InvalidOutput")?;
            let v: Value = serde_json::from_str(&output)
                .map_err(|e| ApiError::new("InvalidOutput", format!("Invalid output: {e}")))?;
            svc.signal(&req_str(req, "taskToken")?, Signal::Success(v))?;
            Ok(json!({}))
        }
        "SendTaskFailure" => {
            svc.signal(
                &req_str(req, "taskToken")?,
                Signal::Failure(
                    opt_str(req, "error").unwrap_or_default(),
                    opt_str(req, "cause"),
                ),
            )?;
            Ok(json!({}))
        }
        "SendTaskHeartbeat" => {
            svc.signal(&req_str(req, "taskToken")?, Signal::Heartbeat)?;
            Ok(json!({}))
        }
        "CreateActivity" => svc.create_activity(ActivityRecord {
            name: req_str(req, "name")?,
            created_ms: now_ms(),
            tags: tags_of(req),
        }),
        "DescribeActivity" => {
            let arn = req_str(req, "activityArn")?;
            let name = crate::service::activity_name(&arn)?;
            let st = svc.lock();
            let a = st.activities.get(&name).ok_or_else(|| {
                ApiError::new(
                    "ActivityDoesNotExist",
                    format!("Activity Does Not Exist: '{arn}'"),
                )
            })?;
            Ok(json!({"activityArn": arn, "name": a.name, "creationDate": epoch(a.created_ms)}))
        }
        "DeleteActivity" => {
            svc.delete_activity(&req_str(req, "activityArn")?)?;
            Ok(json!({}))
        }
        "ListActivities" => {
            let items: Vec<Value> = svc
                .lock()
                .activities
                .values()
                .map(|a| {
                    json!({"activityArn": svc.cfg.partition.activity(&a.name), "name": a.name, "creationDate": epoch(a.created_ms)})
                })
                .collect();
            paged(req, "activities", items)
        }
        "GetActivityTask" => match svc.get_activity_task(&req_str(req, "activityArn")?).await? {
            Some(t) => Ok(json!({"taskToken": t.token, "input": t.input})),
            None => Ok(json!({})),
        },
        "TestState" => crate::test_state::test_state(svc, req).await,
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation: '{op}'"),
        )),
    }
}

/// The answer of a List* operation (or GetExecutionHistory): the page of `items` that the
/// request's `maxResults` (default and cap as AWS's: 100, 1000) and `nextToken` select, under
/// `key`, with the `nextToken` of the next page when there is one.
fn paged(req: &Value, key: &str, items: Vec<Value>) -> Result<Value, ApiError> {
    let (items, next) = history::page(
        items,
        req.get("maxResults").and_then(Value::as_u64),
        100,
        opt_str(req, "nextToken").as_deref(),
    )?;
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(items));
    if let Some(t) = next {
        out.insert("nextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

fn machine_type(req: &Value) -> Result<String, ApiError> {
    match req.get("type").and_then(Value::as_str) {
        None | Some("STANDARD") => Ok(String::from("STANDARD")),
        Some("EXPRESS") => Ok(String::from("EXPRESS")),
        Some(t) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{t}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

fn create_machine(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    crate::arn::check_role(&req_str(req, "roleArn")?)?;
    if let Some(l) = req.get("loggingConfiguration") {
        crate::validate::check_logging(l)?;
    }
    let rec = MachineRecord {
        name: req_str(req, "name")?,
        definition: req_str(req, "definition")?,
        role_arn: req_str(req, "roleArn")?,
        kind: machine_type(req)?,
        created_ms: 0,
        updated_ms: None,
        revision: 0,
        logging: req.get("loggingConfiguration").cloned(),
        tracing: req.get("tracingConfiguration").cloned(),
        encryption: req.get("encryptionConfiguration").cloned(),
        tags: tags_of(req),
        versions: Vec::new(),
        aliases: BTreeMap::new(),
        last_version: 0,
    };
    let out = svc.create_machine(rec)?;
    let arn = out["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    publish_if_asked(svc, req, &arn, out)
}

fn describe_machine(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineArn")?;
    svc.with_machine(&arn, |m, q| {
        let machine_arn = svc.cfg.partition.machine(&m.name);
        let mut out = json!({
            "stateMachineArn": machine_arn,
            "name": m.name,
            "status": "ACTIVE",
            "definition": m.definition,
            "roleArn": m.role_arn,
            "type": m.kind,
            "creationDate": epoch(m.created_ms),
            "loggingConfiguration": m.logging.clone().unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
            "tracingConfiguration": m.tracing.clone().unwrap_or_else(|| json!({"enabled": false})),
            "encryptionConfiguration": m.encryption.clone().unwrap_or_else(|| json!({"type": "AWS_OWNED_KEY"})),
            "revisionId": m.revision.to_string(),
        });
        if let Some(q) = q {
            let v = q
                .parse::<u64>()
                .ok()
                .and_then(|n| m.versions.iter().find(|v| v.version == n))
                .ok_or_else(|| {
                    ApiError::new(
                        "StateMachineDoesNotExist",
                        format!("State Machine Does Not Exist: '{arn}'"),
                    )
                })?;
            if let Value::Object(o) = &mut out {
                o.insert("stateMachineArn".into(), arn.clone().into());
                o.insert("definition".into(), v.definition.clone().into());
                o.insert("roleArn".into(), v.role_arn.clone().into());
                o.insert("creationDate".into(), epoch(v.created_ms));
                o.insert("revisionId".into(), v.revision.to_string().into());
                if let Some(d) = &v.description {
                    o.insert("description".into(), d.clone().into());
                }
            }
        }
        Ok(out)
    })
}

fn update_machine(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineArn")?;
    let definition = opt_str(req, "definition");
    let role = opt_str(req, "roleArn");
    if let Some(r) = &role {
        crate::arn::check_role(r)?;
    }
    let logging = req.get("loggingConfiguration").cloned();
    if let Some(l) = &logging {
        crate::validate::check_logging(l)?;
    }
    let tracing = req.get("tracingConfiguration").cloned();
    let encryption = req.get("encryptionConfiguration").cloned();
    if definition.is_none()
        && role.is_none()
        && logging.is_none()
        && tracing.is_none()
        && encryption.is_none()
    {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified",
        ));
    }
    let now = now_ms();
    let revision = svc.update_machine(&arn, |m| {
        if let Some(d) = &definition {
            crate::validate::check_definition(d, m.kind == "EXPRESS")?;
            m.definition = d.clone();
        }
        if let Some(r) = role {
            m.role_arn = r;
        }
        if logging.is_some() {
            m.logging = logging;
        }
        if tracing.is_some() {
            m.tracing = tracing;
        }
        if encryption.is_some() {
            m.encryption = encryption;
        }
        m.revision = m.revision.saturating_add(1);
        m.updated_ms = Some(now);
        Ok(m.revision)
    })?;
    let out = json!({"updateDate": epoch(now), "revisionId": revision.to_string()});
    publish_if_asked(svc, req, &arn, out)
}

/// `publish: true` on Create/UpdateStateMachine: publishes a version of `arn` and adds its
/// ARN to the answer `out`.
fn publish_if_asked(
    svc: &Arc<Service>,
    req: &Value,
    arn: &str,
    mut out: Value,
) -> Result<Value, ApiError> {
    if req.get("publish").and_then(Value::as_bool) == Some(true) {
        let v = publish(svc, arn, opt_str(req, "versionDescription"), None)?;
        if let Value::Object(m) = &mut out {
            m.insert(
                "stateMachineVersionArn".into(),
                v["stateMachineVersionArn"].clone(),
            );
        }
    }
    Ok(out)
}

fn list_machines(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let items: Vec<Value> = svc
        .lock()
        .machines
        .values()
        .map(|m| {
            json!({
                "stateMachineArn": svc.cfg.partition.machine(&m.name),
                "name": m.name,
                "type": m.kind,
                "creationDate": epoch(m.created_ms),
            })
        })
        .collect();
    paged(req, "stateMachines", items)
}

fn publish(
    svc: &Arc<Service>,
    arn: &str,
    description: Option<String>,
    revision: Option<String>,
) -> Result<Value, ApiError> {
    let now = now_ms();
    let (name, version) = svc.update_machine(arn, |m| {
        if let Some(r) = &revision
            && *r != m.revision.to_string()
        {
            return Err(ApiError::new(
                "ConflictException",
                format!(
                    "revisionId '{r}' is not the latest revision ({})",
                    m.revision
                ),
            ));
        }
        // Publishing the revision the latest version already froze gives that version.
        if let Some(v) = m.versions.last()
            && v.revision == m.revision
        {
            return Ok((m.name.clone(), v.version));
        }
        m.last_version = m.last_version.saturating_add(1);
        m.versions.push(VersionRecord {
            version: m.last_version,
            definition: m.definition.clone(),
            role_arn: m.role_arn.clone(),
            description,
            revision: m.revision,
            created_ms: now,
        });
        Ok((m.name.clone(), m.last_version))
    })?;
    Ok(json!({
        "creationDate": epoch(now),
        "stateMachineVersionArn": format!("{}:{version}", svc.cfg.partition.machine(&name)),
    }))
}

fn publish_version(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    publish(
        svc,
        &req_str(req, "stateMachineArn")?,
        opt_str(req, "description"),
        opt_str(req, "revisionId"),
    )
}

fn list_versions(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineArn")?;
    let items = svc.with_machine(&arn, |m, _| {
        let base = svc.cfg.partition.machine(&m.name);
        Ok(m.versions
            .iter()
            .rev()
            .map(|v| {
                json!({"stateMachineVersionArn": format!("{base}:{}", v.version), "creationDate": epoch(v.created_ms)})
            })
            .collect::<Vec<Value>>())
    })?;
    paged(req, "stateMachineVersions", items)
}

/// The machine ARN and qualifier of a version or alias ARN.
fn qualified(arn: &str) -> Result<(String, String), ApiError> {
    match parts(arn, "stateMachine")?.as_slice() {
        [m, q] => Ok((m.to_string(), q.to_string())),
        _ => Err(ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'"))),
    }
}

fn delete_version(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineVersionArn")?;
    let (_, q) = qualified(&arn)?;
    let n: u64 = q
        .parse()
        .map_err(|_| ApiError::new("InvalidArn", format!("Invalid Arn: '{arn}'")))?;
    svc.update_machine(&arn, |m| {
        if m.aliases
            .values()
            .any(|a| a.routing.iter().any(|(v, _)| *v == n))
        {
            return Err(ApiError::new(
                "ConflictException",
                format!("Version '{arn}' is referenced by an alias; update the alias first"),
            ));
        }
        m.versions.retain(|v| v.version != n);
        Ok(())
    })?;
    Ok(json!({}))
}

fn routing_of(req: &Value) -> Result<Vec<(u64, u64)>, ApiError> {
    let list = req
        .get("routingConfiguration")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::validation("routingConfiguration is required"))?;
    let mut out = Vec::new();
    for r in list {
        let v = req_str(r, "stateMachineVersionArn")?;
        let (_, q) = qualified(&v)?;
        let n: u64 = q
            .parse()
            .map_err(|_| ApiError::new("InvalidArn", format!("Invalid Arn: '{v}'")))?;
        out.push((n, r.get("weight").and_then(Value::as_u64).unwrap_or(0)));
    }
    crate::versions::check_routing(&out)?;
    Ok(out)
}

fn alias_json(svc: &Arc<Service>, machine: &str, name: &str, a: &AliasRecord) -> Value {
    let base = svc.cfg.partition.machine(machine);
    let mut v = json!({
        "stateMachineAliasArn": format!("{base}:{name}"),
        "name": name,
        "routingConfiguration": a.routing.iter().map(|(v, w)| json!({"stateMachineVersionArn": format!("{base}:{v}"), "weight": w})).collect::<Vec<_>>(),
        "creationDate": epoch(a.created_ms),
    });
    if let Value::Object(m) = &mut v {
        if let Some(d) = &a.description {
            m.insert("description".into(), d.clone().into());
        }
        if let Some(u) = a.updated_ms {
            m.insert("updateDate".into(), epoch(u));
        }
    }
    v
}

fn create_alias(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let name = req_str(req, "name")?;
    crate::arn::check_name(&name, "alias")?;
    if name.parse::<u64>().is_ok() {
        return Err(ApiError::new(
            "InvalidName",
            "an alias name cannot be a number (numbers name versions)",
        ));
    }
    let routing = routing_of(req)?;
    let first = req["routingConfiguration"][0]["stateMachineVersionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let now = now_ms();
    let machine = svc.update_machine(&first, |m| {
        for (v, _) in &routing {
            if !m.versions.iter().any(|x| x.version == *v) {
                return Err(ApiError::new(
                    "ResourceNotFound",
                    format!("Version {v} of '{}' does not exist", m.name),
                ));
            }
        }
        if m.aliases.contains_key(&name) {
            return Err(ApiError::new(
                "ConflictException",
                format!("Alias '{name}' already exists"),
            ));
        }
        m.aliases.insert(
            name.clone(),
            AliasRecord {
                description: opt_str(req, "description"),
                routing: routing.clone(),
                created_ms: now,
                updated_ms: None,
            },
        );
        Ok(m.name.clone())
    })?;
    Ok(json!({
        "stateMachineAliasArn": format!("{}:{name}", svc.cfg.partition.machine(&machine)),
        "creationDate": epoch(now),
    }))
}

fn describe_alias(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineAliasArn")?;
    let (_, name) = qualified(&arn)?;
    svc.with_machine(&arn, |m, _| {
        let a = m.aliases.get(&name).ok_or_else(|| {
            ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
        })?;
        Ok(alias_json(svc, &m.name, &name, a))
    })
}

fn update_alias(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineAliasArn")?;
    let (_, name) = qualified(&arn)?;
    let routing = match req.get("routingConfiguration") {
        Some(_) => Some(routing_of(req)?),
        None => None,
    };
    let now = now_ms();
    svc.update_machine(&arn, |m| {
        if let Some(r) = &routing {
            for (v, _) in r {
                if !m.versions.iter().any(|x| x.version == *v) {
                    return Err(ApiError::new(
                        "ResourceNotFound",
                        format!("Version {v} of '{}' does not exist", m.name),
                    ));
                }
            }
        }
        let a = m.aliases.get_mut(&name).ok_or_else(|| {
            ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
        })?;
        if let Some(r) = routing {
            a.routing = r;
        }
        if let Some(d) = opt_str(req, "description") {
            a.description = Some(d);
        }
        a.updated_ms = Some(now);
        Ok(())
    })?;
    Ok(json!({ "updateDate": epoch(now) }))
}

fn delete_alias(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineAliasArn")?;
    let (_, name) = qualified(&arn)?;
    svc.update_machine(&arn, |m| {
        m.aliases.remove(&name);
        Ok(())
    })?;
    Ok(json!({}))
}

fn list_aliases(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineArn")?;
    let items = svc.with_machine(&arn, |m, _| {
        let base = svc.cfg.partition.machine(&m.name);
        Ok(m.aliases
            .iter()
            .map(|(n, a)| json!({"stateMachineAliasArn": format!("{base}:{n}"), "creationDate": epoch(a.created_ms)}))
            .collect::<Vec<Value>>())
    })?;
    paged(req, "stateMachineAliases", items)
}

fn tags(svc: &Arc<Service>, op: &str, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "resourceArn")?;
    let is_activity = parts(&arn, "activity").is_ok();
    let keys: Vec<String> = req
        .get("tagKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(String::from))
        .collect();
    let add = tags_of(req);
    let edit = |tags: &mut BTreeMap<String, String>| -> Value {
        match op {
            "TagResource" => {
                tags.extend(add.clone());
                json!({})
            }
            "UntagResource" => {
                for k in &keys {
                    tags.remove(k);
                }
                json!({})
            }
            _ => json!({ "tags": tag_list(tags) }),
        }
    };
    if is_activity {
        let name = crate::service::activity_name(&arn)?;
        let mut st = svc.lock();
        let a = st.activities.get_mut(&name).ok_or_else(|| {
            ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
        })?;
        let out = edit(&mut a.tags);
        svc.store()
            .put_activity(a)
            .map_err(|e| ApiError::internal(format!("cannot store the activity: {e}")))?;
        return Ok(out);
    }
    svc.update_machine(&arn, |m| Ok(edit(&mut m.tags)))
        .map_err(|e| match e.code {
            "StateMachineDoesNotExist" => {
                ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
            }
            _ => e,
        })
}

/// DescribeExecution's answer for a record.
pub(crate) fn describe_execution(rec: &ExecutionRecord, svc: &Service) -> Value {
    let mut m = Map::new();
    m.insert(
        "executionArn".into(),
        svc.cfg.partition.execution(&rec.machine, &rec.name).into(),
    );
    m.insert(
        "stateMachineArn".into(),
        svc.cfg.partition.machine(&rec.machine).into(),
    );
    m.insert("name".into(), rec.name.clone().into());
    m.insert("status".into(), rec.status.clone().into());
    m.insert("startDate".into(), epoch(rec.start_ms));
    if let Some(s) = rec.stop_ms {
        m.insert("stopDate".into(), epoch(s));
    }
    m.insert("input".into(), rec.input.clone().into());
    m.insert("inputDetails".into(), json!({"included": true}));
    if let Some(o) = &rec.output {
        m.insert("output".into(), o.clone().into());
        m.insert("outputDetails".into(), json!({"included": true}));
    }
    if let Some(e) = &rec.error {
        m.insert("error".into(), e.clone().into());
    }
    if let Some(c) = &rec.cause {
        m.insert("cause".into(), c.clone().into());
    }
    if let Some(v) = &rec.version_arn {
        m.insert("stateMachineVersionArn".into(), v.clone().into());
    }
    if let Some(a) = &rec.alias_arn {
        m.insert("stateMachineAliasArn".into(), a.clone().into());
    }
    m.insert("redriveCount".into(), rec.redrive_count.into());
    if let Some(r) = rec.redrive_ms {
        m.insert("redriveDate".into(), epoch(r));
    }
    match crate::service::not_redrivable(rec, crate::arn::now_ms()) {
        None => {
            m.insert("redriveStatus".into(), "REDRIVABLE".into());
        }
        Some(reason) => {
            m.insert("redriveStatus".into(), "NOT_REDRIVABLE".into());
            m.insert("redriveStatusReason".into(), reason.into());
        }
    }
    Value::Object(m)
}

fn describe_machine_for_execution(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let rec = svc.execution(&req_str(req, "executionArn")?)?;
    let mut out = json!({
        "stateMachineArn": svc.cfg.partition.machine(&rec.machine),
        "name": rec.machine,
        "definition": rec.definition,
        "roleArn": rec.role_arn,
        "updateDate": epoch(rec.start_ms),
    });
    if let (Value::Object(m), Some(v)) = (&mut out, &rec.version_arn) {
        m.insert("stateMachineVersionArn".into(), v.clone().into());
    }
    if let (Value::Object(m), Some(a)) = (&mut out, &rec.alias_arn) {
        m.insert("stateMachineAliasArn".into(), a.clone().into());
    }
    Ok(out)
}

fn list_executions(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "stateMachineArn")?;
    let (machine, qualifier, kind) =
        svc.with_machine(&arn, |m, q| Ok((m.name.clone(), q, m.kind.clone())))?;
    if kind == "EXPRESS" {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let status = opt_str(req, "statusFilter");
    if let Some(s) = &status
        && ![
            "RUNNING",
            "SUCCEEDED",
            "FAILED",
            "TIMED_OUT",
            "ABORTED",
            "PENDING_REDRIVE",
        ]
        .contains(&s.as_str())
    {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{s}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"
        )));
    }
    let redriven = match opt_str(req, "redriveFilter").as_deref() {
        None => None,
        Some("REDRIVEN") => Some(true),
        Some("NOT_REDRIVEN") => Some(false),
        Some(f) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{f}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"
            )));
        }
    };
    let items: Vec<Value> = svc
        .executions_of(&machine, |e| {
            status.as_deref().is_none_or(|s| e.status == s)
                && redriven.is_none_or(|r| (e.redrive_count > 0) == r)
                && match &qualifier {
                    None => true,
                    Some(_) => {
                        e.version_arn.as_deref() == Some(arn.as_str())
                            || e.alias_arn.as_deref() == Some(arn.as_str())
                    }
                }
        })
        .into_iter()
        .map(|e| {
            let mut v = json!({
                "executionArn": svc.cfg.partition.execution(&e.machine, &e.name),
                "stateMachineArn": svc.cfg.partition.machine(&e.machine),
                "name": e.name,
                "status": e.status,
                "startDate": epoch(e.start_ms),
                "redriveCount": e.redrive_count,
            });
            if let (Value::Object(m), Some(s)) = (&mut v, e.stop_ms) {
                m.insert("stopDate".into(), epoch(s));
            }
            if let (Value::Object(m), Some(r)) = (&mut v, e.redrive_ms) {
                m.insert("redriveDate".into(), epoch(r));
            }
            v
        })
        .collect();
    paged(req, "executions", items)
}

fn execution_history(svc: &Arc<Service>, req: &Value) -> Result<Value, ApiError> {
    let arn = req_str(req, "executionArn")?;
    let rec = svc.execution(&arn)?;
    let log = svc.store().log_path(&rec.machine, &rec.name);
    let mut events = history::events(&log)?;
    if req.get("reverseOrder").and_then(Value::as_bool) == Some(true) {
        events.reverse();
    }
    let include = req
        .get("includeExecutionData")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| history::to_api(e, include))
        .collect();
    paged(req, "events", events)
}
