//! The background jobs table (`App::jobs`) and its runner: what `serve`
//! runs, how often, and that it stops on shutdown.

use crate::harness::{engines, TestApp};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use zhuqi_app::jobs::{Job, JobRunner};
use zhuqi_app::webhook::WebhookConfig;
use zhuqi_app::AppConfig;

fn listing(jobs: &[Job]) -> Vec<(&'static str, u64)> {
    jobs.iter().map(|j| (j.name, j.period.as_secs())).collect()
}

#[tokio::test]
async fn serve_runs_five_jobs_with_the_webhook_channel_only_when_configured() {
    let t = TestApp::new("sqlite").await;
    assert_eq!(
        listing(&t.app.jobs()),
        [("deadline-sweep", 60), ("visit-reminders", 3600), ("hot-issues", 600), ("session-purge", 600)]
    );
    let config = AppConfig {
        webhook: WebhookConfig {
            url: "http://127.0.0.1:9/hook".into(),
            interval_seconds: 15,
            ..WebhookConfig::default()
        },
        ..AppConfig::default()
    };
    let t = TestApp::with_config("sqlite", config).await;
    assert_eq!(
        listing(&t.app.jobs()),
        [
            ("deadline-sweep", 60),
            ("visit-reminders", 3600),
            ("webhooks", 15),
            ("hot-issues", 600),
            ("session-purge", 600)
        ]
    );
}

static ROUNDS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn the_job_runner_runs_each_job_at_once_and_stops_on_shutdown() {
    for e in engines() {
        let t = TestApp::new(e).await;
        // The real table: every job runs its first round at once and stops when asked.
        let runner = JobRunner::start(&t.app, t.app.jobs());
        assert_eq!(runner.names(), ["deadline-sweep", "visit-reminders", "hot-issues", "session-purge"], "{e}");
        tokio::time::timeout(Duration::from_secs(30), runner.stop()).await.expect("the jobs stop on shutdown");

        // A counting job every 10 ms: it runs repeatedly, then no more after stop.
        let counting = Job {
            name: "count",
            period: Duration::from_millis(10),
            run: |_, _| {
                Box::pin(async {
                    ROUNDS.fetch_add(1, Ordering::SeqCst);
                })
            },
        };
        ROUNDS.store(0, Ordering::SeqCst);
        let runner = JobRunner::start(&t.app, vec![counting]);
        tokio::time::timeout(Duration::from_secs(10), async {
            while ROUNDS.load(Ordering::SeqCst) < 3 {
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the job ran three rounds");
        tokio::time::timeout(Duration::from_secs(10), runner.stop()).await.expect("the runner stops");
        let after = ROUNDS.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(ROUNDS.load(Ordering::SeqCst), after, "{e}: no round after stop");
        t.app.store.close().await;
    }
}
