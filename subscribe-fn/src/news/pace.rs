//! Pacing to SES's send rate. Each sender instance gets an equal share of the site's rate
//! (`rate / reserved concurrency`), so however many instances run, SES never sees more than
//! the configured rate and answers with throttling only on real contention.

use std::time::Duration;

use tokio::time::Instant;

/// Spaces calls at least `interval` apart (no bursts: the first call goes at once, each next
/// one waits for its slot).
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// `rate` calls per second for the whole site, shared by `instances` concurrent senders.
    pub fn new(rate: f64, instances: u32) -> Pacer {
        let per_instance = (rate / f64::from(instances.max(1))).max(0.001);
        Pacer { interval: Duration::from_secs_f64(1.0 / per_instance), next: None }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for the next slot; returns when the call may be made. The next slot counts from
    /// when this one really began (a late wake-up pushes it back), so two calls are never closer
    /// than `interval`, whatever the scheduler does.
    pub async fn wait(&mut self) {
        if let Some(slot) = self.next {
            tokio::time::sleep_until(slot).await;
        }
        self.next = Some(Instant::now() + self.interval);
    }

    /// Waits until the next slot is due without taking it. A sender waits here before it
    /// claims a send, so however long the pace (a very low `SEND_RATE`), the wait never eats
    /// into the claim's lease: the claim is followed by the call at once.
    pub async fn until_ready(&self) {
        if let Some(slot) = self.next {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Pushes the next slot back (after a throttling answer, give SES room).
    pub fn back_off(&mut self, by: Duration) {
        let base = self.next.unwrap_or_else(Instant::now).max(Instant::now());
        self.next = Some(base + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real time, lower bounds only: spacing can be longer on a loaded machine, never shorter.
    #[tokio::test]
    async fn never_faster_than_the_share_of_the_rate() {
        // 50/s shared by 2 instances: 25/s here, 40 ms apart.
        let mut p = Pacer::new(50.0, 2);
        assert_eq!(p.interval(), Duration::from_millis(40));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..6 {
            p.wait().await;
            times.push(start.elapsed());
        }
        for w in times.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(39), "{times:?}");
        }
        assert!(times[0] < Duration::from_millis(39), "the first call waits for nothing: {times:?}");
        p.back_off(Duration::from_millis(200));
        let before = Instant::now();
        p.wait().await;
        assert!(before.elapsed() >= Duration::from_millis(199), "{:?}", before.elapsed());
    }
}
