//! The load generator, in two modes, each for a warm-up and then a fixed duration:
//!
//! - [`run`], a closed loop (like `wrk`): N connections kept alive, each sending its next
//!   request as soon as the previous answer is read. It finds the throughput; the latency it
//!   shows at many connections is mostly queueing (N requests always wait for the cores).
//! - [`run_paced`], an open loop (like `wrk2`): requests start at a fixed rate whatever the
//!   answers do, as independent users send them. Latency counts from when a request was due,
//!   not from when it could be sent, so a server that falls behind shows it (no coordinated
//!   omission). It answers "what latency do people see at this load".
//!
//! Latency is measured per request to the last byte of the body; figures count only requests
//! that started and finished inside the measured window.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one scenario asks for: the paths are cycled, each connection starting at its own
/// offset so that connections do not ask for the same thing at the same time.
#[derive(Debug, Clone)]
pub struct Load {
    pub base: String,
    pub token: String,
    pub paths: Arc<Vec<String>>,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

/// One scenario's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Requests answered 200 inside the measured window.
    pub ok: u64,
    /// Requests answered otherwise, or not at all, inside the measured window.
    pub errors: u64,
    /// The first few error descriptions, to say what went wrong.
    pub samples: Vec<String>,
    pub window: Duration,
    /// Latencies of the measured requests (successful or not), sorted, in microseconds.
    pub latencies_us: Vec<u32>,
    pub bytes: u64,
}

impl Figures {
    pub fn requests_per_second(&self) -> f64 {
        (self.ok + self.errors) as f64 / self.window.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0.5, 0.99) in milliseconds: the smallest sample at or
    /// above that share of samples (nearest rank).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let n = self.latencies_us.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.latencies_us.last().map_or(0.0, |us| f64::from(*us) / 1000.0)
    }
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    samples: Vec<String>,
    latencies_us: Vec<u32>,
    bytes: u64,
}

/// How many error descriptions a scenario keeps.
const SAMPLES: usize = 5;

impl Tally {
    /// Count one measured request: its latency, and its bytes or what went wrong.
    fn record(&mut self, path: &str, latency: Duration, outcome: Result<u64, String>) {
        self.latencies_us.push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
        match outcome {
            Ok(bytes) => {
                self.ok += 1;
                self.bytes += bytes;
            }
            Err(error) => {
                self.errors += 1;
                if self.samples.len() < SAMPLES {
                    self.samples.push(format!("{path}: {error}"));
                }
            }
        }
    }

    fn into_figures(mut self, window: Duration) -> Figures {
        self.latencies_us.sort_unstable();
        Figures {
            ok: self.ok,
            errors: self.errors,
            samples: self.samples,
            window,
            latencies_us: self.latencies_us,
            bytes: self.bytes,
        }
    }
}

pub async fn run(load: &Load) -> anyhow::Result<Figures> {
    anyhow::ensure!(!load.paths.is_empty(), "a scenario needs at least one path");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(load.connections)
        .tcp_nodelay(true)
        // A request stuck this long is an error, not a latency to wait for.
        .timeout(Duration::from_secs(30))
        .build()?;
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let mut workers = Vec::with_capacity(load.connections);
    for c in 0..load.connections {
        let client = client.clone();
        let load = load.clone();
        workers.push(tokio::spawn(async move { connection(&client, &load, c, measure_from, end).await }));
    }
    let mut total = Tally::default();
    for worker in workers {
        let tally = worker.await?;
        total.ok += tally.ok;
        total.errors += tally.errors;
        total.bytes += tally.bytes;
        total.latencies_us.extend(tally.latencies_us);
        for sample in tally.samples {
            if total.samples.len() < SAMPLES {
                total.samples.push(sample);
            }
        }
    }
    Ok(total.into_figures(load.duration))
}

/// At most this many paced requests wait at once; one more counts as an error (the server is
/// that far behind).
const MAX_IN_FLIGHT: usize = 1024;

