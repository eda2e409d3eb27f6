//! One cold start of one function: the process started under the Runtime API, its init, first
//! and warm invocations timed, its CPU time, handshakes and memory read.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chat_bench::cgroup::CpuQuota;
use chat_bench::machine;
use chat_bench::proxy::Proxy;
use chat_bench::runtime_api::{Record, RuntimeApi};
use chat_bench::stats;
use chat_bench::tls::{Handshakes, TlsEndpoints};
use serde_json::Value;

/// What a run is measured with, beyond the function and its event.
pub(crate) struct Harness<'a> {
    pub(crate) api: &'a RuntimeApi,
    pub(crate) proxy: &'a Proxy,
    pub(crate) logs: &'a Path,
    pub(crate) tls: Option<&'a TlsEndpoints>,
    pub(crate) quota: Option<&'a CpuQuota>,
    /// Warm invocations per start.
    pub(crate) warm: usize,
}

#[derive(Default)]
pub(crate) struct Samples {
    pub(crate) init: Vec<f64>,
    pub(crate) first: Vec<f64>,
    pub(crate) warm: Vec<f64>,
    pub(crate) total: Vec<f64>,
    pub(crate) rss: Vec<f64>,
    pub(crate) init_cpu: Vec<f64>,
    pub(crate) first_cpu: Vec<f64>,
    pub(crate) warm_cpu: Vec<f64>,
    pub(crate) first_post: Vec<f64>,
    /// TLS handshakes completed per start, and in its warm invocation.
    pub(crate) handshakes: Vec<f64>,
    pub(crate) first_handshakes: Vec<f64>,
    pub(crate) warm_handshakes: Vec<f64>,
    /// TLS handshakes that completed and that failed, over all starts.
    pub(crate) handshakes_completed: usize,
    pub(crate) handshakes_failed: usize,
    pub(crate) init_requests: usize,
    pub(crate) failures: usize,
    pub(crate) first_failure: Option<String>,
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) async fn one_run(
    harness: &Harness<'_>,
    name: &str,
    binary: &Path,
    env: &[(String, String)],
    event: &Value,
    samples: &mut Samples,
) {
    let Harness {
        api,
        proxy,
        logs,
        tls,
        quota,
        warm,
    } = *harness;
    let body = Bytes::from(event.to_string());
    // TLS handshakes in each phase: init, the first invocation, each warm one, the rest.
    let mut handshakes = Vec::new();
    let take_handshakes = |into: &mut Vec<Handshakes>| {
        if let Some(t) = tls {
            into.push(t.handshakes());
        }
    };
    if let Some(t) = tls {
        t.handshakes();
    }
    api.reset(Vec::new());
    proxy.take();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join(format!("{name}.log")))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null());
    let mut command = tokio::process::Command::new(binary);
    command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            samples.failures += 1;
            samples
                .first_failure
                .get_or_insert(format!("cannot start {}: {e}", binary.display()));
            return;
        }
    };
    let pid = child.id().unwrap_or(0);
    // Events are handed out one at a time, and the process's CPU time is read while it waits
    // in `next` (idle): before the first event (init), after the first, after the second.
    let nexts = |log: &[Record]| log.iter().filter(|r| matches!(r, Record::Next(_))).count();
    let failed = |log: &[Record]| {
        log.iter()
            .any(|r| matches!(r, Record::InitError(..) | Record::Error(..)))
    };
    let mut cpu = Vec::new();
    let mut exited = false;
    let ids: Vec<String> = std::iter::once("cold-1".to_string())
        .chain((2..=warm + 1).map(|n| format!("warm-{n}")))
        .chain(std::iter::once(String::new()))
        .collect();
    for (step, id) in ids.iter().enumerate() {
        let reached = tokio::select! {
            ok = api.wait_for(Duration::from_secs(30), |log| nexts(log) > step || failed(log)) => ok,
            _ = child.wait() => { exited = true; false }
        };
        if !reached || failed(&api.log()) {
            break;
        }
        cpu.push(machine::cpu_ns(pid).unwrap_or(0));
        take_handshakes(&mut handshakes);
        if step == 0 {
            if let Some(quota) = quota {
                if let Err(e) = quota.admit(pid) {
                    samples.failures += 1;
                    samples
                        .first_failure
                        .get_or_insert(format!("cannot apply the CPU quota: {e}"));
                    break;
                }
            }
        }
        if !id.is_empty() {
            api.push(id, body.clone());
        }
    }
    let rss = machine::status_kb(pid, "VmHWM");
    let _ = child.start_kill();
    let _ = child.wait().await;
    take_handshakes(&mut handshakes);
    samples.handshakes_failed += handshakes.iter().map(|h| h.failed).sum::<usize>();
    samples.handshakes_completed += handshakes.iter().map(|h| h.completed).sum::<usize>();
    let completed: Vec<usize> = handshakes.iter().map(|h| h.completed).collect();
    let log = api.log();
    let calls = proxy.take();

    let first_next = log.iter().find_map(|r| match r {
        Record::Next(t) => Some(*t),
        _ => None,
    });
    let delivered = |id: &str| {
        log.iter().find_map(|r| match r {
            Record::Delivered(i, t) if i == id => Some(*t),
            _ => None,
        })
    };
    let answered = |id: &str| {
        log.iter().find_map(|r| match r {
            Record::Response(i, t, _) if i == id => Some(Ok(*t)),
            Record::Error(i, _, body) if i == id => {
                Some(Err(String::from_utf8_lossy(body).into_owned()))
            }
            _ => None,
        })
    };
    let failure = |why: String, samples: &mut Samples| {
        samples.failures += 1;
        samples.first_failure.get_or_insert(why);
    };
    let Some(first_next) = first_next else {
        let init_error = log.iter().find_map(|r| match r {
            Record::InitError(_, b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        });
        failure(
            init_error.unwrap_or_else(|| {
                format!(
                    "no /next call (exited: {exited}); see {}",
                    logs.join(format!("{name}.log")).display()
                )
            }),
            samples,
        );
        return;
    };
    // Event handed out and response posted, for the first and each warm invocation.
    let mut spans = Vec::new();
    for id in &ids[..ids.len() - 1] {
        let Some(d) = delivered(id) else {
            failure(format!("event {id} was not taken"), samples);
            return;
        };
        match answered(id) {
            Some(Ok(r)) => spans.push((d, r)),
            Some(Err(e)) => {
                failure(format!("invocation error: {e}"), samples);
                return;
            }
            None => {
                failure("no response".into(), samples);
                return;
            }
        }
    }
    let (d1, r1) = spans[0];
    let init_requests = calls
        .iter()
        .filter(|c| proxy.epoch() + Duration::from_nanos(c.start_ns) < first_next)
        .count();
    samples.init_requests = samples.init_requests.max(init_requests);
    samples.init.push(ms(first_next - started));
    samples.first.push(ms(r1 - d1));
    let warm_ms: Vec<f64> = spans[1..].iter().map(|(d, r)| ms(*r - *d)).collect();
    samples.warm.push(stats::median(&warm_ms));
    samples.total.push(ms(r1 - started));
    let first_post = log.iter().find_map(|r| match r {
        Record::Post(t) if *t >= d1 && *t <= r1 => Some(*t),
        _ => None,
    });
    if let Some(t) = first_post {
        samples.first_post.push(ms(t - d1));
    }
    if tls.is_some() {
        samples
            .handshakes
            .push(completed.iter().sum::<usize>() as f64);
        // Phases: [init, first invocation, each warm invocation, after].
        let first = completed.get(1).copied().unwrap_or(0);
        samples.first_handshakes.push(first as f64);
        let in_warm: usize = completed.iter().skip(2).take(warm).sum();
        samples.warm_handshakes.push(in_warm as f64);
    }

    if cpu.len() == warm + 2 {
        let phase = |i: usize| cpu[i + 1].saturating_sub(cpu[i]) as f64 / 1e6;
        samples.init_cpu.push(cpu[0] as f64 / 1e6);
        samples.first_cpu.push(phase(0));
        let warm_cpu: Vec<f64> = (1..=warm).map(phase).collect();
        samples.warm_cpu.push(stats::median(&warm_cpu));
    }
    if let Some(kb) = rss {
        samples.rss.push(kb as f64);
    }
}
