//! `mentor-stand-ins ai [ADDR] [--record]`: serves the AI provider stand-in
//! with its default answer until interrupted (for benchmarks and browser
//! tests). With `--record`, `GET /_stand-in/requests` lists what it received.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("ai") {
        eprintln!("usage: mentor-stand-ins ai [ADDR] [--record]   (ADDR defaults to 127.0.0.1:0)");
        std::process::exit(2);
    }
    let rest: Vec<String> = args.collect();
    let record = rest.iter().any(|a| a == "--record");
    let addr = rest
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let fake = match mentor_stand_ins::FakeAi::start_on(&addr, record) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", fake.url());
    let _ = tokio::signal::ctrl_c().await;
}
