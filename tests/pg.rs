//! A throwaway PostgreSQL 15 for the tests that prove SQL on a real server.
//!
//! One server per test binary: `initdb` into a temporary folder, `pg_ctl start` on a
//! Unix socket inside it (no TCP listener), stopped and removed when the test binary
//! exits, whatever the tests did. As root (CI), the server runs as the `postgres` user:
//! PostgreSQL refuses to run as root. Each test gets a database of its own.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where Debian puts PostgreSQL 15's server binaries.
const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct Server {
    socket: PathBuf,
    port: u16,
}

static SERVER: OnceLock<Server> = OnceLock::new();
/// The folder to remove at exit (a static, so the exit hook can reach it).
static CLEANUP: Mutex<Option<PathBuf>> = Mutex::new(None);

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Runs a server binary, as `postgres` when we are root.
fn server_command(program: &str) -> Command {
    let path = Path::new(BIN).join(program);
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(path);
        command
    } else {
        Command::new(path)
    }
}

fn check(output: Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

extern "C" fn stop_server() {
    let Ok(mut guard) = CLEANUP.lock() else {
        return;
    };
    if let Some(root) = guard.take() {
        let _ = server_command("pg_ctl")
            .arg("-D")
            .arg(root.join("data"))
            .args(["stop", "-m", "immediate", "-w"])
            .output();
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// The server, started on first use.
pub fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        assert!(
            Path::new(BIN).join("initdb").exists(),
            "PostgreSQL 15 is needed at {BIN} (apt-get install postgresql; .ci/run does it)"
        );
        let root = tempfile::Builder::new()
            .prefix("strata-pg-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let socket = root.join("socket");
        std::fs::create_dir_all(&socket).expect("socket folder");
        if running_as_root()
            && !Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success())
        {
            // The package creates this user; a machine with the binaries alone may not.
            let status = Command::new("useradd")
                .args(["--system", "--no-create-home", "postgres"])
                .status()
                .expect("useradd runs");
            assert!(status.success(), "cannot create the postgres user");
        }
        if running_as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(&root)
                .status()
                .expect("chown");
            assert!(status.success(), "chown to postgres failed");
        }
        // Registered before the start, so that a failed start is cleaned up too.
        *CLEANUP.lock().expect("cleanup lock") = Some(root.clone());
        // SAFETY: registering a plain `extern "C"` function with no captured state.
        unsafe {
            libc::atexit(stop_server);
        }
        let data = root.join("data");
        check(
            server_command("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"])
                .output()
                .expect("initdb runs"),
            "initdb",
        );
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("an address").port()
        };
        let options = format!(
            "-k {} -p {port} -c listen_addresses='' -c fsync=off",
            socket.display()
        );
        check(
            server_command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .args(["-o", &options, "-w", "-l"])
                .arg(root.join("server.log"))
                .arg("start")
                .output()
                .expect("pg_ctl runs"),
            "pg_ctl start",
        );
        Server { socket, port }
    })
}

static NEXT_DATABASE: AtomicU32 = AtomicU32::new(0);

impl Server {
    fn psql_command(&self, database: &str) -> Command {
        let mut command = Command::new(Path::new(BIN).join("psql"));
        command
            .arg("-X")
            .arg("-h")
            .arg(&self.socket)
            .arg("-p")
            .arg(self.port.to_string())
            .args([
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
            ]);
        command
    }

    /// The environment in which a plain `psql` (with `-d DATABASE`) reaches the server.
    pub fn client_environment(&self) -> [(&'static str, String); 3] {
        [
            ("PGHOST", self.socket.display().to_string()),
            ("PGPORT", self.port.to_string()),
            ("PGUSER", "postgres".to_owned()),
        ]
    }

    /// PostgreSQL 15's `psql`.
    pub fn psql_path(&self) -> PathBuf {
        Path::new(BIN).join("psql")
    }

    /// A fresh, empty database for one test.
    pub fn database(&self) -> String {
        let name = format!("test_{}", NEXT_DATABASE.fetch_add(1, Ordering::SeqCst));
        let output = self
            .psql_command("postgres")
            .args(["-c", &format!("CREATE DATABASE {name}")])
            .output()
            .expect("psql runs");
        check(output, "CREATE DATABASE");
        name
    }

    /// Runs SQL text through `psql -f -`; returns its output.
    pub fn run(&self, database: &str, sql: &str) -> Output {
        use std::io::Write as _;
        let mut child = self
            .psql_command(database)
            .args(["-A", "-t", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("psql runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(sql.as_bytes())
            .expect("feed psql");
        child.wait_with_output().expect("psql finishes")
    }

    /// Starts psql on a script file, with its output piped; the caller waits for it.
    pub fn spawn_file(&self, database: &str, path: &Path) -> std::process::Child {
        self.psql_command(database)
            .args(["-A", "-t", "-f"])
            .arg(path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("psql runs")
    }

    /// Starts psql on SQL text given on its command line, with its output piped.
    pub fn spawn_sql(&self, database: &str, sql: &str) -> std::process::Child {
        self.psql_command(database)
            .args(["-A", "-t", "-c", sql])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("psql runs")
    }

    /// `pg_dump --schema-only` of a database, without the `\restrict` pair that
    /// pg_dump 15.14 and later writes with a random key.
    pub fn dump(&self, database: &str) -> String {
        let output = Command::new(Path::new(BIN).join("pg_dump"))
            .arg("-h")
            .arg(&self.socket)
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-U", "postgres", "--schema-only", "--no-owner", database])
            .output()
            .expect("pg_dump runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        check(output, "pg_dump");
        let mut lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
            .collect();
        // An object's privileges are a set, which PostgreSQL keeps (and pg_dump writes)
        // in the order they were granted: a downgrade that grants them back in another
        // order leaves the same privileges. Each run of GRANT lines is compared sorted.
        let mut start = 0;
        while start < lines.len() {
            let run = lines[start..]
                .iter()
                .take_while(|l| l.starts_with("GRANT "))
                .count();
            lines[start..start + run].sort_unstable();
            start += run.max(1);
        }
        lines.join("\n")
    }

    /// Runs SQL that must succeed; `what` names it in the failure.
    pub fn apply(&self, database: &str, sql: &str, what: &str) {
        let output = self.run(database, sql);
        assert!(
            output.status.success(),
            "{what} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The lines a query prints, which must succeed.
    pub fn query(&self, database: &str, sql: &str) -> Vec<String> {
        let output = self.run(database, sql);
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        check(output, sql);
        text.lines().map(str::to_owned).collect()
    }
}
