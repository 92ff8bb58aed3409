//! `cargo xtask fuzz --seed S --count N`: draws formulas from the grammar of
//! `docs/fuzz.md`, expands each through the engine's front door in a killable worker
//! (panics, hangs, time, size), compiles the accepted ones in batches, runs their generated
//! gradient checks, prints a table by failure class and shrinks failing formulas to
//! minimal reproducers. `--fail-on panic,hang,compile` makes those classes fail the run (CI).

mod batch;
mod expand;
mod grammar;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use activation_core::rng::Rng;
use batch::{Check, Workshop};
use expand::{Outcome, Pool};
use grammar::{Bounds, Formula};

/// A formula's failure class, worst first: its row in the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Panic,
    Hang,
    Compile,
    CheckTimeout,
    CheckCrash,
    /// A check: NaN or ±inf where the reference is finite (or NaN where it is infinite).
    NanInf,
    /// A check: 0 where the reference is not.
    Zero,
    /// A check: more than 100 times the bar.
    Far,
    /// A check: over the bar (up to 100 times).
    Over,
    /// A check failing otherwise: paths disagreeing bit for bit, a line the fuzzer does not
    /// parse.
    Other,
    /// A check failing only where the truth is NaN or infinite (outside the domain, a
    /// pole): the contract promises nothing for a NaN truth and the infinity for an
    /// infinite one.
    NonFiniteTruth,
    Rejected,
    Pass,
    /// Compiled, checks not run (`--no-check`).
    Compiled,
    /// Expanded, not compiled (`--no-compile`).
    Expanded,
}

impl Class {
    const ALL: [Class; 15] = [
        Class::Panic,
        Class::Hang,
        Class::Compile,
        Class::CheckTimeout,
        Class::CheckCrash,
        Class::NanInf,
        Class::Zero,
        Class::Far,
        Class::Over,
        Class::Other,
        Class::NonFiniteTruth,
        Class::Rejected,
        Class::Pass,
        Class::Compiled,
        Class::Expanded,
    ];

    /// The name `--fail-on` takes and the table prints.
    pub fn name(self) -> &'static str {
        match self {
            Class::Panic => "panic",
            Class::Hang => "hang",
            Class::Compile => "compile",
            Class::CheckTimeout => "check-timeout",
            Class::CheckCrash => "check-crash",
            Class::NanInf => "nan-inf",
            Class::Zero => "zero",
            Class::Far => "far",
            Class::Over => "over",
            Class::Other => "other",
            Class::NonFiniteTruth => "non-finite-truth",
            Class::Rejected => "rejected",
            Class::Pass => "pass",
            Class::Compiled => "compiled",
            Class::Expanded => "expanded",
        }
    }

    fn meaning(self) -> &'static str {
        match self {
            Class::Panic => "the macro panicked (an internal error of `#[activation]`, or the worker died)",
            Class::Hang => "expansion gave no answer within the timeout",
            Class::Compile => "the generated code does not compile",
            Class::CheckTimeout => "the generated checks ran over the time budget",
            Class::CheckCrash => "the check test failed without its list of failures",
            Class::NanInf => "a check: NaN or inf where the truth is finite",
            Class::Zero => "a check: 0 where the truth is not",
            Class::Far => "a check: more than 100 times the bar",
            Class::Over => "a check: over the bar (up to 100 times)",
            Class::Other => "a check: paths disagree, or a line the fuzzer does not read",
            Class::NonFiniteTruth => {
                "a check fails only where the truth is NaN or infinite (outside the domain, a pole)"
            }
            Class::Rejected => "a spanned rejection (macro error, not a panic)",
            Class::Pass => "every check passes",
            Class::Compiled => "compiled, checks not run (--no-check)",
            Class::Expanded => "expanded, not compiled (--no-compile)",
        }
    }

    fn of_check(c: &Check) -> Class {
        match c {
            Check::Pass => Class::Pass,
            Check::Timeout => Class::CheckTimeout,
            Check::Crashed(_) => Class::CheckCrash,
            Check::Failed(class, _) => *class,
        }
    }

    fn in_process(self) -> bool {
        matches!(self, Class::Panic | Class::Hang | Class::Rejected)
    }
}

