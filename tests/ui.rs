//! UI tests of `#[activation]`: every rejected form of the formula language (`docs/contract.md` §3) gives
//! a spanned compile error that says what is accepted instead; a few accepted ones compile
//! and run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
