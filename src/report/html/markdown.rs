//! The Markdown that mechpert's own `summary.md` files use, as HTML: headings, bullet lists,
//! pipe tables (rendered sortable), paragraphs, and inline `code` and **bold**. Everything else is
//! text, escaped; nothing is passed through as raw HTML.

use std::fmt::Write;

/// `text` with `&`, `<`, `>` and `"` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// One line of inline Markdown as HTML: escaped, with `code` and **bold** spans.
pub fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            for (j, piece) in escape(part).split("**").enumerate() {
                if j % 2 == 1 {
                    let _ = write!(out, "<strong>{piece}</strong>");
                } else {
                    out.push_str(piece);
                }
            }
        }
    }
    out
}

fn cells(line: &str) -> Vec<&str> {
    let t = line.trim().trim_start_matches('|').trim_end_matches('|');
    t.split('|').map(str::trim).collect()
}

fn is_separator(line: &str) -> bool {
    let c = cells(line);
    !c.is_empty()
        && c.iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
}

/// A Markdown document as HTML; headings are shifted down by `shift` levels (at most h6).
pub fn to_html(markdown: &str, shift: usize) -> String {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if !paragraph.is_empty() {
            let text: Vec<String> = paragraph.iter().map(|l| inline(l.trim())).collect();
            let _ = writeln!(out, "<p>{}</p>", text.join(" "));
            paragraph.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            flush(&mut paragraph, &mut out);
            let level = (hashes + shift).min(6);
            let _ = writeln!(
                out,
                "<h{level}>{}</h{level}>",
                inline(trimmed[hashes..].trim())
            );
            i += 1;
        } else if trimmed.starts_with('|') && i + 1 < lines.len() && is_separator(lines[i + 1]) {
            flush(&mut paragraph, &mut out);
            out.push_str("<table class=\"sortable\">\n<thead><tr>");
            for c in cells(trimmed) {
                let _ = write!(out, "<th scope=\"col\">{}</th>", inline(c));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            i += 2;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                out.push_str("<tr>");
                for c in cells(lines[i]) {
                    let _ = write!(out, "<td>{}</td>", inline(c));
                }
                out.push_str("</tr>\n");
                i += 1;
            }
            out.push_str("</tbody></table>\n");
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            flush(&mut paragraph, &mut out);
            out.push_str("<ul>\n");
            let _ = writeln!(out, "<li>{}</li>", inline(item));
            i += 1;
            while let Some(item) = lines.get(i).and_then(|l| l.trim().strip_prefix("- ")) {
                let _ = writeln!(out, "<li>{}</li>", inline(item));
                i += 1;
            }
            out.push_str("</ul>\n");
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
            i += 1;
        } else {
            paragraph.push(line);
            i += 1;
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_lists_tables_and_inline_code() {
        let md = "# Title\n\n- dataset: `a<b>.csv`\n- **bold** & more\n\n| metric | mean |\n|---|---|\n| mse ↓ | 0.038 [0.037, 0.038] |\n\nSome\ntext.\n";
        let html = to_html(md, 2);
        assert_eq!(
            html,
            "<h3>Title</h3>\n<ul>\n<li>dataset: <code>a&lt;b&gt;.csv</code></li>\n\
             <li><strong>bold</strong> &amp; more</li>\n</ul>\n\
             <table class=\"sortable\">\n<thead><tr><th scope=\"col\">metric</th><th scope=\"col\">mean</th></tr></thead>\n\
             <tbody>\n<tr><td>mse ↓</td><td>0.038 [0.037, 0.038]</td></tr>\n</tbody></table>\n\
             <p>Some text.</p>\n"
        );
    }

    #[test]
    fn a_pipe_line_without_separator_is_text_and_raw_html_is_escaped() {
        let html = to_html("| not a table\n<script>x</script>", 0);
        assert_eq!(
            html,
            "<p>| not a table &lt;script&gt;x&lt;/script&gt;</p>\n"
        );
    }
}
