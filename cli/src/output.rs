//! Output files: one overwrite policy and atomic replacement for every command that writes
//! one (`lint -o`, `graph -o`, `run --history`, `migrate`, `export`, `init`).
//!
//! - **Overwrite policy:** a path that already exists, as anything (a file, a directory, a
//!   symbolic link, also a dangling one: checked with `symlink_metadata`, never followed), is
//!   refused unless `--force` is given; nothing is written then.
//! - **Atomicity:** each file is written to a temporary file in its own directory, flushed
//!   to disk (`fsync`) and renamed over the destination, so a full disk or a crash leaves the
//!   old file or the new one, never a truncated one. When a command writes several files,
//!   every temporary is written before the first rename: a failure leaves all originals.
//!   A symbolic link at the destination is replaced, not written through.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Refuses paths that exist (see the module docs) unless `force`; `Err` lists them.
pub fn check_overwrite<'a>(
    paths: impl IntoIterator<Item = &'a Path>,
    force: bool,
) -> Result<(), String> {
    let mut existing = Vec::new();
    for path in paths {
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_dir() => return Err(format!("{} is a directory", path.display())),
            Ok(_) if !force => existing.push(path.display().to_string()),
            _ => {}
        }
    }
    if existing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "refusing to overwrite existing file(s) (use --force to replace them; nothing was written):\n  {}",
            existing.join("\n  ")
        ))
    }
}

/// A file written and synced under a temporary name, waiting to be renamed into place.
struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        // Gone after a successful rename; removed after a failure.
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// Creates the temporary file `dest` is written under, in `dest`'s directory.
fn create_temp(dest: &Path) -> Result<(Staged, File), String> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut attempt = 0u32;
    let (temp, file) = loop {
        let temp = dir.join(format!(
            ".{name}.{}.{attempt}.nexus-tmp",
            std::process::id()
        ));
        match File::options().write(true).create_new(true).open(&temp) {
            Ok(f) => break (temp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(format!("cannot write {}: {e}", dest.display())),
        }
    };
    let staged = Staged {
        temp,
        dest: dest.to_path_buf(),
    };
    Ok((staged, file))
}

fn stage(dest: &Path, bytes: &[u8]) -> Result<Staged, String> {
    let (staged, mut file) = create_temp(dest)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    Ok(staged)
}

/// Renames a synced temporary over its destination, and syncs the directory so the rename
/// survives a crash.
fn put_in_place(s: &Staged) -> Result<(), String> {
    std::fs::rename(&s.temp, &s.dest)
        .map_err(|e| format!("cannot write {}: {e}", s.dest.display()))?;
    if let Some(dir) = s.dest.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes every `(path, bytes)` atomically (see the module docs): all are staged first, then
/// renamed into place. Overwriting is the caller's decision ([`check_overwrite`]).
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> Result<(), String> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        staged.push(stage(path, bytes)?);
    }
    for s in &staged {
        put_in_place(s)?;
    }
    Ok(())
}

/// [`check_overwrite`] then [`write_all_atomic`] for one file.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), String> {
    check_overwrite([path], force)?;
    write_all_atomic(&[(path, bytes)])
}

/// One output file written as it is produced (a long `run --history`), with the same
/// overwrite policy and atomicity as [`write_file`]: bytes go to the temporary file, which
/// [`StreamedFile::commit`] syncs and renames into place. Dropped uncommitted (the command
/// failed), it leaves the destination untouched and no temporary behind.
pub struct StreamedFile {
    staged: Staged,
    out: std::io::BufWriter<File>,
}

impl StreamedFile {
    /// Applies [`check_overwrite`] to `dest`, then opens its temporary file.
    pub fn create(dest: &Path, force: bool) -> Result<Self, String> {
        check_overwrite([dest], force)?;
        let (staged, file) = create_temp(dest)?;
        Ok(Self {
            staged,
            out: std::io::BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> Result<(), String> {
        let dest = self.staged.dest.display().to_string();
        let file = self
            .out
            .into_inner()
            .map_err(|e| format!("cannot write {dest}: {}", e.error()))?;
        file.sync_all()
            .map_err(|e| format!("cannot write {dest}: {e}"))?;
        put_in_place(&self.staged)
    }
}

impl std::fmt::Debug for StreamedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedFile")
            .field("dest", &self.staged.dest)
            .finish_non_exhaustive()
    }
}

impl Write for StreamedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_existing_paths_without_force_and_replaces_atomically_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out.json");
        write_file(&f, b"one", false).unwrap();
        let e = write_file(&f, b"two", false).unwrap_err();
        assert!(e.contains("refusing to overwrite"), "{e}");
        assert_eq!(std::fs::read(&f).unwrap(), b"one");
        write_file(&f, b"two", true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"two");
        // No temporary is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_streamed_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("history.json");
        write_file(&f, b"old", false).unwrap();
        assert!(StreamedFile::create(&f, false).is_err());
        let mut s = StreamedFile::create(&f, true).unwrap();
        s.write_all(b"new").unwrap();
        drop(s);
        assert_eq!(
            std::fs::read(&f).unwrap(),
            b"old",
            "an uncommitted file replaced it"
        );
        let mut s = StreamedFile::create(&f, true).unwrap();
        s.write_all(b"new").unwrap();
        s.commit().unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_is_an_existing_path_and_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere.txt");
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_file(&link, b"x", false).is_err());
        assert!(!target.exists(), "the link's target was created");
        write_file(&link, b"x", true).unwrap();
        assert!(!target.exists(), "written through the link");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&link).unwrap(), b"x");
    }

    #[test]
    fn a_failed_multi_file_write_leaves_every_original() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, "old").unwrap();
        // The second destination's directory cannot be created (a file is in the way).
        std::fs::write(dir.path().join("blocker"), "").unwrap();
        let b = dir.path().join("blocker").join("b.yaml");
        assert!(write_all_atomic(&[(&a, b"new"), (&b, b"new")]).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "a temporary was left behind");
    }
}
