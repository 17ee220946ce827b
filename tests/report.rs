//! Figures and `mechpert report`: every SVG parses and has its axes and one line per strategy,
//! PNGs have the figure's size, labels do not overlap at ten strategies, the page holds every
//! table and figure, and headless Chromium renders it offline with no console error and no
//! network request.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mechpert::report::figures::{self, style};

use crate::util::{Dir, repo};

const FIXTURE: &str = "tests/fixtures/plan_run";
const FIXTURE_FILES: [&str; 5] = [
    "rounds.csv",
    "picks.csv",
    "summary.md",
    "config.toml",
    "run.json",
];

/// Copies the hand-written `plan` output into `dir/name`.
fn plan_fixture(dir: &Dir, name: &str) -> PathBuf {
    for f in FIXTURE_FILES {
        dir.create(
            &format!("{name}/{f}"),
            std::fs::read(repo().join(FIXTURE).join(f)).unwrap(),
        );
    }
    dir.path().join(name)
}

/// A `<text>` element of an SVG.
struct Label {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    rotated: bool,
    text: String,
}

fn labels(doc: &roxmltree::Document<'_>) -> Vec<Label> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let num = |a: &str| n.attribute(a).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            let text: String = n
                .descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect();
            Label {
                x: num("x"),
                y: num("y"),
                size: num("font-size"),
                anchor: n.attribute("text-anchor").unwrap_or("start").to_string(),
                rotated: n.attribute("transform").is_some(),
                text: text.trim().to_string(),
            }
        })
        .collect()
}

/// The text of every `<text>` element.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    labels(doc).into_iter().map(|l| l.text).collect()
}

/// Polylines of a colour with exactly `points` points (a data line, not a legend swatch,
/// marker or dash).
fn lines_of(doc: &roxmltree::Document<'_>, colour: &str, points: usize) -> usize {
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| {
            n.attribute("stroke")
                .is_some_and(|s| s.eq_ignore_ascii_case(colour))
        })
        .filter(|n| n.attribute("stroke-width") == Some("2"))
        .filter(|n| {
            n.attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .count()
                == points
        })
        .count()
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let reader = decoder.read_info().unwrap();
    (reader.info().width, reader.info().height)
}

/// Checks every SVG written parses, has its axis titles, and matches its PNG's size.
fn check_written(paths: &[PathBuf]) {
    for svg in paths.iter().filter(|p| p.extension().unwrap() == "svg") {
        let text = std::fs::read_to_string(svg).unwrap();
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{}: not well-formed XML: {e}", svg.display()));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        let size = (
            root.attribute("width").unwrap().parse::<u32>().unwrap(),
            root.attribute("height").unwrap().parse::<u32>().unwrap(),
        );
        assert_eq!(
            png_size(&svg.with_extension("png")),
            size,
            "{}",
            svg.display()
        );
        let stem = svg.file_stem().unwrap().to_str().unwrap();
        let metric = stem.split_once('_').unwrap().1;
        let all: Vec<String> = texts(&doc);
        assert!(
            all.iter().any(|t| t == &figures::metric_label(metric)),
            "{stem}: no axis title for {metric}: {all:?}"
        );
        if stem.starts_with("learning_") {
            assert!(all.iter().any(|t| t == "perturbations observed"), "{all:?}");
        }
    }
}

