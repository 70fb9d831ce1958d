//! `tracewire`: rebuild traces from span records and export them.
//!
//! ```text
//! tracewire tree [--trace-id ID] [FILE...]      print each trace as a tree (stdin without FILE)
//! tracewire export zipkin|otlp [FILE...]        print the records as Zipkin v2 JSON or OTLP/JSON
//! ```
//! `tree` exits with status 3 when a trace shows a failure or a missing branch.

use std::io::Read;
use std::process::ExitCode;

use tracewire::span::SpanRecord;
use tracewire::tree::TraceTree;
use tracewire::{export, TraceId};

const USAGE: &str = "usage: tracewire tree [--trace-id ID] [FILE...]\n       tracewire export zipkin|otlp [FILE...]";

fn read_records(files: &[String]) -> std::io::Result<Vec<SpanRecord>> {
    let mut text = String::new();
    if files.is_empty() {
        std::io::stdin().read_to_string(&mut text)?;
    }
    for file in files {
        text.push_str(&std::fs::read_to_string(file)?);
        text.push('\n');
    }
    Ok(SpanRecord::parse_lines(&text))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    match args {
        [command, rest @ ..] if command == "tree" => {
            let (trace_id, files) = match rest {
                [flag, id, files @ ..] if flag == "--trace-id" => (
                    Some(id.parse::<TraceId>().map_err(|e| e.to_string())?),
                    files,
                ),
                files => (None, files),
            };
            let records = read_records(files).map_err(|e| e.to_string())?;
            let ids = trace_id.map_or_else(|| TraceTree::trace_ids(&records), |id| vec![id]);
            if ids.is_empty() {
                return Err("no span records found".into());
            }
            let mut incomplete = false;
            for id in ids {
                let tree =
                    TraceTree::build(&records, id).ok_or(format!("no span of trace {id}"))?;
                print!("{}", tree.render());
                incomplete |= !tree.findings().is_empty();
            }
            Ok(if incomplete {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            })
        }
        [command, format, files @ ..] if command == "export" => {
            let records = read_records(files).map_err(|e| e.to_string())?;
            match format.as_str() {
                "zipkin" => println!("{}", export::zipkin_v2(&records)),
                "otlp" => println!("{}", export::otlp_json(&records)),
                other => return Err(format!("unknown export format {other:?}\n{USAGE}")),
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(USAGE.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    run(&args).unwrap_or_else(|message| {
        eprintln!("{message}");
        ExitCode::from(2)
    })
}
