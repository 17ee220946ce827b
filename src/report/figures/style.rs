//! How a strategy looks in every figure: a fixed Okabe–Ito colour and a marker shape, so that
//! the same strategy is recognisable across figures, in grayscale and by colour-blind readers.
//!
//! Strategies that read the agents (consensus, hubs, hybrid, uncertainty, diversity) get filled
//! markers, centrality heuristics hollow ones, `random` a grey cross and the `oracle` upper bound
//! a black plus; no two known strategies share both colour and marker.

use plotters::coord::CoordTranslate;
use plotters::drawing::DrawingAreaErrorKind;
use plotters::element::{Circle, EmptyElement, PathElement, Polygon};
use plotters::prelude::{DrawingArea, DrawingBackend, RGBColor, WHITE};
use plotters::style::{Color, ShapeStyle};

/// Okabe & Ito (2008), "Color Universal Design": the eight colours, black first.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(240, 228, 66),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
];

/// Neutral grey for `random` and the training-mean baseline.
pub const GREY: RGBColor = RGBColor(120, 120, 120);

/// A marker's outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// ●/○
    Circle,
    /// ■/□
    Square,
    /// ▲/△
    TriangleUp,
    /// ▼/▽
    TriangleDown,
    /// ◆/◇
    Diamond,
    /// ×
    Cross,
    /// +
    Plus,
}

/// Colour and marker of one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Line, band and marker colour.
    pub colour: RGBColor,
    /// Marker outline.
    pub shape: Shape,
    /// Filled or hollow marker.
    pub filled: bool,
}

/// The strategies `plan` knows, each with its look; `oracle` last.
const KNOWN: [(&str, usize, Shape, bool); 13] = [
    ("anchors", 6, Shape::Circle, true),
    ("consensus", 6, Shape::Square, false),
    ("hubs", 7, Shape::Square, true),
    ("hybrid", 1, Shape::TriangleUp, true),
    ("uncertainty", 3, Shape::Diamond, true),
    ("diversity", 2, Shape::TriangleDown, true),
    ("degree", 5, Shape::Circle, false),
    ("pagerank", 2, Shape::Square, false),
    ("betweenness", 3, Shape::TriangleUp, false),
    ("eigenvector", 1, Shape::Diamond, false),
    ("closeness", 7, Shape::TriangleDown, false),
    ("random", usize::MAX, Shape::Cross, false),
    ("oracle", 0, Shape::Plus, false),
];

/// The centrality heuristics, against which the gains are written.
pub const CENTRALITY: [&str; 5] = [
    "degree",
    "pagerank",
    "betweenness",
    "eigenvector",
    "closeness",
];

/// The look of strategy `name`. Unknown names get a look from `fallback` (their position among
/// the unknown names of the figure), cycling through the colours with hollow markers.
pub fn look(name: &str, fallback: usize) -> Look {
    match KNOWN.iter().find(|k| k.0 == name) {
        Some(&(_, colour, shape, filled)) => Look {
            colour: OKABE_ITO.get(colour).copied().unwrap_or(GREY),
            shape,
            filled,
        },
        None => {
            const SHAPES: [Shape; 5] = [
                Shape::Circle,
                Shape::Square,
                Shape::TriangleUp,
                Shape::TriangleDown,
                Shape::Diamond,
            ];
            Look {
                colour: OKABE_ITO[1 + fallback % 7],
                shape: SHAPES[(fallback / 7 + fallback) % SHAPES.len()],
                filled: fallback % 2 == 1,
            }
        }
    }
}

/// Looks for a list of names in figure order; unknown names are numbered in that order.
pub fn looks<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Look> {
    let mut unknown = 0;
    names
        .into_iter()
        .map(|n| {
            if KNOWN.iter().any(|k| k.0 == n) {
                look(n, 0)
            } else {
                unknown += 1;
                look(n, unknown - 1)
            }
        })
        .collect()
}

impl Look {
    /// Draws the marker at `at` on `area`, `size` pixels from centre to edge.
    pub fn draw_marker<DB: DrawingBackend, CT: CoordTranslate>(
        &self,
        area: &DrawingArea<DB, CT>,
        at: CT::From,
        size: i32,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let line = ShapeStyle::from(self.colour).stroke_width(2);
        let s = size;
        let outline = match self.shape {
            Shape::Circle => {
                let style = if self.filled {
                    self.colour.filled()
                } else {
                    line
                };
                // Hollow markers are white inside, so lines behind them do not show through.
                return area.draw(
                    &(EmptyElement::at(at)
                        + Circle::new((0, 0), s, WHITE.filled())
                        + Circle::new((0, 0), s, style)),
                );
            }
            Shape::Cross => {
                return area.draw(
                    &(EmptyElement::at(at)
                        + PathElement::new(vec![(-s, -s), (s, s)], line)
                        + PathElement::new(vec![(-s, s), (s, -s)], line)),
                );
            }
            Shape::Plus => {
                return area.draw(
                    &(EmptyElement::at(at)
                        + PathElement::new(vec![(-s - 1, 0), (s + 1, 0)], line)
                        + PathElement::new(vec![(0, -s - 1), (0, s + 1)], line)),
                );
            }
            Shape::Square => vec![(-s, -s), (s, -s), (s, s), (-s, s)],
            Shape::TriangleUp => vec![(0, -s - 1), (s + 1, s), (-s - 1, s)],
            Shape::TriangleDown => vec![(0, s + 1), (s + 1, -s), (-s - 1, -s)],
            Shape::Diamond => vec![(0, -s - 1), (s + 1, 0), (0, s + 1), (-s - 1, 0)],
        };
        if self.filled {
            area.draw(&(EmptyElement::at(at) + Polygon::new(outline, self.colour.filled())))
        } else {
            let mut closed = outline.clone();
            closed.push(outline[0]);
            area.draw(
                &(EmptyElement::at(at)
                    + Polygon::new(outline, WHITE.filled())
                    + PathElement::new(closed, line)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_strategies_never_share_colour_and_marker() {
        let all: Vec<Look> = KNOWN.iter().map(|k| look(k.0, 0)).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b, "{a:?}");
            }
        }
        assert_eq!(look("oracle", 0).colour, RGBColor(0, 0, 0));
        assert_eq!(look("random", 0).colour, GREY);
        assert_eq!(look("anchors", 0).colour, RGBColor(213, 94, 0));
    }

    #[test]
    fn unknown_names_get_distinct_looks_in_order() {
        let l = looks(["consensus", "mine", "theirs", "degree"]);
        assert_eq!(l[0], look("consensus", 0));
        assert_ne!(l[1], l[2]);
        assert_eq!(l[3], look("degree", 0));
    }
}
