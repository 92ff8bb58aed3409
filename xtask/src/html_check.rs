//! `cargo xtask html-check [--page FILE] [--save PNG]`: the HTML report in a real browser.
//! Headless Chromium (Debian's `chromium`) opens the `index.html` that a default
//! `cargo xtask report` writes (`activation-report/` in this workspace's target directory,
//! `$CARGO_TARGET_DIR` when set), or `--page FILE`, and:
//!
//! 1. takes a screenshot of the first screen (1280×800), which must not be blank: at
//!    least 3% of its pixels differ from the background and it has some range of colours
//!    (text, table rules, formulas), decoded with the `png` crate;
//! 2. lays out a copy of the page with a measuring script appended (the page itself has
//!    none) and reads the result back from `--dump-dom`: every `<math>` holding a fraction
//!    must be displayed as MathML (`display: block math` or `inline math`), with the
//!    numerator above the denominator and overlapping it horizontally, and be taller than
//!    a line of text — where MathML is not laid out, the elements are unknown inline
//!    boxes and the numerator sits beside the denominator on one line.
//!
//! `--save PNG` keeps the screenshot (`docs/report.png` is made this way).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{report, workspace_root};

/// The first screen of a laptop.
const WINDOW: (u32, u32) = (1280, 800);
/// How long Chromium may take for one page.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Appended to a copy of the page: measures every `<math>` that holds an `<mfrac>` and
/// writes the findings into an attribute of `<body>`, which `--dump-dom` prints.
const MEASURE: &str = r#"<script>
(function () {
  var line = document.createElement('span');
  line.textContent = 'x';
  document.body.appendChild(line);
  var lineHeight = line.getBoundingClientRect().height;
  var found = 0, math = 0, stacked = 0, tall = 0;
  document.querySelectorAll('math').forEach(function (m) {
    var f = m.querySelector('mfrac');
    if (!f || f.children.length !== 2) return;
    found += 1;
    if (getComputedStyle(m).display.indexOf('math') >= 0) math += 1;
    var n = f.children[0].getBoundingClientRect(), d = f.children[1].getBoundingClientRect();
    if (n.bottom <= d.top + 1 && n.left < d.right && d.left < n.right) stacked += 1;
    if (m.getBoundingClientRect().height > 1.3 * lineHeight) tall += 1;
  });
  document.body.setAttribute('data-measure',
    'found=' + found + ' math=' + math + ' stacked=' + stacked + ' tall=' + tall);
})();
</script>"#;

struct Options {
    page: PathBuf,
    save: Option<PathBuf>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let report = report::out::report_dir(&workspace_root(), None, std::env::var_os("CARGO_TARGET_DIR"));
    let mut o = Options { page: report.join("index.html"), save: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--page" => o.page = PathBuf::from(it.next().ok_or("--page needs a file")?),
            "--save" => o.save = Some(PathBuf::from(it.next().ok_or("--save needs a file")?)),
            other => return Err(format!("unknown option `{other}` (accepted: --page FILE, --save PNG)")),
        }
    }
    Ok(o)
}

