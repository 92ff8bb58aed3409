//! The path by which generated code names the facade: `::activation`, or the path that
//! `#[activation(crate = path)]` gives, for crates that re-export `activation` under
//! another name (`docs/contract.md` §3.1).
//!
//! Every emitter writes `#root::…` with `let root = root();`, so that one setting,
//! made by `expand` for the duration of one expansion, reaches every generated path. A
//! thread-local rather than an argument threaded through every emitter: the expansion of
//! one item runs on one thread, and the guard restores the previous root when it ends.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

thread_local! {
    static ROOT: RefCell<Option<TokenStream>> = const { RefCell::new(None) };
}

/// The facade's path in the code being generated: `::activation` unless set.
pub(crate) fn root() -> TokenStream {
    ROOT.with(|r| r.borrow().clone()).unwrap_or_else(|| quote!(::activation))
}

/// Sets the root until the guard is dropped (`None`: the default `::activation`).
pub(crate) fn set(path: Option<&syn::Path>) -> Guard {
    let previous = ROOT.with(|r| r.replace(path.map(ToTokens::to_token_stream)));
    Guard(previous)
}

/// Restores the previous root when dropped.
pub(crate) struct Guard(Option<TokenStream>);

impl Drop for Guard {
    fn drop(&mut self) {
        let previous = self.0.take();
        ROOT.with(|r| *r.borrow_mut() = previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_and_restored() {
        assert_eq!(root().to_string(), ":: activation");
        let path: syn::Path = syn::parse_quote!(my::reexport);
        {
            let _guard = set(Some(&path));
            assert_eq!(root().to_string(), "my :: reexport");
        }
        assert_eq!(root().to_string(), ":: activation");
    }
}