mptest!(plan_figures_parse_and_draw_one_line_per_strategy, |dir| {
    let out = plan_fixture(&dir, "run");
    let written = figures::write_plan_figures(&out).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "learning_pearson_delta.svg",
            "learning_pearson_delta.png",
            "learning_mse.svg",
            "learning_mse.png",
            "final_pearson_delta.svg",
            "final_pearson_delta.png",
            "final_mse.svg",
            "final_mse.png"
        ],
        "n_fallback is a count, not a metric: no figure"
    );
    check_written(&written);
    let text = std::fs::read_to_string(out.join("learning_pearson_delta.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    for s in ["consensus", "degree", "random", "oracle"] {
        let colour = hex(style::look(s, 0).colour);
        assert_eq!(
            lines_of(&doc, &colour, 3),
            1,
            "{s} ({colour}): one line over 3 rounds"
        );
    }
    let all: Vec<String> = texts(&doc);
    assert!(all.contains(&"oracle (upper bound)".to_string()), "{all:?}");
    assert!(all.contains(&"training mean (mean)".to_string()), "{all:?}");
    assert!(
        all.contains(
            &"sim:k562-like:1: pearson_delta · predictor consensus:shrunk · 3 seeds".to_string()
        ),
        "{all:?}"
    );
    // Final budget: hand-computed from the fixture's formulas (round 2, seeds 0..2):
    // consensus 0.42 + 0.001·{0,1,2} → mean 0.421; degree 0.371; a difference of +0.0500.
    let text = std::fs::read_to_string(out.join("final_pearson_delta.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let all: Vec<String> = texts(&doc);
    let gain = "+0.0500 vs degree".to_string();
    assert!(all.contains(&gain), "{gain} in {all:?}");
    assert!(
        all.contains(&"degree (best centrality)".to_string()),
        "{all:?}"
    );
    assert!(
        all.contains(&"random (random baseline)".to_string()),
        "{all:?}"
    );
});

// Ten strategies over six rounds: every strategy has its line and no two labels overlap.
mptest!(ten_strategies_keep_their_lines_and_labels_apart, |dir| {
    let strategies = [
        "consensus",
        "hubs",
        "hybrid",
        "uncertainty",
        "diversity",
        "degree",
        "pagerank",
        "betweenness",
        "random",
        "oracle",
    ];
    let mut csv = String::from("strategy,seed,round,n_observed,predictor,metric,value\n");
    for (i, s) in strategies.iter().enumerate() {
        for seed in 0..3 {
            for round in 0..6 {
                let v = 0.3 + 0.004 * i as f64 + 0.01 * round as f64 + 0.002 * seed as f64;
                let n = 10 * (round + 1);
                csv.push_str(&format!("{s},{seed},{round},{n},graph,pearson_delta,{v}\n"));
                csv.push_str(&format!("{s},{seed},{round},{n},mean,pearson_delta,0.3\n"));
            }
        }
    }
    dir.create("ten/rounds.csv", csv);
    let written = figures::write_plan_figures(&dir.path().join("ten")).unwrap();
    check_written(&written);
    for name in ["learning_pearson_delta.svg", "final_pearson_delta.svg"] {
        let text = std::fs::read_to_string(dir.path().join("ten").join(name)).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        if name.starts_with("learning") {
            let looks = style::looks(strategies);
            for (s, look) in strategies.iter().zip(&looks) {
                let colour = hex(look.colour);
                let sharing = looks.iter().filter(|l| l.colour == look.colour).count();
                assert_eq!(lines_of(&doc, &colour, 6), sharing, "{s} ({colour})");
            }
        }
        // Text boxes, estimated generously (DejaVu Sans averages about 0.6 em per character),
        // must not intersect; rotated axis titles are left out.
        let boxes: Vec<(f64, f64, f64, f64, String)> = labels(&doc)
            .into_iter()
            .filter(|l| !l.rotated)
            .map(|l| {
                let w = 0.6 * l.size * l.text.chars().count() as f64;
                let x0 = match l.anchor.as_str() {
                    "middle" => l.x - w / 2.0,
                    "end" => l.x - w,
                    _ => l.x,
                };
                (x0, l.y - l.size, x0 + w, l.y + l.size * 0.3, l.text)
            })
            .collect();
        let labels: Vec<&String> = boxes.iter().map(|b| &b.4).collect();
        for s in strategies {
            assert!(
                labels.iter().any(|l| l.starts_with(s)),
                "{name}: {s} not labelled"
            );
        }
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{name}: {:?} overlaps {:?}", a.4, b.4);
            }
        }
    }
});

