//! `nexus deploy` end to end. With the `aws` feature: against `nexus serve` (create, update,
//! no-op redeploy, publish + alias + canary, dry-run diff, nexus.toml, errors) and against a
//! scripted Step Functions stand-in for what serve cannot be made to do (throttling, a
//! failure half way). Without it: the clear error that says how to get a binary that can.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

fn nexus() -> Command {
    let mut c = Command::cargo_bin("nexus").unwrap();
    c.env_remove("NEXUS_FORMAT");
    c
}

#[cfg(not(feature = "aws"))]
#[test]
fn without_the_aws_feature_deploy_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("w.asl.json");
    std::fs::write(
        &f,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#,
    )
    .unwrap();
    let out = nexus().arg("deploy").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features aws"), "{err}");
    assert!(err.contains("release binary"), "{err}");
}

#[cfg(feature = "aws")]
pub(crate) mod with_aws {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::Path;
    use std::process::{Child, Stdio};
    use std::sync::{Arc, Mutex};

    use serde_json::{Value, json};

    const ROLE: &str = "arn:aws:iam::123456789012:role/orders";

    /// A `nexus serve` on a free port with its own data directory, stopped on drop.
    pub(crate) struct Serve {
        child: Child,
        pub(crate) url: String,
        _data: tempfile::TempDir,
    }

    impl Serve {
        pub(crate) fn start() -> Self {
            let data = tempfile::tempdir().unwrap();
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nexus"))
                .args(["serve", "--port", "0", "--data-dir"])
                .arg(data.path())
                .stderr(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
            let url = loop {
                let line = lines.next().expect("nexus serve ended").unwrap();
                if let Some(rest) = line.strip_prefix("nexus serve: listening on ") {
                    break rest.split_whitespace().next().unwrap().to_string();
                }
            };
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            Self {
                child,
                url,
                _data: data,
            }
        }

        /// One Step Functions API call, straight over HTTP (not through nexus deploy).
        fn call(&self, op: &str, body: Value) -> Value {
            let (status, text) = post(&self.url, op, &body.to_string());
            assert_eq!(status, 200, "{op}: {text}");
            serde_json::from_str(&text).unwrap()
        }
    }

    impl Drop for Serve {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn post(url: &str, op: &str, body: &str) -> (u16, String) {
        let addr = url.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: {addr}\r\nX-Amz-Target: AWSStepFunctions.{op}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status = resp
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = resp.split_once("\r\n\r\n").map_or("", |x| x.1);
        // A chunked answer: the JSON object sits between the chunk sizes.
        let body = match (body.find('{'), body.rfind('}')) {
            (Some(a), Some(b)) => body[a..=b].to_string(),
            _ => body.to_string(),
        };
        (status, body)
    }

    /// `nexus deploy` with test credentials and nothing from the user's AWS configuration.
    fn deploy(dir: &Path, endpoint: &str) -> Command {
        let mut c = nexus();
        c.current_dir(dir)
            .arg("deploy")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_SFN", endpoint)
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_MAX_ATTEMPTS");
        c
    }

    fn json_of(out: &std::process::Output) -> Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    fn workflow(state: &str) -> String {
        format!(
            r#"version: "1.0"
name: orders
timeout_seconds: 300
states:
  - name: {state}
    type: pass
    result: {{ok: true}}
    end: true
"#
        )
    }

    const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";

