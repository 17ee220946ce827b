//! The hubs table written by `mechpert consensus --hubs`: `rank<TAB>gene<TAB>votes<TAB>
//! confidence<TAB>agents`, one row per gene any agent named a hub, ranked by votes, then summed
//! confidence, then name (see [`crate::consensus::hubs`]).

use std::io::{self, Write};
use std::path::Path;

use super::{GraphFileError, column, each_row, field, header_of, number, open_text};
use crate::consensus::hubs::Hub;
use crate::data::GeneSymbols;

const EXPECTED: &str = "rank, gene, votes, confidence, agents (tab-separated)";

/// Writes the hubs TSV: `rank, gene, votes, confidence (summed), agents`.
pub fn write_hubs(hubs: &[Hub], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "rank\tgene\tvotes\tconfidence\tagents")?;
    for (i, h) in hubs.iter().enumerate() {
        writeln!(
            out,
            "{}\t{}\t{}\t{:.4}\t{}",
            i + 1,
            h.gene,
            h.votes,
            h.confidence,
            h.agents.join(",")
        )?;
    }
    Ok(())
}

/// Reads a hubs TSV back: the hubs in file order and the number of distinct agents named.
pub fn read_hubs(path: &Path, symbols: &GeneSymbols) -> Result<(Vec<Hub>, usize), GraphFileError> {
    let header = header_of(path)?;
    let g = column(path, &header, "gene", EXPECTED)?;
    let v = column(path, &header, "votes", EXPECTED)?;
    let c = column(path, &header, "confidence", EXPECTED)?;
    let a = column(path, &header, "agents", EXPECTED)?;
    let mut hubs = Vec::new();
    let mut agents = std::collections::BTreeSet::new();
    let mut unmapped = 0;
    each_row(path, open_text(path)?, |line, fields| {
        let gene = symbols.normalise(field(path, line, fields, g, &header)?, &mut unmapped);
        let votes_text = field(path, line, fields, v, &header)?;
        let votes = votes_text
            .parse::<usize>()
            .map_err(|_| GraphFileError::Field {
                path: path.into(),
                line,
                column: header[v].clone(),
                value: votes_text.into(),
                expected: "a whole number of votes",
            })?;
        let confidence = number(
            path,
            line,
            field(path, line, fields, c, &header)?,
            "confidence",
        )?;
        let names: Vec<String> = fields
            .get(a)
            .map(|s| {
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        agents.extend(names.iter().cloned());
        hubs.push(Hub {
            gene,
            votes,
            confidence,
            agents: names,
        });
        Ok(())
    })?;
    if hubs.is_empty() {
        return Err(GraphFileError::Empty { path: path.into() });
    }
    Ok((hubs, agents.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubs_round_trip_and_bad_votes_are_named() {
        let hubs = vec![
            Hub {
                gene: "MYC".into(),
                votes: 2,
                confidence: 1.5,
                agents: vec!["a".into(), "b".into()],
            },
            Hub {
                gene: "GATA1".into(),
                votes: 1,
                confidence: 0.25,
                agents: vec!["c".into()],
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hubs.tsv");
        let mut text = Vec::new();
        write_hubs(&hubs, &mut text).unwrap();
        std::fs::write(&path, &text).unwrap();
        let (back, agents) = read_hubs(&path, &GeneSymbols::identity()).unwrap();
        assert_eq!(back, hubs);
        assert_eq!(agents, 3);
        std::fs::write(
            &path,
            "rank\tgene\tvotes\tconfidence\tagents\n1\tMYC\tmany\t1\ta\n",
        )
        .unwrap();
        let err = read_hubs(&path, &GeneSymbols::identity())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "hubs.tsv:2: column `votes`: expected a whole number of votes, got \"many\""
            ),
            "{err}"
        );
    }
}