mptest!(
    evaluate_writes_predictor_figures_and_report_reads_its_dir,
    |dir| {
        let mut screen = String::from("perturbation,g1,g2,g3,g4\n");
        for p in 0..8 {
            let v: Vec<String> = (0..4)
                .map(|g| {
                    format!(
                        "{}",
                        ((p * 5 + g * 3) % 7) as f64 - 3.0 + if p < 4 { 1.0 } else { -1.0 }
                    )
                })
                .collect();
            screen.push_str(&format!("P{p},{}\n", v.join(",")));
        }
        dir.create("screen.csv", screen);
        let mut graph = String::from("source\ttarget\tweight\n");
        for p in 0..8 {
            graph.push_str(&format!("P{p}\tP{}\t1\n", p / 4 * 4 + (p + 1) % 4));
        }
        dir.create("graph.tsv", graph);
        dir.command()
            .args(crate::evaluate::EVALUATE_RESPONSES)
            .args([
                "--observed",
                "4",
                "--draws",
                "3",
                "--predictors",
                "graph",
                "--graph",
                "undirected-edges:graph.tsv",
                "--out",
                "ev",
                "-q",
            ])
            .stdout();
        let listing = dir.listing();
        let svgs: Vec<PathBuf> = listing
            .iter()
            .filter(|f| f.starts_with("ev/predictors_") && f.ends_with(".svg"))
            .map(|f| dir.path().join(f))
            .collect();
        assert!(
            listing.contains(&"ev/predictors_pearson_delta.png".to_string()),
            "{listing:?}"
        );
        assert!(svgs.len() >= 5, "{listing:?}");
        let mut both = svgs.clone();
        both.extend(svgs.iter().map(|p| p.with_extension("png")));
        check_written(&svgs);
        let text = std::fs::read_to_string(dir.path().join("ev/predictors_mse.svg")).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let all: Vec<String> = texts(&doc);
        assert!(all.contains(&"mean (baseline)".to_string()), "{all:?}");
        assert!(all.contains(&"graph".to_string()), "{all:?}");

        let stdout = dir
            .command()
            .args(["report", "ev", "--out", "r/ev.html"])
            .stdout();
        assert!(
            stdout.starts_with("wrote r/ev.html (1 section, "),
            "{stdout}"
        );
        let html = std::fs::read_to_string(dir.path().join("r/ev.html")).unwrap();
        assert!(html.contains("<section id=\"run-0\" class=\"run evaluate\">"));
        assert!(html.contains("<figure id=\"run-0-predictors_mse\""));
        assert!(
            html.contains("– (not written by this command)"),
            "no run.json: said so"
        );
    }
);