    #[test]
    fn create_noop_update_and_dry_run() {
        let serve = Serve::start();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.nexus.yaml"), workflow("Accept")).unwrap();

        // Create.
        let out = deploy(dir.path(), &serve.url)
            .args(["orders.nexus.yaml", "--role-arn", ROLE, "--format", "json"])
            .args(["--tracing", "--tag", "team=payments"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j = json_of(&out);
        let d = &j["deployments"][0];
        assert_eq!(d["action"], "create");
        assert_eq!(d["arn"], MACHINE);
        let m = serve.call("DescribeStateMachine", json!({"stateMachineArn": MACHINE}));
        let def: Value = serde_json::from_str(m["definition"].as_str().unwrap()).unwrap();
        assert_eq!(def["StartAt"], "Accept");
        assert_eq!(def["TimeoutSeconds"], 300);
        assert_eq!(m["roleArn"], ROLE);
        assert_eq!(m["tracingConfiguration"]["enabled"], true);
        let tags = serve.call("ListTagsForResource", json!({"resourceArn": MACHINE}));
        assert_eq!(tags["tags"], json!([{"key": "team", "value": "payments"}]));
        let revision = m["revisionId"].clone();

        // The same again: nothing is written.
        let out = deploy(dir.path(), &serve.url)
            .args([
                "orders.nexus.yaml",
                "--role-arn",
                ROLE,
                "--tracing",
                "--tag",
                "team=payments",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("is up to date; nothing changed"), "{text}");
        let m = serve.call("DescribeStateMachine", json!({"stateMachineArn": MACHINE}));
        assert_eq!(m["revisionId"], revision);

        // A dry run of a change prints the diff and changes nothing.
        std::fs::write(dir.path().join("orders.nexus.yaml"), workflow("Receive")).unwrap();
        let out = deploy(dir.path(), &serve.url)
            .args(["orders.nexus.yaml", "--dry-run", "--log-level", "ALL"])
            .args([
                "--log-group-arn",
                "arn:aws:logs:us-east-1:123456789012:log-group:orders:*",
            ])
            .arg("--include-execution-data")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("would update {MACHINE}")), "{text}");
        assert!(text.contains("-  \"StartAt\": \"Accept\","), "{text}");
        assert!(text.contains("+  \"StartAt\": \"Receive\","), "{text}");
        assert!(
            text.contains(
                "loggingConfiguration: {\"includeExecutionData\":false,\"level\":\"OFF\"}"
            ) || text.contains("loggingConfiguration: {\"level\":\"OFF\""),
            "{text}"
        );
        let m = serve.call("DescribeStateMachine", json!({"stateMachineArn": MACHINE}));
        assert_eq!(m["revisionId"], revision);

        // Update: the definition and the logging change, the role stays.
        let out = deploy(dir.path(), &serve.url)
            .args([
                "orders.nexus.yaml",
                "--format",
                "json",
                "--log-level",
                "ALL",
            ])
            .args([
                "--log-group-arn",
                "arn:aws:logs:us-east-1:123456789012:log-group:orders:*",
            ])
            .arg("--include-execution-data")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j = json_of(&out);
        let d = &j["deployments"][0];
        assert_eq!(d["action"], "update");
        let fields: Vec<&str> = d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["definition", "loggingConfiguration"]);
        assert!(
            d["definition_diff"]
                .as_str()
                .unwrap()
                .contains("+  \"StartAt\": \"Receive\",")
        );
        let m = serve.call("DescribeStateMachine", json!({"stateMachineArn": MACHINE}));
        assert_ne!(m["revisionId"], revision);
        assert!(m["definition"].as_str().unwrap().contains("Receive"));
        assert_eq!(m["loggingConfiguration"]["level"], "ALL");
        assert_eq!(m["loggingConfiguration"]["includeExecutionData"], true);
        assert_eq!(m["roleArn"], ROLE);
    }

    #[test]
    fn publish_alias_and_canary_weights() {
        let serve = Serve::start();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("orders.nexus.yaml");
        std::fs::write(&file, workflow("One")).unwrap();
        let run = |extra: &[&str]| {
            let out = deploy(dir.path(), &serve.url)
                .args(["orders.nexus.yaml", "--role-arn", ROLE, "--format", "json"])
                .args(extra)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            json_of(&out)["deployments"][0].clone()
        };
        let alias = format!("{MACHINE}:live");
        let routing = || {
            let mut r: Vec<(String, u64)> = serve.call(
                "DescribeStateMachineAlias",
                json!({"stateMachineAliasArn": alias}),
            )["routingConfiguration"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    (
                        x["stateMachineVersionArn"].as_str().unwrap().to_string(),
                        x["weight"].as_u64().unwrap(),
                    )
                })
                .collect();
            r.sort();
            r
        };

        let d = run(&["--alias", "live", "--description", "first"]);
        assert_eq!(d["version"]["arn"], format!("{MACHINE}:1"));
        assert_eq!(d["alias"]["action"], "create");
        assert_eq!(routing(), [(format!("{MACHINE}:1"), 100)]);
        let v1 = serve.call(
            "DescribeStateMachine",
            json!({"stateMachineArn": format!("{MACHINE}:1")}),
        );
        assert_eq!(v1["description"], "first");

