//! The AWS side of `nexus deploy` (aws-sdk-sfn, cargo feature `aws`): read what is deployed,
//! then create or update, tag, publish and move the alias, in that order, saying which of
//! these steps were done when one fails.
//!
//! Configuration is aws-config's usual chain: `--profile`/`AWS_PROFILE` and the shared
//! files, environment credentials, SSO, credential processes, container and instance
//! metadata; `--region`/`AWS_REGION`; `--endpoint-url`/`AWS_ENDPOINT_URL_SFN`. Throttling
//! and transient errors are retried by the SDK's standard retry mode (3 attempts with
//! exponential back-off; `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE` change it).

use super::{Outcome, Plan};

/// Whether this binary can deploy.
pub const AVAILABLE: bool = cfg!(feature = "aws");

/// What to say when it cannot.
pub const MISSING: &str = "`nexus deploy` needs AWS support, which this nexus was built without (the default \
     `cargo install` build leaves the AWS SDK out to build quickly). Use a release binary or the \
     Python wheel (`pip install nexus-stepfunctions`), which include it, or build with \
     `cargo install --path cli --features aws`";

/// A failed deployment: the plan when it was made, what was done before the failure, and
/// the error.
pub type Failed = (Option<Plan>, Outcome, String);

#[cfg(not(feature = "aws"))]
pub fn deploy(_desired: &super::Desired, _dry_run: bool) -> Result<(Plan, Outcome), Failed> {
    Err((None, Outcome::default(), MISSING.to_string()))
}

#[cfg(feature = "aws")]
pub use with_sdk::deploy;

#[cfg(feature = "aws")]
mod with_sdk {
    use std::collections::BTreeMap;

    use aws_sdk_sfn::Client;
    use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
    use aws_sdk_sfn::types::{
        CloudWatchLogsLogGroup, EncryptionConfiguration, EncryptionType, LogDestination, LogLevel,
        LoggingConfiguration, RoutingConfigurationListItem, StateMachineType, Tag,
        TracingConfiguration,
    };
    use serde_json::{Value, json};

    use super::super::{Deployed, Desired, Outcome, Plan, Publish, VersionInfo, VersionRef, plan};
    use super::Failed;

