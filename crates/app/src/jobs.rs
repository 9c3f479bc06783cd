//! The background jobs: one table of (name, period, round) that `zhuqi serve`
//! runs and stops on shutdown. Each round is an ordinary use case of the
//! application (idempotent, so a round missed while the server was down is
//! simply caught up by the next); the job only logs what the round did.
//!
//! A job remembers nothing between rounds except its [`JobMemory`] (the
//! webhook job warns once per newly given-up notification).

use crate::App;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One round of a job, borrowing the application and the job's memory.
pub type JobFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// What a job keeps from one round to the next.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JobMemory {
    /// Given-up webhook notifications already warned about.
    pub warned_given_up: i64,
}

/// A background job: its name (for logs and listings), how often it runs,
/// and one round of it.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub period: Duration,
    pub run: for<'a> fn(&'a App, &'a mut JobMemory) -> JobFuture<'a>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("name", &self.name).field("period", &self.period).finish_non_exhaustive()
    }
}

impl App {
    /// The jobs `serve` runs, in start order. The webhook channel is in the
    /// table only when a receiver is configured, at its own interval.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = vec![
            // Colours, blue/yellow/red warnings (each once per deadline,
            // catching up after downtime) and auto-close.
            Job { name: "deadline-sweep", period: Duration::from_secs(60), run: |app, _| Box::pin(sweep(app)) },
            // On the configured day of the month, officers behind on the
            // rule are told once (idempotent per officer and month).
            Job {
                name: "visit-reminders",
                period: Duration::from_secs(3600),
                run: |app, _| Box::pin(visit_reminders(app)),
            },
        ];
        if !self.config.webhook.url.trim().is_empty() {
            // Pending notifications to the configured receiver.
            jobs.push(Job {
                name: "webhooks",
                period: Duration::from_secs(self.config.webhook.interval_seconds.max(1)),
                run: |app, memory| Box::pin(webhooks(app, memory)),
            });
        }
        jobs.extend([
            // Idempotent: a known group is not flagged twice; newcomers extend their issue.
            Job { name: "hot-issues", period: Duration::from_secs(600), run: |app, _| Box::pin(hot_issues(app)) },
            Job { name: "session-purge", period: Duration::from_secs(600), run: |app, _| Box::pin(session_purge(app)) },
        ]);
        jobs
    }
}

async fn sweep(app: &App) {
    match app.sweep().await {
        Ok(r) if r.escalated + r.auto_closed > 0 => {
            tracing::info!(checked = r.checked, escalated = r.escalated, auto_closed = r.auto_closed, "deadline sweep")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deadline sweep failed"),
    }
}

async fn visit_reminders(app: &App) {
    match app.send_visit_reminders(app.now_ms()).await {
        Ok(n) if n > 0 => tracing::info!(sent = n, "visit reminders"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "visit reminders failed"),
    }
}

async fn webhooks(app: &App, memory: &mut JobMemory) {
    match app.deliver_webhooks().await {
        Ok(r) => {
            if r.sent > 0 {
                tracing::info!(sent = r.sent, "webhook deliveries");
            }
            if let Some(e) = r.error {
                tracing::warn!(error = %e, "webhook delivery failed; retrying next round");
            }
            if r.given_up > memory.warned_given_up {
                tracing::error!(given_up = r.given_up, "webhook: notifications skipped after max_attempts");
                memory.warned_given_up = r.given_up;
            }
        }
        Err(e) => tracing::warn!(error = %e, "webhook round failed"),
    }
}

async fn hot_issues(app: &App) {
    match app.detect_hot_issues().await {
        Ok(r) if !r.flagged.is_empty() || !r.extended.is_empty() => tracing::info!(
            flagged = r.flagged.len(),
            extended = r.extended.len(),
            reflagged = r.reflagged.len(),
            "hot-issue detection"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "hot-issue detection failed"),
    }
}

async fn session_purge(app: &App) {
    if let Err(e) = app.purge_sessions().await {
        tracing::warn!(error = %e, "session purge failed");
    }
}

/// Resolves once a stop is asked for (or the runner is gone).
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}

/// The running jobs. Each runs its first round at once, then every period;
/// [`JobRunner::stop`] lets a round under way finish, then ends them all.
#[derive(Debug)]
pub struct JobRunner {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl JobRunner {
    /// Starts `jobs` (normally [`App::jobs`]) on the current tokio runtime.
    pub fn start(app: &App, jobs: Vec<Job>) -> Self {
        let (stop, stopped) = watch::channel(false);
        let tasks = jobs
            .into_iter()
            .map(|job| {
                let app = app.clone();
                let mut stopped = stopped.clone();
                let task = tokio::spawn(async move {
                    let mut tick = tokio::time::interval(job.period);
                    let mut memory = JobMemory::default();
                    loop {
                        tokio::select! {
                            biased;
                            () = stop_requested(&mut stopped) => break,
                            _ = tick.tick() => (job.run)(&app, &mut memory).await,
                        }
                    }
                    tracing::debug!(job = job.name, "job stopped");
                });
                (job.name, task)
            })
            .collect();
        Self { stop, tasks }
    }

    /// The names of the running jobs, in start order.
    pub fn names(&self) -> Vec<&'static str> {
        self.tasks.iter().map(|(name, _)| *name).collect()
    }

    /// Asks every job to stop and waits until they have (a round under way
    /// finishes first, so no round is cut in the middle).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::warn!(job = name, error = %e, "job ended abnormally");
            }
        }
    }
}
