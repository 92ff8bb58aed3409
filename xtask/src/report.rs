//! `cargo xtask report` (being written).
pub fn main(_args: &[String]) -> Result<(), String> {
    Err("`cargo xtask report` is not written yet".into())
}
