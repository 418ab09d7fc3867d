//! `mentor-stand-ins ai [ADDR] [--record]`: serves the AI provider stand-in
//! with its default answer until interrupted (for benchmarks and browser
//! tests). With `--record`, `GET /_stand-in/requests` lists what it received;
//! `POST /_stand-in/delay/{ms}` makes its answers slow.
//!
//! `mentor-stand-ins stripe [ADDR]`: serves the Stripe stand-in with the
//! prices `price_pro` ($9/month) and `price_enterprise` ($29/month); it
//! always records (`GET /_stand-in/requests`).
//!
//! `mentor-stand-ins smtp [ADDR]`: a real SMTP server on a free port, and on
//! ADDR an HTTP view of what it received (`GET /messages`). Prints
//! `HTTP_URL SMTP_URL` on its first line.
//!
//! Each prints its URL on the first line of standard output.

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let service = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let addr = rest
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let url = match service.as_str() {
        "ai" => {
            let record = rest.iter().any(|a| a == "--record");
            mentor_stand_ins::FakeAi::start_on(&addr, record).map(|fake| fake.url().to_string())
        }
        "smtp" => {
            let catcher = mentor_stand_ins::MailCatcher::start();
            catcher
                .serve_inbox(&addr)
                .map(|http| format!("{http} {}", catcher.url()))
        }
        "stripe" => mentor_stand_ins::FakeStripe::start_on(&addr).map(|fake| {
            fake.put_price("price_pro", 900, "usd");
            fake.put_price("price_enterprise", 2_900, "usd");
            fake.url().to_string()
        }),
        _ => {
            eprintln!(
                "usage: mentor-stand-ins ai [ADDR] [--record] | stripe [ADDR] | smtp [ADDR]   (ADDR defaults to 127.0.0.1:0)"
            );
            std::process::exit(2);
        }
    };
    match url {
        Ok(url) => println!("{url}"),
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
