//! [`TextAgent`]: proposes the genes whose summaries read most alike, offline.
//!
//! In flow [`Summaries`] (one text per gene, see [`super::summaries`]); out come, for a target,
//! the pool genes whose summaries are most similar to the target's, confidence = similarity /
//! the target's best similarity (so the first proposal has confidence 1).
//!
//! Similarity is the cosine of TF-IDF vectors: texts are lower-cased and split into words of
//! two or more letters or digits; English stop words and the gene's own symbol are removed (so
//! that a summary naming its gene does not match another naming it); the terms are the
//! remaining words and pairs of adjacent words. A term counted c times in a text weighs
//! (1 + ln c) · idf, idf = ln((1 + n) / (1 + df)) + 1 over the n texts of the file (df: texts
//! holding the term); every vector has unit length. The same numbers as scikit-learn's
//! `TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english")` up to the stop
//! list. Vectors are sparse and an inverted index serves the queries, so one target costs the
//! summed lengths of its terms' posting lists.
//!
//! Summaries carry no direction: `regulators` and `similar` both get the most similar genes,
//! as for an undirected knowledge graph; `hubs` gets no proposal. A target without a summary
//! gets no proposal either: the first query counts the pool genes without one and logs them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use super::summaries::Summaries;
use super::{Agent, AgentFuture, Answer, Context, Query, Tally};

/// TF-IDF vectors of gene summaries with an inverted index.
#[derive(Debug, Clone)]
pub struct TextIndex {
    genes: Vec<String>,
    row_of: HashMap<String, u32>,
    /// Per gene, (term, weight) sorted by term; unit length.
    vectors: Vec<Vec<(u32, f32)>>,
    /// Per term, (gene row, weight).
    postings: Vec<Vec<(u32, f32)>>,
}

impl TextIndex {
    /// Vectorises every summary (in parallel) and indexes them.
    pub fn new(summaries: &Summaries) -> TextIndex {
        let terms: Vec<Vec<String>> = summaries
            .genes()
            .par_iter()
            .zip(summaries.texts())
            .map(|(gene, text)| terms(text, gene))
            .collect();
        let mut vocabulary: HashMap<&str, u32> = HashMap::new();
        let mut counted: Vec<Vec<(u32, u32)>> = Vec::with_capacity(terms.len());
        let mut df: Vec<u32> = Vec::new();
        for doc in &terms {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for term in doc {
                let next = vocabulary.len() as u32;
                let id = *vocabulary.entry(term.as_str()).or_insert(next);
                *counts.entry(id).or_insert(0) += 1;
            }
            df.resize(vocabulary.len(), 0);
            for &id in counts.keys() {
                df[id as usize] += 1;
            }
            let mut counts: Vec<(u32, u32)> = counts.into_iter().collect();
            counts.sort_unstable();
            counted.push(counts);
        }
        let n = terms.len() as f64;
        let idf: Vec<f64> = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0)
            .collect();
        let vectors: Vec<Vec<(u32, f32)>> = counted
            .par_iter()
            .map(|counts| {
                let raw: Vec<(u32, f64)> = counts
                    .iter()
                    .map(|&(t, c)| (t, (1.0 + f64::from(c).ln()) * idf[t as usize]))
                    .collect();
                let norm = raw.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
                raw.into_iter()
                    .map(|(t, w)| (t, (w / norm) as f32))
                    .collect()
            })
            .collect();
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); vocabulary.len()];
        for (row, vector) in vectors.iter().enumerate() {
            for &(t, w) in vector {
                postings[t as usize].push((row as u32, w));
            }
        }
        let genes = summaries.genes().to_vec();
        let row_of = genes
            .iter()
            .enumerate()
            .map(|(i, g)| (g.clone(), i as u32))
            .collect();
        TextIndex {
            genes,
            row_of,
            vectors,
            postings,
        }
    }

    /// Whether `gene` has a summary.
    pub fn contains(&self, gene: &str) -> bool {
        self.row_of.contains_key(gene)
    }

    /// Number of genes with a summary.
    pub fn len(&self) -> usize {
        self.genes.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.genes.is_empty()
    }

    /// Cosine similarity of `target`'s summary with every gene's (by row of the file; the target
    /// itself included); `None` when the target has no summary.
    pub fn similarities(&self, target: &str) -> Option<Vec<f32>> {
        let row = *self.row_of.get(target)?;
        let mut acc = vec![0.0f32; self.genes.len()];
        for &(t, w) in &self.vectors[row as usize] {
            for &(g, v) in &self.postings[t as usize] {
                acc[g as usize] += w * v;
            }
        }
        Some(acc)
    }

    /// The `k` genes of `candidates` most similar to `target` (the target itself and genes
    /// without a summary or with no shared term left out), most similar first (ties by name),
    /// with their cosine similarity.
    pub fn most_similar(
        &self,
        target: &str,
        candidates: &[String],
        k: usize,
    ) -> Vec<(String, f32)> {
        let Some(sims) = self.similarities(target) else {
            return Vec::new();
        };
        let mut best: Vec<(String, f32)> = candidates
            .iter()
            .filter(|g| g.as_str() != target)
            .filter_map(|g| {
                let s = sims[*self.row_of.get(g)? as usize];
                (s > 0.0).then(|| (g.clone(), s))
            })
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        best.truncate(k);
        best
    }
}