/// Requests started at `rate` per second (open loop), each latency counted from when it was due.
pub async fn run_paced(load: &Load, rate: f64) -> anyhow::Result<Figures> {
    anyhow::ensure!(!load.paths.is_empty(), "a scenario needs at least one path");
    anyhow::ensure!(rate > 0.0 && rate.is_finite(), "a paced run needs a rate above 0 requests per second");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(MAX_IN_FLIGHT)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let start = Instant::now();
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let authorization = Arc::new(format!("Bearer {}", load.token));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    let mut overloaded = Tally::default();
    let mut n: u32 = 0;
    loop {
        let due = start + interval * n;
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let path = load.paths[n as usize % load.paths.len()].clone();
        n = n.saturating_add(1);
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if due >= measure_from {
                overloaded.errors += 1;
                if overloaded.samples.is_empty() {
                    overloaded.samples.push(format!("more than {MAX_IN_FLIGHT} requests waiting"));
                }
            }
            continue;
        };
        let (client, base, authorization) = (client.clone(), load.base.clone(), authorization.clone());
        tasks.spawn(async move {
            let outcome = request(&client, &base, &path, &authorization).await;
            drop(permit);
            (due, Instant::now(), path, outcome)
        });
    }
    let mut total = overloaded;
    while let Some(joined) = tasks.join_next().await {
        let (due, done, path, outcome) = joined?;
        if due < measure_from || done > end + Duration::from_secs(30) {
            continue;
        }
        total.record(&path, done.duration_since(due), outcome);
    }
    Ok(total.into_figures(load.duration))
}

async fn connection(client: &reqwest::Client, load: &Load, c: usize, measure_from: Instant, end: Instant) -> Tally {
    let mut tally = Tally::default();
    let paths = &load.paths;
    // Spread the connections over the paths: connection c starts at its own share.
    let mut next = c * paths.len() / load.connections.max(1);
    let authorization = format!("Bearer {}", load.token);
    loop {
        let sent = Instant::now();
        if sent >= end {
            return tally;
        }
        let path = &paths[next % paths.len()];
        next += 1;
        let outcome = request(client, &load.base, path, &authorization).await;
        let done = Instant::now();
        if sent < measure_from || done > end {
            continue;
        }
        tally.record(path, done.duration_since(sent), outcome);
    }
}

/// GET one path and read the whole body; anything but 200 is an error.
async fn request(client: &reqwest::Client, base: &str, path: &str, authorization: &str) -> Result<u64, String> {
    let response = client
        .get(format!("{base}{path}"))
        .header(reqwest::header::AUTHORIZATION, authorization)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK {
        // One line: the start of the body says which error it was (the title of an HTML page).
        let text =
            String::from_utf8_lossy(&body[..body.len().min(400)]).split_whitespace().collect::<Vec<_>>().join(" ");
        let text: String = text.chars().take(160).collect();
        return Err(format!("{status}: {text}"));
    }
    Ok(body.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(latencies_ms: &[u32]) -> Figures {
        let mut latencies_us: Vec<u32> = latencies_ms.iter().map(|ms| ms * 1000).collect();
        latencies_us.sort_unstable();
        Figures {
            ok: latencies_ms.len() as u64,
            errors: 0,
            samples: Vec::new(),
            window: Duration::from_secs(2),
            latencies_us,
            bytes: 0,
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let f = figures(&(1..=100).collect::<Vec<u32>>());
        assert_eq!(f.quantile_ms(0.5), 50.0);
        assert_eq!(f.quantile_ms(0.99), 99.0);
        assert_eq!(f.quantile_ms(1.0), 100.0);
        assert_eq!(f.max_ms(), 100.0);
        assert_eq!(f.requests_per_second(), 50.0);
        // One slow request among ten is the p99.
        let f = figures(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 40]);
        assert_eq!(f.quantile_ms(0.5), 1.0);
        assert_eq!(f.quantile_ms(0.99), 40.0);
    }

    #[test]
    fn no_samples_read_as_zero() {
        let f = figures(&[]);
        assert_eq!(f.quantile_ms(0.99), 0.0);
        assert_eq!(f.max_ms(), 0.0);
    }
}
