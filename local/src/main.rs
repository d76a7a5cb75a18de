//! `passport-local`: the whole of Passport on this machine, without Docker.
//!
//! - `serve`: starts DynamoDB Local, the SES emulator (with its mail viewer) and moto on
//!   127.0.0.1, creates the tables and buckets of template.yaml, and serves every route of
//!   every function at `http://127.0.0.1:3000` as API Gateway would, until Ctrl-C.
//! - `invoke FUNCTION --event FILE`: runs one function on one event from `events/` and prints
//!   its answer, as `sam local invoke -e` would.
//! - `env FUNCTION --attach STACK`: prints the environment a function gets against a running
//!   stack, as JSON (passport-bench starts the binaries itself with it).
//!
//! `serve` and `invoke` take `--meter FILE` (or `PASSPORT_METER_FILE`): each invocation's
//! DynamoDB calls are then counted and appended to FILE ([`passport_local::meter`]).

mod emulators;
mod gateway;
mod lambda_api;
mod paths;
mod procs;
mod provision;
mod runtime;

use anyhow::Context;
use clap::{Parser, Subcommand};
use emulators::Ports;
use gateway::{Gateway, GatewayRoute};
use passport_local::meter::Meter;
use passport_template::{FunctionDef, Template};
use paths::Paths;
use procs::{free_port, Supervisor};
use runtime::{FunctionRuntime, FunctionSpec, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "passport-local", about = "Run Passport locally without Docker")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the emulators and serve the API.
    Serve {
        /// API port (0 picks a free one).
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// SES emulator and mail viewer port (0 picks a free one).
        #[arg(long, default_value_t = 8005)]
        ses_port: u16,
        /// DynamoDB Local port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        dynamodb_port: u16,
        /// moto (S3, SNS) port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        moto_port: u16,
        /// Most instances of one function running at once.
        #[arg(long, default_value_t = 8)]
        max_instances: usize,
        /// Keep the emulators' and functions' output off the terminal.
        #[arg(long)]
        quiet: bool,
        /// Stop when standard input closes (for a parent process such as the tests).
        #[arg(long)]
        stop_on_stdin_eof: bool,
        /// Where to write the stack's endpoints (default .local/run/stack.json).
        #[arg(long)]
        stack_file: Option<PathBuf>,
        /// Show each captcha's answer in an `X-Captcha-Answer` header (for tests and curl
        /// walk-throughs; a function under Lambda refuses this setting).
        #[arg(long)]
        expose_captcha: bool,
        /// Count each invocation's DynamoDB calls into this file (JSON lines).
        #[arg(long, env = "PASSPORT_METER_FILE")]
        meter: Option<PathBuf>,
        /// Hold each metered DynamoDB answer back this long (passport_local::meter).
        #[arg(long, env = "PASSPORT_METER_HOLD_MS", default_value_t = 0)]
        meter_hold_ms: u64,
    },
    /// Run one function on one event file and print its answer.
    Invoke {
        /// The function: its binary (`services`) or its logical id (`ServicesFunction`).
        function: String,
        /// An event file, e.g. events/guestbook.json.
        #[arg(long, short = 'e')]
        event: PathBuf,
        /// Use the emulators of a running `serve` (its stack file) instead of starting new ones.
        #[arg(long)]
        attach: Option<PathBuf>,
        /// Extra environment for the function, KEY=VALUE (repeatable).
        #[arg(long = "env")]
        env: Vec<String>,
        #[arg(long)]
        quiet: bool,
        /// Count the invocation's DynamoDB calls into this file (a JSON line).
        #[arg(long, env = "PASSPORT_METER_FILE")]
        meter: Option<PathBuf>,
        /// Hold each metered DynamoDB answer back this long (passport_local::meter).
        #[arg(long, env = "PASSPORT_METER_HOLD_MS", default_value_t = 0)]
        meter_hold_ms: u64,
    },
    /// Print the environment FUNCTION gets against a running stack (JSON).
    Env {
        function: String,
        /// The running stack's file.
        #[arg(long)]
        attach: PathBuf,
    },
}

/// Where a running stack's services are; written by `serve`, read by `invoke --attach` and
/// by the tests.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StackInfo {
    api: String,
    dynamodb: String,
    ses: String,
    moto: String,
    pid: u32,
    /// The stack's token signing key (generated per run, local only).
    jwt_key_file: PathBuf,
    expose_captcha: bool,
    /// The stack's Lambda Invoke API (`lambda_api`), for functions that invoke others.
    #[serde(default)]
    lambda: Option<String>,
}

/// What the local stack gives every function beyond its template environment.
#[derive(Clone)]
struct LocalSecrets {
    jwt_private_key: String,
    expose_captcha: bool,
    /// The issuer of tokens and discovery (`ISSUER_URL`): the local API's address.
    issuer: String,
    /// The stack's Lambda Invoke API (`AWS_ENDPOINT_URL_LAMBDA`), when it serves one.
    lambda: Option<String>,
}

