//! `MYBLOG_TIMINGS=1`: the wall time of each step of a build on stderr, for `scripts/bench`
//! and for profiling (which step a change made cheaper).

use std::time::Instant;

pub(crate) fn step<T>(what: &str, f: impl FnOnce() -> T) -> T {
    if std::env::var_os("MYBLOG_TIMINGS").is_none() {
        return f();
    }
    let start = Instant::now();
    let r = f();
    eprintln!("timing: {what} {:.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    r
}
