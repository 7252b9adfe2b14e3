//! The `--html` page as a browser sees it: loaded in a headless Chromium, the rendered
//! document still holds one chart per scenario, and a screenshot is drawn.
//!
//! Runs only where a Chromium is installed (`chromium`, `chromium-browser` or
//! `google-chrome` on the `PATH`); elsewhere it prints one line and passes, because the
//! browser is a check for people who have one, not a build requirement. The screenshot is
//! written to a temporary directory and removed, never into the repository.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one browser run may take before the test gives up on it.
const BROWSER_LIMIT: Duration = Duration::from_secs(60);

fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs the browser headless with `args` on `page` and returns what it printed, killing it
/// after [`BROWSER_LIMIT`]. The output is read on its own thread so that a page larger than
/// the pipe's buffer cannot stall the browser.
fn run_browser(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> Vec<u8> {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the browser");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).map(|_| out)
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("poll the browser").is_some() {
            return reader
                .join()
                .expect("reader thread")
                .expect("read the browser's output");
        }
        if started.elapsed() > BROWSER_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within {BROWSER_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_page_renders_in_a_headless_browser() {
    let Some(browser) = find_browser() else {
        println!("skipped: no chromium on PATH to render the --html page");
        return;
    };
    let dir = std::env::temp_dir().join(format!("ward-tour-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let page = dir.join("tour.html");
    let tour = Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .args(["--seed", "1", "--html"])
        .arg(&page)
        .output()
        .expect("run the tour");
    assert!(tour.status.success(), "the tour failed");
    let scenarios = String::from_utf8(tour.stdout)
        .expect("utf-8")
        .lines()
        .last()
        .and_then(|line| line.split(" of ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the tour's last line counts its scenarios");

    // The DOM after parsing and layout: every chart survived as an element.
    let dom = run_browser(&browser, &dir.join("profile"), &["--dump-dom"], &page);
    let dom = String::from_utf8_lossy(&dom);
    assert_eq!(
        dom.matches("<svg").count(),
        scenarios,
        "one rendered chart per scenario"
    );
    assert!(
        dom.contains("</html>"),
        "the browser saw the whole document"
    );

    // A screenshot is drawn: a PNG file that is more than a blank header.
    let shot = dir.join("tour.png");
    run_browser(
        &browser,
        &dir.join("profile"),
        &[
            "--hide-scrollbars",
            "--window-size=1200,2400",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    let png = std::fs::read(&shot).expect("the browser wrote a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "a nearly empty screenshot: {} bytes",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
