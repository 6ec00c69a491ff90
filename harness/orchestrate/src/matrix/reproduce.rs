//! One command line per failed stage of a cell, as 0-day's reproduce files:
//! `harness apply`, `harness build` and `harness boot` with the exact tree,
//! series choice (`--revision`, `--series`, `--patches`, `--take`), config
//! (base target and fragments, or the kernel's complete `.config`) and
//! kernel image the matrix used. Commands run from the project directory;
//! `SRC` and `OBJ` are directories the user chooses.

use super::config::{BootSettings, ConfigEntry, SeriesEntry};
use super::stages::Kernel;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `s` as one POSIX shell word: bare when it is made of safe characters,
/// else single-quoted.
pub fn shell_word(s: &str) -> String {
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"-_./=:+,@".contains(&b);
    if !s.is_empty() && s.bytes().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn path_word(p: &Path) -> String {
    p.display().to_string()
}

/// `harness apply SOURCE --tree TREE` with the series entry's choice.
/// `source` is the series' path as the project names it.
pub fn apply_words(entry: &SeriesEntry, source: &Path, tree: &str) -> Vec<String> {
    let mut w = vec![
        "harness".into(),
        "apply".into(),
        path_word(source),
        "--tree".into(),
        tree.into(),
    ];
    if let Some(n) = entry.revision {
        w.extend(["--revision".into(), n.to_string()]);
    }
    if let Some(n) = entry.pick_series {
        w.extend(["--series".into(), n.to_string()]);
    }
    if let Some(list) = &entry.patches {
        w.extend(["--patches".into(), list.clone()]);
    }
    if let Some(take) = &entry.take {
        w.extend(["--take".into(), take.clone()]);
    }
    w
}

/// The apply stage again.
pub fn apply_command(entry: &SeriesEntry, source: &Path, tree: &str) -> String {
    line(&apply_words(entry, source, tree))
}

/// checkpatch again: `harness checkpatch` of the same patches with the
/// tree's script (the matrix runs it with `--strict`, the default).
pub fn checkpatch_command(
    entry: &SeriesEntry,
    source: &Path,
    tree: &str,
    sandboxed: bool,
) -> String {
    let mut w = apply_words(entry, source, tree);
    w[1] = "checkpatch".into();
    if !sandboxed {
        w.extend(["--sandbox".into(), "off".into()]);
    }
    line(&w)
}

/// What a cell's build was made of.
pub struct BuildInput<'a> {
    /// The series and its path, for a series unit; `None`: the base tree.
    pub series: Option<(&'a SeriesEntry, &'a Path)>,
    pub tree: &'a str,
    pub config: &'a ConfigEntry,
    pub base_target: &'a str,
    pub sandboxed: bool,
}

/// The config merge and the build again: for a series, applied into `SRC`
/// first (`harness apply --into`), then built from there.
pub fn build_command(b: &BuildInput<'_>) -> String {
    let mut build: Vec<String> = vec!["harness".into(), "build".into(), "--tree".into()];
    build.push(if b.series.is_some() { "SRC" } else { b.tree }.into());
    build.extend(["--base".into(), b.base_target.into()]);
    for f in &b.config.fragments {
        build.extend(["--fragment".into(), path_word(f)]);
    }
    if b.sandboxed {
        build.extend(["--sandbox".into(), "on".into()]);
    }
    build.extend(["--out".into(), "OBJ".into()]);
    match b.series {
        Some((entry, source)) => {
            let mut apply = apply_words(entry, source, b.tree);
            apply.extend(["--into".into(), "SRC".into()]);
            format!("{} && {}", line(&apply), line(&build))
        }
        None => line(&build),
    }
}

/// What a cell's boot was made of.
pub struct BootInput<'a> {
    pub kernel: &'a Kernel,
    /// The configured kernel selftests found in the cell's source tree.
    pub kselftests: &'a [PathBuf],
    /// The config's requested symbols: the guest's config when the build
    /// kept no complete `.config`.
    pub symbols: &'a BTreeMap<String, String>,
    pub settings: &'a BootSettings,
    /// The failed tests to run alone (empty: the whole suite).
    pub only: &'a [String],
}

/// The boot and the guest tests again, on the very kernel image.
pub fn boot_command(b: &BootInput<'_>) -> String {
    let mut w: Vec<String> = vec!["harness".into(), "boot".into(), path_word(&b.kernel.image)];
    match &b.kernel.config {
        Some(c) => w.extend(["--config-symbols".into(), path_word(c)]),
        None => {
            for (name, value) in b.symbols {
                w.extend(["--symbol".into(), format!("{name}={value}")]);
            }
        }
    }
    w.extend(["--timeout".into(), b.settings.timeout.to_string()]);
    w.extend(["--silence".into(), b.settings.silence.to_string()]);
    for k in b.kselftests {
        w.extend(["--kselftest".into(), path_word(k)]);
    }
    for a in &b.settings.splats.allow {
        w.extend([
            "--allow-splat".into(),
            format!("{}={}", a.fingerprint, a.reason),
        ]);
    }
    if !b.settings.retry {
        w.push("--no-retry".into());
    }
    if !b.only.is_empty() {
        w.extend(["--only".into(), b.only.join(",")]);
    }
    line(&w)
}

