//! nexus-lint
