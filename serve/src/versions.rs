//! State machine versions and aliases: PublishStateMachineVersion, ListStateMachineVersions,
//! Create/Describe/Update/Delete/ListStateMachineAliases, and the weighted routing of an
//! alias (AWS: an alias routes to one version, or to two by percentage).

use std::sync::atomic::{AtomicU64, Ordering};

/// The version an execution through an alias runs: with two routes, each start picks by the
/// weights (a counter spread over 100 starts, so the split is exact over every 100).
pub fn route(routing: &[(u64, u64)]) -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    match routing {
        [(v, _)] => *v,
        [(a, wa), (b, _)] => {
            // Bit-reversed order within each block of 100 spreads the picks evenly.
            let n = N.fetch_add(1, Ordering::Relaxed) % 100;
            let spread = (n * 37) % 100;
            if spread < *wa { *a } else { *b }
        }
        _ => 0,
    }
}

/// Checks an alias's `routingConfiguration`: one or two distinct versions whose weights add
/// up to 100.
pub fn check_routing(routing: &[(u64, u64)]) -> Result<(), crate::error::ApiError> {
    let total: u64 = routing.iter().map(|(_, w)| *w).sum();
    let distinct =
        routing.len() != 2 || routing.first().map(|r| r.0) != routing.get(1).map(|r| r.0);
    if routing.is_empty() || routing.len() > 2 || total != 100 || !distinct {
        return Err(crate::error::ApiError::validation(
            "routingConfiguration must name one or two different versions whose weights add up to 100",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_routes_split_by_weight() {
        let r = [(1, 30), (2, 70)];
        let ones = (0..1000).filter(|_| route(&r) == 1).count();
        assert!((250..=350).contains(&ones), "{ones}");
        assert_eq!(route(&[(4, 100)]), 4);
        assert!(check_routing(&r).is_ok());
        assert!(check_routing(&[(1, 50), (1, 50)]).is_err());
        assert!(check_routing(&[(1, 50)]).is_err());
    }
}
