//! CPU time of this process (user + system, all threads), for rates that a busy machine does
//! not distort: on a machine shared with other work, wall-clock time counts the time the
//! threads waited for a core, CPU time does not.
//!
//! Read from `/proc/self/stat` (the kernel's `getrusage` counters, in clock ticks of 1/100 s on
//! Linux); `None` elsewhere.

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ: 100 on every Linux platform).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time used by this process so far.
pub fn used() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    // utime and stime are fields 14 and 15 of the line; `rest` starts at field 3.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / TICKS_PER_SECOND))
}

/// CPU time the whole machine has spent busy (user, nice, system, irq, softirq of every core,
/// from `/proc/stat`): unlike [`used`], it counts the kernel's own threads, which do work for a
/// reader that this process is not charged for, such as decompressing a file kept on a
/// compressing filesystem. Other work on the machine counts too: read it on a quiet machine.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = cpu.split_whitespace().map_while(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq …
    let busy = [0, 1, 2, 5, 6].iter().map(|&i| ticks.get(i).copied()).sum::<Option<u64>>()?;
    Some(Duration::from_millis(busy * 1000 / TICKS_PER_SECOND))
}

/// Machine CPU time between two readings of [`machine_busy`].
pub fn machine_since(start: Option<Duration>) -> Option<Duration> {
    Some(machine_busy()?.saturating_sub(start?))
}

/// CPU time used between two readings.
pub fn since(start: Option<Duration>) -> Option<Duration> {
    Some(used()?.saturating_sub(start?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn busy_work_shows_as_cpu_time() {
        let Some(start) = used() else { return };
        // Spin until the kernel has charged some CPU time (however busy the machine is).
        let (mut x, wall) = (0u64, std::time::Instant::now());
        while since(Some(start)).unwrap() < Duration::from_millis(50) && wall.elapsed() < Duration::from_secs(60) {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
        }
        std::hint::black_box(x);
        assert!(since(Some(start)).unwrap() >= Duration::from_millis(50));
    }

    #[test]
    fn the_machine_is_busy_at_least_while_this_process_is() {
        let (Some(machine), Some(own)) = (machine_busy(), used()) else { return };
        let (mut x, wall) = (0u64, std::time::Instant::now());
        while since(Some(own)).unwrap() < Duration::from_millis(50) && wall.elapsed() < Duration::from_secs(60) {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
        }
        std::hint::black_box(x);
        // Ticks are sampled per core: allow one tick of difference.
        assert!(machine_since(Some(machine)).unwrap() + Duration::from_millis(10) >= since(Some(own)).unwrap());
    }
}
