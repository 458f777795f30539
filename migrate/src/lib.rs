//! nexus-migrate: ASL → NEXUS YAML (`nexus migrate stepfunctions`) and NEXUS YAML → plain ASL
//! (`nexus export asl`), lossless both ways, with migration notes (NX4xx).
//!
//! Pipeline: parse (nexus-schema loaders) → analyze → lower → emit. Depends only on
//! `nexus-schema`; the CLI puts it together with linting.
