// A compiler allocates many small trees from two threads and frees them a chunk at a
// time; mimalloc does that far faster than the system allocator (see docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