mptest!(
    report_puts_every_table_figure_and_pick_on_one_offline_page,
    |dir| {
        plan_fixture(&dir, "plan");
        let k562 = repo().join("results/k562");
        let stdout = dir
            .command()
            .args(["report".as_ref(), "plan".as_ref(), k562.as_os_str()])
            .stdout();
        assert!(
            stdout.starts_with("wrote report.html (2 sections, "),
            "{stdout}"
        );
        let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert_eq!(html.matches("<section ").count(), 2);
        // plan: 2 learning + 2 final; evaluate: one per metric of results/k562 (9).
        assert_eq!(html.matches("<figure ").count(), 4 + 9);
        assert_eq!(html.matches("<svg ").count(), 4 + 9);
        for needle in [
            "<td>sim:k562-like:1</td>",
            "<td>10 → 20 → 30</td>",
            "<td>3 (0, 1, 2)</td>",
            "<th scope=\"col\">sha256</th>",
            "3f5a0c2e9b1d4e6f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f",
            "<th scope=\"row\">hits</th><td>180</td>",
            "<th scope=\"row\">future_key</th>",
            "<td>oracle (upper bound)</td><td>0.521 [0.520, 0.522]</td>",
            "<h4>consensus <small>(seed 0)</small></h4>",
            "<summary>all 3 seeds of consensus (18 picks)</summary>",
            "GATA1 &lt;covers&gt; 4 unrevealed targets, &quot;agreed&quot; by 3 agents",
            "<pre class=\"config\"># fully resolved plan configuration (fixture)",
            "<th scope=\"col\">ridge:shrunk</th>",
            "<th scope=\"col\">pearson_delta ↑</th>",
            "<th scope=\"row\">dataset</th><td>k562_essential_up_ranked_top1000.csv.gz</td>",
        ] {
            assert!(html.contains(needle), "missing {needle:?}");
        }
        // The first screen is the verdict and the learning curve; tables follow; the run's
        // metadata and configuration come last, collapsed.
        let plan = &html[html.find("<section id=\"run-0\"").unwrap()
            ..html.find("<section id=\"run-1\"").unwrap()];
        let at = |needle: &str| {
            plan.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        assert!(at("id=\"run-0-learning_pearson_delta\"") < at("<h3>Results</h3>"));
        assert!(at("<h3>Results</h3>") < at("<details class=\"metadata\">"));
        assert!(at("<details class=\"metadata\">") < at("<pre class=\"config\">"));
        assert_eq!(
            html.matches("<svg role=\"img\" aria-label=\"").count(),
            4 + 9,
            "every figure has its caption as alt text"
        );
        assert!(!html.contains("<th>"), "every table header has its scope");
        // Self-contained: no external resource of any kind.
        let lower = html.to_lowercase();
        for bad in ["<link", "src=", "@import", "url(", "href=\"http", "<img"] {
            assert!(!lower.contains(bad), "found {bad:?}");
        }
        assert!(
            html.contains("content=\"default-src 'none';"),
            "CSP forbids requests"
        );
    }
);

mptest!(report_names_the_missing_or_broken_file, |dir| {
    let run = plan_fixture(&dir, "plan");
    std::fs::remove_file(run.join("picks.csv")).unwrap();
    let stderr = dir.command().args(["report", "plan"]).assert_failure();
    assert!(
        stderr.contains("plan/picks.csv: missing (a `mechpert plan` output directory holds"),
        "{stderr}"
    );
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let stderr = dir.command().args(["report", "empty"]).assert_failure();
    assert!(
        stderr.contains("empty: not a results directory: no rounds.csv"),
        "{stderr}"
    );
    let stderr = dir.command().args(["report", "nowhere"]).assert_failure();
    assert!(
        stderr.contains("nowhere: not a directory (expected an output directory"),
        "{stderr}"
    );
    let run = plan_fixture(&dir, "bad");
    let rounds = std::fs::read_to_string(run.join("rounds.csv")).unwrap();
    std::fs::write(
        run.join("rounds.csv"),
        rounds.replacen(",0.4\n", ",zero\n", 1),
    )
    .unwrap();
    let stderr = dir.command().args(["report", "bad"]).assert_failure();
    assert!(
        stderr.contains("bad/rounds.csv:2:7: column `value`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("expected a number, got \"zero\""),
        "{stderr}"
    );
    assert!(
        !dir.path().join("report.html").exists(),
        "nothing written on error"
    );
    let stderr = dir.command().args(["report"]).assert_exit(2);
    assert!(stderr.contains("<DIR>..."), "{stderr}");
});

/// The Chromium binary, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// What headless Chromium made of a page: the DOM, its stderr log, the page's own network
/// requests (from the net log; the browser's background requests are left out), a screenshot.
struct Rendered {
    dom: String,
    log: String,
    requests: Vec<String>,
    screenshot: PathBuf,
}

fn render(browser: &Path, page: &Path, work: &Path) -> Rendered {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let run = |extra: &[&str], tag: &str| {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=3000",
                "--window-size=1200,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&url)
            .stdout(std::fs::File::create(work.join(format!("{tag}.out"))).unwrap())
            .stderr(std::fs::File::create(work.join(format!("{tag}.err"))).unwrap())
            .stdin(Stdio::null())
            .spawn()
            .expect("start chromium");
        let start = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                panic!("chromium did not finish in 120 s on {url}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (
            std::fs::read_to_string(work.join(format!("{tag}.out"))).unwrap(),
            std::fs::read_to_string(work.join(format!("{tag}.err"))).unwrap(),
        )
    };
    let netlog = work.join("net.json");
    let (dom, mut log) = run(
        &["--dump-dom", &format!("--log-net-log={}", netlog.display())],
        "dom",
    );
    let screenshot = work.join("shot.png");
    let (_, shot_log) = run(&[&format!("--screenshot={}", screenshot.display())], "shot");
    log.push_str(&shot_log);
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap()).unwrap();
    let start_job = net["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    let requests = net["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == start_job)
        .filter(|e| e["params"]["initiator"] != "not an origin")
        .filter_map(|e| e["params"]["url"].as_str().map(String::from))
        .filter(|u| !u.starts_with("file:") && !u.starts_with("data:"))
        .collect();
    Rendered {
        dom,
        log,
        requests,
        screenshot,
    }
}

/// Lines of Chromium's log that are the page's console messages or script errors.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

