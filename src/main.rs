// A compiler allocates many small trees from two threads and frees them a chunk at a
// time; mimalloc does that far faster than the system allocator (see docs/PERFORMANCE.md).
// Built without transparent huge pages (`no_thp` in Cargo.toml): each 2 MiB page mimalloc
// asked for was zeroed and kept whole, a third of a 10,000-revision build's memory.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
