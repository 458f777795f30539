//! `java.util.Random`, so that a seeded `States.MathRandom` is deterministic and matches the
//! JVM sequence Step Functions (a Java service) is most likely to produce for the same seed.

const MULTIPLIER: i64 = 0x5_DEEC_E66D;
const ADDEND: i64 = 0xB;
const MASK: i64 = (1 << 48) - 1;

pub(super) struct JavaRandom {
    seed: i64,
}

impl JavaRandom {
    pub(super) fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (seed ^ MULTIPLIER) & MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(MULTIPLIER).wrapping_add(ADDEND)) & MASK;
        // Truncation to 32 bits is the JVM's `(int)` cast.
        (self.seed >> (48 - bits)) as i32
    }

    /// `Random.nextInt(bound)` for `bound > 0`.
    pub(super) fn next_int(&mut self, bound: i32) -> i32 {
        if bound <= 0 {
            return 0;
        }
        if bound & bound.wrapping_neg() == bound {
            return ((i64::from(bound) * i64::from(self.next(31))) >> 31) as i32;
        }
        loop {
            let bits = self.next(31);
            let val = bits % bound;
            if bits.wrapping_sub(val).wrapping_add(bound - 1) >= 0 {
                return val;
            }
        }
    }
}

/// The 53 random bits behind `new Random(seed).nextDouble()` (the double is `bits / 2^53`).
#[cfg(feature = "jsonata")]
pub(crate) fn java_next_double_bits(seed: i64) -> u64 {
    let mut r = JavaRandom::new(seed);
    // Random.nextDouble: ((long) next(26) << 27) + next(27); both parts are non-negative.
    let high = u64::from(r.next(26).unsigned_abs());
    let low = u64::from(r.next(27).unsigned_abs());
    (high << 27) + low
}

#[cfg(test)]
mod tests {
    use super::JavaRandom;

    #[test]
    fn matches_the_jvm_sequence() {
        // Values printed by OpenJDK's java.util.Random for the same seeds and bounds.
        let mut r = JavaRandom::new(42);
        assert_eq!(
            [r.next_int(100), r.next_int(100), r.next_int(100)],
            [30, 63, 48]
        );
        assert_eq!(JavaRandom::new(3).next_int(999), 239);
        let mut r = JavaRandom::new(-7);
        assert_eq!(
            [r.next_int(64), r.next_int(1_000_000_007)],
            [17, 935_951_290]
        );
    }
}
