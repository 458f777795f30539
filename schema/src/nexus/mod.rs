//! The NEXUS YAML v1 model, its lowering to ASL and its raising from ASL.
//! (Interim: the lowering lands with the NEXUS model.)

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::document::PointerMap;

/// The ASL view of a NEXUS workflow.
#[derive(Debug, Default)]
pub struct Lowered {
    pub asl: Value,
    pub origin: PointerMap,
    pub issues: Vec<Diagnostic>,
}

/// Lower a NEXUS workflow to ASL.
pub fn lower(_doc: &Value) -> Lowered {
    Lowered {
        asl: Value::Null,
        origin: PointerMap::identity(),
        issues: vec![Diagnostic::new(Code("NX010"), "invalid-nexus", Severity::Error, "", "NEXUS workflows are not supported yet")],
    }
}
