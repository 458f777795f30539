//! `--arn`: read a deployed state machine's definition with Step Functions'
//! `DescribeStateMachine` (aws-sdk-sfn, behind the opt-in cargo feature `aws`, so the default
//! build carries no AWS SDK).
//!
//! Credentials and region come from the usual chain of aws-config (environment variables,
//! `AWS_PROFILE` and the shared config/credentials files, credential processes, container and
//! instance metadata). The machine's own region, from its ARN, wins over the configured one,
//! since the call can only succeed there. `--endpoint-url` (or `AWS_ENDPOINT_URL_SFN` /
//! `AWS_ENDPOINT_URL`) points the client at a local Step Functions-compatible service.

/// What `DescribeStateMachine` told us.
pub struct Described {
    /// The machine's name (becomes the workflow's `name:`).
    pub name: String,
    /// The ASL definition, as JSON text.
    pub definition: String,
}

/// `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION]` → `REGION`.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
fn region_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn") && parts.next().is_some() && parts.next() == Some("states"))
        .then(|| parts.next())
        .flatten()
        .filter(|r| !r.is_empty())
}

#[cfg(feature = "aws")]
pub fn describe(arn: &str, endpoint_url: Option<&str>) -> Result<Described, String> {
    use aws_sdk_sfn::config::Region;
    use aws_sdk_sfn::error::DisplayErrorContext;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the AWS client: {e}"))?;
    runtime.block_on(async {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region_of(arn) {
            loader = loader.region(Region::new(region.to_string()));
        }
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(format!(
                "no AWS region for {arn}: set AWS_REGION or give a state machine ARN"
            ));
        }
        let client = aws_sdk_sfn::Client::new(&config);
        let out = client
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .map_err(|e| format!("DescribeStateMachine {arn}: {}", DisplayErrorContext(&e)))?;
        Ok(Described {
            name: out.name().to_string(),
            definition: out.definition().to_string(),
        })
    })
}

#[cfg(not(feature = "aws"))]
pub fn describe(arn: &str, endpoint_url: Option<&str>) -> Result<Described, String> {
    let _ = (arn, endpoint_url);
    Err(
        "--arn needs AWS support, which this nexus was built without; rebuild with \
         `cargo install --path cli --features aws` (or `cargo build --release -p nexus-cli \
         --features aws`)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::region_of;

    #[test]
    fn reads_the_region_of_a_state_machine_arn() {
        assert_eq!(
            region_of("arn:aws:states:eu-west-1:123456789012:stateMachine:Orders"),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of("arn:aws-cn:states:cn-north-1:1:stateMachine:X:3"),
            Some("cn-north-1")
        );
        assert_eq!(region_of("arn:aws:lambda:us-east-1:1:function:f"), None);
        assert_eq!(region_of("Orders"), None);
    }
}
