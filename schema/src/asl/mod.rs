//! The typed Amazon States Language model: every state type and field of current ASL.