/// The terms of one summary: words and adjacent word pairs, stop words and `gene`'s own symbol
/// removed first.
fn terms(text: &str, gene: &str) -> Vec<String> {
    let own: Vec<String> = words(gene).collect();
    let kept: Vec<String> = words(text)
        .filter(|w| !is_stop_word(w) && !own.contains(w))
        .collect();
    let mut out = Vec::with_capacity(2 * kept.len());
    out.extend(kept.iter().cloned());
    out.extend(kept.windows(2).map(|p| format!("{} {}", p[0], p[1])));
    out
}

/// Lower-cased runs of two or more letters, digits or underscores.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_lowercase)
}

/// Common English function words, which say nothing about a gene.
const STOP_WORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "along",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "around",
    "as",
    "at",
    "be",
    "became",
    "because",
    "become",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "done",
    "down",
    "due",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "etc",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "least",
    "less",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "never",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "other",
    "others",
    "otherwise",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "perhaps",
    "rather",
    "same",
    "several",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "thereby",
    "therefore",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "together",
    "too",
    "toward",
    "towards",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "well",
    "were",
    "what",
    "whatever",
    "when",
    "whence",
    "whenever",
    "where",
    "whereas",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "yours",
];

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// An agent reading gene summaries.
#[derive(Debug)]
pub struct TextAgent {
    name: String,
    path: PathBuf,
    index: TextIndex,
    reported: OnceLock<()>,
}

impl TextAgent {
    /// An agent named `name` over the summaries read from `path`.
    pub fn new(name: &str, path: &Path, summaries: &Summaries) -> TextAgent {
        TextAgent {
            name: name.to_string(),
            path: path.to_path_buf(),
            index: TextIndex::new(summaries),
            reported: OnceLock::new(),
        }
    }

    /// The TF-IDF index.
    pub fn index(&self) -> &TextIndex {
        &self.index
    }

    /// The answer to a query (synchronous; [`Agent::ask`] wraps it).
    pub fn answer(&self, query: Query<'_>, ctx: &Context) -> Answer {
        self.reported.get_or_init(|| {
            let missing = ctx
                .pool
                .genes()
                .iter()
                .filter(|g| !self.index.contains(g))
                .count();
            if missing > 0 {
                tracing::warn!(
                    agent = %self.name,
                    file = %self.path.display(),
                    "{missing} of {} pool genes have no summary; as targets they get no proposal, as candidates they are never proposed",
                    ctx.pool.len()
                );
            }
        });
        let Some(target) = query.target() else {
            return Answer::default();
        };
        let best = self.index.most_similar(target, ctx.pool.genes(), ctx.k);
        Answer::by_similarity(best, "summary cosine")
    }
}