struct Options {
    seed: u64,
    count: usize,
    bounds: Bounds,
    batch: usize,
    timeout: Duration,
    slow: Duration,
    budget: Duration,
    compile: bool,
    check: bool,
    shrink_rounds: usize,
    shrink_per_class: usize,
    fail_on: Vec<String>,
    list: bool,
    target: Option<PathBuf>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seed: 1,
        count: 100,
        bounds: Bounds { max_depth: 6, max_size: 24 },
        batch: 40,
        timeout: Duration::from_secs(10),
        slow: Duration::from_secs(2),
        budget: Duration::from_secs(30),
        compile: true,
        check: true,
        shrink_rounds: 3,
        shrink_per_class: 4,
        fail_on: Vec::new(),
        list: false,
        target: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        let num = |v: String, name: &str| v.parse::<f64>().map_err(|_| format!("{name}: `{v}` is not a number"));
        match a.as_str() {
            "--seed" => o.seed = value("--seed")?.parse().map_err(|_| "--seed takes an integer")?,
            "--count" => o.count = value("--count")?.parse().map_err(|_| "--count takes an integer")?,
            "--max-depth" => {
                o.bounds.max_depth = value("--max-depth")?.parse().map_err(|_| "--max-depth takes an integer")?
            }
            "--max-size" => {
                o.bounds.max_size = value("--max-size")?.parse().map_err(|_| "--max-size takes an integer")?
            }
            "--batch" => o.batch = value("--batch")?.parse().map_err(|_| "--batch takes an integer")?,
            "--timeout" => o.timeout = Duration::from_secs_f64(num(value(a)?, a)?),
            "--slow" => o.slow = Duration::from_secs_f64(num(value(a)?, a)?),
            "--check-budget" => o.budget = Duration::from_secs_f64(num(value(a)?, a)?),
            "--shrink-rounds" => o.shrink_rounds = value(a)?.parse().map_err(|_| "--shrink-rounds takes an integer")?,
            "--shrink-per-class" => {
                o.shrink_per_class = value(a)?.parse().map_err(|_| "--shrink-per-class takes an integer")?
            }
            "--no-compile" => o.compile = false,
            "--no-check" => o.check = false,
            "--list" => o.list = true,
            "--target-dir" => o.target = Some(PathBuf::from(value(a)?)),
            "--fail-on" => {
                for c in value(a)?.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    if c != "slow" && !Class::ALL.iter().any(|k| k.name() == c) {
                        let names: Vec<&str> = Class::ALL.iter().map(|k| k.name()).collect();
                        return Err(format!("--fail-on: unknown class `{c}` (classes: {}, slow)", names.join(", ")));
                    }
                    o.fail_on.push(c.to_string());
                }
            }
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    if o.batch == 0 || o.bounds.max_depth == 0 {
        return Err("--batch and --max-depth must be at least 1".into());
    }
    Ok(o)
}

const USAGE: &str = "cargo xtask fuzz [--seed S] [--count N] [--max-depth D] [--max-size N] [--batch B]
    [--timeout SECS] [--slow SECS] [--check-budget SECS] [--shrink-rounds R] [--shrink-per-class K]
    [--no-compile] [--no-check] [--list] [--target-dir DIR] [--fail-on CLASS,CLASS,...]";

/// One drawn formula and what became of it.
struct Case {
    id: usize,
    formula: Formula,
    time: Duration,
    tokens: usize,
    /// The expansion warned that some range misses the bar (the checks skip it).
    warned: bool,
    /// Judged in those ranges too (`ACTIVATION_CHECK_WARNED_RANGES=1`): the worst kind of
    /// failure there, `None` where every check there passed (or none ran).
    in_warned: Option<Class>,
    class: Class,
    /// The message, error or first failure line behind the class.
    detail: String,
    check_time: Option<Duration>,
}

fn name(id: usize) -> String {
    format!("f{id}")
}