/// The issuer of a stack whose API is not served (`invoke` without `--attach`): the address
/// `scripts/dev` serves by default.
const DEFAULT_ISSUER: &str = "http://127.0.0.1:3000";

impl LocalSecrets {
    fn generate(expose_captcha: bool, issuer: String) -> LocalSecrets {
        LocalSecrets {
            // Both keys in one secret, as an operator's (README, "Deploy"): Ed25519 for
            // access tokens and EdDSA ID tokens, RSA for RS256 ID tokens.
            jwt_private_key: format!(
                "{}{}",
                passport_core::token::SigningKeys::generate_pem(),
                passport_core::token::SigningKeys::generate_rsa_pem()
            ),
            expose_captcha,
            issuer,
            lambda: None,
        }
    }

    /// Writes the key readable by this user only.
    fn write_key(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(self.jwt_private_key.as_bytes())?;
        Ok(())
    }
}

fn pick(port: u16) -> anyhow::Result<u16> {
    if port == 0 {
        free_port()
    } else {
        Ok(port)
    }
}

/// The environment every function gets locally, on top of template.yaml's.
fn local_env(
    root: &std::path::Path,
    f: &FunctionDef,
    ports: Ports,
    secrets: &LocalSecrets,
) -> BTreeMap<String, String> {
    let mut env = f.env.clone();
    // Lambda puts a function's layers at /opt; locally, paths there point into the layer's
    // content folder.
    for value in env.values_mut() {
        if let Some(rest) = value.strip_prefix("/opt/") {
            if let Some(found) = f
                .layers
                .iter()
                .map(|dir| root.join(dir).join(rest))
                .find(|p| p.exists())
            {
                *value = found.display().to_string();
            }
        }
    }
    env.insert(
        "JWT_PRIVATE_KEY".to_owned(),
        secrets.jwt_private_key.clone(),
    );
    env.insert("ISSUER_URL".to_owned(), secrets.issuer.clone());
    // The abuse limits, as a deploy's AbuseLimits parameter would set them (the
    // conformance run lifts them: it calls each route far more often than a person).
    if let Some(limits) = std::env::var("ABUSE_LIMITS").ok().filter(|v| !v.is_empty()) {
        env.insert("ABUSE_LIMITS".to_owned(), limits);
    }
    if let Some(lambda) = &secrets.lambda {
        env.insert("AWS_ENDPOINT_URL_LAMBDA".to_owned(), lambda.clone());
    }
    if secrets.expose_captcha {
        env.insert("PASSPORT_EXPOSE_CAPTCHA".to_owned(), "1".to_owned());
    }
    let url = |p: u16| format!("http://127.0.0.1:{p}");
    for (k, v) in [
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
        ("AWS_ENDPOINT_URL_DYNAMODB", url(ports.dynamodb)),
        ("AWS_ENDPOINT_URL_SES", url(ports.ses)),
        ("AWS_ENDPOINT_URL_S3", url(ports.moto)),
        ("AWS_ENDPOINT_URL_SNS", url(ports.moto)),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", url(ports.moto)),
        ("PASSPORT_LOCAL", "1".to_owned()),
        (
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()),
        ),
    ] {
        env.insert(k.to_owned(), v);
    }
    env
}

fn port_of(url: &str) -> anyhow::Result<u16> {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .with_context(|| format!("no port in {url}"))
}

async fn sdk_for(ports: Ports) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .endpoint_url(format!("http://127.0.0.1:{}", ports.dynamodb))
        .load()
        .await
}

async fn provision(template: &Template, ports: Ports) -> anyhow::Result<()> {
    let sdk = sdk_for(ports).await;
    provision::tables(&aws_sdk_dynamodb::Client::new(&sdk), template)
        .await
        .context("creating tables in DynamoDB Local")?;
    let s3 = aws_sdk_s3::config::Builder::from(&sdk)
        .endpoint_url(format!("http://127.0.0.1:{}", ports.moto))
        .force_path_style(true)
        .build();
    provision::buckets(&aws_sdk_s3::Client::from_conf(s3), template)
        .await
        .context("creating buckets in moto")?;
    Ok(())
}

/// What every function started by one command shares.
struct Launcher<'a> {
    paths: &'a Paths,
    ports: Ports,
    secrets: &'a LocalSecrets,
    sup: &'a Supervisor,
    quiet: bool,
    meter: Option<std::sync::Arc<Meter>>,
}

