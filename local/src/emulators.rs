//! The emulators of the local stack (DESIGN.md, "Local stack"), all on 127.0.0.1:
//! DynamoDB Local (the official emulator, through a launcher that binds it to loopback),
//! aws-ses-v2-local (SES with a mail viewer) and moto (S3 and SNS).
//!
//! `scripts/install-local-stack` installs them into `.local/`; this module only starts them.

use crate::paths::Paths;
use crate::procs::{wait_for_port, Supervisor};
use std::time::Duration;
use tokio::process::Command;

/// Where the emulators listen.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub dynamodb: u16,
    pub ses: u16,
    pub moto: u16,
}

pub async fn start(
    sup: &Supervisor,
    paths: &Paths,
    ports: Ports,
    quiet: bool,
) -> anyhow::Result<()> {
    let ddb_dir = paths.dynamodb_local_dir()?;
    let lib = ddb_dir.join("DynamoDBLocal_lib");
    let classpath = format!(
        "{}:{}/*:{}",
        ddb_dir.join("DynamoDBLocal.jar").display(),
        lib.display(),
        paths.launcher_classes().display()
    );
    let mut java = Command::new("java");
    java.arg(format!("-Djava.library.path={}", lib.display()))
        .arg("-Xmx512m")
        .arg("-cp")
        .arg(classpath)
        .arg("LoopbackDynamoDB")
        .args([
            "-inMemory",
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            &ports.dynamodb.to_string(),
        ]);
    sup.spawn("DynamoDB Local", java, quiet).await?;

    let mut ses = Command::new("node");
    ses.arg(paths.ses_cli()?)
        .args(["--host", "127.0.0.1", "--port", &ports.ses.to_string()]);
    sup.spawn("aws-ses-v2-local", ses, quiet).await?;

    let mut moto = Command::new(paths.moto_server()?);
    moto.args(["-H", "127.0.0.1", "-p", &ports.moto.to_string()]);
    sup.spawn("moto", moto, quiet).await?;

    let within = Duration::from_secs(60);
    wait_for_port("DynamoDB Local", ports.dynamodb, within).await?;
    wait_for_port("aws-ses-v2-local", ports.ses, within).await?;
    wait_for_port("moto", ports.moto, within).await?;
    Ok(())
}
