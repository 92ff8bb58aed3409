//! `cargo xtask accuracy` (being written).
pub fn main(_args: &[String]) -> Result<(), String> {
    Err("`cargo xtask accuracy` is not written yet".into())
}
