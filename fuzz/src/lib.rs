//! What every fuzz target checks of a result beyond "no panic, no hang": the invariants a
//! screen read without error must hold, so a reader that accepts garbage is a finding too.

use mechpert::data::Screen;

/// Panics (a fuzz finding) unless `screen` is one a downstream command can use: as many
/// readout names as columns, as many perturbation names as rows, every number finite, no empty
/// or duplicated name.
pub fn check_screen(screen: &Screen) {
    let response = screen.response();
    assert_eq!(response.nrows(), screen.perturbations().len());
    assert_eq!(response.ncols(), screen.genes().len());
    assert_eq!(screen.control().len(), screen.genes().len());
    assert!(
        response
            .iter()
            .chain(screen.control().iter())
            .all(|v| v.is_finite()),
        "a screen was read with a value that is not finite"
    );
    for names in [screen.perturbations(), screen.genes()] {
        let mut seen = std::collections::HashSet::new();
        for name in names {
            assert!(!name.trim().is_empty(), "an empty name was accepted");
            assert!(seen.insert(name), "the name {name:?} was accepted twice");
        }
    }
}

/// Renders an error and its sources as `main` does (a finding if any `Display` panics) and
/// returns the text.
pub fn render_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
