//! Writes `docs/ecosystem.md`: the value and derivative of candle's, burn's and our
//! activations at the hard points of `docs/accuracy.md`, in ULPs against MPFR.
//!
//! `cargo run -p activation-frameworks --features ecosystem --bin ecosystem [-- --check]`
//!
//! Derivatives are each framework's own backward pass: candle's `backward()` on a `Var`,
//! burn's autodiff on the ndarray backend. Every figure is measured when the program runs.

use std::fmt::Write as _;

use activation::{catalog, DynActivation, Function};
use activation_core::check::Subject;
use activation_core::ulp::{ulps_f32, ulps_f64};
use burn_tensor::{DType, Device as BurnDevice, Tensor as BurnTensor, TensorData};
use candle_core::{Device, Tensor, Var};

type CandleOp = fn(&Tensor) -> candle_core::Result<Tensor>;
type BurnOp = fn(BurnTensor<1>) -> BurnTensor<1>;

/// One activation: ours, and candle's and burn's where they have it.
struct Entry {
    /// The name in `docs/accuracy.md` and in the table.
    name: &'static str,
    ours: Box<dyn DynActivation>,
    candle: Option<(&'static str, CandleOp)>,
    burn: Option<(&'static str, BurnOp)>,
}

fn entries() -> Vec<Entry> {
    use burn_tensor::activation as b;
    vec![
        Entry {
            name: "sigmoid",
            ours: Box::new(catalog::Sigmoid),
            candle: Some(("candle_nn::ops::sigmoid", |x| candle_nn::ops::sigmoid(x))),
            burn: Some(("activation::sigmoid", b::sigmoid)),
        },
        Entry {
            name: "tanh",
            ours: Box::new(catalog::Tanh),
            candle: Some(("Tensor::tanh", |x| x.tanh())),
            burn: Some(("Tensor::tanh", |x| x.tanh())),
        },
        Entry {
            name: "relu",
            ours: Box::new(catalog::Relu),
            candle: Some(("Tensor::relu", |x| x.relu())),
            burn: Some(("activation::relu", b::relu)),
        },
        Entry {
            name: "leaky_relu",
            ours: Box::new(catalog::LeakyRelu::default()),
            candle: Some(("candle_nn::ops::leaky_relu(0.01)", |x| candle_nn::ops::leaky_relu(x, 0.01))),
            burn: Some(("activation::leaky_relu(0.01)", |x| b::leaky_relu(x, 0.01))),
        },
        Entry {
            name: "elu",
            ours: Box::new(catalog::Elu::default()),
            candle: Some(("Tensor::elu(1)", |x| x.elu(1.0))),
            burn: Some(("activation::elu(1)", |x| b::elu(x, 1.0))),
        },
        Entry {
            name: "selu",
            ours: Box::new(catalog::Selu::default()),
            candle: Some(("candle_nn::ops::selu", |x| {
                let s = catalog::Selu::default();
                candle_nn::ops::selu(x, s.alpha as f32, s.lambda as f32)
            })),
            burn: Some(("activation::selu", b::selu)),
        },
        Entry {
            name: "silu",
            ours: Box::new(catalog::Silu),
            candle: Some(("Tensor::silu", |x| x.silu())),
            burn: Some(("activation::silu", b::silu)),
        },
        Entry {
            name: "gelu",
            ours: Box::new(catalog::Gelu),
            candle: Some(("Tensor::gelu (tanh form)", |x| x.gelu())),
            burn: Some(("activation::gelu_approximate", b::gelu_approximate)),
        },
        Entry {
            name: "gelu_erf",
            ours: Box::new(catalog::GeluErf),
            candle: Some(("Tensor::gelu_erf", |x| x.gelu_erf())),
            burn: Some(("activation::gelu", b::gelu)),
        },
        Entry {
            name: "softplus",
            ours: Box::new(catalog::Softplus),
            candle: None,
            burn: Some(("activation::softplus(1)", |x| b::softplus(x, 1.0))),
        },
        Entry {
            name: "mish",
            ours: Box::new(catalog::Mish),
            candle: Some(("candle_nn::ops::mish", |x| candle_nn::ops::mish(x))),
            burn: Some(("activation::mish", b::mish)),
        },
    ]
}

/// A point and its precision.
#[derive(Clone, Copy, PartialEq)]
enum Point {
    F64(f64),
    F32(f32),
}

/// A value and derivative in the point's precision (as f64), `None` when the framework
/// failed (an error, or no backward).
type Pair = (Option<f64>, Option<f64>);

fn candle_at(op: CandleOp, p: Point) -> Pair {
    let run = || -> candle_core::Result<(f64, Option<f64>)> {
        let x = match p {
            Point::F64(x) => Var::new(&[x], &Device::Cpu)?,
            Point::F32(x) => Var::new(&[x], &Device::Cpu)?,
        };
        let y = op(x.as_tensor())?;
        let value = y.to_dtype(candle_core::DType::F64)?.to_vec1::<f64>()?[0];
        let d = y.sum_all()?.backward().ok().and_then(|g| g.get(x.as_tensor()).cloned());
        let d = match d {
            Some(d) => Some(d.to_dtype(candle_core::DType::F64)?.to_vec1::<f64>()?[0]),
            None => None,
        };
        Ok((value, d))
    };
    match run() {
        Ok((v, d)) => (Some(v), d),
        Err(_) => (None, None),
    }
}

fn burn_at(op: BurnOp, p: Point) -> Pair {
    #[allow(deprecated)]
    let device = BurnDevice::ndarray().autodiff();
    let (data, dtype) = match p {
        Point::F64(x) => (TensorData::new(vec![x], [1]), DType::F64),
        Point::F32(x) => (TensorData::new(vec![x], [1]), DType::F32),
    };
    let x = BurnTensor::<1>::from_data(data, (&device, dtype)).require_grad();
    let y = op(x.clone());
    let read = |t: BurnTensor<1>| t.into_data().convert::<f64>().try_into_vec::<f64>().ok().map(|v| v[0]);
    let value = read(y.clone());
    let d = x.grad(&y.sum().backward()).and_then(read);
    (value, d)
}

fn ours_at(a: &dyn DynActivation, p: Point) -> Pair {
    match p {
        Point::F64(x) => (Some(a.eval_f64(Function::Forward, x)), Some(a.eval_f64(Function::Derivative, x))),
        Point::F32(x) => {
            (Some(f64::from(a.eval_f32(Function::Forward, x))), Some(f64::from(a.eval_f32(Function::Derivative, x))))
        }
    }
}

/// ULPs of `v` from the truth at `p` for `which`.
fn ulps(subject: &Subject, which: Function, p: Point, v: Option<f64>) -> String {
    let Some(v) = v else { return "—".into() };
    let u = match p {
        Point::F64(x) => ulps_f64(v, subject.reference(which, x)),
        Point::F32(x) => ulps_f32(v as f32, subject.reference_f32(which, x)),
    };
    format_ulps(u)
}

fn format_ulps(u: f64) -> String {
    if u.is_infinite() {
        "**inf**".into()
    } else if u == 0.0 {
        "0".into()
    } else if u < 1000.0 {
        let s = format!("{u:.0}");
        if u > 4.0 {
            format!("**{s}**")
        } else {
            s
        }
    } else {
        format!("**{u:.1e}**")
    }
}

/// The worst inputs of f and f' of `name` in `docs/accuracy.md`, f64 and f32.
fn hard_points(accuracy: &str, name: &str) -> Vec<(Point, String)> {
    let mut out = Vec::new();
    for line in accuracy.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 || cells[1] != name || !(cells[2] == "f" || cells[2] == "d/dx") {
            continue;
        }
        let what = if cells[2] == "f" { "worst f" } else { "worst f'" };
        if let Ok(x) = cells[4].parse::<f64>() {
            out.push((Point::F64(x), what.to_string()));
        }
        if let Ok(x) = cells[6].parse::<f32>() {
            out.push((Point::F32(x), what.to_string()));
        }
    }
    // The tails, where textbook formulas overflow or underflow.
    for x in [-100.0f32, 100.0] {
        out.push((Point::F32(x), "tail".into()));
    }
    for x in [-1000.0f64, 1000.0] {
        out.push((Point::F64(x), "tail".into()));
    }
    let mut seen: Vec<Point> = Vec::new();
    out.retain(|(p, _)| {
        let new = !seen.contains(p);
        seen.push(*p);
        new
    });
    out
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let accuracy = std::fs::read_to_string(root.join("docs/accuracy.md")).expect("docs/accuracy.md");
    let mut table = String::new();
    let mut summary: Vec<(&str, [f64; 6])> = Vec::new();
    table.push_str("| activation | point | x | f: candle | f: burn | f: ours | f': candle | f': burn | f': ours |\n");
    table.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for e in entries() {
        let subject = Subject::of(e.ours.as_ref());
        let mut worst = [0.0f64; 6];
        for (p, why) in hard_points(&accuracy, e.name) {
            let c = e.candle.map(|(_, op)| candle_at(op, p)).unwrap_or((None, None));
            let b = e.burn.map(|(_, op)| burn_at(op, p)).unwrap_or((None, None));
            let o = ours_at(e.ours.as_ref(), p);
            let (xs, prec) = match p {
                Point::F64(x) => (format!("{x:e}"), "f64"),
                Point::F32(x) => (format!("{x:e}"), "f32"),
            };
            let cells = [
                ulps(&subject, Function::Forward, p, c.0),
                ulps(&subject, Function::Forward, p, b.0),
                ulps(&subject, Function::Forward, p, o.0),
                ulps(&subject, Function::Derivative, p, c.1),
                ulps(&subject, Function::Derivative, p, b.1),
                ulps(&subject, Function::Derivative, p, o.1),
            ];
            for (w, c) in worst.iter_mut().zip(&cells) {
                let v = match c.trim_matches('*') {
                    "—" => f64::NAN,
                    "inf" => f64::INFINITY,
                    s => s.parse::<f64>().unwrap_or(f64::NAN),
                };
                if v > *w || (w.is_finite() && v.is_infinite()) {
                    *w = v;
                }
            }
            let _ = writeln!(table, "| {} | {why}, {prec} | {xs} | {} |", e.name, cells.join(" | "));
        }
        if e.candle.is_none() {
            worst[0] = f64::NAN;
            worst[3] = f64::NAN;
        }
        summary.push((e.name, worst));
    }

    let mut ops = String::from("| activation | candle | burn |\n|---|---|---|\n");
    for e in entries() {
        let c = e.candle.map_or("— (none)".to_string(), |(n, _)| format!("`{n}`"));
        let b = e.burn.map_or("— (none)".to_string(), |(n, _)| format!("`{n}`"));
        let _ = writeln!(ops, "| {} | {c} | {b} |", e.name);
    }
    let mut worst = String::from(
        "| activation | f: candle | f: burn | f: ours | f': candle | f': burn | f': ours |\n|---|---|---|---|---|---|---|\n",
    );
    for (name, w) in &summary {
        let cells: Vec<String> = w.iter().map(|&u| if u.is_nan() { "—".into() } else { format_ulps(u) }).collect();
        let _ = writeln!(worst, "| {name} | {} |", cells.join(" | "));
    }

    let template = include_str!("ecosystem.md.in");
    let doc = template.replace("{OPS}", &ops).replace("{WORST}", &worst).replace("{TABLE}", &table);
    let path = root.join("docs/ecosystem.md");
    if check {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != doc {
            eprintln!("docs/ecosystem.md is stale: rerun without --check");
            std::process::exit(1);
        }
    } else {
        std::fs::write(&path, doc).expect("writing docs/ecosystem.md");
        println!("wrote {}", path.display());
    }
    print!("{worst}");
}