        // The same deploy: version 1 holds this revision, the alias already points at it.
        let d = run(&["--alias", "live"]);
        assert_eq!(d["action"], "none");
        assert_eq!(
            d["version"],
            json!({"arn": format!("{MACHINE}:1"), "published": false})
        );
        assert_eq!(d["alias"]["action"], "none");
        let versions = serve.call(
            "ListStateMachineVersions",
            json!({"stateMachineArn": MACHINE}),
        );
        assert_eq!(
            versions["stateMachineVersions"].as_array().unwrap().len(),
            1
        );

        // A canary: 10% to the new version 2, 90% stays on version 1.
        std::fs::write(&file, workflow("Two")).unwrap();
        let d = run(&["--alias", "live=new:10"]);
        assert_eq!(d["action"], "update");
        assert_eq!(d["version"]["arn"], format!("{MACHINE}:2"));
        assert_eq!(
            routing(),
            [(format!("{MACHINE}:1"), 90), (format!("{MACHINE}:2"), 10)]
        );
        // Repeating the canary changes nothing.
        let d = run(&["--alias", "live=new:10"]);
        assert_eq!(d["action"], "none");
        assert_eq!(
            routing(),
            [(format!("{MACHINE}:1"), 90), (format!("{MACHINE}:2"), 10)]
        );
        // Promote: all executions to version 2.
        let d = run(&["--alias", "live"]);
        assert_eq!(d["alias"]["action"], "update");
        assert_eq!(routing(), [(format!("{MACHINE}:2"), 100)]);
        // Executions through the alias run the version it routes to.
        let e = serve.call(
            "StartExecution",
            json!({"stateMachineArn": alias, "input": "{}"}),
        );
        let mut status = Value::Null;
        for _ in 0..100 {
            let d = serve.call(
                "DescribeExecution",
                json!({"executionArn": e["executionArn"]}),
            );
            status = d["status"].clone();
            if status != "RUNNING" {
                assert_eq!(d["stateMachineVersionArn"], format!("{MACHINE}:2"), "{d}");
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(status, "SUCCEEDED");
    }

    #[test]
    fn nexus_toml_deploys_with_no_flags() {
        let serve = Serve::start();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("flows")).unwrap();
        std::fs::write(
            dir.path().join("flows/orders.nexus.yaml"),
            workflow("Accept"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("nexus.toml"),
            format!(
                r#"[deploy.orders-prod]
file = "flows/orders.nexus.yaml"
role_arn = "{ROLE}"
type = "express"
tracing = true
log_level = "ERROR"
log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:orders:*"
include_execution_data = true
tags = {{ team = "payments" }}
alias = "live"
endpoint_url = "{}"
"#,
                serve.url
            ),
        )
        .unwrap();
        let out = deploy(dir.path(), "http://127.0.0.1:9").output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("created EXPRESS state machine"), "{text}");
        let arn = "arn:aws:states:us-east-1:123456789012:stateMachine:orders-prod";
        let m = serve.call("DescribeStateMachine", json!({"stateMachineArn": arn}));
        assert_eq!(m["type"], "EXPRESS");
        assert_eq!(m["loggingConfiguration"]["level"], "ERROR");
        // Again, by file: the section applies, nothing changes.
        let out = deploy(dir.path(), "http://127.0.0.1:9")
            .arg("flows/orders.nexus.yaml")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    }

    #[test]
    fn errors_are_clear_and_exit_2() {
        let serve = Serve::start();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.nexus.yaml"), workflow("Accept")).unwrap();
        // A lint error refuses the deploy (exit 1) and nothing is created.
        std::fs::write(
            dir.path().join("broken.asl.json"),
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}"#,
        )
        .unwrap();
        let out = deploy(dir.path(), &serve.url)
            .args(["broken.asl.json", "--role-arn", ROLE])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("refuse the deploy"), "{err}");
        assert!(err.contains("Nowhere"), "{err}");
        let list = serve.call("ListStateMachines", json!({}));
        assert_eq!(list["stateMachines"], json!([]));

