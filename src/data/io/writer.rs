//! Writing output files atomically: to a temporary file beside the target, then a rename.
//!
//! Commands check every output path with [`check_writable`] (or [`check_folder`]) before
//! costly work, write one file with [`write_atomically`], and several that must appear
//! together through [`Outputs`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; it appears under its final name only on [`AtomicFile::commit`]. Dropped
/// without a commit, the temporary file is removed and the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        not_a_folder(target)?;
        let temp = beside(target, ".tmp")?;
        let file = File::create(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The temporary path, for writers that need a path (HDF5).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        if let Some(w) = self.writer.take() {
            let file = w.into_inner().map_err(|e| e.into_error())?;
            if let Err(e) = file.sync_all() {
                let _ = std::fs::remove_file(&self.temp);
                return Err(e);
            }
        }
        std::fs::rename(&self.temp, &self.target).inspect_err(|_| {
            let _ = std::fs::remove_file(&self.temp);
        })
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.as_mut().expect("not committed").write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes a whole file atomically from a closure.
pub fn write_atomically(
    target: &Path,
    body: impl FnOnce(&mut AtomicFile) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = AtomicFile::create(target)?;
    body(&mut file)?;
    file.commit()
}

/// `.NAME.PID<suffix>` beside `target`.
fn beside(target: &Path, suffix: &str) -> io::Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name in the path"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}{suffix}", std::process::id()));
    Ok(target.with_file_name(temp_name))
}

fn not_a_folder(target: &Path) -> io::Result<()> {
    if target.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a folder: expected the path of a file",
        ));
    }
    Ok(())
}

/// The folder a file path lives in (`.` for a bare name).
fn folder_of(target: &Path) -> &Path {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Checks, without leaving anything behind, that `target` can be written: it is not a folder,
/// its folder exists, and a file can be created there.
pub fn check_writable(target: &Path) -> io::Result<()> {
    not_a_folder(target)?;
    let folder = folder_of(target);
    if !folder.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("the folder {} does not exist", folder.display()),
        ));
    }
    let probe = beside(target, ".probe")?;
    File::create(&probe)?;
    std::fs::remove_file(&probe)
}

/// Checks that files can be written inside `folder`: an existing folder must accept a file,
/// and a missing one must be creatable (its nearest existing ancestor is a writable folder).
/// Nothing is created.
pub fn check_folder(folder: &Path) -> io::Result<()> {
    let mut existing = folder;
    while !existing.exists() {
        existing = match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
    }
    if !existing.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is a file: expected a folder", existing.display()),
        ));
    }
    check_writable(&existing.join("mechpert"))
}

/// Several output files that appear together or not at all. Each is checked and given a
/// staging path beside its target ([`Outputs::stage`]) that any writer may fill (atomically
/// or not); [`Outputs::commit`] renames them all into place. Dropped before the commit, the
/// staged files are removed and no target is touched.
#[derive(Debug, Default)]
pub struct Outputs {
    staged: Vec<(PathBuf, PathBuf)>,
}

impl Outputs {
    /// No outputs yet.
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// Checks that `target` can be written and returns where to write it for now; the
    /// staging name ends with the target's name, so writers that look at the extension see it.
    pub fn stage(&mut self, target: &Path) -> io::Result<PathBuf> {
        check_writable(target)?;
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let temp = target.with_file_name(format!(".staged.{}.{name}", std::process::id()));
        self.staged.push((temp.clone(), target.to_path_buf()));
        Ok(temp)
    }

    /// Renames every staged file into place, in the order staged.
    pub fn commit(mut self) -> io::Result<()> {
        while !self.staged.is_empty() {
            let (temp, target) = self.staged.remove(0);
            if let Err(e) = std::fs::rename(&temp, &target) {
                let _ = std::fs::remove_file(&temp);
                return Err(e);
            }
        }
        Ok(())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_file_and_a_good_one_lands() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.tsv");
        let err = write_atomically(&target, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert!(!target.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temp file removed"
        );
        write_atomically(&target, |f| f.write_all(b"whole\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "whole\n");
    }

    #[test]
    fn a_folder_as_target_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomically(dir.path(), |f| f.write_all(b"x")).unwrap_err();
        assert_eq!(err.to_string(), "is a folder: expected the path of a file");
        let err = check_writable(&dir.path().join("no/such/out.tsv")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        let err = check_folder(&file.join("sub")).unwrap_err();
        assert!(
            err.to_string().ends_with("is a file: expected a folder"),
            "{err}"
        );
        check_folder(&dir.path().join("new/sub")).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing created"
        );
    }

    #[test]
    fn outputs_appear_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.tsv"));
        {
            let mut outputs = Outputs::new();
            std::fs::write(outputs.stage(&a).unwrap(), "a").unwrap();
            std::fs::write(outputs.stage(&b).unwrap(), "b").unwrap();
            // Dropped: a failure after both were written.
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut outputs = Outputs::new();
        let staged = outputs.stage(&a).unwrap();
        assert!(staged.to_string_lossy().ends_with("a.csv"), "{staged:?}");
        std::fs::write(staged, "a").unwrap();
        std::fs::write(outputs.stage(&b).unwrap(), "b").unwrap();
        outputs.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
