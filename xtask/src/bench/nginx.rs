//! Debian's nginx in front of API processes on loopback, for the two-process row: round robin,
//! no sticky sessions, keep-alive to the upstreams, `X-Forwarded-For` set (the processes trust
//! 127.0.0.1). Stopped when dropped.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::util::{self, Result};

pub const NGINX: &str = "/usr/sbin/nginx";

pub struct Nginx {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    dir: PathBuf,
}

impl Nginx {
    /// Starts nginx on a free loopback port in front of `upstreams` (`127.0.0.1:PORT` each),
    /// its files under `work`.
    pub fn start(work: &Path, upstreams: &[&str]) -> Result<Nginx> {
        if !Path::new(NGINX).exists() {
            return Err(format!("{NGINX} is missing: apt-get install -y nginx"));
        }
        let dir = work.join("nginx");
        std::fs::create_dir_all(dir.join("logs"))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let servers: String = upstreams
            .iter()
            .map(|address| format!("        server {address};\n"))
            .collect();
        let config = format!(
            "worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream api {{
{servers}        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        keepalive_requests 100000;
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
",
            dir = dir.display()
        );
        let file = dir.join("nginx.conf");
        std::fs::write(&file, config)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let child = Command::new(NGINX)
            .args(["-e", "stderr", "-p"])
            .arg(&dir)
            .arg("-c")
            .arg(&file)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start nginx: {e}"))?;
        let nginx = Nginx {
            child,
            address: format!("127.0.0.1:{port}"),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok((200, _)) = util::http(
                &nginx.address,
                "GET",
                "/healthz",
                None,
                Duration::from_secs(2),
            ) {
                return Ok(nginx);
            }
            if Instant::now() > deadline {
                return Err("nginx did not answer /healthz within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Nginx {
    /// SIGTERM to the master, which stops its workers (a SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