impl Agent for TextAgent {
    fn name(&self) -> &str {
        &self.name
    }
    fn endpoint(&self) -> String {
        format!("text:{}", self.path.display())
    }
    fn ask<'a>(&'a self, query: Query<'a>, ctx: &'a Context, _tally: &'a Tally) -> AgentFuture<'a> {
        Box::pin(std::future::ready(Ok(self.answer(query, ctx))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Pool;
    use crate::data::GeneSymbols;

    fn summaries(rows: &[(&str, &str)]) -> Summaries {
        let text: String = std::iter::once("gene\tsummary\n".to_string())
            .chain(rows.iter().map(|(g, s)| format!("{g}\t{s}\n")))
            .collect();
        Summaries::parse(&text, Path::new("s.tsv"), &GeneSymbols::identity()).unwrap()
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn terms_drop_stop_words_and_the_own_symbol() {
        assert_eq!(
            terms(
                "GATA1 is a GATA1-binding zinc finger of the erythroid lineage",
                "GATA1"
            ),
            [
                "binding",
                "zinc",
                "finger",
                "erythroid",
                "lineage",
                "binding zinc",
                "zinc finger",
                "finger erythroid",
                "erythroid lineage"
            ]
        );
    }

    #[test]
    fn tf_idf_cosine_by_hand() {
        // A = B = "xx yy", C = "zz": A and B are identical, cosine 1; C shares no term with A,
        // cosine 0 (never proposed).
        let s = summaries(&[("A", "xx yy"), ("B", "xx yy"), ("C", "zz")]);
        let index = TextIndex::new(&s);
        let sims = index.similarities("A").unwrap();
        assert!((sims[0] - 1.0).abs() < 1e-6 && (sims[1] - 1.0).abs() < 1e-6);
        assert_eq!(sims[2], 0.0);
        // A = "xx yy", D = "xx ww": shared term xx. With n = 2 every term but xx has df 1,
        // idf(df 1) = ln(3/2) + 1, idf(xx) = ln(3/3) + 1 = 1; tf 1 throughout.
        // A = (xx 1, yy i, "xx yy" i), D = (xx 1, ww i, "xx ww" i), i = ln 1.5 + 1:
        // cosine = 1 / (1 + 2i²).
        let s = summaries(&[("A", "xx yy"), ("D", "xx ww")]);
        let i = 1.5f64.ln() + 1.0;
        let want = 1.0 / (1.0 + 2.0 * i * i);
        let got = TextIndex::new(&s).similarities("A").unwrap()[1];
        assert!((f64::from(got) - want).abs() < 1e-6, "{got} vs {want}");
    }

    #[test]
    fn proposals_rank_by_similarity_relative_to_the_best() {
        let s = summaries(&[
            (
                "KLF1",
                "erythroid transcription factor haemoglobin switching",
            ),
            ("GATA1", "erythroid transcription factor megakaryocyte"),
            ("TAL1", "transcription factor haematopoiesis"),
            ("ACTB", "cytoskeleton actin"),
            ("MYC", "oncogene proliferation"),
        ]);
        let agent = TextAgent::new("text", Path::new("s.tsv"), &s);
        let ctx = Context {
            cell: String::new(),
            pool: Pool::new(
                ["KLF1", "GATA1", "TAL1", "ACTB", "NOSUMMARY"]
                    .iter()
                    .map(|g| g.to_string()),
            ),
            k: 10,
        };
        let ans = agent.answer(Query::Similar("KLF1"), &ctx);
        let genes: Vec<&str> = ans.proposals.iter().map(|p| p.gene.as_str()).collect();
        // MYC is outside the pool, ACTB shares no term, KLF1 is the target.
        assert_eq!(genes, ["GATA1", "TAL1"]);
        assert_eq!(ans.proposals[0].confidence, 1.0);
        assert!(ans.proposals[1].confidence < 1.0 && ans.proposals[1].confidence > 0.0);
        assert_eq!(agent.answer(Query::Regulators("KLF1"), &ctx), ans);
        assert!(
            agent
                .answer(Query::Similar("NOSUMMARY"), &ctx)
                .proposals
                .is_empty()
        );
        assert!(agent.answer(Query::Hubs, &ctx).proposals.is_empty());
        let ctx1 = Context { k: 1, ..ctx };
        assert_eq!(
            agent.answer(Query::Similar("KLF1"), &ctx1).proposals.len(),
            1
        );
    }
}
