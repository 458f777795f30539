//! The data-test comparison operators of a JSONPath Choice rule (`StringEquals`,
//! `NumericLessThanPath`, `IsPresent`, ...). ASL spec, "Choice Rules"; AWS, "Choice workflow
//! state". Lint reads them to tell an operator from a misplaced field.

/// Declares the comparison operators with their ASL names.
macro_rules! operators {
    ($($variant:ident = $text:literal),+ $(,)?) => {
        /// A data-test comparison operator of a JSONPath choice rule.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ComparisonOperator {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant
            ),+
        }

        impl ComparisonOperator {
            /// Every operator, in ASL order.
            pub const ALL: &'static [ComparisonOperator] = &[$(Self::$variant),+];

            /// Parse the ASL field name (case-sensitive, as AWS is).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The ASL field name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }
    };
}

operators! {
    StringEquals = "StringEquals",
    StringEqualsPath = "StringEqualsPath",
    StringLessThan = "StringLessThan",
    StringLessThanPath = "StringLessThanPath",
    StringGreaterThan = "StringGreaterThan",
    StringGreaterThanPath = "StringGreaterThanPath",
    StringLessThanEquals = "StringLessThanEquals",
    StringLessThanEqualsPath = "StringLessThanEqualsPath",
    StringGreaterThanEquals = "StringGreaterThanEquals",
    StringGreaterThanEqualsPath = "StringGreaterThanEqualsPath",
    StringMatches = "StringMatches",
    NumericEquals = "NumericEquals",
    NumericEqualsPath = "NumericEqualsPath",
    NumericLessThan = "NumericLessThan",
    NumericLessThanPath = "NumericLessThanPath",
    NumericGreaterThan = "NumericGreaterThan",
    NumericGreaterThanPath = "NumericGreaterThanPath",
    NumericLessThanEquals = "NumericLessThanEquals",
    NumericLessThanEqualsPath = "NumericLessThanEqualsPath",
    NumericGreaterThanEquals = "NumericGreaterThanEquals",
    NumericGreaterThanEqualsPath = "NumericGreaterThanEqualsPath",
    BooleanEquals = "BooleanEquals",
    BooleanEqualsPath = "BooleanEqualsPath",
    TimestampEquals = "TimestampEquals",
    TimestampEqualsPath = "TimestampEqualsPath",
    TimestampLessThan = "TimestampLessThan",
    TimestampLessThanPath = "TimestampLessThanPath",
    TimestampGreaterThan = "TimestampGreaterThan",
    TimestampGreaterThanPath = "TimestampGreaterThanPath",
    TimestampLessThanEquals = "TimestampLessThanEquals",
    TimestampLessThanEqualsPath = "TimestampLessThanEqualsPath",
    TimestampGreaterThanEquals = "TimestampGreaterThanEquals",
    TimestampGreaterThanEqualsPath = "TimestampGreaterThanEqualsPath",
    IsNull = "IsNull",
    IsPresent = "IsPresent",
    IsNumeric = "IsNumeric",
    IsString = "IsString",
    IsBoolean = "IsBoolean",
    IsTimestamp = "IsTimestamp",
}

impl std::fmt::Display for ComparisonOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_round_trips_its_name() {
        assert_eq!(ComparisonOperator::ALL.len(), 39);
        for op in ComparisonOperator::ALL {
            assert_eq!(ComparisonOperator::parse(op.as_str()), Some(*op));
        }
        assert_eq!(ComparisonOperator::parse("stringEquals"), None);
        assert_eq!(ComparisonOperator::IsTimestamp.to_string(), "IsTimestamp");
    }
}
