//! `mentor-stand-ins ai [ADDR]`: serves the AI provider stand-in with its
//! default answer until interrupted (for benchmarks and browser tests).

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("ai") {
        eprintln!("usage: mentor-stand-ins ai [ADDR]   (default 127.0.0.1:0)");
        std::process::exit(2);
    }
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let fake = match mentor_stand_ins::FakeAi::start_on(&addr, false) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("{}", fake.url());
    let _ = tokio::signal::ctrl_c().await;
}