pub fn main(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--worker") {
        return expand::worker();
    }
    let o = options(args)?;
    let started = Instant::now();
    let formulas: Vec<Formula> =
        (0..o.count).map(|i| grammar::draw(&mut Rng::for_index(o.seed, i as u64), o.bounds)).collect();
    if o.list {
        for (i, f) in formulas.iter().enumerate() {
            println!("{}", f.source(&name(i)));
        }
        return Ok(());
    }
    let mut pool = Pool::new(o.timeout);
    let mut cases = Vec::new();
    for (id, formula) in formulas.into_iter().enumerate() {
        if id % 50 == 0 {
            eprintln!("expanding {id}/{} ...", o.count);
        }
        let e = pool.expand(&formula.attr(), &formula.item(&name(id)))?;
        let (class, detail, tokens, warned) = match e.outcome {
            Outcome::Expanded { tokens, warned } => (Class::Expanded, String::new(), tokens, warned),
            Outcome::Rejected(m) => (Class::Rejected, m, 0, false),
            Outcome::Panic(m) => (Class::Panic, m, 0, false),
            Outcome::Hang => (Class::Hang, format!("no answer in {:?}", o.timeout), 0, false),
        };
        if !o.compile {
            // Formula by formula, as the checks print them below: which ones warn.
            eprintln!("  f{id}: {}{}", class.name(), if warned { ", warned" } else { "" });
        }
        cases.push(Case {
            id,
            formula,
            time: e.time,
            tokens,
            warned,
            in_warned: None,
            class,
            detail,
            check_time: None,
        });
    }
    let expand_time = started.elapsed();
    let root = crate::workspace_root();
    let target = o.target.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"))
    });
    let mut shop = Workshop::new(&root, &target, o.budget)?;
    if o.compile {
        let todo: Vec<usize> = cases.iter().filter(|c| c.class == Class::Expanded).map(|c| c.id).collect();
        for (b, chunk) in todo.chunks(o.batch).enumerate() {
            eprintln!("batch {}/{}: compiling {} formulas ...", b + 1, todo.len().div_ceil(o.batch), chunk.len());
            let items: Vec<(String, String)> =
                chunk.iter().map(|&id| (name(id), cases[id].formula.source(&name(id)))).collect();
            let (built, broken) = shop.compile(&items)?;
            for (k, err) in broken {
                let c = &mut cases[chunk[k]];
                c.class = Class::Compile;
                c.detail = err;
            }
            for (exe, members) in built {
                for k in members {
                    let id = chunk[k];
                    if !o.check {
                        cases[id].class = Class::Compiled;
                        continue;
                    }
                    let (check, in_warned, time) = shop.check(&exe, &name(id))?;
                    let c = &mut cases[id];
                    c.class = Class::of_check(&check);
                    c.in_warned = in_warned;
                    c.check_time = Some(time);
                    c.detail = match check {
                        Check::Pass => String::new(),
                        Check::Timeout => format!("over the budget of {:?}", o.budget),
                        Check::Crashed(w) => w,
                        Check::Failed(_, line) => line,
                    };
                    let warned = match (c.warned, c.in_warned) {
                        (false, _) => String::new(),
                        (true, Some(k)) => format!(", warned (fails there: {})", k.name()),
                        (true, None) => ", warned (passes there)".to_string(),
                    };
                    eprintln!(
                        "  f{id}: {}{warned} ({:.1?}) {}",
                        c.class.name(),
                        time,
                        c.detail.chars().take(160).collect::<String>()
                    );
                }
            }
        }
    }
    let run_time = started.elapsed();
    println!("{}", table(&o, &cases, expand_time, run_time, &shop));
    let reproducers = shrink_all(&o, &cases, &mut pool, &mut shop)?;
    println!("{reproducers}");
    eprintln!("done in {:.1?} ({} compiles, {:.1?} compiling)", started.elapsed(), shop.compiles, shop.compile_time);
    let failing: Vec<String> = o
        .fail_on
        .iter()
        .filter_map(|c| {
            let n = if c == "slow" {
                cases.iter().filter(|k| k.time > o.slow && k.class != Class::Hang).count()
            } else {
                cases.iter().filter(|k| k.class.name() == c).count()
            };
            (n > 0).then(|| format!("{n} {c}"))
        })
        .collect();
    if !failing.is_empty() {
        return Err(format!("failure classes named by --fail-on occurred: {}", failing.join(", ")));
    }
    Ok(())
}