mptest!(chromium_renders_the_report_offline_without_errors, |dir| {
    let Some(browser) = chromium() else {
        crate::util::skip(
            "chromium_renders_the_report_offline_without_errors",
            "no chromium on PATH (`make browser-deps` installs the Debian package chromium)",
        );
        return;
    };
    // A page that logs and fetches proves the checks below can fail.
    let control = dir.create(
        "control.html",
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('control-error')</script>\
         <img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    );
    std::fs::create_dir(dir.path().join("control")).unwrap();
    let seen = render(&browser, &control, &dir.path().join("control"));
    assert!(
        console_lines(&seen.log)
            .iter()
            .any(|l| l.contains("control-error")),
        "the console check sees console.error:\n{}",
        seen.log
    );
    assert_eq!(
        seen.requests,
        ["http://127.0.0.1:9/x.png"],
        "the request check sees <img>"
    );

    plan_fixture(&dir, "plan");
    dir.command()
        .args([
            "report".as_ref(),
            "plan".as_ref(),
            repo().join("results/k562").as_os_str(),
        ])
        .stdout();
    std::fs::create_dir(dir.path().join("page")).unwrap();
    let seen = render(
        &browser,
        &dir.path().join("report.html"),
        &dir.path().join("page"),
    );
    assert!(
        console_lines(&seen.log).is_empty(),
        "console:\n{}",
        seen.log
    );
    assert!(
        seen.requests.is_empty(),
        "network requests: {:?}",
        seen.requests
    );
    assert!(
        seen.dom.contains("<h1>mechpert report</h1>"),
        "{}",
        &seen.dom[..seen.dom.len().min(2000)]
    );
    assert_eq!(seen.dom.matches("<section ").count(), 2);
    assert!(
        seen.dom.matches("<table").count() >= 2 + 4 * 2,
        "summary, header and pick tables"
    );
    assert_eq!(seen.dom.matches("<figure ").count(), 13);
    assert_eq!(
        seen.dom.matches("<svg ").count(),
        13,
        "every figure is in the DOM as SVG"
    );
    for id in [
        "run-0-learning_pearson_delta",
        "run-0-final_mse",
        "run-1-predictors_mse",
    ] {
        assert!(seen.dom.contains(&format!("id=\"{id}\"")), "{id}");
    }

    // The screenshot shows a page, not a blank: many colours, and text and lines on white.
    let decoder = png::Decoder::new(std::fs::File::open(&seen.screenshot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 2000));
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let non_white = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let mut colours: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        non_white * 100 > pixels.len(),
        "only {non_white} of {} pixels drawn",
        pixels.len()
    );
    assert!(colours.len() > 50, "{} colours", colours.len());
    // Okabe–Ito vermillion of `consensus` is on screen (the first learning curve).
    assert!(
        colours.iter().any(|c| c == &[213, 94, 0]),
        "the consensus line is visible"
    );
});

mptest!(a_multi_screen_plan_folder_reports_each_screen, |dir| {
    // `mechpert plan` with several [[screen]]s writes one folder per screen under --out.
    let fixture = crate::util::repo().join("tests/fixtures/plan_run");
    for screen in ["b-screen", "a-screen"] {
        for f in [
            "config.toml",
            "picks.csv",
            "rounds.csv",
            "run.json",
            "summary.md",
        ] {
            let text = std::fs::read(fixture.join(f)).unwrap();
            dir.create(&format!("run/{screen}/{f}"), text);
        }
    }
    let stdout = dir
        .command()
        .args(["report", "run", "--out", "page.html"])
        .stdout();
    assert!(stdout.contains("(2 sections,"), "{stdout}");
    let page = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    let (a, b) = (
        page.find("a-screen").unwrap(),
        page.find("b-screen").unwrap(),
    );
    assert!(a < b, "screens in name order");
    // A folder with neither tables nor results folders below it is still an error.
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let err = dir
        .command()
        .args(["report", "empty", "--out", "x.html"])
        .assert_failure();
    assert!(err.contains("empty: not a results directory"), "{err}");
});

mptest!(
    a_cut_rounds_csv_is_refused_naming_the_incomplete_jobs,
    |dir| {
        crate::plan::screen(&dir);
        dir.command()
            .args(crate::plan::plan_args("run", "consensus,random", &[]))
            .stdout();
        let path = dir.path().join("run/rounds.csv");
        let rounds = std::fs::read_to_string(&path).unwrap();
        // Cut at a line boundary: the last job loses its last five rows.
        let lines: Vec<&str> = rounds.lines().collect();
        std::fs::write(&path, lines[..lines.len() - 5].join("\n") + "\n").unwrap();
        let stderr = dir.command().args(["report", "run"]).assert_failure();
        assert!(
        stderr.contains("run/rounds.csv: run.json records 2 strategies × 2 seeds × 3 rounds, but 1 job(s) are incomplete: random-seed2: "),
        "{stderr}"
    );
        // A whole job gone.
        let kept: String = rounds
            .lines()
            .filter(|l| !l.starts_with("consensus,1,"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, kept).unwrap();
        let stderr = dir.command().args(["report", "run"]).assert_failure();
        assert!(stderr.contains("consensus-seed1: no rows"), "{stderr}");
        assert!(!dir.path().join("report.html").exists());
    }
);
