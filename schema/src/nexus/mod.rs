//! The NEXUS YAML v1 model, its lowering to ASL and its raising from ASL.