    /// An SDK error as one clear sentence: the operation, AWS's code and message, and what
    /// usually fixes it.
    fn explain<E, R>(op: &str, e: &SdkError<E, R>) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = e.code();
        let hint = match code {
            Some("AccessDeniedException") | Some("AccessDenied") => {
                " (the credentials in use are not allowed this call: check the profile and the IAM policy)"
            }
            Some("UnrecognizedClientException")
            | Some("InvalidClientTokenId")
            | Some("InvalidSignatureException")
            | Some("ExpiredTokenException") => {
                " (the credentials are not valid here: check AWS_PROFILE / AWS_ACCESS_KEY_ID, or refresh the session)"
            }
            Some("ThrottlingException") | Some("TooManyRequestsException") => {
                " (Step Functions kept throttling after the SDK's retries; try again later or raise AWS_MAX_ATTEMPTS)"
            }
            Some("InvalidArn") => " (a role, log group or key ARN is malformed)",
            Some("InvalidDefinition") => {
                " (Step Functions rejected the definition; `nexus lint` should have caught this, please report it)"
            }
            Some("InvalidLoggingConfiguration") => {
                " (check --log-group-arn: a log group ARN ending in `:*`, which the role may write to)"
            }
            Some("InvalidEncryptionConfiguration")
            | Some("KmsAccessDeniedException")
            | Some("KmsInvalidStateException")
            | Some("KmsThrottlingException") => {
                " (check --kms-key-id and that the role may use the key)"
            }
            _ => "",
        };
        match (code, e.message()) {
            (Some(c), Some(m)) => format!("{op} failed: {c}: {m}{hint}"),
            (Some(c), None) => format!("{op} failed: {c}{hint}"),
            _ => format!(
                "{op} failed: {} (is the endpoint reachable and are credentials configured?)",
                DisplayErrorContext(e)
            ),
        }
    }

    fn is_code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>, codes: &[&str]) -> bool {
        e.code().is_some_and(|c| codes.contains(&c))
    }

    async fn client(desired: &Desired) -> Result<Client, String> {
        let c = &desired.connection;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(p) = &c.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &c.region {
            loader = loader.region(aws_sdk_sfn::config::Region::new(r.clone()));
        }
        if let Some(u) = &c.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(
                "no AWS region: give --region, set AWS_REGION, or set `region` in the profile (or in [deploy.<name>] of nexus.toml)"
                    .into(),
            );
        }
        Ok(Client::new(&config))
    }

    /// The machine named `name`, found with ListStateMachines (the account id, needed to
    /// build its ARN, is not known up front).
    async fn find_machine(client: &Client, name: &str) -> Result<Option<String>, String> {
        let mut pages = client.list_state_machines().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| explain("ListStateMachines", &e))?;
            if let Some(m) = page.state_machines().iter().find(|m| m.name() == name) {
                return Ok(Some(m.state_machine_arn().to_string()));
            }
        }
        Ok(None)
    }

    fn logging_json(l: Option<&LoggingConfiguration>) -> Value {
        let Some(l) = l else {
            return json!({"level": "OFF", "includeExecutionData": false});
        };
        let mut v = json!({
            "level": l.level().map_or("OFF", |x| x.as_str()),
            "includeExecutionData": l.include_execution_data(),
        });
        let dests: Vec<Value> = l
            .destinations()
            .iter()
            .map(|d| {
                json!({"cloudWatchLogsLogGroup": {"logGroupArn": d.cloud_watch_logs_log_group().and_then(|g| g.log_group_arn())}})
            })
            .collect();
        if !dests.is_empty() {
            v["destinations"] = Value::Array(dests);
        }
        v
    }

    fn encryption_json(e: Option<&EncryptionConfiguration>) -> Value {
        let Some(e) = e else {
            return json!({"type": "AWS_OWNED_KEY"});
        };
        let mut v = json!({"type": e.r#type().as_str()});
        if let Some(k) = e.kms_key_id() {
            v["kmsKeyId"] = k.into();
        }
        if let Some(r) = e.kms_data_key_reuse_period_seconds() {
            v["kmsDataKeyReusePeriodSeconds"] = r.into();
        }
        v
    }

    fn logging_sdk(v: &Value) -> LoggingConfiguration {
        let mut b = LoggingConfiguration::builder()
            .level(LogLevel::from(v["level"].as_str().unwrap_or("OFF")))
            .include_execution_data(v["includeExecutionData"].as_bool().unwrap_or(false));
        for d in v["destinations"].as_array().into_iter().flatten() {
            if let Some(arn) = d
                .pointer("/cloudWatchLogsLogGroup/logGroupArn")
                .and_then(Value::as_str)
            {
                b = b.destinations(
                    LogDestination::builder()
                        .cloud_watch_logs_log_group(
                            CloudWatchLogsLogGroup::builder().log_group_arn(arn).build(),
                        )
                        .build(),
                );
            }
        }
        b.build()
    }

    fn tracing_sdk(v: &Value) -> TracingConfiguration {
        TracingConfiguration::builder()
            .enabled(v["enabled"].as_bool().unwrap_or(false))
            .build()
    }

    fn encryption_sdk(v: &Value) -> Result<EncryptionConfiguration, String> {
        let mut b = EncryptionConfiguration::builder().r#type(EncryptionType::from(
            v["type"].as_str().unwrap_or("AWS_OWNED_KEY"),
        ));
        if let Some(k) = v["kmsKeyId"].as_str() {
            b = b.kms_key_id(k);
        }
        if let Some(r) = v["kmsDataKeyReusePeriodSeconds"].as_i64() {
            b = b.kms_data_key_reuse_period_seconds(i32::try_from(r).unwrap_or(300));
        }
        b.build()
            .map_err(|e| format!("encryption configuration: {e}"))
    }

    /// Everything deploy compares, read with Describe/List calls only.
    async fn read(client: &Client, arn: &str, alias: Option<&str>) -> Result<Deployed, String> {
        let m = client
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .map_err(|e| explain("DescribeStateMachine", &e))?;
        let tags = client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| explain("ListTagsForResource", &e))?
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect::<BTreeMap<_, _>>();
        let versions = client
            .list_state_machine_versions()
            .state_machine_arn(arn)
            .max_results(1)
            .send()
            .await
            .map_err(|e| explain("ListStateMachineVersions", &e))?;
        let latest_version = match versions.state_machine_versions().first() {
            None => None,
            Some(v) => {
                let varn = v.state_machine_version_arn();
                let d = client
                    .describe_state_machine()
                    .state_machine_arn(varn)
                    .send()
                    .await
                    .map_err(|e| explain("DescribeStateMachine (version)", &e))?;
                Some(VersionInfo {
                    arn: varn.to_string(),
                    definition: d.definition().to_string(),
                    role_arn: d.role_arn().to_string(),
                    revision_id: d.revision_id().map(str::to_string),
                })
            }
        };
        let alias = match alias {
            None => None,
            Some(name) => {
                match client
                    .describe_state_machine_alias()
                    .state_machine_alias_arn(format!("{arn}:{name}"))
                    .send()
                    .await
                {
                    Ok(a) => Some(
                        a.routing_configuration()
                            .iter()
                            .map(|r| {
                                (
                                    r.state_machine_version_arn().to_string(),
                                    u8::try_from(r.weight()).unwrap_or(0),
                                )
                            })
                            .collect(),
                    ),
                    Err(e) if is_code(&e, &["ResourceNotFound", "ResourceNotFoundException"]) => {
                        None
                    }
                    Err(e) => return Err(explain("DescribeStateMachineAlias", &e)),
                }
            }
        };
        Ok(Deployed {
            arn: arn.to_string(),
            definition: m.definition().to_string(),
            role_arn: m.role_arn().to_string(),
            machine_type: m.r#type().as_str().to_string(),
            logging: logging_json(m.logging_configuration()),
            tracing: json!({"enabled": m.tracing_configuration().is_some_and(|t| t.enabled())}),
            encryption: encryption_json(m.encryption_configuration()),
            revision_id: m.revision_id().map(str::to_string),
            tags,
            latest_version,
            alias,
        })
    }

    pub fn deploy(desired: &Desired, dry_run: bool) -> Result<(Plan, Outcome), Failed> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                (
                    None,
                    Outcome::default(),
                    format!("cannot start the AWS client: {e}"),
                )
            })?;
        runtime.block_on(run(desired, dry_run))
    }

    async fn run(desired: &Desired, dry_run: bool) -> Result<(Plan, Outcome), Failed> {
        let fail = |e: String| {
            (
                None,
                Outcome::default(),
                format!("{e}; nothing was changed"),
            )
        };
        let client = client(desired).await.map_err(fail)?;
        let arn = find_machine(&client, &desired.name).await.map_err(fail)?;
        let deployed = match &arn {
            Some(arn) => Some(
                read(
                    &client,
                    arn,
                    desired.alias.as_ref().map(|a| a.name.as_str()),
                )
                .await
                .map_err(fail)?,
            ),
            None => None,
        };
        let plan = plan(desired, deployed.as_ref()).map_err(fail)?;
        let mut outcome = Outcome {
            arn: arn.clone(),
            ..Outcome::default()
        };
        if let Some(a) = &plan.alias {
            outcome.alias_routing = a.before.clone();
        }
        if dry_run || plan.is_noop() {
            if let (Some(arn), Some(a)) = (&arn, &plan.alias) {
                outcome.alias_arn = Some(format!("{arn}:{}", a.name));
            }
            if let Publish::Reuse(v) = &plan.publish {
                outcome.version_arn = Some(v.clone());
            }
            return Ok((plan, outcome));
        }
        match apply(&client, desired, &plan, &mut outcome).await {
            Ok(()) => Ok((plan, outcome)),
            Err(e) => {
                let e = if outcome.done.is_empty() {
                    format!("{e}; nothing was changed")
                } else {
                    format!(
                        "{e}. PARTLY DEPLOYED: done before the failure: {}; run `nexus deploy` again to finish (it only does what is missing)",
                        outcome.done.join(", ")
                    )
                };
                Err((Some(plan), outcome, e))
            }
        }
    }

    async fn apply(
        client: &Client,
        desired: &Desired,
        plan: &Plan,
        outcome: &mut Outcome,
    ) -> Result<(), String> {
        let definition = desired.definition_text();
        let publish_now = matches!(plan.publish, Publish::New);
        let changed = |f: &str| plan.changes.iter().any(|c| c.field == f);
        if plan.create {
            let mut req = client
                .create_state_machine()
                .name(&desired.name)
                .definition(&definition)
                .role_arn(desired.role_arn.clone().unwrap_or_default())
                .r#type(StateMachineType::from(desired.machine_type))
                .publish(publish_now);
            if let Some(l) = &desired.logging {
                req = req.logging_configuration(logging_sdk(l));
            }
            if let Some(t) = &desired.tracing {
                req = req.tracing_configuration(tracing_sdk(t));
            }
            if let Some(e) = &desired.encryption {
                req = req.encryption_configuration(encryption_sdk(e)?);
            }
            if publish_now && let Some(d) = &desired.description {
                req = req.version_description(d);
            }
            for (k, v) in &desired.tags {
                req = req.tags(Tag::builder().key(k).value(v).build());
            }
            let out = req
                .send()
                .await
                .map_err(|e| explain("CreateStateMachine", &e))?;
            outcome.arn = Some(out.state_machine_arn().to_string());
            outcome.version_arn = out.state_machine_version_arn().map(str::to_string);
            outcome.done.push(format!(
                "created {}{}",
                out.state_machine_arn(),
                outcome
                    .version_arn
                    .as_deref()
                    .map(|v| format!(" and published {v}"))
                    .unwrap_or_default()
            ));
        } else if !plan.changes.is_empty() {
            let arn = outcome.arn.clone().unwrap_or_default();
            let mut req = client
                .update_state_machine()
                .state_machine_arn(&arn)
                .publish(publish_now);
            if changed("definition") {
                req = req.definition(&definition);
            }
            if changed("roleArn")
                && let Some(r) = &desired.role_arn
            {
                req = req.role_arn(r);
            }
            if changed("loggingConfiguration")
                && let Some(l) = &desired.logging
            {
                req = req.logging_configuration(logging_sdk(l));
            }
            if changed("tracingConfiguration")
                && let Some(t) = &desired.tracing
            {
                req = req.tracing_configuration(tracing_sdk(t));
            }
            if changed("encryptionConfiguration")
                && let Some(e) = &desired.encryption
            {
                req = req.encryption_configuration(encryption_sdk(e)?);
            }
            if publish_now && let Some(d) = &desired.description {
                req = req.version_description(d);
            }
            let out = req
                .send()
                .await
                .map_err(|e| explain("UpdateStateMachine", &e))?;
            outcome.version_arn = out.state_machine_version_arn().map(str::to_string);
            outcome.done.push(format!(
                "updated {arn}{}",
                outcome
                    .version_arn
                    .as_deref()
                    .map(|v| format!(" and published {v}"))
                    .unwrap_or_default()
            ));
        } else if publish_now {
            let arn = outcome.arn.clone().unwrap_or_default();
            let mut req = client
                .publish_state_machine_version()
                .state_machine_arn(&arn);
            if let Some(d) = &desired.description {
                req = req.description(d);
            }
            let out = req
                .send()
                .await
                .map_err(|e| explain("PublishStateMachineVersion", &e))?;
            outcome.version_arn = Some(out.state_machine_version_arn().to_string());
            outcome
                .done
                .push(format!("published {}", out.state_machine_version_arn()));
        }
        if let Publish::Reuse(v) = &plan.publish {
            outcome.version_arn = Some(v.clone());
        }
        let arn = outcome.arn.clone().unwrap_or_default();
        if !plan.create && !plan.tags.is_empty() {
            let mut req = client.tag_resource().resource_arn(&arn);
            for (k, v) in &plan.tags {
                req = req.tags(Tag::builder().key(k).value(v).build());
            }
            req.send().await.map_err(|e| explain("TagResource", &e))?;
            outcome.done.push(format!(
                "tagged {}",
                plan.tags
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(a) = plan.alias.as_ref() {
            let alias_arn = format!("{arn}:{}", a.name);
            outcome.alias_arn = Some(alias_arn.clone());
            if !a.change {
                return Ok(());
            }
            let mut routes = Vec::new();
            for (r, w) in &a.after {
                let v = match r {
                    VersionRef::New => outcome.version_arn.clone().ok_or_else(|| {
                        "no version was published for the alias to point at".to_string()
                    })?,
                    VersionRef::Existing(v) => v.clone(),
                };
                routes.push((v, *w));
            }
            let items = routes
                .iter()
                .map(|(v, w)| {
                    RoutingConfigurationListItem::builder()
                        .state_machine_version_arn(v)
                        .weight(i32::from(*w))
                        .build()
                        .map_err(|e| format!("alias routing: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if a.exists {
                client
                    .update_state_machine_alias()
                    .state_machine_alias_arn(&alias_arn)
                    .set_routing_configuration(Some(items))
                    .send()
                    .await
                    .map_err(|e| explain("UpdateStateMachineAlias", &e))?;
            } else {
                let mut req = client
                    .create_state_machine_alias()
                    .name(&a.name)
                    .set_routing_configuration(Some(items));
                if let Some(d) = &desired.description {
                    req = req.description(d);
                }
                let out = req
                    .send()
                    .await
                    .map_err(|e| explain("CreateStateMachineAlias", &e))?;
                outcome.alias_arn = Some(out.state_machine_alias_arn().to_string());
            }
            outcome.done.push(format!(
                "alias {} -> {}",
                a.name,
                super::super::routing_text(&routes)
            ));
            outcome.alias_routing = routes;
        }
        Ok(())
    }
}
