//! `ci/check hint`, `reset`, `watch` and `--list`, and the progress line
//! every command prints.

use std::time::Duration;

use exercises::info::Exercise;
use exercises::run::shown;

use super::Checker;

impl Checker {
    pub(super) fn print_progress(&self) {
        println!(
            "Progress: {}/{} done",
            self.progress.done_count(&self.info),
            self.info.exercises.len()
        );
    }

    pub(super) fn all_done(&self) {
        println!(
            "All {} exercises are done: well done! (ci/check --list shows them)",
            self.info.exercises.len()
        );
        self.print_progress();
    }

    /// `ci/check hint NAME`.
    pub(super) fn hint(&self, name: &str) -> i32 {
        let ex = self.find(name);
        println!("Hint for {} ({}):", ex.name, ex.workshop);
        for line in ex.hint.trim().lines() {
            println!("  {line}");
        }
        println!("Checked: {}", ex.checks);
        println!("File:    {}", shown(&self.info.source(ex, false)).display());
        0
    }

    /// `ci/check reset NAME`: the exercise file as git's HEAD has it.
    pub(super) fn reset(&mut self, name: &str) -> i32 {
        let ex = self.find(name).clone();
        self.reset_one(&ex);
        self.print_progress();
        0
    }

    /// `ci/check reset --all`: every exercise file as shipped (preparing a
    /// machine for the next group), each changed one copied first.
    pub(super) fn reset_all(&mut self) -> i32 {
        for ex in self.info.exercises.clone() {
            self.reset_one(&ex);
        }
        self.print_progress();
        0
    }

    /// Puts `ex`'s file back as git's HEAD has it, after copying the learner's
    /// version into the backups folder; one line says what happened and where the copy is.
    fn reset_one(&mut self, ex: &Exercise) {
        let file = self.info.source(ex, false);
        let text = lesson_cli::files::committed_text(&file)
            .unwrap_or_else(|e| lesson_cli::exit_failure(e));
        let now = std::fs::read_to_string(&file).ok();
        if now.as_deref() == Some(text.as_str()) {
            println!(
                "{} is already as shipped ({})",
                ex.name,
                shown(&file).display()
            );
        } else {
            let kept = match now {
                Some(_) => {
                    let copy = exercises::progress::back_up(&file, &self.info.backups_dir())
                        .unwrap_or_else(|e| lesson_cli::exit_failure(e));
                    format!(" (your version is kept in {})", shown(&copy).display())
                }
                None => String::new(),
            };
            lesson_cli::files::write_whole(&file, &text)
                .unwrap_or_else(|e| lesson_cli::exit_failure(e));
            println!(
                "Reset {}: {} is as shipped again{kept}",
                ex.name,
                shown(&file).display()
            );
        }
        self.progress.forget(ex);
    }

    /// `ci/check watch`: check the current exercise, then again each time its
    /// file is saved; on PASS go on to the next. Enter `h` for the hint, `q` to quit.
    pub(super) fn watch(&mut self) -> i32 {
        let events = exercises::progress::watch_folder(&self.info.exercises_dir)
            .unwrap_or_else(|e| lesson_cli::exit_failure(e));
        loop {
            let Some(i) = self.progress.first_unsolved(&self.info) else {
                self.all_done();
                return 0;
            };
            let ex = self.info.exercises[i].clone();
            let file = self.info.source(&ex, self.solution);
            println!("Checking {} ({})", ex.name, shown(&file).display());
            let outcome = self.check(&ex, ex.bin_name(self.solution), false);
            let passed = self.report(&ex, &outcome);
            if passed {
                self.progress.record(&ex);
                // After the last one, all_done says it (with the progress line).
                if self.progress.first_unsolved(&self.info).is_some() {
                    self.print_progress();
                }
                continue;
            }
            self.print_progress();
            println!(
                "Watching {}: save it to check again (h + Enter: hint, q + Enter: quit)",
                shown(&file).display()
            );
            loop {
                match events.recv() {
                    Ok(exercises::progress::Event::Saved(path))
                        if path.file_name() == file.file_name() =>
                    {
                        // Editors save in several steps: let them finish.
                        std::thread::sleep(Duration::from_millis(150));
                        while events.try_recv().is_ok() {}
                        break;
                    }
                    Ok(exercises::progress::Event::Saved(_)) => {}
                    Ok(exercises::progress::Event::Key(key)) if key == "h" => {
                        self.hint(&ex.name);
                    }
                    Ok(exercises::progress::Event::Key(key)) if key == "q" => return 1,
                    Ok(exercises::progress::Event::Key(_)) => {}
                    Err(_) => return 1,
                }
            }
        }
    }

    /// One line per exercise, in workshop order: its name, done or todo (from
    /// the recorded progress: nothing is run), its file and workshop step.
    pub(super) fn list(&self) {
        println!("The exercises, in workshop order (edit the file, then run `ci/check NAME`):");
        let width = self
            .info
            .exercises
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0);
        let next = self.progress.first_unsolved(&self.info);
        for (i, ex) in self.info.exercises.iter().enumerate() {
            let status = if self.progress.is_done(ex) {
                "done"
            } else {
                "todo"
            };
            let marker = if next == Some(i) { "  <- next" } else { "" };
            println!(
                "  {:width$}  {status:4}  {}  ({}){marker}",
                ex.name,
                shown(&self.info.source(ex, false)).display(),
                ex.workshop
            );
        }
        println!(
            "Done: passed `ci/check NAME` with the file as it is now; `ci/check --all` checks them all again."
        );
        self.print_progress();
    }
}