        let fails = |args: &[&str], env: &[(&str, &str)], want: &str| {
            let mut c = deploy(dir.path(), &serve.url);
            c.args(args);
            for (k, v) in env {
                c.env(k, v);
            }
            let out = c.output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(want), "{args:?}: {err}");
        };
        // AWS rejects the role ARN.
        fails(
            &["orders.nexus.yaml", "--role-arn", "orders-role"],
            &[],
            "CreateStateMachine failed: InvalidArn",
        );
        // No role to create with.
        fails(&["orders.nexus.yaml"], &[], "needs an execution role");
        // The type of an existing machine.
        deploy(dir.path(), &serve.url)
            .args(["orders.nexus.yaml", "--role-arn", ROLE])
            .assert()
            .success();
        fails(
            &["orders.nexus.yaml", "--type", "express"],
            &[],
            "cannot become EXPRESS",
        );
        // Settings that cannot work.
        fails(
            &["orders.nexus.yaml", "--log-level", "ALL"],
            &[],
            "needs a CloudWatch Logs destination",
        );
        fails(
            &["orders.nexus.yaml", "--alias", "live=new:150"],
            &[],
            "NAME=new:PERCENT",
        );
        // No region anywhere.
        let mut c = deploy(dir.path(), &serve.url);
        let out = c
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .arg("orders.nexus.yaml")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no AWS region"));
        // Nothing listening.
        fails(
            &["orders.nexus.yaml", "--endpoint-url", "http://127.0.0.1:9"],
            &[("AWS_MAX_ATTEMPTS", "1")],
            "ListStateMachines failed",
        );
        // A template is deployed by its own tool.
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/invalid/NX316-tracing-disabled/sam.yaml"),
            dir.path().join("template.yaml"),
        )
        .unwrap();
        fails(&["template.yaml"], &[], "deploy it with its own tool");
    }

    /// A stand-in for Step Functions that answers each operation from `script` (status,
    /// body) and counts the calls.
    fn fake(
        script: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
    ) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let mut reader = BufReader::new(s.try_clone().unwrap());
                let mut op = String::new();
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("x-amz-target:") {
                        let v = line[line.len() - v.len()..].trim();
                        op = v.trim_start_matches("AWSStepFunctions.").to_string();
                    } else if let Some(v) = lower.strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                seen.lock().unwrap().push(op.clone());
                let (status, body) = script(&op);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, calls)
    }

    #[test]
    fn throttling_is_retried_then_reported() {
        let (url, calls) = fake(|_| {
            (
                400,
                r#"{"__type":"com.amazonaws.swf.base.model#ThrottlingException","message":"Rate exceeded"}"#.into(),
            )
        });
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.nexus.yaml"), workflow("Accept")).unwrap();
        let out = deploy(dir.path(), &url)
            .args(["orders.nexus.yaml", "--role-arn", ROLE])
            .env("AWS_MAX_ATTEMPTS", "2")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("ListStateMachines failed: ThrottlingException: Rate exceeded"),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(
            *calls.lock().unwrap(),
            ["ListStateMachines", "ListStateMachines"]
        );
    }

    #[test]
    fn a_failure_half_way_says_what_was_deployed() {
        let (url, calls) = fake(|op| match op {
            "ListStateMachines" => (200, r#"{"stateMachines": []}"#.into()),
            "CreateStateMachine" => (
                200,
                format!(
                    r#"{{"stateMachineArn": "{MACHINE}", "creationDate": 1700000000, "stateMachineVersionArn": "{MACHINE}:1"}}"#
                ),
            ),
            _ => (
                400,
                r#"{"__type":"AccessDeniedException","message":"not allowed to create aliases"}"#
                    .into(),
            ),
        });
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("orders.nexus.yaml"), workflow("Accept")).unwrap();
        let out = deploy(dir.path(), &url)
            .args(["orders.nexus.yaml", "--role-arn", ROLE, "--alias", "live"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("CreateStateMachineAlias failed: AccessDeniedException: not allowed to create aliases"),
            "{err}"
        );
        assert!(err.contains("PARTLY DEPLOYED"), "{err}");
        assert!(
            err.contains(&format!("created {MACHINE} and published {MACHINE}:1")),
            "{err}"
        );
        assert_eq!(
            *calls.lock().unwrap(),
            [
                "ListStateMachines",
                "CreateStateMachine",
                "CreateStateMachineAlias"
            ]
        );
    }
}
