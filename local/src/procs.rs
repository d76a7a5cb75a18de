//! Child processes of the local stack: started here, stopped here, by PID, and nothing else.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

/// Every process the stack started, so that shutdown stops exactly those.
#[derive(Clone, Default)]
pub struct Supervisor {
    children: Arc<Mutex<Vec<(String, Child)>>>,
}

impl Supervisor {
    /// Starts `cmd`; its output goes to this process's stderr (or is dropped with `quiet`).
    /// On Linux the child also gets SIGTERM if this process dies without cleaning up.
    pub async fn spawn(&self, name: &str, mut cmd: Command, quiet: bool) -> anyhow::Result<u32> {
        cmd.stdin(Stdio::null()).kill_on_drop(true);
        if quiet {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        } else {
            cmd.stdout(Stdio::inherit()).stderr(Stdio::inherit());
        }
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches only the child being set up.
        #[allow(unsafe_code)]
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| anyhow::anyhow!("could not start {name}: {e}"))?;
        let pid = child.id().unwrap_or_default();
        self.children.lock().await.push((name.to_owned(), child));
        Ok(pid)
    }

    /// Whether the process `pid` started here has exited.
    pub async fn exited(&self, pid: u32) -> bool {
        let mut children = self.children.lock().await;
        children
            .iter_mut()
            .find(|(_, c)| c.id() == Some(pid))
            .is_none_or(|(_, c)| matches!(c.try_wait(), Ok(Some(_))))
    }

    /// Stops every process started here: SIGTERM, then SIGKILL after a grace period.
    pub async fn shutdown(&self) {
        let mut children = self.children.lock().await;
        for (_, child) in children.iter() {
            if let Some(pid) = child.id() {
                // SAFETY: signalling a PID we started and have not yet reaped.
                #[allow(unsafe_code)]
                unsafe {
                    libc::kill(pid as i32, libc::SIGTERM);
                }
            }
        }
        for (name, child) in children.iter_mut() {
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                eprintln!("passport-local: {name} did not stop on SIGTERM; killing it");
                let _ = child.kill().await;
            }
        }
        children.clear();
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// Waits until something accepts connections on 127.0.0.1:`port`.
pub async fn wait_for_port(name: &str, port: u16, within: Duration) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("{name} did not start listening on 127.0.0.1:{port} within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