pub fn main(args: &[String]) -> Result<(), String> {
    let o = options(args)?;
    let page = std::fs::canonicalize(&o.page)
        .map_err(|e| format!("{}: {e} (run `cargo xtask report` first)", o.page.display()))?;
    let browser = browser()?;
    let scratch = std::env::temp_dir().join(format!("activation-html-check-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let result = run(&browser, &page, &scratch, o.save.as_deref());
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn run(browser: &str, page: &Path, scratch: &Path, save: Option<&Path>) -> Result<(), String> {
    let shot = scratch.join("screen.png");
    chromium(browser, scratch, &[&format!("--screenshot={}", shot.display()), &url(page)])?;
    let png = std::fs::read(&shot).map_err(|e| format!("{browser} wrote no screenshot: {e}"))?;
    let ink = ink(&png)?;
    println!(
        "screenshot {}×{}: {:.1}% of the pixels drawn, {} colours",
        ink.width,
        ink.height,
        100.0 * ink.share,
        ink.colours
    );
    if let Some(to) = save {
        std::fs::write(to, &png).map_err(|e| format!("{}: {e}", to.display()))?;
        println!("saved {}", to.display());
    }
    if ink.share < 0.03 || ink.colours < 8 {
        return Err(format!("the first screen of {} is blank", page.display()));
    }

    let html = std::fs::read_to_string(page).map_err(|e| format!("{}: {e}", page.display()))?;
    if html.contains("<script") {
        return Err(format!("{} has a script; the report must have none", page.display()));
    }
    let measured = scratch.join("measure.html");
    let copy = html.replacen("</body>", &format!("{MEASURE}\n</body>"), 1);
    std::fs::write(&measured, copy).map_err(|e| format!("{}: {e}", measured.display()))?;
    let dom = chromium(browser, scratch, &["--dump-dom", &url(&measured)])?;
    let m = Measure::read(&dom)
        .ok_or_else(|| format!("{browser} ran no measuring script (no `data-measure` in the DOM)"))?;
    println!(
        "MathML: {} formulas with a fraction; {} laid out as math, {} with the numerator above the denominator, {} taller than a line",
        m.found, m.math, m.stacked, m.tall
    );
    m.verdict()
}

/// What the measuring script found.
#[derive(Debug, PartialEq)]
struct Measure {
    found: usize,
    math: usize,
    stacked: usize,
    tall: usize,
}

impl Measure {
    /// From the `data-measure` attribute of the dumped DOM.
    fn read(dom: &str) -> Option<Measure> {
        let start = dom.find("data-measure=\"")? + "data-measure=\"".len();
        let value = &dom[start..start + dom[start..].find('"')?];
        let field = |name: &str| -> Option<usize> {
            value.split(' ').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
        };
        Some(Measure { found: field("found")?, math: field("math")?, stacked: field("stacked")?, tall: field("tall")? })
    }

    fn verdict(&self) -> Result<(), String> {
        if self.found == 0 {
            return Err("no <math> with a fraction on the page: nothing shows that MathML is laid out".into());
        }
        if self.math < self.found || self.stacked < self.found || self.tall < self.found {
            return Err(format!(
                "MathML is not laid out: of {} formulas with a fraction, {} display as math, {} stack the fraction, \
                 {} are taller than a line of text",
                self.found, self.math, self.stacked, self.tall
            ));
        }
        Ok(())
    }
}

/// How much of a screenshot is drawn on.
struct Ink {
    width: u32,
    height: u32,
    /// Share of pixels that differ from the most common colour (the background).
    share: f64,
    /// Distinct colours, counted up to 4096.
    colours: usize,
}

/// Decodes a PNG and measures its ink.
fn ink(png: &[u8]) -> Result<Ink, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| format!("screenshot: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("screenshot: too large")?];
    let info = reader.next_frame(&mut buf).map_err(|e| format!("screenshot: {e}"))?;
    let channels = info.color_type.samples();
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => [p[0]; 3],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    let mut counts = std::collections::HashMap::new();
    for p in &pixels {
        if counts.len() < 4096 || counts.contains_key(p) {
            *counts.entry(*p).or_insert(0usize) += 1;
        }
    }
    let background = counts.values().copied().max().unwrap_or(0);
    let share = if pixels.is_empty() { 0.0 } else { 1.0 - background as f64 / pixels.len() as f64 };
    Ok(Ink { width: info.width, height: info.height, share, colours: counts.len() })
}

/// Debian's `chromium`, or another Chromium on PATH.
fn browser() -> Result<String, String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new(name).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
        if found.is_ok_and(|s| s.success()) {
            return Ok(name.to_string());
        }
    }
    Err("no Chromium on PATH: install Debian's `chromium` (`apt-get install chromium`)".into())
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Runs headless Chromium with `args` and a profile of its own in `scratch`; returns its
/// stdout. Killed after [`TIMEOUT`].
fn chromium(browser: &str, scratch: &Path, args: &[&str]) -> Result<String, String> {
    let profile = scratch.join("profile");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--disable-extensions",
        "--disable-background-networking",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=5000",
        &format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        &format!("--user-data-dir={}", profile.display()),
    ]);
    // As root (CI), Chromium refuses to start without this.
    if is_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("{browser}: {e}"))?;
    let start = Instant::now();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("{browser}: {e}"))? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{browser} took more than {} s", TIMEOUT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("{browser} failed ({status}):\n{err}"));
    }
    Ok(out)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        let data: Vec<u8> =
            (0..height).flat_map(|y| (0..width).map(move |x| (x, y))).flat_map(|(x, y)| pixel(x, y)).collect();
        w.write_image_data(&data).unwrap();
        drop(w);
        out
    }

    #[test]
    fn a_white_screen_is_blank_and_a_drawn_one_is_not() {
        let blank = ink(&png(64, 40, |_, _| [255, 255, 255])).unwrap();
        assert_eq!((blank.width, blank.height, blank.colours), (64, 40, 1));
        assert_eq!(blank.share, 0.0);
        let drawn =
            ink(&png(
                64,
                40,
                |x, y| if (x / 4 + y / 4) % 3 == 0 { [(x * 4) as u8, 0, (y * 6) as u8] } else { [255; 3] },
            ))
            .unwrap();
        assert!(drawn.share > 0.2 && drawn.colours > 8, "{} {}", drawn.share, drawn.colours);
    }

    #[test]
    fn measures_are_read_and_judged() {
        let dom = r#"<html><body data-measure="found=12 math=12 stacked=12 tall=12" class="x">"#;
        let m = Measure::read(dom).unwrap();
        assert_eq!(m, Measure { found: 12, math: 12, stacked: 12, tall: 12 });
        assert!(m.verdict().is_ok());
        // MathML shown as raw inline text: the fraction's parts side by side.
        let raw = Measure::read(r#"<body data-measure="found=12 math=0 stacked=0 tall=0">"#).unwrap();
        assert!(raw.verdict().is_err());
        assert!(Measure { found: 0, math: 0, stacked: 0, tall: 0 }.verdict().is_err());
        assert!(Measure::read("<body>").is_none());
    }
}
