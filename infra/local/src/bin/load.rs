//! The load run: `infra/load.sh` starts its own DynamoDB Local and runs this. A whole team of
//! agents and a crowd of customers on the local API at once (loopback only, bounded in time and
//! request count), optionally with DynamoDB Local paused, stopped and restarted mid-run; then
//! every session is read back from the table and checked. Exits non-zero when a check fails.
//!
//! `load --endpoint http://127.0.0.1:8020 [--agents 200] [--customers 1000] [--duration 60]
//!  [--faults --dynamodb-port P --dynamodb-data DIR --dynamodb-pidfile FILE]`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use workbench::auth::ApiKeys;
use workbench::config::Config;
use workbench::store::Store;
use workbench::App;
use workbench_local::load::{self, client::Api, faults, LoadConfig, Shared};
use workbench_local::{identity::LocalIdentity, router::Router, server, template};

const KEY: &str = "load-run-key";

struct Args {
    endpoint: String,
    config: LoadConfig,
    store_timeout_ms: u64,
    faults: Option<faults::DynamoLocal>,
    seed_dir: PathBuf,
    template: PathBuf,
}

fn millis_range(raw: &str) -> Result<(Duration, Duration), String> {
    let (lo, hi) = raw.split_once("..").ok_or_else(|| format!("{raw}: expected LOW..HIGH milliseconds"))?;
    let parse = |v: &str| v.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| format!("{raw}: not milliseconds"));
    Ok((parse(lo)?, parse(hi)?))
}

