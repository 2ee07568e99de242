//! Stage timings for profiling: with `STRATA_TIMINGS` set in the environment, every
//! timed stage prints its wall time to standard error (`strata: timing: parse 12.3 ms`).
//! The benchmark (`make bench`) uses them to say where the time goes; nothing else
//! reads them, and without the variable a stage costs one cached flag test.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("STRATA_TIMINGS").is_some())
}

/// Runs `work` as the stage `name`, reporting its wall time when timings are on.
pub fn stage<T>(name: &str, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let start = Instant::now();
    let result = work();
    let elapsed = start.elapsed();
    eprintln!(
        "strata: timing: {name} {:.1} ms",
        elapsed.as_secs_f64() * 1000.0
    );
    result
}