/// The failed tests of a boot whose status is `tests-failed`, when the
/// kernel command line can carry their names (as the retry boot's
/// `HARNESS_ONLY=`); else none, and the reproducer runs the whole suite.
pub fn failed_tests(rep: &harness_report::model::BootReport) -> Vec<String> {
    use harness_report::model::{BootStatus, TestStatus};
    if rep.status != BootStatus::TestsFailed {
        return vec![];
    }
    let names: Vec<String> = (rep.tests.iter())
        .filter(|t| t.status == TestStatus::Fail)
        .map(|t| t.name.clone())
        .collect();
    let safe = |n: &String| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:/+".contains(c))
    };
    if names.iter().all(safe) && names.join(",").len() <= 1024 {
        names
    } else {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(take: Option<&str>, patches: Option<&str>) -> SeriesEntry {
        serde_json::from_value(serde_json::json!({
            "name": "s", "source": "patches/s", "take": take, "patches": patches,
            "revision": 2,
        }))
        .expect("entry")
    }

    fn settings() -> BootSettings {
        serde_json::from_value(serde_json::json!({})).expect("defaults")
    }

    #[test]
    fn a_series_build_applies_with_the_same_choice_into_src_then_builds_src() {
        let e = entry(Some("2-3"), Some("1-4"));
        let config = ConfigEntry {
            name: "mt-on".into(),
            fragments: vec!["kernel-configs/ip mt.config".into()],
        };
        let cmd = build_command(&BuildInput {
            series: Some((&e, Path::new("patches/s"))),
            tree: "linux-6.1",
            config: &config,
            base_target: "tinyconfig",
            sandboxed: true,
        });
        assert_eq!(
            cmd,
            "harness apply patches/s --tree linux-6.1 --revision 2 --patches 1-4 --take 2-3 \
             --into SRC && harness build --tree SRC --base tinyconfig \
             --fragment 'kernel-configs/ip mt.config' --sandbox on --out OBJ"
        );
    }

    #[test]
    fn a_base_build_builds_the_pinned_tree_itself() {
        let config = ConfigEntry {
            name: "c".into(),
            fragments: vec!["kernel-configs/a.config".into()],
        };
        let cmd = build_command(&BuildInput {
            series: None,
            tree: "linux-6.12",
            config: &config,
            base_target: "defconfig",
            sandboxed: false,
        });
        assert_eq!(
            cmd,
            "harness build --tree linux-6.12 --base defconfig --fragment kernel-configs/a.config --out OBJ"
        );
    }

    #[test]
    fn a_boot_names_the_image_its_config_and_only_the_failed_tests() {
        let kernel = Kernel {
            image: "/c/builds/u/artifacts/mt-on/bzImage".into(),
            config: Some("/c/builds/u/artifacts/mt-on/config".into()),
        };
        let mut s = settings();
        s.retry = false;
        s.splats.allow.push(harness_boot::splat::AllowedSplat {
            fingerprint: "warning:f/g/h".into(),
            reason: "known upstream".into(),
        });
        let only = vec!["netns-veth".to_owned(), "policy-routing".to_owned()];
        let cmd = boot_command(&BootInput {
            kernel: &kernel,
            kselftests: &["/src/tools/testing/selftests/net/x.sh".into()],
            symbols: &BTreeMap::new(),
            settings: &s,
            only: &only,
        });
        assert_eq!(
            cmd,
            format!(
                "harness boot /c/builds/u/artifacts/mt-on/bzImage --config-symbols \
                 /c/builds/u/artifacts/mt-on/config --timeout {} --silence {} \
                 --kselftest /src/tools/testing/selftests/net/x.sh \
                 --allow-splat 'warning:f/g/h=known upstream' --no-retry \
                 --only netns-veth,policy-routing",
                s.timeout, s.silence
            )
        );
    }

    #[test]
    fn without_a_complete_config_the_requested_symbols_are_passed_one_by_one() {
        let kernel = Kernel {
            image: "/k/bzImage".into(),
            config: None,
        };
        let symbols = BTreeMap::from([("CONFIG_IP_MULTIPLE_TABLES".to_owned(), "n".to_owned())]);
        let cmd = boot_command(&BootInput {
            kernel: &kernel,
            kselftests: &[],
            symbols: &symbols,
            settings: &settings(),
            only: &[],
        });
        assert!(
            cmd.starts_with(
                "harness boot /k/bzImage --symbol CONFIG_IP_MULTIPLE_TABLES=n --timeout"
            ),
            "{cmd}"
        );
        assert!(
            !cmd.contains("--only") && !cmd.contains("--no-retry"),
            "{cmd}"
        );
    }

    #[test]
    fn shell_words_survive_a_shell() {
        for s in ["plain", "a b", "it's", "", "$(rm -rf /)", "x;y"] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_word(s)))
                .output()
                .expect("sh");
            assert_eq!(String::from_utf8_lossy(&out.stdout), s);
        }
    }
}
