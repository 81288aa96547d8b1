//! The learner's progress: which exercises passed, how many hints were shown, where each
//! working file is. One small JSON file in the user's data directory
//! (`~/.local/share/threadlab/progress.json` on Linux), or under `$THREADLAB_DATA_DIR`.
//!
//! A missing file is an empty progress; a damaged one is reported, never silently replaced,
//! because it is the learner's record.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const FILE_NAME: &str = "progress.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// By lesson number.
    #[serde(default)]
    pub lessons: BTreeMap<u32, LessonProgress>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct LessonProgress {
    /// When the exercise first passed, in seconds since 1970.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed_at: Option<u64>,
    /// Hints shown so far; `threadlab hint` shows the next one.
    #[serde(default)]
    pub hints_shown: usize,
    /// The working file `threadlab start` made, so `check` finds it from anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Progress {
    pub fn lesson(&mut self, number: u32) -> &mut LessonProgress {
        self.lessons.entry(number).or_default()
    }

    pub fn passed(&self, number: u32) -> bool {
        self.lessons
            .get(&number)
            .is_some_and(|lesson| lesson.passed_at.is_some())
    }
}

impl LessonProgress {
    pub fn mark_passed(&mut self) {
        if self.passed_at.is_none() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            self.passed_at = Some(now);
        }
    }
}

/// Where the progress file lives.
pub fn path() -> Result<PathBuf> {
    let dir = match std::env::var_os("THREADLAB_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::data_dir()
            .ok_or("cannot tell where this system keeps user data; set THREADLAB_DATA_DIR")?
            .join("threadlab"),
    };
    Ok(dir.join(FILE_NAME))
}

pub fn load() -> Result<Progress> {
    load_from(&path()?)
}

fn load_from(path: &Path) -> Result<Progress> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|err| {
            format!(
                "{} is damaged ({err}); fix or delete it to start afresh",
                path.display()
            )
            .into()
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Progress::default()),
        Err(err) => Err(format!("cannot read {}: {err}", path.display()).into()),
    }
}

pub fn save(progress: &Progress) -> Result<()> {
    save_to(&path()?, progress)
}

/// Writes a temporary file and renames it over the old one, so that an interrupted write never
/// leaves half a record.
fn save_to(path: &Path, progress: &Progress) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(progress)? + "\n";
    let temporary = path.with_extension("json.tmp");
    fs::write(&temporary, text)
        .and_then(|()| fs::rename(&temporary, path))
        .map_err(|err| format!("cannot write {}: {err}", path.display()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_a_save_and_a_load_and_a_missing_file_is_empty() {
        let dir = std::env::temp_dir().join(format!("threadlab-progress-{}", std::process::id()));
        let path = dir.join(FILE_NAME);
        assert!(load_from(&path).unwrap().lessons.is_empty());
        let mut progress = Progress::default();
        progress.lesson(4).mark_passed();
        progress.lesson(4).hints_shown = 2;
        progress.lesson(2).file = Some(PathBuf::from("/home/learner/many_tasks.py"));
        save_to(&path, &progress).unwrap();
        let loaded = load_from(&path).unwrap();
        assert!(loaded.passed(4) && !loaded.passed(2));
        assert_eq!(loaded.lessons[&4].hints_shown, 2);
        assert_eq!(
            loaded.lessons[&2].file.as_deref(),
            Some(Path::new("/home/learner/many_tasks.py"))
        );
        fs::write(&path, "{ not json").unwrap();
        let damaged = load_from(&path).unwrap_err().to_string();
        assert!(damaged.contains("is damaged"), "{damaged}");
        fs::remove_dir_all(dir).unwrap();
    }
}
