//! Image benchmarks: `cargo bench -p dockerlings-runtime --bench images`.
//!
//! Prints absolute numbers and ratios against a peer measured in the same run on the same
//! bytes, so results compare across machines:
//! - pull of each built-in image into a fresh store, vs copying the same bytes with `cp`;
//! - save throughput, vs GNU tar archiving the same unpacked layers;
//! - load throughput, vs GNU tar extracting the same archive.
//!
//! The latest figures are in the book (architecture page, "Measuring"); this harness only
//! measures.

use std::process::Command;
use std::time::{Duration, Instant};

use dockerlings_runtime::{catalogue, Engine, Paths};

const IMAGES: &[&str] = &[
    "hello-world",
    "busybox",
    "alpine:3.19",
    "ubuntu:22.04",
    "centos:7",
    "nginx:1.25",
    "nginx:alpine",
    "httpd",
    "diamol/ch02-hello-diamol",
];
const ROUNDS: usize = 5;

fn main() {
    let scratch = tempfile::tempdir().expect("temp dir");
    println!("dockerlings image benchmarks ({ROUNDS} rounds each, median)\n");

    println!(
        "{:<28} {:>10} {:>12} {:>12} {:>8}",
        "pull (fresh store)", "size", "pull ms", "cp -a ms", "ratio"
    );
    for image in IMAGES {
        let size = image_size(image);
        let mut pulls = Vec::new();
        let mut copies = Vec::new();
        for round in 0..ROUNDS {
            let root = scratch
                .path()
                .join(format!("pull-{}-{round}", image.replace(['/', ':'], "_")));
            let engine = Engine::open(Paths::new(root.join("root"), root.join("run"))).unwrap();
            let start = Instant::now();
            engine.pull(image, &mut |_| {}).expect("pull");
            pulls.push(start.elapsed());
            // Peer: copy the store the pull produced (same bytes on the same disk).
            let copy = root.join("copy");
            let start = Instant::now();
            run(Command::new("cp")
                .arg("-a")
                .arg(root.join("root"))
                .arg(&copy));
            copies.push(start.elapsed());
            std::fs::remove_dir_all(&root).ok();
        }
        let (pull, copy) = (median(&mut pulls), median(&mut copies));
        println!(
            "{:<28} {:>10} {:>12.1} {:>12.1} {:>8.2}",
            image,
            human(size),
            ms(pull),
            ms(copy),
            ms(pull) / ms(copy)
        );
    }

    println!();
    println!(
        "{:<28} {:>10} {:>12} {:>12} {:>8}",
        "save / load", "bytes", "MB/s", "tar MB/s", "ratio"
    );
    let root = scratch.path().join("saveload");
    let engine = Engine::open(Paths::new(root.join("root"), root.join("run"))).unwrap();
    let names: Vec<String> = ["nginx:1.25", "ubuntu:22.04", "alpine:3.19"]
        .map(String::from)
        .to_vec();
    for name in &names {
        engine.pull(name, &mut |_| {}).unwrap();
    }
    let archive = root.join("images.tar");
    let mut saves = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut file = std::fs::File::create(&archive).unwrap();
        engine.image_save(&names, &mut file).unwrap();
        file.sync_all().unwrap();
        saves.push(start.elapsed());
    }
    let bytes = std::fs::metadata(&archive).unwrap().len();
    // Peer for save: GNU tar writing the unpacked image store into one archive.
    let peer_archive = root.join("peer.tar");
    let mut tars = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        run(Command::new("tar")
            .arg("-cf")
            .arg(&peer_archive)
            .arg("-C")
            .arg(root.join("root"))
            .arg("image"));
        run(Command::new("sync").arg("-f").arg(&peer_archive));
        tars.push(start.elapsed());
    }
    let peer_bytes = std::fs::metadata(&peer_archive).unwrap().len();
    report(
        "save (3 images)",
        bytes,
        median(&mut saves),
        peer_bytes,
        median(&mut tars),
    );

    let mut loads = Vec::new();
    for round in 0..ROUNDS {
        let fresh = root.join(format!("load-{round}"));
        let engine = Engine::open(Paths::new(fresh.join("root"), fresh.join("run"))).unwrap();
        let start = Instant::now();
        let mut file = std::fs::File::open(&archive).unwrap();
        engine.image_load(&mut file).unwrap();
        loads.push(start.elapsed());
        std::fs::remove_dir_all(&fresh).ok();
    }
    let mut untars = Vec::new();
    for round in 0..ROUNDS {
        let dest = root.join(format!("untar-{round}"));
        std::fs::create_dir_all(&dest).unwrap();
        let start = Instant::now();
        run(Command::new("tar")
            .arg("-xf")
            .arg(&peer_archive)
            .arg("-C")
            .arg(&dest));
        untars.push(start.elapsed());
        std::fs::remove_dir_all(&dest).ok();
    }
    report(
        "load (3 images)",
        bytes,
        median(&mut loads),
        peer_bytes,
        median(&mut untars),
    );
}

fn image_size(image: &str) -> u64 {
    let reference = dockerlings_runtime::Reference::parse(image).unwrap();
    let built = catalogue::build(&reference)
        .unwrap()
        .expect("a catalogue image");
    built.layers.iter().map(|l| l.len() as u64).sum()
}

fn report(what: &str, bytes: u64, ours: Duration, peer_bytes: u64, peer: Duration) {
    let ours_mbs = bytes as f64 / 1e6 / ours.as_secs_f64();
    let peer_mbs = peer_bytes as f64 / 1e6 / peer.as_secs_f64();
    println!(
        "{what:<28} {:>10} {ours_mbs:>12.1} {peer_mbs:>12.1} {:>8.2}",
        human(bytes),
        ours_mbs / peer_mbs
    );
}

fn run(cmd: &mut Command) {
    let status = cmd.status().expect("run peer command");
    assert!(status.success(), "{cmd:?} failed");
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn human(bytes: u64) -> String {
    format!("{:.2}MB", bytes as f64 / 1e6)
}
