//! `igbq`: the QEMU tier's guest program (driven by `tests/qemu/scenarios/*.sh`).
//!
//! ```text
//! igbq vf --bdf B [--token UUID] --expect-mac MAC --ip IP --peer IP... [--max-frame N]
//!         [--reset-pf-command CMD]
//! igbq pf-serve --bdf B --vf-mac MAC... --token UUID --ip IP --control DIR [--max-seconds N]
//! igbq wait-file PATH SECONDS
//! ```
//! Exit status 0 when every check passed; otherwise the first failure is printed.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use qemu_guest::net::{self, Mac};
use qemu_guest::vfio::Uuid;
use qemu_guest::{pf_side, vf_side};

/// Command-line options: `--name value` pairs (repeatable) after the subcommand.
struct Options {
    pairs: Vec<(String, String)>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut iter = args.iter();
        while let Some(name) = iter.next() {
            let key = name
                .strip_prefix("--")
                .ok_or(format!("expected --option, got {name}"))?;
            let value = iter.next().ok_or(format!("{name} needs a value"))?;
            pairs.push((key.to_owned(), value.clone()));
        }
        Ok(Self { pairs })
    }

    fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    fn optional(&self, key: &str) -> Option<&str> {
        self.all(key).last()
    }

    fn required(&self, key: &str) -> Result<&str, String> {
        self.optional(key).ok_or(format!("--{key} is required"))
    }
}

fn mac(text: &str) -> Result<Mac, String> {
    net::parse_mac(text).ok_or(format!("bad MAC {text}"))
}

fn ip(text: &str) -> Result<Ipv4Addr, String> {
    text.parse().map_err(|_| format!("bad IPv4 address {text}"))
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("bad number {text}"))
}

fn token(text: &str) -> Result<Uuid, String> {
    text.parse()
        .map_err(|error| format!("bad VF token {text}: {error:?}"))
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, rest) = args
        .split_first()
        .ok_or("usage: igbq vf|pf-serve|wait-file ...")?;
    match command.as_str() {
        "vf" => {
            let options = Options::parse(rest)?;
            let vf_args = vf_side::VfArgs {
                bdf: options.required("bdf")?.to_owned(),
                token: options.optional("token").map(token).transpose()?,
                expect_mac: mac(options.required("expect-mac")?)?,
                ip: ip(options.required("ip")?)?,
                peers: options.all("peer").map(ip).collect::<Result<_, _>>()?,
                max_frame: options.optional("max-frame").map_or(Ok(1522), number)?,
                reset_pf_command: options.optional("reset-pf-command").map(str::to_owned),
            };
            if vf_args.peers.is_empty() {
                return Err("at least one --peer".into());
            }
            vf_side::run(&vf_args)
        }
        "pf-serve" => {
            let options = Options::parse(rest)?;
            let vf_macs: Vec<Mac> = options.all("vf-mac").map(mac).collect::<Result<_, _>>()?;
            let pf_args = pf_side::PfArgs {
                bdf: options.required("bdf")?.to_owned(),
                num_vfs: u8::try_from(vf_macs.len()).map_err(|_| "too many VFs")?,
                vf_macs,
                token: token(options.required("token")?)?,
                ip: ip(options.required("ip")?)?,
                control: PathBuf::from(options.required("control")?),
                max_run: Duration::from_secs(
                    options.optional("max-seconds").map_or(Ok(240), number)?,
                ),
            };
            pf_side::run(&pf_args)
        }
        "wait-file" => match rest {
            [path, seconds] => {
                pf_side::wait_for_file(&PathBuf::from(path), Duration::from_secs(number(seconds)?))
            }
            _ => Err("usage: igbq wait-file PATH SECONDS".into()),
        },
        other => Err(format!("unknown command {other}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => {
            println!("igbq {}: ok", args.first().map_or("", String::as_str));
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!(
                "igbq {}: FAILED: {error}",
                args.first().map_or("", String::as_str)
            );
            ExitCode::FAILURE
        }
    }
}
