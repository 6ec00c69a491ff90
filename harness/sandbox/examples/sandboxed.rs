//! Run a command the way the harness runs host steps:
//! `sandboxed [--no-sandbox] [-w DIR]... -- PROGRAM ARGS...`
//! (used by scripts/bench-sandbox.sh). Exits with the command's status.

use harness_sandbox::Sandbox;

fn main() {
    let mut sb = Sandbox::new();
    let mut args = std::env::args().skip(1);
    let mut rest = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--no-sandbox" => sb.enabled = false,
            "-w" => {
                if let Some(d) = args.next() {
                    sb = sb.writable(d);
                }
            }
            "--" => {
                rest.extend(args.by_ref());
            }
            _ => rest.push(a),
        }
    }
    if let Err(e) = sb.probe() {
        eprintln!("sandboxed: {e}");
        std::process::exit(2);
    }
    let Some((prog, argv)) = rest.split_first() else {
        eprintln!("usage: sandboxed [--no-sandbox] [-w DIR]... -- PROGRAM ARGS...");
        std::process::exit(2);
    };
    match sb.command(prog, argv).status() {
        Ok(st) => std::process::exit(st.code().unwrap_or(128)),
        Err(e) => {
            eprintln!("sandboxed: {prog}: {e}");
            std::process::exit(2);
        }
    }
}
