//! The ASL keyword sets every crate reads the same way: the query language of a state and
//! the type of a state machine.

use serde_json::Value;

/// The query language a state's fields are written in (ASL `QueryLanguage`): the one
/// detection every crate uses (lint, migrate and NEXUS lowering).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueryLanguage {
    /// `JSONPath` (the ASL default).
    #[default]
    JsonPath,
    /// `JSONata`.
    Jsonata,
}

impl QueryLanguage {
    /// The ASL spelling: `JSONPath`, `JSONata`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::JsonPath => "JSONPath",
            Self::Jsonata => "JSONata",
        }
    }

    /// The language named by a `QueryLanguage` / `query_language` value, if it names one.
    pub fn from_value(v: Option<&Value>) -> Option<Self> {
        match v.and_then(Value::as_str) {
            Some("JSONata") => Some(Self::Jsonata),
            Some("JSONPath") => Some(Self::JsonPath),
            _ => None,
        }
    }

    /// A state's language: its own `QueryLanguage`, else the top-level one. AWS: "If the
    /// state does not contain a QueryLanguage field, then it will use the query language
    /// specified in the top-level QueryLanguage field" (nested states included).
    pub fn of_state(own: Option<&Value>, top: Self) -> Self {
        Self::from_value(own).unwrap_or(top)
    }
}

/// The type of a state machine (AWS `CreateStateMachine` `type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MachineType {
    /// Standard workflows (the default).
    #[default]
    Standard,
    /// Express workflows: no `.sync`, no `.waitForTaskToken`, no activities (AWS, "Choosing
    /// workflow type in Step Functions").
    Express,
}

impl MachineType {
    /// The type named by `s`, in any case (`--type express`, Serverless `type: express`).
    /// CloudFormation's `StateMachineType` takes the upper-case spelling only: compare with
    /// [`Self::as_str`] there.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "standard" => Some(Self::Standard),
            "express" => Some(Self::Express),
            _ => None,
        }
    }

    /// The API spelling: `STANDARD`, `EXPRESS`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Express => "EXPRESS",
        }
    }
}
