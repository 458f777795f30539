//! `nexus policy test`: run the `test_*` rules of `*_test.rego` files, like `opa test` and
//! `conftest verify`. A test passes when its rule is `true`; `false`, undefined or an error
//! fails it. With coverage on, regorus records which policy lines ran.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::rego::{self, RegoSource, RegoVersion};
use super::{PolicyError, bundled, collect_files};

/// One test's result.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// `data.pkg.test_name`.
    pub rule: String,
    pub file: String,
    pub passed: bool,
    /// Why it failed: `false`, undefined, or the error text.
    pub failure: Option<String>,
    pub duration: Duration,
}

/// Line coverage of one policy file.
#[derive(Clone, Debug)]
pub struct FileCoverage {
    pub path: String,
    pub covered: Vec<u32>,
    pub not_covered: Vec<u32>,
    /// regorus's own rendering (covered lines green, others red).
    pub pretty: String,
}

/// Everything a test run found.
#[derive(Clone, Debug, Default)]
pub struct TestReport {
    pub tests: Vec<TestOutcome>,
    pub coverage: Vec<FileCoverage>,
}

impl TestReport {
    pub fn failed(&self) -> usize {
        self.tests.iter().filter(|t| !t.passed).count()
    }
}

/// What to test.
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    /// Directories or files with policies and their `*_test.rego`.
    pub paths: Vec<PathBuf>,
    pub data: Vec<PathBuf>,
    /// Also load (and test) the bundled pack.
    pub bundled: bool,
    pub rego_version: RegoVersion,
    pub coverage: bool,
    pub timeout: Option<Duration>,
}

/// Run every test.
pub fn run(options: &TestOptions) -> Result<TestReport, PolicyError> {
    let mut sources = Vec::new();
    if options.bundled {
        for f in bundled::FILES {
            sources.push(RegoSource {
                path: format!("<bundled>/policies/{}", f.name),
                text: f.source.to_string(),
                bundled: true,
            });
            let test_name = f.name.replace(".rego", "_test.rego");
            sources.push(RegoSource {
                path: format!("<bundled>/policies/{test_name}"),
                text: f.test.to_string(),
                bundled: true,
            });
        }
    }
    for p in &options.paths {
        for file in collect_files(p, &|n| n.ends_with(".rego"))? {
            let text = std::fs::read_to_string(&file).map_err(|source| PolicyError::Read {
                path: file.display().to_string(),
                source,
            })?;
            sources.push(RegoSource {
                path: file.display().to_string(),
                text,
                bundled: false,
            });
        }
    }
    let mut engine = regorus::Engine::new();
    rego::add_sources(&mut engine, &sources, options.rego_version)?;
    for p in &options.data {
        for file in collect_files(p, &|n| {
            n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".yml")
        })? {
            let v = super::read_data(&file)?;
            engine
                .add_data(regorus::Value::from(v))
                .map_err(|e| PolicyError::Data {
                    path: file.display().to_string(),
                    message: format!("{e:#}"),
                })?;
        }
    }
    rego::set_timeout(
        &mut engine,
        options.timeout.unwrap_or(Duration::from_secs(10)),
    );
    engine.set_enable_coverage(options.coverage);
    let components = engine
        .get_policy_package_components()
        .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
    let mut report = TestReport::default();
    for (pc, src) in components.iter().zip(&sources) {
        if !src.path.ends_with("_test.rego") {
            continue;
        }
        for name in rego::test_rules(&src.text) {
            if !engine
                .has_declared_rule_rooted_at(&src.path, &name)
                .unwrap_or(false)
            {
                continue;
            }
            let path = rego::rule_ref(&pc.components, &name);
            let start = Instant::now();
            let (passed, failure) = match engine.eval_rule(path.clone()) {
                Ok(regorus::Value::Bool(true)) => (true, None),
                Ok(regorus::Value::Undefined) => (
                    false,
                    Some("undefined (a condition of the test did not hold)".to_string()),
                ),
                Ok(v) => (false, Some(format!("evaluated to {v}"))),
                Err(e) => (false, Some(format!("error: {e:#}"))),
            };
            report.tests.push(TestOutcome {
                rule: path,
                file: src.path.clone(),
                passed,
                failure,
                duration: start.elapsed(),
            });
        }
    }
    if options.coverage {
        let cov = engine
            .get_coverage_report()
            .map_err(|e| PolicyError::Engine(format!("{e:#}")))?;
        for f in cov.files {
            // Test files cover themselves; the interesting coverage is of the policies.
            if f.path.ends_with("_test.rego") {
                continue;
            }
            let single = regorus::coverage::Report {
                files: vec![regorus::coverage::File {
                    path: f.path.clone(),
                    code: f.code.clone(),
                    covered: f.covered.clone(),
                    not_covered: f.not_covered.clone(),
                }],
            };
            let pretty = single.to_string_pretty().unwrap_or_default();
            report.coverage.push(FileCoverage {
                path: f.path,
                covered: f.covered.into_iter().collect(),
                not_covered: f.not_covered.into_iter().collect(),
                pretty,
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_pack_tests_pass_with_full_coverage() {
        let report = run(&TestOptions {
            bundled: true,
            coverage: true,
            ..Default::default()
        })
        .unwrap();
        assert!(
            report.tests.len() >= 20,
            "only {} tests",
            report.tests.len()
        );
        for t in &report.tests {
            assert!(t.passed, "{} failed: {:?}", t.rule, t.failure);
        }
        for f in &report.coverage {
            assert!(
                f.not_covered.is_empty(),
                "{} lines not covered: {:?}\n{}",
                f.path,
                f.not_covered,
                f.pretty
            );
        }
    }
}
