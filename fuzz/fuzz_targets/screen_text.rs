//! The CSV/TSV readers (wide, long, ranked; plain or gzip) on arbitrary bytes. The first byte
//! picks the format (detected, or forced to wide / long / ranked) and the name's extension.
#![no_main]

use std::io::{BufReader, Read};
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mechpert::data::GeneSymbols;
use mechpert::data::io::{Builder, Format};

fuzz_target!(
    // The symbol table loads once, before the first input (not inside its time limit).
    init: {
        GeneSymbols::embedded();
    },
    |data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = [
        None,
        Some(Format::Wide),
        Some(Format::Long),
        Some(Format::Ranked),
    ][usize::from(selector & 3)];
    let name = Path::new(if selector & 4 == 0 {
        "fuzz.csv"
    } else {
        "fuzz.tsv"
    });
    let builder = Builder::new(GeneSymbols::embedded());
    let reader: Box<dyn Read> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    match builder.build_from_reader(BufReader::new(reader), name, format) {
        Ok(loaded) => mechpert_fuzz::check_screen(&loaded.screen),
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("fuzz."), "error names no file: {message}");
        }
    }
});
