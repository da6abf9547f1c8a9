//! Serves every route of template.yaml on localhost against DynamoDB Local: `infra/dev.sh`.

use std::path::PathBuf;
use std::sync::Arc;
use workbench_local::{server, template};

struct Args {
    host: String,
    port: u16,
    template: PathBuf,
    seed: Option<PathBuf>,
    /// Where the local signing key lives (made on first start).
    state: PathBuf,
    /// The built workbench to serve at `/`.
    web: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 8000,
        template: "template.yaml".into(),
        seed: None,
        state: "infra/.local".into(),
        web: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => args.host = value()?,
            "--port" => args.port = value()?.parse().map_err(|_| "--port must be a number".to_string())?,
            "--template" => args.template = value()?.into(),
            "--seed" => args.seed = Some(value()?.into()),
            "--state" => args.state = value()?.into(),
            "--web" => args.web = Some(value()?.into()),
            other => {
                return Err(format!("unknown argument {other}; expected --host, --port, --template, --seed, --state, --web"))
            }
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    workbench::runtime::init_tracing();
    let args = parse_args()?;
    let functions = template::load(&args.template)?;
    let router = workbench_local::router::Router::from_routes(&functions.routes)?;
    let app = workbench::App::from_env().await?;
    // Like a Lambda that embeds: map the model now, and fail now if it is missing.
    app.knowledge.embedder().warm_up().await?;
    if app.store.create_table_if_missing().await? {
        println!("created table {}", app.store.table());
    }
    if let Some(seed_dir) = &args.seed {
        let report = workbench_local::seed::seed_all(&app, seed_dir).await?;
        println!("seeded demo data: {report:?}");
    }
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port)).await?;
    println!(
        "agent workbench API listening on http://localhost:{} ({} routes from {}); Ctrl-C stops it",
        args.port,
        functions.routes.len(),
        args.template.display()
    );
    let identity = Arc::new(workbench_local::identity::LocalIdentity::load_or_create(&args.state)?);
    let mut api = server::LocalApi::new(app, router, identity);
    api.cors = functions.cors.clone();
    if let Some(seed_dir) = &args.seed {
        if let Ok(text) = std::fs::read_to_string(seed_dir.join("agents.json")) {
            api.demo_agents = serde_json::from_str(&text)?;
            // The seeded roster: whom a session may be transferred to before anyone signs in.
            workbench_local::seed::enrol_roster(&api.app.store, &api.demo_agents).await?;
        }
    }
    match &args.web {
        Some(web) if web.join("index.html").is_file() => {
            println!("workbench on http://localhost:{}/ (from {})", args.port, web.display());
            api.web_root = Some(web.clone());
        }
        Some(web) => println!("no built workbench in {} (run npm run build in web/); serving the API only", web.display()),
        None => {}
    }
    // EventBridge runs the queue maintenance every minute in AWS; here a timer runs the same code.
    let every = std::env::var("QUEUE_MAINTENANCE_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60u64);
    if every > 0 {
        let app = api.app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(err) = workbench::maintenance::run(&app).await {
                    tracing::warn!(error = %err, "queue maintenance failed; the next run tries again");
                }
            }
        });
    }
    // Live updates: the table's stream, fanned out to the sockets of `/ws`.
    let streams = workbench_local::live::streams_client(std::env::var("DYNAMODB_ENDPOINT").ok().as_deref()).await;
    // The customer webhook: the local server plays the EventBridge bus and its API destination.
    let outbound = workbench_local::webhook::WebhookTarget::from_env().map(|target| {
        println!("customer webhooks to {} (signed, at least once)", target.url);
        workbench_local::webhook::spawn_deliverer(target)
    });
    workbench_local::live::spawn_stream_reader_with_outbound(api.app.store.clone(), streams, api.live.clone(), outbound);
    println!("live updates on ws://localhost:{}/ws?token=<agent token>", args.port);
    let api = Arc::new(api);
    tokio::select! {
        result = server::serve(listener, api) => result?,
        _ = tokio::signal::ctrl_c() => println!("stopping"),
    }
    Ok(())
}
