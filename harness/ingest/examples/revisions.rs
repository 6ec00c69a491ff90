//! Print the text a patch tool would read for revision N of each patch:
//! `cargo run -p harness-ingest --example revisions -- SOURCE N`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(src), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: revisions SOURCE N");
        std::process::exit(2);
    };
    let opts = harness_ingest::LoadOptions {
        revision: harness_ingest::RevisionChoice::Nth(n),
        series: None,
    };
    match harness_ingest::load_with(std::path::Path::new(src), &opts) {
        Ok(s) => {
            for p in s.patches {
                use std::io::Write;
                let _ = std::io::stdout().write_all(&p.content);
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
