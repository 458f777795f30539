//! The individual intrinsic functions.