/// The warned formulas that were checked, judged in their warned ranges too (at the check
/// points and each range's worst probe point): how many fail there (the warning borne out),
/// by kind, and which pass there (not borne out: a false alarm of the probe).
fn warnings_judged(cases: &[Case]) -> String {
    let checked: Vec<&Case> = cases.iter().filter(|c| c.warned && c.check_time.is_some()).collect();
    let quiet: Vec<String> = checked.iter().filter(|c| c.in_warned.is_none()).map(|c| name(c.id)).collect();
    let mut by_kind: BTreeMap<Class, usize> = BTreeMap::new();
    for k in checked.iter().filter_map(|c| c.in_warned) {
        *by_kind.entry(k).or_default() += 1;
    }
    let kinds = by_kind.iter().map(|(k, n)| format!("{} {n}", k.name())).collect::<Vec<_>>().join(", ");
    format!(
        "warned and checked: {}; judged in their warned ranges too, at the check points and the probe's worst points \
         (ACTIVATION_CHECK_WARNED_RANGES=1), {} fail there (the warning borne out; worst kind: {}) and {} pass there \
         (not borne out: {})",
        checked.len(),
        checked.len() - quiet.len(),
        if kinds.is_empty() { "none".to_string() } else { kinds },
        quiet.len(),
        if quiet.is_empty() { "none".to_string() } else { quiet.join(", ") }
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn table(o: &Options, cases: &[Case], expand_time: Duration, run_time: Duration, shop: &Workshop) -> String {
    let mut s = String::new();
    let n = cases.len().max(1);
    let _ = writeln!(
        s,
        "\n## cargo xtask fuzz --seed {} --count {} (max depth {}, max size {}, batches of {})\n",
        o.seed, o.count, o.bounds.max_depth, o.bounds.max_size, o.batch
    );
    let _ = writeln!(s, "| class | formulas | % | of them warned | meaning |\n| --- | ---: | ---: | ---: | --- |");
    for class in Class::ALL {
        let k = cases.iter().filter(|c| c.class == class).count();
        let warned = cases.iter().filter(|c| c.class == class && c.warned).count();
        if k > 0 || !matches!(class, Class::Expanded | Class::Compiled) {
            let _ = writeln!(
                s,
                "| {} | {k} | {:.1} | {warned} | {} |",
                class.name(),
                100.0 * k as f64 / n as f64,
                class.meaning()
            );
        }
    }
    if cases.iter().any(|c| c.class == Class::Pass) {
        let full = cases.iter().filter(|c| c.class == Class::Pass && !c.warned).count();
        let unwarned = cases.iter().filter(|c| c.class != Class::Pass && !c.warned).count();
        let _ = writeln!(
            s,
            "\nwithin the full bar (every check passes, no range warned about and skipped): {full} ({:.1} %); \
             failing without a compile-time warning: {unwarned} ({:.1} %)",
            100.0 * full as f64 / n as f64,
            100.0 * unwarned as f64 / n as f64
        );
        let _ = writeln!(s, "{}", warnings_judged(cases));
    }
    let mut times: Vec<Duration> = cases.iter().filter(|c| c.class != Class::Hang).map(|c| c.time).collect();
    times.sort();
    let mut tokens: Vec<usize> = cases.iter().filter(|c| c.tokens > 0).map(|c| c.tokens).collect();
    tokens.sort();
    let tok = |p: f64| {
        if tokens.is_empty() {
            0
        } else {
            tokens[((p * tokens.len() as f64).ceil() as usize).clamp(1, tokens.len()) - 1]
        }
    };
    let slow = cases.iter().filter(|c| c.time > o.slow && c.class != Class::Hang).count();
    let _ = writeln!(
        s,
        "\nexpansion (in-process, this xtask's build of the engine; hangs excluded): p50 {:.1?}, p99 {:.1?}, max {:.1?}; \
         {slow} over {:?} (`slow`); generated tokens p50 {}, p99 {}, max {}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        o.slow,
        tok(0.5),
        tok(0.99),
        tokens.last().copied().unwrap_or(0),
    );
    let mut checks: Vec<Duration> = cases.iter().filter_map(|c| c.check_time).collect();
    checks.sort();
    if !checks.is_empty() {
        let _ = writeln!(
            s,
            "check time per formula: p50 {:.1?}, p99 {:.1?}, max {:.1?} (budget {:?})",
            percentile(&checks, 0.5),
            percentile(&checks, 0.99),
            checks.last().copied().unwrap_or_default(),
            o.budget
        );
    }
    let _ = writeln!(
        s,
        "wall clock: expansion {:.1?}, everything up to this table {:.1?} ({} compiles, {:.1?} compiling)",
        expand_time, run_time, shop.compiles, shop.compile_time
    );
    let mut slowest: Vec<&Case> = cases.iter().collect();
    slowest.sort_by_key(|c| std::cmp::Reverse(c.time));
    let _ = writeln!(s, "\nslowest expansions:\n");
    for c in slowest.iter().take(5) {
        let _ = writeln!(s, "- {:.2?} ({}) `{}`", c.time, c.class.name(), c.formula.source(&name(c.id)));
    }
    s
}

/// Whether `f` still shows `class` (and, for in-process classes, the same detail where it
/// matters), decided in process.
fn same_in_process(pool: &mut Pool, f: &Formula, class: Class, detail: &str, o: &Options) -> Result<bool, String> {
    let e = pool.expand(&f.attr(), &f.item("f"))?;
    Ok(match (class, e.outcome) {
        (Class::Panic, Outcome::Panic(_)) => true,
        (Class::Hang, Outcome::Hang) => true,
        (Class::Rejected, Outcome::Rejected(m)) => m == detail,
        (Class::Expanded, Outcome::Expanded { .. }) => e.time > o.slow,
        _ => false,
    })
}

/// Greedy shrinking in process: the first smaller candidate that keeps the class, again
/// and again, within `tries` expansions.
fn shrink_in_process(
    pool: &mut Pool,
    f: &Formula,
    class: Class,
    detail: &str,
    o: &Options,
) -> Result<(Formula, usize), String> {
    let mut current = f.clone();
    let mut tries = if class == Class::Hang { 12 } else { 400 };
    let mut steps = 0;
    'outer: loop {
        for c in current.shrink_candidates() {
            if tries == 0 {
                break 'outer;
            }
            tries -= 1;
            if same_in_process(pool, &c, class, detail, o)? {
                current = c;
                steps += 1;
                continue 'outer;
            }
        }
        break;
    }
    Ok((current, steps))
}

/// Shrinks compile and check failures together, one batch per round: each formula's next
/// few candidates (that expand) compiled and checked; the smallest keeping its class wins.
fn shrink_by_batch(
    o: &Options,
    targets: &mut [(Formula, Class, usize)],
    pool: &mut Pool,
    shop: &mut Workshop,
) -> Result<(), String> {
    const PER_ROUND: usize = 6;
    let mut offsets = vec![0usize; targets.len()];
    let mut done = vec![false; targets.len()];
    for round in 0..o.shrink_rounds {
        let mut items: Vec<(String, String)> = Vec::new();
        let mut owners: Vec<(usize, Formula)> = Vec::new();
        for (t, (f, _, _)) in targets.iter().enumerate() {
            if done[t] {
                continue;
            }
            let all = f.shrink_candidates();
            let mut taken = 0;
            while taken < PER_ROUND && offsets[t] < all.len() {
                let c = &all[offsets[t]];
                offsets[t] += 1;
                let e = pool.expand(&c.attr(), &c.item("f"))?;
                if matches!(e.outcome, Outcome::Expanded { .. }) && e.time <= o.slow {
                    let n = format!("s{t}_{}", items.len());
                    items.push((n.clone(), c.source(&n)));
                    owners.push((t, c.clone()));
                    taken += 1;
                }
            }
            if taken == 0 {
                done[t] = true;
            }
        }
        if items.is_empty() {
            break;
        }
        eprintln!("shrinking, round {}: {} candidates for {} formulas ...", round + 1, items.len(), targets.len());
        let (built, broken) = shop.compile(&items)?;
        let mut class_of: Vec<Option<Class>> = vec![None; items.len()];
        for (k, _) in broken {
            class_of[k] = Some(Class::Compile);
        }
        for (exe, members) in built {
            for k in members {
                let (t, _) = &owners[k];
                if targets[*t].1 == Class::Compile {
                    class_of[k] = Some(Class::Pass);
                    continue;
                }
                let (check, _, _) = shop.check(&exe, &items[k].0)?;
                class_of[k] = Some(Class::of_check(&check));
            }
        }
        for (k, (t, c)) in owners.into_iter().enumerate() {
            let (f, class, steps) = &mut targets[t];
            if class_of[k] == Some(*class) && c.size() < f.size() {
                *f = c;
                *steps += 1;
                offsets[t] = 0;
            }
        }
    }
    Ok(())
}

fn shrink_all(o: &Options, cases: &[Case], pool: &mut Pool, shop: &mut Workshop) -> Result<String, String> {
    let mut by_class: BTreeMap<Class, Vec<&Case>> = BTreeMap::new();
    for c in cases {
        if !matches!(c.class, Class::Pass | Class::Compiled | Class::Expanded) {
            by_class.entry(c.class).or_default().push(c);
        }
    }
    // Slow expansions, whatever their class.
    let slow: Vec<&Case> = cases.iter().filter(|c| c.time > o.slow && c.class != Class::Hang).collect();
    let mut s = String::from("## Reproducers\n");
    let mut batch_targets: Vec<(Formula, Class, usize)> = Vec::new();
    let mut batch_owner: Vec<usize> = Vec::new();
    for (class, list) in &by_class {
        if !class.in_process() && !matches!(class, Class::CheckTimeout) {
            for c in list.iter().take(o.shrink_per_class) {
                batch_targets.push((c.formula.clone(), *class, 0));
                batch_owner.push(c.id);
            }
        }
    }
    if o.compile && o.check && o.shrink_rounds > 0 && !batch_targets.is_empty() {
        shrink_by_batch(o, &mut batch_targets, pool, shop)?;
    }
    let mut in_process: BTreeMap<usize, (Formula, usize)> = BTreeMap::new();
    for (class, list) in &by_class {
        if class.in_process() {
            for c in list.iter().take(o.shrink_per_class) {
                in_process.insert(c.id, shrink_in_process(pool, &c.formula, *class, &c.detail, o)?);
            }
        }
    }
    for (class, list) in &by_class {
        let _ = writeln!(s, "\n### {} ({} formulas): {}\n", class.name(), list.len(), class.meaning());
        for (i, c) in list.iter().enumerate() {
            let shrunk = in_process.get(&c.id).cloned().or_else(|| {
                batch_owner.iter().position(|&id| id == c.id).map(|k| (batch_targets[k].0.clone(), batch_targets[k].2))
            });
            let detail: String = c.detail.chars().take(220).collect();
            match shrunk {
                Some((f, steps)) if steps > 0 => {
                    let _ = writeln!(
                        s,
                        "- `{}`  (shrunk in {steps} steps from `{}`) — {detail}",
                        f.source("f"),
                        c.formula.source(&name(c.id))
                    );
                }
                Some(_) => {
                    let _ = writeln!(
                        s,
                        "- `{}`  (no smaller formula keeps the class within the budget) — {detail}",
                        c.formula.source(&name(c.id))
                    );
                }
                None if i < 25 => {
                    let _ = writeln!(s, "- `{}`  (unshrunk) — {detail}", c.formula.source(&name(c.id)));
                }
                None => {}
            }
        }
        if list.len() > 25 {
            let _ = writeln!(s, "- … {} more (run with the same seed to list them)", list.len() - 25);
        }
    }
    if !slow.is_empty() {
        let _ = writeln!(s, "\n### slow expansion ({} formulas over {:?})\n", slow.len(), o.slow);
        for c in slow.iter().take(o.shrink_per_class) {
            let (f, steps) = shrink_in_process(pool, &c.formula, Class::Expanded, "", o)?;
            let _ = writeln!(
                s,
                "- `{}` ({steps} steps; {:.2?} unshrunk: `{}`)",
                f.source("f"),
                c.time,
                c.formula.source(&name(c.id))
            );
        }
    }
    Ok(s)
}
