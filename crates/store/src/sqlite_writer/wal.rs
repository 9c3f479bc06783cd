//! The WAL file as the syncer thread sees it.

/// The WAL file, opened by the syncer to fsync it. fsync acts on the file,
/// whichever descriptor asks; the file is reopened if it was replaced (it
/// is not while the writer's connection keeps the database open).
pub(super) struct WalFile {
    path: std::path::PathBuf,
    open: Option<(std::fs::File, u64)>,
}

impl WalFile {
    pub(super) fn new(path: std::path::PathBuf) -> Self {
        Self { path, open: None }
    }

    pub(super) fn sync(&mut self) -> std::io::Result<()> {
        let id = file_id(&std::fs::metadata(&self.path)?);
        if self.open.as_ref().map(|(_, i)| *i) != Some(id) {
            self.open = Some((std::fs::File::open(&self.path)?, id));
        }
        match &self.open {
            Some((f, _)) => f.sync_data(),
            None => Ok(()),
        }
    }
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

/// Without inode numbers the file is taken as never replaced (it is not
/// while the writer's connection keeps the database open).
#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> u64 {
    u64::MAX
}