fn parse_args() -> Result<Args, String> {
    let mut endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap_or_default();
    let mut config = LoadConfig {
        agents: 200,
        customers: 1000,
        duration: Duration::from_secs(60),
        drain: Duration::from_secs(30),
        max_requests: 1_000_000,
        // A customer types a message every 15-45 s; an agent acts every 1-3 s on a session and
        // looks at the queue every 4-8 s when idle (the workbench itself is told of new
        // escalations over its socket; the run polls instead).
        customer_think: (Duration::from_millis(15_000), Duration::from_millis(45_000)),
        agent_think: (Duration::from_millis(1000), Duration::from_millis(3000)),
        agent_idle: (Duration::from_millis(4000), Duration::from_millis(8000)),
        client_timeout: Duration::from_secs(30),
        request_budget: Duration::ZERO,
        seed: 14,
    };
    let mut store_timeout_ms = 2_500;
    let mut budget_ms = None;
    let (mut with_faults, mut port, mut data, mut pidfile) = (false, None, None, None);
    let mut seed_dir = PathBuf::from("infra/seed");
    let mut template = PathBuf::from("template.yaml");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|_| format!("{flag}: {v} is not a number"));
        match flag.as_str() {
            "--endpoint" => endpoint = value()?,
            "--agents" => config.agents = number(value()?)? as usize,
            "--customers" => config.customers = number(value()?)? as usize,
            "--duration" => config.duration = Duration::from_secs(number(value()?)?),
            "--drain" => config.drain = Duration::from_secs(number(value()?)?),
            "--max-requests" => config.max_requests = number(value()?)? as usize,
            "--customer-think-ms" => config.customer_think = millis_range(&value()?)?,
            "--agent-think-ms" => config.agent_think = millis_range(&value()?)?,
            "--agent-idle-ms" => config.agent_idle = millis_range(&value()?)?,
            "--store-timeout-ms" => store_timeout_ms = number(value()?)?,
            "--budget-ms" => budget_ms = Some(number(value()?)?),
            "--seed" => config.seed = number(value()?)?,
            "--seed-dir" => seed_dir = value()?.into(),
            "--template" => template = value()?.into(),
            "--faults" => with_faults = true,
            "--dynamodb-port" => port = Some(number(value()?)? as u16),
            "--dynamodb-data" => data = Some(PathBuf::from(value()?)),
            "--dynamodb-pidfile" => pidfile = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if endpoint.is_empty() {
        return Err("--endpoint (or DYNAMODB_ENDPOINT) names the DynamoDB Local to use".into());
    }
    // The server's request budget (two store budgets and a second, as in AWS) and half a second
    // for the loopback and the client.
    config.request_budget = Duration::from_millis(budget_ms.unwrap_or(2 * store_timeout_ms + 1_500));
    let faults = match (with_faults, port, data, pidfile) {
        (false, ..) => None,
        (true, Some(port), Some(data_dir), Some(pidfile)) => {
            Some(faults::DynamoLocal { script: PathBuf::from("infra/dynamodb-local.sh"), port, data_dir, pidfile })
        }
        _ => return Err("--faults needs --dynamodb-port, --dynamodb-data and --dynamodb-pidfile".into()),
    };
    Ok(Args { endpoint, config, store_timeout_ms, faults, seed_dir, template })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?").to_string();
    format!("{cores} cores ({cpu}), 1-minute load average {load} at the start")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    if std::env::var("LOAD_LOG").is_ok() {
        // The server's JSON logs, interleaved with the report on stdout: for diagnosis only.
        workbench::runtime::init_tracing();
    }
    let config = args.config.clone();
    let store_config = workbench::app::local_dynamodb_config(&args.endpoint)
        .timeout_config(workbench::app::store_timeouts(args.store_timeout_ms))
        .build();
    let table = format!("load-{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(store_config), table.clone());
    // Setting up is not under test: give it room.
    let setup = Store::new(workbench::app::local_dynamodb_client(&args.endpoint), table.clone());
    setup.create_table_if_missing().await?;
    let embedder = workbench_local::production_embedder();
    let setup_app = App::new(setup.clone(), Config::new(&table, ApiKeys::parse(KEY))).with_embedder(embedder.clone());
    workbench_local::seed::seed_knowledge(&setup_app, &args.seed_dir).await?;
    let dataset = args.seed_dir.join("business/dataset.json");
    if dataset.exists() {
        workbench::business::seed(&setup, &dataset).await?;
    }

    let mut app_config = Config::new(&table, ApiKeys::parse(KEY));
    app_config.request_budget = Duration::from_millis(2 * args.store_timeout_ms + 1_000);
    let app = App::new(store, app_config).with_embedder(embedder);
    let functions = template::load(&args.template)?;
    let router = Router::from_routes(&functions.routes)?;
    let identity = Arc::new(LocalIdentity::ephemeral()?);
    let api = Arc::new(server::LocalApi::new(app, router, identity));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(listener, api));

    println!(
        "## Load run {} on {}\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine()
    );
    println!(
        "{} agents, {} customers, {} s of new actions (+ up to {} s for their retries), table `{table}`, store budget {} ms per call, request budget {} ms, faults: {}.\n",
        config.agents,
        config.customers,
        config.duration.as_secs(),
        config.drain.as_secs(),
        args.store_timeout_ms,
        config.request_budget.as_millis(),
        if args.faults.is_some() { "pause, stop, restart" } else { "none" },
    );

    let started = Instant::now();
    let shared = Arc::new(Shared {
        api: Api::new(base, KEY.to_string(), config.client_timeout),
        journal: Default::default(),
        config: config.clone(),
        started,
        run_id: uuid::Uuid::new_v4().simple().to_string()[..8].to_string(),
    });
    let fault_task = args.faults.clone().map(|db| {
        let plan = faults::FaultPlan::for_duration(config.duration, Duration::from_secs(5));
        tokio::spawn(faults::run(db, plan, started))
    });
    load::simulate(shared.clone()).await;
    let windows = match fault_task {
        None => Vec::new(),
        Some(task) => task.await??,
    };

    println!("### Throughput and latency per route\n");
    println!("{}", load::report_routes(&shared.journal, started, config.duration, &windows));
    let samples = shared.journal.samples();
    for (i, w) in windows.iter().enumerate() {
        // A window's recovery ends where the next fault begins: later 503s are that fault's.
        let expected_until = w.end;
        let mut w = w.clone();
        if let Some(next) = windows.get(i + 1) {
            w.end = w.end.min(next.start);
        }
        let recovery = faults::measured_recovery(&w, samples.iter().map(|s| (s.started, s.elapsed, s.status)));
        let mut after: std::collections::BTreeMap<&str, usize> = Default::default();
        for s in samples.iter().filter(|s| w.refused_in_recovery(s.started + s.elapsed, s.status)) {
            *after.entry(s.route).or_default() += 1;
        }
        println!(
            "- DynamoDB Local {} at {:.1} s for {:.1} s; back at {:.1} s; 503 expected until {:.1} s (twice the outage after); the last 503 before the next fault came {:.1} s after it was back",
            w.what,
            (w.start - started).as_secs_f64(),
            w.outage.as_secs_f64(),
            (w.back - started).as_secs_f64(),
            (expected_until - started).as_secs_f64(),
            recovery.as_secs_f64(),
        );
        let after: Vec<String> = after.iter().map(|(route, n)| format!("{route} {n}")).collect();
        if !after.is_empty() {
            println!("  - 503s answered after it was back: {}", after.join(", "));
        }
    }
    if !windows.is_empty() {
        println!();
    }
    println!("Answers by when their request started:\n");
    println!("{}", load::report_timeline(&shared.journal, started, Duration::from_secs(5)));
    let refusals = shared.journal.refusals.lock().unwrap().clone();
    if !refusals.is_empty() {
        println!("Answers other than 2xx by route, status and error code:\n");
        for ((route, status, code), count) in refusals {
            println!("- {route}: {count} × {status} `{code}`");
        }
        println!();
    }

    let verdict = load::check::verify(&setup, &shared.journal, &windows, config.request_budget).await?;
    println!("### Checks\n");
    println!("{}", verdict.markdown());
    if verdict.passed() {
        println!("All checks passed.");
        Ok(())
    } else {
        println!("Some checks FAILED.");
        std::process::exit(1);
    }
}
