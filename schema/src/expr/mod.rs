//! Expression languages of ASL: JSONPath (Jayway dialect), intrinsic functions, payload templates.