impl Launcher<'_> {
    /// Serves `f`'s Runtime API; its instances start on demand, up to `max_instances`.
    async fn start(
        &self,
        f: &FunctionDef,
        extra_env: &[(String, String)],
        max_instances: usize,
    ) -> anyhow::Result<FunctionRuntime> {
        let mut env = local_env(&self.paths.root, f, self.ports, self.secrets);
        env.extend(extra_env.iter().cloned());
        let spec = FunctionSpec {
            name: f.logical_id.clone(),
            binary: self.paths.function_binary(&f.binary)?,
            env,
            timeout: Duration::from_secs(f.timeout_seconds.max(1)),
            memory_mb: f.memory_mb,
            max_instances,
        };
        FunctionRuntime::start(spec, self.sup.clone(), self.quiet, self.meter.clone()).await
    }
}

async fn wait_for_stop(stop_on_stdin_eof: bool) {
    let stdin_closed = async {
        if stop_on_stdin_eof {
            use tokio::io::AsyncReadExt;
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 64];
            while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        } else {
            std::future::pending::<()>().await;
        }
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminated => {}
        _ = stdin_closed => {}
    }
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    port: u16,
    ses_port: u16,
    dynamodb_port: u16,
    moto_port: u16,
    max_instances: usize,
    quiet: bool,
    stop_on_stdin_eof: bool,
    stack_file: Option<PathBuf>,
    expose_captcha: bool,
    meter: Option<(PathBuf, Duration)>,
) -> anyhow::Result<()> {
    let paths = Paths::discover()?;
    let template = Template::load(&paths.template())?;
    let ports = Ports {
        dynamodb: pick(dynamodb_port)?,
        ses: pick(ses_port)?,
        moto: pick(moto_port)?,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let api_port = listener.local_addr()?.port();
    let lambda_listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let lambda_url = format!("http://127.0.0.1:{}", lambda_listener.local_addr()?.port());
    let mut secrets =
        LocalSecrets::generate(expose_captcha, format!("http://127.0.0.1:{api_port}"));
    secrets.lambda = Some(lambda_url.clone());

    let sup = Supervisor::default();
    let result = async {
        emulators::start(&sup, &paths, ports, quiet).await?;
        provision(&template, ports).await?;
        let meter = meter.map(|(file, hold)| Meter::new(file, format!("http://127.0.0.1:{}", ports.dynamodb), hold));
        let launcher = Launcher { paths: &paths, ports, secrets: &secrets, sup: &sup, quiet, meter };
        let mut routes = Vec::new();
        let mut functions = BTreeMap::new();
        for f in &template.functions {
            let runtime = launcher.start(f, &[], max_instances).await?;
            for r in &f.routes {
                routes.push(GatewayRoute { method: r.method.clone(), path: r.path.clone(), function: runtime.clone() });
            }
            functions.insert(f.logical_id.clone(), runtime);
        }
        tokio::spawn(async move {
            if let Err(e) = lambda_api::serve(lambda_listener, std::sync::Arc::new(functions)).await {
                eprintln!("passport-local: Lambda API stopped: {e:#}");
            }
        });
        let route_count = routes.len();
        let gateway = Gateway::new(routes, format!("127.0.0.1:{api_port}"));
        tokio::spawn(async move {
            if let Err(e) = gateway.serve(listener).await {
                eprintln!("passport-local: API server stopped: {e:#}");
            }
        });

        let stack_file = stack_file.unwrap_or_else(|| paths.root.join(".local/run/stack.json"));
        if let Some(dir) = stack_file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let jwt_key_file = stack_file.with_extension("jwt.pem");
        secrets.write_key(&jwt_key_file)?;
        let info = StackInfo {
            api: format!("http://127.0.0.1:{api_port}"),
            dynamodb: format!("http://127.0.0.1:{}", ports.dynamodb),
            ses: format!("http://127.0.0.1:{}", ports.ses),
            moto: format!("http://127.0.0.1:{}", ports.moto),
            pid: std::process::id(),
            jwt_key_file: jwt_key_file.clone(),
            expose_captcha,
            lambda: Some(lambda_url.clone()),
        };
        std::fs::write(&stack_file, serde_json::to_string_pretty(&info)?)?;
        eprintln!(
            "\nPassport is running ({} functions, {route_count} routes).\n  API:          {}\n  Mail viewer:  {}\n  DynamoDB:     {}\n  S3/SNS:       {}  (SMS: {}/moto-api/data.json)\nPress Ctrl-C to stop.\n",
            template.functions.len(),
            info.api,
            info.ses,
            info.dynamodb,
            info.moto,
            info.moto
        );
        println!("PASSPORT_STACK {}", serde_json::to_string(&info)?);
        wait_for_stop(stop_on_stdin_eof).await;
        let _ = std::fs::remove_file(&stack_file);
        let _ = std::fs::remove_file(&jwt_key_file);
        anyhow::Ok(())
    }
    .await;
    eprintln!("passport-local: stopping");
    sup.shutdown().await;
    result
}

/// The ports and secrets of a running stack, from its stack file.
fn attached(file: &std::path::Path) -> anyhow::Result<(Ports, LocalSecrets)> {
    let info: StackInfo = serde_json::from_slice(&std::fs::read(file)?)?;
    let secrets = LocalSecrets {
        jwt_private_key: std::fs::read_to_string(&info.jwt_key_file)?,
        expose_captcha: info.expose_captcha,
        issuer: info.api.clone(),
        lambda: info.lambda.clone(),
    };
    let ports = Ports {
        dynamodb: port_of(&info.dynamodb)?,
        ses: port_of(&info.ses)?,
        moto: port_of(&info.moto)?,
    };
    Ok((ports, secrets))
}

fn print_env(function: &str, attach: &std::path::Path) -> anyhow::Result<()> {
    let paths = Paths::discover()?;
    let template = Template::load(&paths.template())?;
    let f = template
        .functions
        .iter()
        .find(|f| f.binary == function || f.logical_id == function)
        .with_context(|| format!("template.yaml has no function {function}"))?;
    let (ports, secrets) = attached(attach)?;
    let env = local_env(&paths.root, f, ports, &secrets);
    println!("{}", serde_json::to_string_pretty(&env)?);
    Ok(())
}

async fn invoke(
    function: String,
    event: PathBuf,
    attach: Option<PathBuf>,
    env: Vec<String>,
    quiet: bool,
    meter: Option<(PathBuf, Duration)>,
) -> anyhow::Result<()> {
    let paths = Paths::discover()?;
    let template = Template::load(&paths.template())?;
    let f = template
        .functions
        .iter()
        .find(|f| f.binary == function || f.logical_id == function)
        .with_context(|| format!("template.yaml has no function {function}"))?;
    let event_bytes =
        std::fs::read(&event).with_context(|| format!("cannot read {}", event.display()))?;
    serde_json::from_slice::<serde_json::Value>(&event_bytes)
        .context("the event file is not JSON")?;
    let extra: Vec<(String, String)> = env
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .context("--env takes KEY=VALUE")
        })
        .collect::<anyhow::Result<_>>()?;

    let sup = Supervisor::default();
    let result = async {
        let (ports, secrets) = match &attach {
            Some(file) => attached(file)?,
            None => {
                let ports = Ports {
                    dynamodb: free_port()?,
                    ses: free_port()?,
                    moto: free_port()?,
                };
                emulators::start(&sup, &paths, ports, true).await?;
                provision(&template, ports).await?;
                (
                    ports,
                    LocalSecrets::generate(false, DEFAULT_ISSUER.to_owned()),
                )
            }
        };
        let launcher = Launcher {
            paths: &paths,
            ports,
            secrets: &secrets,
            sup: &sup,
            quiet,
            meter: meter.map(|(file, hold)| {
                Meter::new(file, format!("http://127.0.0.1:{}", ports.dynamodb), hold)
            }),
        };
        let runtime = launcher.start(f, &extra, 1).await?;
        match runtime.invoke(bytes::Bytes::from(event_bytes)).await? {
            Outcome::Response(body) => {
                let v: serde_json::Value =
                    serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                println!("{}", serde_json::to_string_pretty(&v)?);
                Ok(())
            }
            Outcome::Error(body) => {
                anyhow::bail!("the function failed: {}", String::from_utf8_lossy(&body))
            }
            Outcome::Timeout => {
                anyhow::bail!("the function timed out after {} s", f.timeout_seconds)
            }
        }
    }
    .await;
    sup.shutdown().await;
    result
}

#[tokio::main]
async fn main() {
    let result = match Cli::parse().command {
        Cmd::Serve {
            port,
            ses_port,
            dynamodb_port,
            moto_port,
            max_instances,
            quiet,
            stop_on_stdin_eof,
            stack_file,
            expose_captcha,
            meter,
            meter_hold_ms,
        } => {
            serve(
                port,
                ses_port,
                dynamodb_port,
                moto_port,
                max_instances,
                quiet,
                stop_on_stdin_eof,
                stack_file,
                expose_captcha,
                meter.map(|file| (file, Duration::from_millis(meter_hold_ms))),
            )
            .await
        }
        Cmd::Invoke {
            function,
            event,
            attach,
            env,
            quiet,
            meter,
            meter_hold_ms,
        } => {
            let meter = meter.map(|file| (file, Duration::from_millis(meter_hold_ms)));
            invoke(function, event, attach, env, quiet, meter).await
        }
        Cmd::Env { function, attach } => print_env(&function, &attach),
    };
    // Everything started here is stopped by now. Exit at once rather than let the runtime
    // wait for a blocking read of standard input that may never return.
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("passport-local: {e:#}");
            std::process::exit(1)
        }
    }
}
