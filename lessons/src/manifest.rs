//! Reading a lesson folder: `lesson.toml` and the files it names.

use std::fmt;

use include_dir::Dir;
use serde::Deserialize;
use threadlab_core::Mode;
use threadlab_python::step::Goal;

use crate::{Comparison, Example, Exercise, KnownWrong, Lesson};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    number: u32,
    title: String,
    text: String,
    #[serde(default)]
    takeaways: Vec<String>,
    #[serde(default)]
    examples: Vec<ExampleEntry>,
    exercise: Option<ExerciseEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseEntry {
    title: String,
    statement: String,
    /// The learner's working file name.
    file: String,
    starter: String,
    solution: String,
    hints: Vec<String>,
    #[serde(default)]
    wrong: Vec<WrongEntry>,
    #[serde(default)]
    compare: Vec<CompareEntry>,
    /// What to make happen in step mode, as `threadlab step --goal` reads it.
    #[serde(default)]
    step_goals: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareEntry {
    what: String,
    baseline: String,
    contender: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WrongEntry {
    file: String,
    fails: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleEntry {
    file: String,
    expected: String,
    /// Run under the deterministic scheduler with this seed, on [`crate::VIRTUAL_CORES`].
    seed: Option<u64>,
    /// What to make happen in step mode, as `threadlab step --goal` reads it.
    #[serde(default)]
    step_goals: Vec<String>,
}

/// What is wrong with a lesson folder, naming the folder and the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub lesson: String,
    pub problem: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lesson {}: {}", self.lesson, self.problem)
    }
}

impl std::error::Error for ManifestError {}

fn goals(texts: &[String]) -> Result<Vec<Goal>, String> {
    texts.iter().map(|text| text.parse()).collect()
}

pub(crate) fn load(folder: &Dir<'static>) -> Result<Lesson, ManifestError> {
    let slug = folder.path().display().to_string();
    let error = |problem: String| ManifestError {
        lesson: slug.clone(),
        problem,
    };
    let text_of = |name: &str| -> Result<String, ManifestError> {
        let path = folder.path().join(name);
        let file = folder
            .get_file(&path)
            .ok_or_else(|| error(format!("{name} is missing")))?;
        file.contents_utf8()
            .map(str::to_owned)
            .ok_or_else(|| error(format!("{name} is not UTF-8")))
    };
    let manifest: Manifest =
        toml::from_str(&text_of("lesson.toml")?).map_err(|e| error(format!("lesson.toml: {e}")))?;
    let mut examples = Vec::new();
    for entry in &manifest.examples {
        let name = entry
            .file
            .rsplit('/')
            .next()
            .unwrap_or(&entry.file)
            .to_owned();
        examples.push(Example {
            name,
            source: text_of(&entry.file)?,
            expected_output: text_of(&entry.expected)?,
            mode: match entry.seed {
                Some(seed) => Mode::det_on_cores(seed, crate::VIRTUAL_CORES),
                None => Mode::Parallel,
            },
            step_goals: goals(&entry.step_goals).map_err(error)?,
        });
    }
    let exercise = match &manifest.exercise {
        None => None,
        Some(entry) => Some(Exercise {
            title: entry.title.clone(),
            statement: text_of(&entry.statement)?,
            file_name: entry.file.clone(),
            starter: text_of(&entry.starter)?,
            solution: text_of(&entry.solution)?,
            hints: entry.hints.clone(),
            step_goals: goals(&entry.step_goals).map_err(error)?,
            known_wrong: entry
                .wrong
                .iter()
                .map(|wrong| {
                    Ok(KnownWrong {
                        name: wrong
                            .file
                            .rsplit('/')
                            .next()
                            .unwrap_or(&wrong.file)
                            .to_owned(),
                        source: text_of(&wrong.file)?,
                        fails: wrong.fails.clone(),
                    })
                })
                .collect::<Result<_, ManifestError>>()?,
            comparisons: entry
                .compare
                .iter()
                .map(|compare| Comparison {
                    what: compare.what.clone(),
                    baseline: compare.baseline.clone(),
                    contender: compare.contender.clone(),
                })
                .collect(),
        }),
    };
    Ok(Lesson {
        exercise,
        number: manifest.number,
        title: manifest.title,
        text: text_of(&manifest.text)?,
        takeaways: manifest.takeaways,
        examples,
        slug,
    })
}
